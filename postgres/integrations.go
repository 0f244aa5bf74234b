package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

const integrationColumns = `website_id, provider, credentials, has_webhook_secret, currency, key_expires_at, connected_at, sync_cursor, synced_at, sync_error`

const integrationInsert = `INSERT INTO integrations (` + integrationColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func scanIntegration(row pgx.Row) (*openfast.Integration, error) {
	var in openfast.Integration
	if err := row.Scan(&in.WebsiteID, &in.Provider, &in.Credentials, &in.HasWebhookSecret, &in.Currency, &in.KeyExpiresAt, &in.ConnectedAt,
		&in.SyncCursor, &in.SyncedAt, &in.SyncError); err != nil {
		return nil, err
	}
	in.KeyExpiresAt, in.ConnectedAt, in.SyncedAt = utcPtr(in.KeyExpiresAt), in.ConnectedAt.UTC(), utcPtr(in.SyncedAt)
	return &in, nil
}

func integrationArgs(in *openfast.Integration) []any {
	return []any{in.WebsiteID, in.Provider, in.Credentials, in.HasWebhookSecret, in.Currency, msPtr(in.KeyExpiresAt), ms(in.ConnectedAt),
		in.SyncCursor, msPtr(in.SyncedAt), in.SyncError}
}

func (db *DB) selectIntegrations(ctx context.Context, where string, args ...any) ([]*openfast.Integration, error) {
	var out []*openfast.Integration
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+integrationColumns+` FROM integrations `+where+` ORDER BY website_id, provider`, args...)
		if err != nil {
			return fmt.Errorf("select integrations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			in, err := scanIntegration(rows)
			if err != nil {
				return fmt.Errorf("scan integration: %w", err)
			}
			out = append(out, in)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveIntegration stores a website's connection to a provider, replacing
// the one it had.
func (db *DB) SaveIntegration(ctx context.Context, in *openfast.Integration, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM websites WHERE id = $1 FOR UPDATE`, in.WebsiteID).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return notFound("Website")
			}
			return fmt.Errorf("lock website: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM integrations WHERE website_id = $1 AND provider = $2`, in.WebsiteID, in.Provider); err != nil {
			return fmt.Errorf("replace integration: %w", err)
		}
		if _, err := tx.Exec(ctx, integrationInsert, integrationArgs(in)...); err != nil {
			return fmt.Errorf("insert integration: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// Integrations lists a website's connections, by provider.
func (db *DB) Integrations(ctx context.Context, websiteID string) ([]*openfast.Integration, error) {
	return db.selectIntegrations(ctx, `WHERE website_id = $1`, websiteID)
}

// Integration returns a website's connection to a provider.
func (db *DB) Integration(ctx context.Context, websiteID, provider string) (*openfast.Integration, error) {
	list, err := db.selectIntegrations(ctx, `WHERE website_id = $1 AND provider = $2`, websiteID, provider)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound("Integration")
	}
	return list[0], nil
}

// DeleteIntegration removes a website's connection to a provider.
func (db *DB) DeleteIntegration(ctx context.Context, websiteID, provider string, audit *openfast.AuditEntry) error {
	return db.deleteOne(ctx, "Integration", `DELETE FROM integrations WHERE website_id = $1 AND provider = $2`, audit, websiteID, provider)
}

// AllIntegrations lists every connection, by website and provider.
func (db *DB) AllIntegrations(ctx context.Context) ([]*openfast.Integration, error) {
	return db.selectIntegrations(ctx, ``)
}

// SetIntegrationSync records a sync's outcome on the connection made at
// connectedAt.
func (db *DB) SetIntegrationSync(ctx context.Context, websiteID, provider string, connectedAt time.Time, s openfast.IntegrationSync) error {
	return db.conn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `UPDATE integrations SET sync_cursor = CASE WHEN $1 = '' THEN sync_cursor ELSE $1 END, synced_at = $2, sync_error = $3
			WHERE website_id = $4 AND provider = $5 AND connected_at = $6`,
			s.Cursor, ms(s.At), openfast.Truncate(s.Error, openfast.MaxSyncError), websiteID, provider, ms(connectedAt))
		if err != nil {
			return fmt.Errorf("set integration sync: %w", err)
		}
		return nil
	})
}
