package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

const integrationColumns = `website_id, provider, credentials, has_webhook_secret, currency, key_expires_at, connected_at, sync_cursor, synced_at, sync_error`

const integrationInsert = `INSERT INTO integrations (` + integrationColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func scanIntegration(row interface{ Scan(...any) error }) (*openfast.Integration, error) {
	var in openfast.Integration
	var expires, synced sql.NullInt64
	var connected int64
	if err := row.Scan(&in.WebsiteID, &in.Provider, &in.Credentials, &in.HasWebhookSecret, &in.Currency, &expires, &connected,
		&in.SyncCursor, &synced, &in.SyncError); err != nil {
		return nil, err
	}
	in.KeyExpiresAt, in.ConnectedAt, in.SyncedAt = fromNullMS(expires), fromMS(connected), fromNullMS(synced)
	return &in, nil
}

func integrationArgs(in *openfast.Integration) []any {
	return []any{in.WebsiteID, in.Provider, in.Credentials, in.HasWebhookSecret, in.Currency, nullMS(in.KeyExpiresAt), ms(in.ConnectedAt),
		in.SyncCursor, nullMS(in.SyncedAt), in.SyncError}
}

func (db *DB) selectIntegrations(ctx context.Context, where string, args ...any) ([]*openfast.Integration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integrations `+where+` ORDER BY website_id, provider`, args...)
	if err != nil {
		return nil, fmt.Errorf("select integrations: %w", err)
	}
	defer rows.Close()
	var out []*openfast.Integration
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("scan integration: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// SaveIntegration stores a website's connection to a provider, replacing
// the one it had.
func (db *DB) SaveIntegration(ctx context.Context, in *openfast.Integration, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM websites WHERE id = ?`, in.WebsiteID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Website")
			}
			return fmt.Errorf("find website: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM integrations WHERE website_id = ? AND provider = ?`, in.WebsiteID, in.Provider); err != nil {
			return fmt.Errorf("replace integration: %w", err)
		}
		if _, err := tx.ExecContext(ctx, integrationInsert, integrationArgs(in)...); err != nil {
			return fmt.Errorf("insert integration: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// Integrations lists a website's connections, by provider.
func (db *DB) Integrations(ctx context.Context, websiteID string) ([]*openfast.Integration, error) {
	return db.selectIntegrations(ctx, `WHERE website_id = ?`, websiteID)
}

// Integration returns a website's connection to a provider.
func (db *DB) Integration(ctx context.Context, websiteID, provider string) (*openfast.Integration, error) {
	in, err := scanIntegration(db.read.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integrations WHERE website_id = ? AND provider = ?`, websiteID, provider))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Integration")
	}
	if err != nil {
		return nil, fmt.Errorf("select integration: %w", err)
	}
	return in, nil
}

// DeleteIntegration removes a website's connection to a provider.
func (db *DB) DeleteIntegration(ctx context.Context, websiteID, provider string, audit *openfast.AuditEntry) error {
	return db.deleteOne(ctx, "Integration", `DELETE FROM integrations WHERE website_id = ? AND provider = ?`, audit, websiteID, provider)
}

// AllIntegrations lists every connection, by website and provider.
func (db *DB) AllIntegrations(ctx context.Context) ([]*openfast.Integration, error) {
	return db.selectIntegrations(ctx, ``)
}

// SetIntegrationSync records a sync's outcome on the connection made at
// connectedAt.
func (db *DB) SetIntegrationSync(ctx context.Context, websiteID, provider string, connectedAt time.Time, s openfast.IntegrationSync) error {
	_, err := db.write.ExecContext(ctx, `UPDATE integrations SET sync_cursor = CASE WHEN ? = '' THEN sync_cursor ELSE ? END, synced_at = ?, sync_error = ?
		WHERE website_id = ? AND provider = ? AND connected_at = ?`,
		s.Cursor, s.Cursor, ms(s.At), openfast.Truncate(s.Error, openfast.MaxSyncError), websiteID, provider, ms(connectedAt))
	if err != nil {
		return fmt.Errorf("set integration sync: %w", err)
	}
	return nil
}

// exportIntegrations adds every integration to d.
func exportIntegrations(ctx context.Context, tx *sql.Tx, d *openfast.MetadataDump) error {
	return eachRow(ctx, tx, `SELECT `+integrationColumns+` FROM integrations ORDER BY website_id, provider`, func(r *sql.Rows) error {
		in, err := scanIntegration(r)
		d.Integrations = append(d.Integrations, in)
		return err
	})
}
