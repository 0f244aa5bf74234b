package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OldestEvent returns the time of the website's oldest event.
func (d *DB) OldestEvent(ctx context.Context, websiteID string) (time.Time, bool, error) {
	site := d.site(websiteID)
	if site == 0 {
		return time.Time{}, false, nil
	}
	var ts sql.NullTime
	if err := d.db.QueryRowContext(ctx, `SELECT min(ts) FROM events WHERE site = ?`, site).Scan(&ts); err != nil {
		return time.Time{}, false, fmt.Errorf("oldest event of %s: %w", websiteID, err)
	}
	if !ts.Valid {
		return time.Time{}, false, nil
	}
	return ts.Time.UTC(), true, nil
}

// ExpireEvents deletes the website's events in [start, end). The index
// columns of the rows left stay exact for every read that starts at end or
// later (the reads start at the retention cutoff): the times they hold of
// deleted rows are before end, which is all such a read asks of them. The
// deletion holds the insert lock and waits for the indexing round, so that
// it never conflicts with their updates: a day's deletion is one short
// statement.
func (d *DB) ExpireEvents(ctx context.Context, websiteID string, start, end time.Time) (int64, error) {
	site := d.site(websiteID)
	if site == 0 || !start.Before(end) {
		return 0, nil
	}
	d.roundMu.Lock()
	defer d.roundMu.Unlock()
	d.insertMu.Lock()
	defer d.insertMu.Unlock()
	defer d.writes.Add(1)
	res, err := d.db.ExecContext(ctx, `DELETE FROM events WHERE site = ? AND ts >= ? AND ts < ?`, site, start.UTC(), end.UTC())
	if err != nil {
		return 0, fmt.Errorf("expire events of %s: %w", websiteID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("expire events of %s: %w", websiteID, err)
	}
	return n, nil
}
