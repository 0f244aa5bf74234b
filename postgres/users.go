package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// CreateUser inserts u; ECONFLICT when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *openfast.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	err := db.conn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO users (id, email, name, image, created_at) VALUES ($1, $2, $3, $4, $5)`,
			u.ID, u.Email, u.Name, u.Image, ms(u.CreatedAt))
		return err
	})
	if isUniqueViolation(err) {
		return openfast.Errorf(openfast.ECONFLICT, "A user with this email already exists.")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

const userColumns = `id, email, name, image, created_at`

func scanUser(row pgx.Row) (*openfast.User, error) {
	var u openfast.User
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Image, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// userWhere reads the user selected by a condition on one argument.
func (db *DB) userWhere(ctx context.Context, cond string, arg any) (*openfast.User, error) {
	var u *openfast.User
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		u, err = scanUser(c.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond, arg))
		return err
	})
	return u, err
}

// UserByID returns a user or ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id string) (*openfast.User, error) {
	u, err := db.userWhere(ctx, `id = $1`, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("User")
	}
	if err != nil {
		return nil, fmt.Errorf("select user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns a user or ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (*openfast.User, error) {
	u, err := db.userWhere(ctx, `email = $1`, email)
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET name = $1 WHERE id = $2 RETURNING `+userColumns, name, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("User")
		}
		if err != nil {
			return fmt.Errorf("update user name: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	return u, err
}
