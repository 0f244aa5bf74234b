package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// DailySalt returns the salt of a UTC day, creating it if needed. Servers
// asking at once all get the salt the first one stored.
func (db *DB) DailySalt(ctx context.Context, day string) ([]byte, error) {
	fresh, keepFrom, err := openfast.NewDailySalt(day)
	if err != nil {
		return nil, err
	}
	var salt []byte
	err = db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING`, day, fresh); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM salts WHERE day < $1`, keepFrom); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT salt FROM salts WHERE day = $1`, day).Scan(&salt)
	})
	if err != nil {
		return nil, fmt.Errorf("daily salt of %s: %w", day, err)
	}
	return salt, nil
}
