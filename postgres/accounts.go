package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// PasswordHash returns the user's password hash, "" when none.
func (db *DB) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h *string
	err := db.conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&h)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound("User")
	}
	if err != nil {
		return "", fmt.Errorf("select password: %w", err)
	}
	if h == nil {
		return "", nil
	}
	return *h, nil
}

// SetPassword stores the user's password hash and ends their other
// sessions, in one transaction.
func (db *DB) SetPassword(ctx context.Context, userID, hash, keepSession string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return fmt.Errorf("update password: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("User")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keepSession); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// HasUsers reports whether there is any user.
func (db *DB) HasUsers(ctx context.Context) (bool, error) {
	var exists bool
	err := db.conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists)
	})
	if err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return exists, nil
}

// CreateFirstUser creates u with a password unless there is a user
// already. The table lock (SHARE ROW EXCLUSIVE conflicts with every
// insert) makes the check and the insert one step for all servers.
func (db *DB) CreateFirstUser(ctx context.Context, u *openfast.User, hash string, audit *openfast.AuditEntry) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock users: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, image, created_at, password_hash)
			SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM users)`,
			u.ID, u.Email, u.Name, u.Image, ms(u.CreatedAt), hash)
		if err != nil {
			return fmt.Errorf("insert first user: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return openfast.Errorf(openfast.ECONFLICT, "This installation has users already: new users come by invitation.")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

const sessionColumns = `id, user_id, hash, created_at, last_seen_at, user_agent, ip`

func scanSession(row pgx.Row) (*openfast.Session, error) {
	var s openfast.Session
	if err := row.Scan(&s.ID, &s.UserID, &s.Hash, &s.CreatedAt, &s.LastSeenAt, &s.UserAgent, &s.IP); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC()
	return &s, nil
}

// CreateSession inserts s and ends the user's least recently used
// sessions beyond limit.
func (db *DB) CreateSession(ctx context.Context, s *openfast.Session, limit int, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "users", s.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			s.ID, s.UserID, s.Hash, ms(s.CreatedAt), ms(s.LastSeenAt), s.UserAgent, s.IP)
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id NOT IN
			(SELECT id FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC LIMIT $2)`, s.UserID, limit)
		if err != nil {
			return fmt.Errorf("end old sessions: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// SessionByHash returns a session or ENOTFOUND.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*openfast.Session, error) {
	var s *openfast.Session
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		s, err = scanSession(c.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = $1`, hash))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Session")
	}
	if err != nil {
		return nil, fmt.Errorf("select session: %w", err)
	}
	return s, nil
}

// TouchSession moves LastSeenAt forward.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	err := db.conn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `UPDATE sessions SET last_seen_at = greatest(last_seen_at, $1) WHERE id = $2`, ms(at), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// Sessions lists the user's sessions, the most recently used first.
func (db *DB) Sessions(ctx context.Context, userID string) ([]*openfast.Session, error) {
	out := []*openfast.Session{}
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSession(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("select sessions: %w", err)
	}
	return out, nil
}

// DeleteSession ends one of the user's sessions.
func (db *DB) DeleteSession(ctx context.Context, userID, id string, audit *openfast.AuditEntry) error {
	return db.deleteOne(ctx, "Session", `DELETE FROM sessions WHERE user_id = $1 AND id = $2`, audit, userID, id)
}

// deleteOne runs a DELETE of one row with its audit entry, and answers
// ENOTFOUND (what not found) when it deleted nothing.
func (db *DB) deleteOne(ctx context.Context, what, query string, audit *openfast.AuditEntry, args ...any) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("delete %s: %w", strings.ToLower(what), err)
		}
		if tag.RowsAffected() == 0 {
			return notFound(what)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// DeleteExpiredSessions ends the sessions idle or old past the bounds.
func (db *DB) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	var n int64
	err := db.conn(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2`, ms(idleBefore), ms(createdBefore))
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
