package duckdb

import (
	"context"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

var _ openfast.EventExporter = (*DB)(nil)

// EventHours lists the UTC hours that have events.
func (d *DB) EventHours(ctx context.Context) ([]openfast.EventHour, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT epoch_us(ts) // 3600000000 AS h, count(*) FROM events GROUP BY h ORDER BY h`)
	if err != nil {
		return nil, fmt.Errorf("list event hours: %w", err)
	}
	defer rows.Close()
	var out []openfast.EventHour
	for rows.Next() {
		var h, n int64
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("list event hours: %w", err)
		}
		out = append(out, openfast.EventHour{Start: time.Unix(h*3600, 0).UTC(), Events: n})
	}
	return out, rows.Err()
}

// ExportEvents returns the events of one UTC hour.
func (d *DB) ExportEvents(ctx context.Context, start time.Time) ([]openfast.Event, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE ts >= ? AND ts < ?`, start.UTC(), start.UTC().Add(time.Hour))
	if err != nil {
		return nil, fmt.Errorf("export events of %s: %w", start.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []openfast.Event
	for rows.Next() {
		var e openfast.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, fmt.Errorf("export events of %s: %w", start.Format(time.RFC3339), err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
