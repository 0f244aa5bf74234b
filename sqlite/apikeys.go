package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

const apiKeyColumns = `id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, last_used_at, expires_at, previous_hash, previous_expires_at, allowed_ips`

func scanAPIKey(row interface{ Scan(...any) error }) (*openfast.APIKey, error) {
	var k openfast.APIKey
	var name, perms, maker, allowed sql.NullString
	var created int64
	var used, expires, previousExpires sql.NullInt64
	if err := row.Scan(&k.ID, &k.WebsiteID, &name, &k.DisplayKey, &k.Hash, &perms, &k.CreatedByKey, &maker, &created, &used, &expires, &k.PreviousHash, &previousExpires, &allowed); err != nil {
		return nil, err
	}
	var err error
	if k.Permissions, err = fromNullJSONList(perms); err != nil {
		return nil, fmt.Errorf("decode permissions of key %s: %w", k.ID, err)
	}
	if k.AllowedIPs, err = fromNullJSONList(allowed); err != nil {
		return nil, fmt.Errorf("decode allowed ips of key %s: %w", k.ID, err)
	}
	k.Name, k.CreatedBy, k.CreatedAt, k.LastUsedAt, k.ExpiresAt = strPtr(name), maker.String, fromMS(created), fromNullMS(used), fromNullMS(expires)
	k.PreviousExpiresAt = fromNullMS(previousExpires)
	return &k, nil
}

// keyPermissions is the stored form of a key's permissions: NULL for
// every website-level permission.
func keyPermissions(perms []string) sql.NullString { return nullJSONList(perms) }

// nullJSONList is the stored form of a list where nil has a meaning of its
// own (every permission, any address): NULL for nil, else a JSON array.
func nullJSONList(v []string) sql.NullString {
	if v == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: jsonList(v), Valid: true}
}

// fromNullJSONList reads nullJSONList's form back: nil for NULL.
func fromNullJSONList(s sql.NullString) ([]string, error) {
	if !s.Valid {
		return nil, nil
	}
	var v []string
	if err := json.Unmarshal([]byte(s.String), &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []string{}
	}
	return v, nil
}

// CreateAPIKey inserts k unless its website already has limit keys. The
// count and the insert share one IMMEDIATE transaction, which holds
// SQLite's write lock, so concurrent creations (from any process) cannot
// both pass the check.
func (db *DB) CreateAPIKey(ctx context.Context, k *openfast.APIKey, limit int, audit *openfast.AuditEntry) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE website_id = ?`, k.WebsiteID).Scan(&n); err != nil {
			return fmt.Errorf("count api keys: %w", err)
		}
		if n >= limit {
			return openfast.Errorf(openfast.ELIMIT, "Key limit reached: a website can have at most %d API keys.", limit)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, expires_at, allowed_ips) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.WebsiteID, ptrStr(k.Name), k.DisplayKey, k.Hash, keyPermissions(k.Permissions), k.CreatedByKey, nullString(k.CreatedBy), ms(k.CreatedAt), nullMS(k.ExpiresAt), nullJSONList(k.AllowedIPs))
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// APIKeys lists a website's keys, oldest first.
func (db *DB) APIKeys(ctx context.Context, websiteID string) ([]*openfast.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE website_id = ? ORDER BY created_at, id`, websiteID)
	if err != nil {
		return nil, fmt.Errorf("select api keys: %w", err)
	}
	defer rows.Close()
	var out []*openfast.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("scan api key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// APIKeyByHash returns the key with the given SHA-256, or ENOTFOUND.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*openfast.APIKey, error) {
	k, err := scanAPIKey(db.read.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ? OR previous_hash = ?`, hash, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("API key")
	}
	if err != nil {
		return nil, fmt.Errorf("select api key by hash: %w", err)
	}
	return k, nil
}

// RollAPIKey gives a key a new hash and displayKey; the old value stops
// matching at commit, or keeps matching until previousUntil. The key's
// allowed addresses become allowedIPs.
func (db *DB) RollAPIKey(ctx context.Context, websiteID, id string, hash []byte, displayKey, rolledBy string, previousUntil *time.Time, allowedIPs []string, audit *openfast.AuditEntry) (*openfast.APIKey, error) {
	var k *openfast.APIKey
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET previous_hash = CASE WHEN ? IS NULL THEN NULL ELSE hash END, previous_expires_at = ?, hash = ?, display_key = ?, created_by_user = ?, allowed_ips = ? WHERE id = ? AND website_id = ?`,
			nullMS(previousUntil), nullMS(previousUntil), hash, displayKey, nullString(rolledBy), nullJSONList(allowedIPs), id, websiteID)
		if err != nil {
			return fmt.Errorf("roll api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("API key")
		}
		if k, err = scanAPIKey(tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)); err != nil {
			return fmt.Errorf("reread api key: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	return k, err
}

// DeleteAPIKey removes a key of a website, or returns ENOTFOUND.
func (db *DB) DeleteAPIKey(ctx context.Context, websiteID, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ? AND website_id = ?`, id, websiteID)
		if err != nil {
			return fmt.Errorf("delete api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("API key")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}
