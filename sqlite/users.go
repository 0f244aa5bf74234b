package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
)

// CreateUser inserts u; ECONFLICT when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *openfast.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO users (id, email, name, image, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Email, ptrStr(u.Name), ptrStr(u.Image), ms(u.CreatedAt))
	if isUniqueViolation(err) {
		return openfast.Errorf(openfast.ECONFLICT, "A user with this email already exists.")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

const userColumns = `id, email, name, image, created_at`

func scanUser(row interface{ Scan(...any) error }) (*openfast.User, error) {
	var u openfast.User
	var name, image sql.NullString
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &name, &image, &created); err != nil {
		return nil, err
	}
	u.Name, u.Image, u.CreatedAt = strPtr(name), strPtr(image), fromMS(created)
	return &u, nil
}

// UserByID returns a user or ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id string) (*openfast.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User")
	}
	if err != nil {
		return nil, fmt.Errorf("select user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns a user or ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (*openfast.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User")
	}
	if err != nil {
		return nil, fmt.Errorf("select user by email: %w", err)
	}
	return u, nil
}

// UpdateUserName sets a user's name.
func (db *DB) UpdateUserName(ctx context.Context, id, name string, audit *openfast.AuditEntry) (*openfast.User, error) {
	var u *openfast.User
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ? WHERE id = ?`, name, id)
		if err != nil {
			return fmt.Errorf("update user name: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("User")
		}
		if u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)); err != nil {
			return fmt.Errorf("reread user: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	return u, err
}
