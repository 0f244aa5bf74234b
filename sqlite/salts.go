package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

// DailySalt returns the salt of a UTC day, creating it if needed.
func (db *DB) DailySalt(ctx context.Context, day string) ([]byte, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil, openfast.Errorf(openfast.EINVALID, "salt day %q is not a date", day)
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	var salt []byte
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING`, day, fresh); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM salts WHERE day < ?`, d.AddDate(0, 0, -1).Format(time.DateOnly)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT salt FROM salts WHERE day = ?`, day).Scan(&salt)
	})
	if err != nil {
		return nil, fmt.Errorf("daily salt of %s: %w", day, err)
	}
	return salt, nil
}
