package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

const tokenColumns = `id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, last_used_at, expires_at, allowed_ips`

func scanToken(row pgx.Row) (*openfast.AccessToken, error) {
	var t openfast.AccessToken
	var maker *string
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.DisplayKey, &t.Hash, &t.Permissions, &t.WebsiteIDs, &maker, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.AllowedIPs); err != nil {
		return nil, err
	}
	if maker != nil {
		t.CreatedBy = *maker
	}
	// An empty list reads back as an empty, non-nil slice, as in the SQLite
	// store (where the lists are JSON arrays).
	t.Permissions, t.WebsiteIDs = list(t.Permissions), list(t.WebsiteIDs)
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt = t.CreatedAt.UTC(), utcPtr(t.LastUsedAt), utcPtr(t.ExpiresAt)
	return &t, nil
}

// list returns v, or an empty slice for nil (pgx sends a nil slice as NULL).
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// CreateAccessToken inserts t unless its user already has limit tokens.
// Like CreateAPIKey, the transaction locks the parent row, the user's,
// before it counts and inserts.
func (db *DB) CreateAccessToken(ctx context.Context, t *openfast.AccessToken, limit int, audit *openfast.AuditEntry) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "users", t.UserID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM access_tokens WHERE user_id = $1`, t.UserID).Scan(&n); err != nil {
			return fmt.Errorf("count access tokens: %w", err)
		}
		if n >= limit {
			return openfast.Errorf(openfast.ELIMIT, "Token limit reached: an account can have at most %d access tokens.", limit)
		}
		_, err := tx.Exec(ctx, `INSERT INTO access_tokens (id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, expires_at, allowed_ips) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			t.ID, t.UserID, t.Name, t.DisplayKey, t.Hash, list(t.Permissions), list(t.WebsiteIDs), nullString(t.CreatedBy), ms(t.CreatedAt), msPtr(t.ExpiresAt), t.AllowedIPs)
		if err != nil {
			return fmt.Errorf("insert access token: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// AccessTokens lists a user's tokens, oldest first.
func (db *DB) AccessTokens(ctx context.Context, userID string) ([]*openfast.AccessToken, error) {
	var out []*openfast.AccessToken
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
		if err != nil {
			return fmt.Errorf("select access tokens: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return fmt.Errorf("scan access token: %w", err)
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tokenWhere reads the token selected by a condition.
func (db *DB) tokenWhere(ctx context.Context, cond string, args ...any) (*openfast.AccessToken, error) {
	var t *openfast.AccessToken
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		t, err = scanToken(c.QueryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE `+cond, args...))
		return err
	})
	return t, err
}

// AccessToken returns one of a user's tokens, or ENOTFOUND.
func (db *DB) AccessToken(ctx context.Context, userID, id string) (*openfast.AccessToken, error) {
	t, err := db.tokenWhere(ctx, `id = $1 AND user_id = $2`, id, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Access token")
	}
	if err != nil {
		return nil, fmt.Errorf("select access token: %w", err)
	}
	return t, nil
}

// AccessTokenByHash returns the token with the given SHA-256, or ENOTFOUND.
func (db *DB) AccessTokenByHash(ctx context.Context, hash []byte) (*openfast.AccessToken, error) {
	t, err := db.tokenWhere(ctx, `hash = $1`, hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Access token")
	}
	if err != nil {
		return nil, fmt.Errorf("select access token by hash: %w", err)
	}
	return t, nil
}

// DeleteAccessToken removes one of a user's tokens, or returns ENOTFOUND.
func (db *DB) DeleteAccessToken(ctx context.Context, userID, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("delete access token: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("Access token")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// TouchCredentials records last-use times, never moving one backwards. The
// rows are updated in ID order, so that two concurrent calls lock them in
// the same order; the updates travel to the server in one batch.
func (db *DB) TouchCredentials(ctx context.Context, keys, tokens map[string]time.Time) error {
	if len(keys) == 0 && len(tokens) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, id := range sortedKeys(keys) {
			b.Queue(`UPDATE api_keys SET last_used_at = greatest(last_used_at, $1) WHERE id = $2`, ms(keys[id]), id)
		}
		for _, id := range sortedKeys(tokens) {
			b.Queue(`UPDATE access_tokens SET last_used_at = greatest(last_used_at, $1) WHERE id = $2`, ms(tokens[id]), id)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("touch credentials: %w", err)
		}
		return nil
	})
}

func sortedKeys(m map[string]time.Time) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
