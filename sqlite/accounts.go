package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openfast/openfast"
)

// PasswordHash returns the user's password hash, "" when none.
func (db *DB) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("User")
	}
	if err != nil {
		return "", fmt.Errorf("select password: %w", err)
	}
	return h.String, nil
}

// SetPassword stores the user's password hash and ends their other
// sessions, in one transaction.
func (db *DB) SetPassword(ctx context.Context, userID, hash, keepSession string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return fmt.Errorf("update password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("User")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepSession); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// HasUsers reports whether there is any user.
func (db *DB) HasUsers(ctx context.Context) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1)`).Scan(&n); err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n > 0, nil
}

// CreateFirstUser creates u with a password unless there is a user
// already, in one IMMEDIATE transaction.
func (db *DB) CreateFirstUser(ctx context.Context, u *openfast.User, hash string, audit *openfast.AuditEntry) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, image, created_at, password_hash)
			SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)`,
			u.ID, u.Email, ptrStr(u.Name), ptrStr(u.Image), ms(u.CreatedAt), hash)
		if err != nil {
			return fmt.Errorf("insert first user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return openfast.Errorf(openfast.ECONFLICT, "This installation has users already: new users come by invitation.")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

const sessionColumns = `id, user_id, hash, created_at, last_seen_at, user_agent, ip`

func scanSession(row interface{ Scan(...any) error }) (*openfast.Session, error) {
	var s openfast.Session
	var created, seen int64
	if err := row.Scan(&s.ID, &s.UserID, &s.Hash, &created, &seen, &s.UserAgent, &s.IP); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt = fromMS(created), fromMS(seen)
	return &s, nil
}

// CreateSession inserts s and ends the user's least recently used
// sessions beyond limit.
func (db *DB) CreateSession(ctx context.Context, s *openfast.Session, limit int, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.UserID, s.Hash, ms(s.CreatedAt), ms(s.LastSeenAt), s.UserAgent, s.IP)
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id NOT IN
			(SELECT id FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC LIMIT ?)`, s.UserID, s.UserID, limit)
		if err != nil {
			return fmt.Errorf("end old sessions: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// SessionByHash returns a session or ENOTFOUND.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*openfast.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Session")
	}
	if err != nil {
		return nil, fmt.Errorf("select session: %w", err)
	}
	return s, nil
}

// TouchSession moves LastSeenAt forward.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?`, ms(at), id); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// Sessions lists the user's sessions, the most recently used first.
func (db *DB) Sessions(ctx context.Context, userID string) ([]*openfast.Session, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("select sessions: %w", err)
	}
	defer rows.Close()
	out := []*openfast.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("scan session: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSession ends one of the user's sessions.
func (db *DB) DeleteSession(ctx context.Context, userID, id string, audit *openfast.AuditEntry) error {
	return db.deleteOne(ctx, "Session", `DELETE FROM sessions WHERE user_id = ? AND id = ?`, audit, userID, id)
}

// deleteOne runs a DELETE of one row with its audit entry, and answers
// ENOTFOUND (what not found) when it deleted nothing.
func (db *DB) deleteOne(ctx context.Context, what, query string, audit *openfast.AuditEntry, args ...any) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("delete %s: %w", strings.ToLower(what), err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(what)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// DeleteExpiredSessions ends the sessions idle or old past the bounds.
func (db *DB) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`, ms(idleBefore), ms(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
