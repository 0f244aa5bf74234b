package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/openfast/openfast"
)

// DailySalt returns the salt of a UTC day, creating it if needed.
func (db *DB) DailySalt(ctx context.Context, day string) ([]byte, error) {
	fresh, keepFrom, err := openfast.NewDailySalt(day)
	if err != nil {
		return nil, err
	}
	var salt []byte
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING`, day, fresh); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM salts WHERE day < ?`, keepFrom); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT salt FROM salts WHERE day = ?`, day).Scan(&salt)
	})
	if err != nil {
		return nil, fmt.Errorf("daily salt of %s: %w", day, err)
	}
	return salt, nil
}
