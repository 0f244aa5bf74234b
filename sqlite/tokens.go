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

const tokenColumns = `id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, last_used_at, expires_at, allowed_ips`

func scanToken(row interface{ Scan(...any) error }) (*openfast.AccessToken, error) {
	var t openfast.AccessToken
	var name, maker, allowed sql.NullString
	var perms, sites string
	var created int64
	var used, expires sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &name, &t.DisplayKey, &t.Hash, &perms, &sites, &maker, &created, &used, &expires, &allowed); err != nil {
		return nil, err
	}
	var err error
	if t.AllowedIPs, err = fromNullJSONList(allowed); err != nil {
		return nil, fmt.Errorf("decode allowed ips of token %s: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(perms), &t.Permissions); err != nil {
		return nil, fmt.Errorf("decode permissions of token %s: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(sites), &t.WebsiteIDs); err != nil {
		return nil, fmt.Errorf("decode website ids of token %s: %w", t.ID, err)
	}
	t.Name, t.CreatedBy, t.CreatedAt, t.LastUsedAt, t.ExpiresAt = strPtr(name), maker.String, fromMS(created), fromNullMS(used), fromNullMS(expires)
	return &t, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

// CreateAccessToken inserts t unless its user already has limit tokens,
// in one IMMEDIATE transaction.
func (db *DB) CreateAccessToken(ctx context.Context, t *openfast.AccessToken, limit int, audit *openfast.AuditEntry) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_tokens WHERE user_id = ?`, t.UserID).Scan(&n); err != nil {
			return fmt.Errorf("count access tokens: %w", err)
		}
		if n >= limit {
			return openfast.Errorf(openfast.ELIMIT, "Token limit reached: an account can have at most %d access tokens.", limit)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, expires_at, allowed_ips) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, ptrStr(t.Name), t.DisplayKey, t.Hash, jsonList(t.Permissions), jsonList(t.WebsiteIDs), nullString(t.CreatedBy), ms(t.CreatedAt), nullMS(t.ExpiresAt), nullJSONList(t.AllowedIPs))
		if err != nil {
			return fmt.Errorf("insert access token: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// AccessTokens lists a user's tokens, oldest first.
func (db *DB) AccessTokens(ctx context.Context, userID string) ([]*openfast.AccessToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("select access tokens: %w", err)
	}
	defer rows.Close()
	var out []*openfast.AccessToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("scan access token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AccessToken returns one of a user's tokens, or ENOTFOUND.
func (db *DB) AccessToken(ctx context.Context, userID, id string) (*openfast.AccessToken, error) {
	t, err := scanToken(db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Access token")
	}
	if err != nil {
		return nil, fmt.Errorf("select access token: %w", err)
	}
	return t, nil
}

// AccessTokenByHash returns the token with the given SHA-256, or ENOTFOUND.
func (db *DB) AccessTokenByHash(ctx context.Context, hash []byte) (*openfast.AccessToken, error) {
	t, err := scanToken(db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Access token")
	}
	if err != nil {
		return nil, fmt.Errorf("select access token by hash: %w", err)
	}
	return t, nil
}

// DeleteAccessToken removes one of a user's tokens, or returns ENOTFOUND.
func (db *DB) DeleteAccessToken(ctx context.Context, userID, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return fmt.Errorf("delete access token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Access token")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// TouchCredentials records last-use times, never moving one backwards.
func (db *DB) TouchCredentials(ctx context.Context, keys, tokens map[string]time.Time) error {
	if len(keys) == 0 && len(tokens) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		for id, at := range keys {
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?`, ms(at), id); err != nil {
				return fmt.Errorf("touch api key: %w", err)
			}
		}
		for id, at := range tokens {
			if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?`, ms(at), id); err != nil {
				return fmt.Errorf("touch access token: %w", err)
			}
		}
		return nil
	})
}
