package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.Store = (*DB)(nil)

// The event types, as SQL literals.
var pageview, custom, identify, payment = sqlq.Pageview, sqlq.Custom, sqlq.Identify, sqlq.Payment

// newDialect is where this store's SQL differs from the other SQL stores'.
func (d *DB) newDialect() *sqlq.Dialect {
	return &sqlq.Dialect{
		Time:      func(t time.Time) any { return t.UTC() },
		Contains:  func(col string) string { return "contains(" + col + ", ?)" },
		HasPrefix: func(col string) string { return "starts_with(" + col + ", ?)" },
		// The funnel's patterns are anchored at both ends: a full match
		// gives the same answer, and DuckDB's took 30-40% less time than
		// regexp_matches over the benchmark's 2.2 million pageviews.
		Regexp:  func(col string) string { return "regexp_full_match(" + col + ", ?)" },
		Website: func(q *sqlq.Query, id string) { q.Add("site = ?", d.site(id)) },
	}
}

func (d *DB) newQuery() *sqlq.Query { return sqlq.New(d.dialect) }

// Totals computes the overview aggregates.
func (d *DB) Totals(ctx context.Context, r analytics.Request) (analytics.Totals, error) {
	if err := sqlq.CheckFilters(r); err != nil {
		return analytics.Totals{}, err
	}
	if len(r.Filters) == 0 {
		return d.indexedTotals(ctx, r)
	}
	q := d.newQuery()
	q.Add("WITH pageviews AS (SELECT visitor_id, session_id, ts FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + pageview)
	q.Filters(r)
	q.Add(`),
sessions AS (SELECT count(*) AS pageview_count, epoch_us(max(ts)) - epoch_us(min(ts)) AS duration_us FROM pageviews GROUP BY visitor_id, session_id),
visitors AS (SELECT DISTINCT visitor_id FROM pageviews),
goal_visitors AS (SELECT DISTINCT visitor_id FROM events WHERE `)
	q.Base(r)
	q.Add(" AND " + sqlq.Customer(r) + `)
SELECT (SELECT count(*) FROM visitors),
       (SELECT count(*) FROM sessions), (SELECT count(*) FROM sessions WHERE pageview_count = 1), (SELECT CAST(coalesce(sum(duration_us), 0) AS BIGINT) FROM sessions),
       (SELECT count(*) FROM visitors SEMI JOIN goal_visitors USING (visitor_id))`)
	var t analytics.Totals
	err := d.db.QueryRowContext(ctx, q.String(), q.Args...).Scan(&t.Visitors, &t.Sessions, &t.Bounces, &t.DurationMicros, &t.Converted)
	if err != nil {
		return t, fmt.Errorf("overview of %s: %w", r.WebsiteID, err)
	}
	return t, nil
}

// bucketKey returns the SQL expression of an event's bucket key under s
// (see analytics.Schedule).
func bucketKey(s analytics.Schedule) (string, error) { return bucketKeyOf(s, "epoch_us(ts)") }

// bucketKeyOf is bucketKey of the instant of a SQL expression in epoch
// microseconds.
func bucketKeyOf(s analytics.Schedule, us string) (string, error) {
	if len(s.Shifts) == 0 {
		return "", fmt.Errorf("a schedule needs at least one shift")
	}
	var off strings.Builder
	if len(s.Shifts) == 1 {
		off.WriteString(strconv.Itoa(s.Shifts[0].Offset))
	} else {
		off.WriteString("CASE")
		for i := 1; i < len(s.Shifts); i++ {
			fmt.Fprintf(&off, " WHEN %s < %d THEN %d", us, s.Shifts[i].From.UnixMicro(), s.Shifts[i-1].Offset)
		}
		fmt.Fprintf(&off, " ELSE %d END", s.Shifts[len(s.Shifts)-1].Offset)
	}
	offUS := "(CAST(" + off.String() + " AS BIGINT) * 1000000)"
	local := "(" + us + " + " + offUS + ")"
	switch s.Unit {
	case analytics.UnitHour:
		return "(" + local + " // 3600000000 * 3600000000 - " + offUS + ")", nil
	case analytics.UnitDay:
		return "(" + local + " // 86400000000)", nil
	case analytics.UnitWeek:
		return "((" + local + " // 86400000000 + 3) // 7)", nil
	case analytics.UnitMonth:
		return "(year(make_timestamp(" + local + ")) * 12 + month(make_timestamp(" + local + ")) - 1)", nil
	}
	return "", fmt.Errorf("unknown bucket unit %q", s.Unit)
}

// Series computes the timeseries buckets that have events.
func (d *DB) Series(ctx context.Context, r analytics.Request, s analytics.Schedule) ([]analytics.Bucket, error) {
	key, err := bucketKey(s)
	if err != nil {
		return nil, err
	}
	if err := sqlq.CheckFilters(r); err != nil {
		return nil, err
	}
	if len(r.Filters) == 0 && monotone(s) {
		out, _, err := d.indexedSeries(ctx, r, s, false)
		return out, err
	}
	q := d.newQuery()
	window := func() {
		q.Add(" AND ts >= ? AND ts < ?", s.Window.Start.UTC(), s.Window.End.UTC())
	}
	q.Add("WITH pageviews AS (SELECT visitor_id, session_id, " + key + " AS bucket FROM events WHERE ")
	q.Base(r)
	window()
	q.Add(" AND type = " + pageview)
	q.Filters(r)
	q.Add("),\ngoals AS (SELECT visitor_id, " + key + " AS bucket FROM events WHERE ")
	q.Base(r)
	window()
	q.Add(" AND " + sqlq.Customer(r) + "),\n")
	q.Add(`bucket_visitors AS (SELECT DISTINCT bucket, visitor_id FROM pageviews),
vis AS (SELECT bucket, count(*) AS visitors FROM bucket_visitors GROUP BY bucket),
ses AS (SELECT bucket, count(*) AS sessions FROM (SELECT DISTINCT bucket, visitor_id, session_id FROM pageviews) bucket_sessions GROUP BY bucket),
conv AS (SELECT bucket, count(*) AS converted FROM (SELECT DISTINCT bucket, visitor_id FROM goals) goal_visitors SEMI JOIN bucket_visitors USING (bucket, visitor_id) GROUP BY bucket)
SELECT bucket, visitors, sessions, coalesce(converted, 0)
FROM vis JOIN ses USING (bucket) LEFT JOIN conv USING (bucket) ORDER BY bucket`)
	rows, err := d.db.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	out, err := sqlq.ScanBuckets(rows)
	if err != nil {
		return nil, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// SeriesWithTotals implements analytics.SeriesTotaler: without filters,
// the totals come from the series' own pass over the pageviews.
// The chart and the key figures of the dashboard ask for the same one
// (r.Shared), and share it (DB.share).
func (d *DB) SeriesWithTotals(ctx context.Context, r analytics.Request, s analytics.Schedule) ([]analytics.Bucket, analytics.Totals, error) {
	if !r.Shared {
		return d.seriesWithTotals(ctx, r, s)
	}
	type answer struct {
		buckets []analytics.Bucket
		totals  analytics.Totals
	}
	v, err := d.share(ctx, "series "+requestKey(r)+scheduleKey(&s), func() (any, error) {
		b, t, err := d.seriesWithTotals(ctx, r, s)
		return answer{b, t}, err
	})
	if err != nil {
		return nil, analytics.Totals{}, err
	}
	a := v.(answer)
	return slices.Clone(a.buckets), a.totals, nil
}

// requestKey and scheduleKey name a request and a schedule whole, for
// DB.share (not the schedule's Location: its Shifts are what a read uses).
func requestKey(r analytics.Request) string { return fmt.Sprintf("%#v", r) }

func scheduleKey(s *analytics.Schedule) string {
	if s == nil {
		return " none"
	}
	return fmt.Sprintf(" %q %#v %#v", s.Unit, s.Window, s.Shifts)
}

// seriesWithTotals is SeriesWithTotals, not shared.
func (d *DB) seriesWithTotals(ctx context.Context, r analytics.Request, s analytics.Schedule) (out []analytics.Bucket, t analytics.Totals, err error) {
	if err := sqlq.CheckFilters(r); err != nil {
		return nil, analytics.Totals{}, err
	}
	if len(r.Filters) > 0 || !monotone(s) {
		if t, err = d.Totals(ctx, r); err == nil {
			out, err = d.Series(ctx, r, s)
		}
	} else {
		out, t, err = d.indexedSeries(ctx, r, s, true)
	}
	if !r.SessionTotals {
		t.Bounces, t.DurationMicros = 0, 0 // as analytics.SeriesTotaler says
	}
	return out, t, err
}

// Breakdown groups the events by b's columns.
func (d *DB) Breakdown(ctx context.Context, r analytics.Request, b analytics.Breakdown, limit, offset int) ([]analytics.Group, int, error) {
	keys, err := sqlq.BreakdownKeys(r, b)
	if err != nil {
		return nil, 0, err
	}
	if prev := prevColumn(keys); prev != "" && !b.Goals && len(r.Filters) == 0 {
		return d.indexedBreakdown(ctx, r, keys, prev, limit, offset)
	}
	tech := false
	if techColumn(keys) && !b.Goals && len(r.Filters) == 0 {
		if tech, err = d.techIndexed(ctx, r, keys[0]); err != nil {
			return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, keys[0], err)
		}
	}
	cols := strings.Join(keys, ", ")
	q := d.newQuery()
	if tech {
		techCTEs(q, r, keys[0])
	} else if b.Goals {
		q.Add("WITH breakdown AS (SELECT " + cols + ", count(DISTINCT visitor_id) AS visitors, count(*) AS completions FROM events WHERE ")
		q.Base(r)
		q.Add(" AND type = " + custom)
		q.Filters(r)
		q.Add(" AND NOT (" + sqlq.AllEmpty(keys) + ") GROUP BY " + cols + ")\n")
	} else {
		q.Add("WITH key_visitors AS (SELECT DISTINCT " + cols + ", visitor_id FROM events WHERE ")
		q.Base(r)
		q.Add(" AND type = " + pageview)
		q.Filters(r)
		q.Add(" AND NOT (" + sqlq.AllEmpty(keys) + ")),\n")
		q.Add("breakdown AS (SELECT " + cols + ", count(*) AS visitors, 0 AS completions FROM key_visitors GROUP BY " + cols + ")\n")
	}
	q.Add("SELECT "+cols+", visitors, completions, count(*) OVER () FROM breakdown ORDER BY visitors DESC, "+cols+" LIMIT ? OFFSET ?", limit, offset)
	groups, total, err := d.scanGroups(ctx, q, len(keys))
	if err == nil && len(groups) == 0 && offset > 0 {
		// Past the last row: the window gave no total.
		q.Args[len(q.Args)-1] = 0
		_, total, err = d.scanGroups(ctx, q, len(keys))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	return groups, total, nil
}

func (d *DB) scanGroups(ctx context.Context, q *sqlq.Query, nkeys int) ([]analytics.Group, int, error) {
	total := 0
	groups, err := scanKeyed(ctx, d.db, q, nkeys, func(g *analytics.Group) []any {
		return []any{&g.Visitors, &g.Completions, &total}
	})
	return groups, total, err
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanKeyed runs q and reads its rows: nkeys key columns into a group's
// keys, then the columns fields names for the group.
func scanKeyed(ctx context.Context, db querier, q *sqlq.Query, nkeys int, fields func(g *analytics.Group) []any) ([]analytics.Group, error) {
	rows, err := db.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups []analytics.Group
	for rows.Next() {
		g := analytics.Group{Keys: make([]string, nkeys)}
		dest := make([]any, nkeys, nkeys+6)
		for i := range g.Keys {
			dest[i] = &g.Keys[i]
		}
		if err := rows.Scan(append(dest, fields(&g)...)...); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// ActiveVisitors counts the distinct visitors seen in [since, until].
func (d *DB) ActiveVisitors(ctx context.Context, websiteID string, since, until time.Time) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT count(DISTINCT visitor_id) FROM events WHERE site = ? AND ts >= ? AND ts <= ? AND visitor_id <> `+zeroUUID,
		d.site(websiteID), since.UTC(), until.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("active visitors of %s: %w", websiteID, err)
	}
	return n, nil
}

// Revenue implements analytics.RevenueStore: one scan of the payments of
// the range or window (few rows next to the pageviews), and with filters
// a semi join with the visitors counted.
// The chart and the key figures share it (r.Shared, DB.share).
func (d *DB) Revenue(ctx context.Context, r analytics.Request, s *analytics.Schedule) ([]analytics.RevenueRow, error) {
	if !r.Shared {
		return d.revenue(ctx, r, s)
	}
	v, err := d.share(ctx, "revenue "+requestKey(r)+scheduleKey(s), func() (any, error) {
		return d.revenue(ctx, r, s)
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]analytics.RevenueRow)), nil
}

// revenue is Revenue, not shared.
func (d *DB) revenue(ctx context.Context, r analytics.Request, s *analytics.Schedule) ([]analytics.RevenueRow, error) {
	if err := sqlq.CheckFilters(r); err != nil {
		return nil, err
	}
	key := "0"
	if s != nil {
		k, err := bucketKey(*s)
		if err != nil {
			return nil, err
		}
		key = k
	}
	q := d.newQuery()
	q.Add("SELECT bucket, currency, day, kind, count(*), CAST(sum(revenue_cents) AS BIGINT) FROM (SELECT visitor_id, currency, revenue_cents, CAST(" + key + " AS BIGINT) AS bucket, " +
		"CAST(epoch_us(ts) // 86400000000 AS BIGINT) AS day, " + sqlq.Kind + " AS kind FROM events WHERE ")
	q.Base(r)
	if s != nil {
		q.Between(s.Window.Start, s.Window.End)
	}
	q.Add(" AND type = " + payment + ") payment_rows")
	if len(r.Filters) > 0 {
		q.Add(" SEMI JOIN (SELECT DISTINCT CAST(" + key + " AS BIGINT) AS bucket, visitor_id FROM events WHERE ")
		q.Base(r)
		if s != nil {
			q.Between(s.Window.Start, s.Window.End)
		}
		q.Add(" AND type = " + pageview)
		q.Filters(r)
		q.Add(") counted USING (bucket, visitor_id)")
	}
	q.Add(" GROUP BY bucket, currency, day, kind ORDER BY bucket, currency, day, kind")
	rows, err := d.db.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("revenue of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	out, err := sqlq.ScanRevenue(rows)
	if err != nil {
		return nil, fmt.Errorf("revenue of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// GroupRevenue implements analytics.GroupRevenueStore. Asked with other
// breakdowns (r.Shared), by the keys of the dashboard's first tabs,
// it sums a read shared with them (payers.go); otherwise, and when that
// read is over its bound, it runs a statement of its own (cheaper for one
// breakdown): the (keys, visitor) pairs of the payers' pageviews, joined
// with their payments.
// The payers come from a scan of the range's payments of their own (not
// from pay, which DuckDB would then compute twice), and the groups' keys
// are tested on those few pairs after DISTINCT rather than on every
// pageview of the range: about half the time of testing them first for
// pages (see docs/benchmarks.md).
func (d *DB) GroupRevenue(ctx context.Context, r analytics.Request, b analytics.Breakdown, groups [][]string) ([]analytics.RevenueRow, error) {
	keys, err := sqlq.BreakdownKeys(r, b)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	if set := payerSet(keys); r.Shared && set >= 0 {
		out, ok, err := d.sharedGroupRevenue(ctx, r, set, groups)
		if ok || err != nil {
			return out, err
		}
	}
	cols := strings.Join(keys, ", ")
	q := d.newQuery()
	q.Add("WITH key_visitors AS (SELECT DISTINCT " + cols + ", visitor_id FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + pageview)
	q.Filters(r)
	q.Add(" AND visitor_id IN (SELECT visitor_id FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ")),\npay AS (SELECT visitor_id, currency, CAST(epoch_us(ts) // 86400000000 AS BIGINT) AS day, " + sqlq.Kind + " AS kind, revenue_cents FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ")\nSELECT " + cols + ", currency, day, kind, count(*), CAST(sum(revenue_cents) AS BIGINT) FROM key_visitors JOIN pay USING (visitor_id) WHERE ")
	if len(keys) == 1 {
		q.GroupKeyIn(keys[0], groups)
	} else {
		q.GroupKeys(keys, groups)
	}
	q.Add(" GROUP BY " + cols + ", currency, day, kind")
	var out []analytics.RevenueRow
	err = d.asWritten(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q.String(), q.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = sqlq.ScanGroupRevenue(rows, len(keys), groups)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("revenue of %s by %s: %w", r.WebsiteID, cols, err)
	}
	return out, nil
}

// asWritten runs read on a connection where DuckDB builds each join's hash
// table from its right side, as the statement is written, instead of the
// side it estimates smaller. GroupRevenue needs it: DuckDB cannot tell
// that a website's payments are few next to its pageviews, and building
// the table of the payers' pageviews instead of the payers' ids took it
// twice as long. The connection goes back to the pool with the optimizer
// as it was, or is closed.
func (d *DB) asWritten(ctx context.Context, read func(*sql.Conn) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET disabled_optimizers = 'build_side_probe_side'"); err != nil {
		return err
	}
	err = read(conn)
	// The reset must not depend on ctx, which may be done by now.
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "RESET disabled_optimizers"); rerr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // closes it
		return errors.Join(err, rerr)
	}
	return err
}
