package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/openfast/openfast"
)

var _ openfast.ExchangeRateStore = (*DB)(nil)

// SaveExchangeRates adds or replaces the rates of these days.
func (db *DB) SaveExchangeRates(ctx context.Context, days map[int64]map[string]float64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for day, rates := range days {
			for currency, rate := range rates {
				if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_rates (day, currency, rate) VALUES (?, ?, ?)
	ON CONFLICT (day, currency) DO UPDATE SET rate = excluded.rate`, day, currency, rate); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save exchange rates: %w", err)
	}
	return nil
}

// ExchangeRates returns every saved rate.
func (db *DB) ExchangeRates(ctx context.Context) (map[int64]map[string]float64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT day, currency, rate FROM exchange_rates`)
	if err != nil {
		return nil, fmt.Errorf("read exchange rates: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]float64{}
	for rows.Next() {
		var day int64
		var currency string
		var rate float64
		if err := rows.Scan(&day, &currency, &rate); err != nil {
			return nil, fmt.Errorf("read exchange rates: %w", err)
		}
		if out[day] == nil {
			out[day] = map[string]float64{}
		}
		out[day][currency] = rate
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read exchange rates: %w", err)
	}
	return out, nil
}
