package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// OldestEvent returns the time of the website's oldest event.
func (d *DB) OldestEvent(ctx context.Context, websiteID string) (time.Time, bool, error) {
	var n uint64
	var ts int64
	if err := d.conn.QueryRow(ctx, `SELECT count(), min(ts) FROM events WHERE website_id = ?`, websiteID).Scan(&n, &ts); err != nil {
		return time.Time{}, false, fmt.Errorf("oldest event of %s: %w", websiteID, err)
	}
	if n == 0 {
		return time.Time{}, false, nil
	}
	return fromMicros(ts), true, nil
}

// ExpireEvents deletes the website's events in [start, end) with one
// mutation, and waits until it is done. ClickHouse rewrites the parts that
// hold such events in the background while reads and inserts go on; the
// events table is partitioned by month for all websites together, so a
// partition cannot be dropped for one website's retention. Events inserted
// while it runs in [start, end) may be deleted without being counted.
func (d *DB) ExpireEvents(ctx context.Context, websiteID string, start, end time.Time) (int64, error) {
	if !start.Before(end) {
		return 0, nil
	}
	s, e := ceilMicros(start), ceilMicros(end)
	var n int64
	if err := d.conn.QueryRow(ctx, `SELECT toInt64(count()) FROM events WHERE website_id = ? AND ts >= ? AND ts < ?`, websiteID, s, e).Scan(&n); err != nil {
		return 0, fmt.Errorf("expire events of %s: %w", websiteID, err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := d.mutate(ctx, `ALTER TABLE events DELETE WHERE website_id = ? AND ts >= ? AND ts < ?`, websiteID, s, e); err != nil {
		return 0, fmt.Errorf("expire events of %s: %w", websiteID, err)
	}
	return n, nil
}

// ExpireBatchDays is how many days the retention job deletes per call:
// each mutation rewrites the parts it touches, so a month at a time (a
// partition's span) spares rewriting the same parts day after day.
func (d *DB) ExpireBatchDays() int { return 31 }
