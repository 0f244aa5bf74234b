package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

const apiKeyColumns = `id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, last_used_at, expires_at, previous_hash, previous_expires_at, allowed_ips`

func scanAPIKey(row pgx.Row) (*openfast.APIKey, error) {
	var k openfast.APIKey
	var maker *string
	if err := row.Scan(&k.ID, &k.WebsiteID, &k.Name, &k.DisplayKey, &k.Hash, &k.Permissions, &k.CreatedByKey, &maker, &k.CreatedAt, &k.LastUsedAt, &k.ExpiresAt, &k.PreviousHash, &k.PreviousExpiresAt, &k.AllowedIPs); err != nil {
		return nil, err
	}
	if maker != nil {
		k.CreatedBy = *maker
	}
	k.CreatedAt, k.LastUsedAt, k.ExpiresAt = k.CreatedAt.UTC(), utcPtr(k.LastUsedAt), utcPtr(k.ExpiresAt)
	k.PreviousExpiresAt = utcPtr(k.PreviousExpiresAt)
	return &k, nil
}

// CreateAPIKey inserts k unless its website already has limit keys. The
// transaction first locks the website's row (SELECT ... FOR UPDATE), then
// counts and inserts: a concurrent creation for the same website, from any
// process, waits for the lock and counts after this one commits.
func (db *DB) CreateAPIKey(ctx context.Context, k *openfast.APIKey, limit int, audit *openfast.AuditEntry) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "websites", k.WebsiteID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE website_id = $1`, k.WebsiteID).Scan(&n); err != nil {
			return fmt.Errorf("count api keys: %w", err)
		}
		if n >= limit {
			return openfast.Errorf(openfast.ELIMIT, "Key limit reached: a website can have at most %d API keys.", limit)
		}
		_, err := tx.Exec(ctx, `INSERT INTO api_keys (id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, expires_at, allowed_ips) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			k.ID, k.WebsiteID, k.Name, k.DisplayKey, k.Hash, k.Permissions, k.CreatedByKey, nullString(k.CreatedBy), ms(k.CreatedAt), msPtr(k.ExpiresAt), k.AllowedIPs)
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// APIKeys lists a website's keys, oldest first.
func (db *DB) APIKeys(ctx context.Context, websiteID string) ([]*openfast.APIKey, error) {
	var out []*openfast.APIKey
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE website_id = $1 ORDER BY created_at, id`, websiteID)
		if err != nil {
			return fmt.Errorf("select api keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanAPIKey(rows)
			if err != nil {
				return fmt.Errorf("scan api key: %w", err)
			}
			out = append(out, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// APIKeyByHash returns the key with the given SHA-256, or ENOTFOUND.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*openfast.APIKey, error) {
	var k *openfast.APIKey
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		k, err = scanAPIKey(c.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1 OR previous_hash = $1`, hash))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("API key")
	}
	if err != nil {
		return nil, fmt.Errorf("select api key by hash: %w", err)
	}
	return k, nil
}

// RollAPIKey gives a key a new hash and displayKey; the old value stops
// matching at commit, or keeps matching until previousUntil. The key's
// allowed addresses become allowedIPs (nil, which pgx sends as NULL: any).
func (db *DB) RollAPIKey(ctx context.Context, websiteID, id string, hash []byte, displayKey, rolledBy string, previousUntil *time.Time, allowedIPs []string, audit *openfast.AuditEntry) (*openfast.APIKey, error) {
	var k *openfast.APIKey
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		var err error
		k, err = scanAPIKey(tx.QueryRow(ctx, `UPDATE api_keys SET previous_hash = CASE WHEN $6::timestamptz IS NULL THEN NULL ELSE hash END, previous_expires_at = $6, hash = $1, display_key = $2, created_by_user = $3, allowed_ips = $7 WHERE id = $4 AND website_id = $5 RETURNING `+apiKeyColumns,
			hash, displayKey, nullString(rolledBy), id, websiteID, msPtr(previousUntil), allowedIPs))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("API key")
		}
		if err != nil {
			return fmt.Errorf("roll api key: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	return k, err
}

// DeleteAPIKey removes a key of a website, or returns ENOTFOUND.
func (db *DB) DeleteAPIKey(ctx context.Context, websiteID, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE id = $1 AND website_id = $2`, id, websiteID)
		if err != nil {
			return fmt.Errorf("delete api key: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("API key")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}
