package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

// The unfiltered reads count the indexed rows (index.go) instead of
// deduplicating visitors, sessions and pairs. Each runs first in its plain
// form, which also counts the pending rows in the window, and when there
// are some, again in its mixed form, where the visitors with a pending row
// in the window are deduplicated the slow way (docs/analytics-index.md).
// Each form is one statement (the breakdowns: two in one transaction), so
// one snapshot.

// windowStart is S, the start of a window in epoch microseconds, for the
// conditions "before the window": none+1 for all time.
func windowStart(rngs ...analytics.Range) int64 {
	s := int64(none + 1)
	for _, r := range rngs {
		if !r.All {
			s = max(s, r.Start.UnixMicro())
		}
	}
	return s
}

// pendingCTE adds the CTE pending_in_window, the visitors with a row not
// indexed yet in the window, whose website and range conditions where
// writes.
func pendingCTE(q *sqlq.Query, where func()) {
	q.Add("pending_in_window AS (SELECT DISTINCT visitor_id FROM events WHERE ")
	where()
	q.Add(" AND " + pendingRow + "),\n")
}

// counted is "events", or in the mixed form the events of the visitors
// that are not pending.
func counted(mixed bool) string {
	if mixed {
		return "events ANTI JOIN pending_in_window USING (visitor_id)"
	}
	return "events"
}

// countIf is the SQL of the number of rows where cond holds: a sum, which
// DuckDB computes faster than count(*) FILTER.
func countIf(cond string) string {
	return "CAST(coalesce(sum(CAST(" + cond + " AS INTEGER)), 0) AS BIGINT)"
}

// windowEnd is E, the end of a window in epoch microseconds, for the
// conditions "before the window ends": noneNext for all time.
func windowEnd(rngs ...analytics.Range) int64 {
	e := int64(noneNext)
	for _, r := range rngs {
		if !r.All {
			e = min(e, r.End.UnixMicro())
		}
	}
	return e
}

// indexedTotals is Totals without filters.
func (d *DB) indexedTotals(ctx context.Context, r analytics.Request) (analytics.Totals, error) {
	var t analytics.Totals
	S := strconv.FormatInt(windowStart(r.Range), 10)
	E := strconv.FormatInt(windowEnd(r.Range), 10)
	small := d.smallSite(d.site(r.WebsiteID))
	for _, mixed := range []bool{false, true} {
		q := d.newQuery()
		where := func() { q.Base(r) }
		if small && !mixed {
			// A small website's overview without pending rows: one scan
			// of the window's pageviews, goals and payments (see
			// smallSite), the sums of twoScanTotals' pageview_sums and
			// goal_sums.
			q.Add("SELECT pending + goal_pending, visitors, sessions, sessions - multi_pageview_sessions, duration_us, converted FROM (SELECT " +
				pageviewSums("type = "+pageview+" AND ", S) + ", " + goalSums("type <> "+pageview+" AND ", S, E) + " FROM events WHERE ")
			where()
			q.Add(" AND (type = " + pageview + " OR " + sqlq.Customer(r) + "))")
		} else {
			twoScanTotals(q, where, S, E, mixed, sqlq.Customer(r))
		}
		var pending int64
		err := d.db.QueryRowContext(ctx, q.String(), q.Args...).Scan(&pending, &t.Visitors, &t.Sessions, &t.Bounces, &t.DurationMicros, &t.Converted)
		if err != nil {
			return t, fmt.Errorf("overview of %s: %w", r.WebsiteID, err)
		}
		if pending == 0 {
			break
		}
	}
	return t, nil
}

// pageviewSums are the overview's sums over pageview rows, each row
// counted where guard (a condition and " AND ", or "") holds: pending
// rows, visitors, sessions, sessions with a second pageview in the window
// (multi_pageview_sessions) and the durations inside it (duration_us).
func pageviewSums(guard, S string) string {
	return countIf(guard+"prev_visitor_pageview IS NULL") + " AS pending, " + countIf(guard+"prev_visitor_pageview < "+S) + " AS visitors, " +
		countIf(guard+"prev_session_pageview < "+S) + " AS sessions, " + countIf(guard+"prev_session_pageview >= "+S+" AND second_prev_session_pageview < "+S) + " AS multi_pageview_sessions, " +
		"CAST(coalesce(sum(CASE WHEN " + guard + "prev_session_pageview >= " + S + " THEN epoch_us(ts) - prev_session_pageview ELSE 0 END), 0) AS BIGINT) AS duration_us"
}

// goalSums are the overview's sums over goal rows where guard holds:
// pending rows (goal_pending) and visitors converted in the window.
func goalSums(guard, S, E string) string {
	return "count(*) FILTER (WHERE " + guard + "nearest_pageview_before IS NULL) AS goal_pending, " +
		"count(DISTINCT visitor_id) FILTER (WHERE " + guard + "(nearest_pageview_before >= " + S + " OR nearest_pageview_after < " + E + ")) AS converted"
}

// totalSums are the window's totals over pageview rows in a series'
// statement, each row counted where guard (a condition and " AND ", or
// "") holds: those of pageviewSums, named total_visitors, total_sessions,
// and with sessions (which reads ts and second_prev_session_pageview)
// total_multi_pageview_sessions and total_duration_us (else 0).
func totalSums(guard, S string, sessions bool) string {
	out := countIf(guard+"prev_visitor_pageview < "+S) + " AS total_visitors, " + countIf(guard+"prev_session_pageview < "+S) + " AS total_sessions, "
	if !sessions {
		return out + "0 AS total_multi_pageview_sessions, 0 AS total_duration_us"
	}
	return out + countIf(guard+"prev_session_pageview >= "+S+" AND second_prev_session_pageview < "+S) + " AS total_multi_pageview_sessions, " +
		"CAST(coalesce(sum(CASE WHEN " + guard + "prev_session_pageview >= " + S + " THEN epoch_us(ts) - prev_session_pageview ELSE 0 END), 0) AS BIGINT) AS total_duration_us"
}

// twoScanTotals is the statement of the overview of a website that is not
// small, or mixed: the pageviews and the goals apart.
// customer is the condition of the goal rows (sqlq.Customer).
func twoScanTotals(q *sqlq.Query, where func(), S, E string, mixed bool, customer string) {
	q.Add("WITH ")
	if mixed {
		// The pending visitors' pageviews, sessions and visitors with
		// a goal or payment, the slow way.
		pendingCTE(q, where)
		q.Add("pending_pageviews AS (SELECT visitor_id, session_id, ts FROM events SEMI JOIN pending_in_window USING (visitor_id) WHERE ")
		where()
		q.Add(" AND type = " + pageview + "),\npending_sessions AS (SELECT count(*) AS pageview_count, epoch_us(max(ts)) - epoch_us(min(ts)) AS duration_us FROM pending_pageviews GROUP BY visitor_id, session_id),\n")
		q.Add("pending_pageview_visitors AS (SELECT DISTINCT visitor_id FROM pending_pageviews),\npending_converted AS (SELECT count(*) AS visitors FROM pending_pageview_visitors SEMI JOIN (SELECT visitor_id FROM events SEMI JOIN pending_in_window USING (visitor_id) WHERE ")
		where()
		q.Add(" AND " + customer + ") pending_goals USING (visitor_id)),\n")
	}
	q.Add("pageview_sums AS (SELECT " + pageviewSums("", S) + " FROM " + counted(mixed) + " WHERE ")
	where()
	q.Add(" AND type = " + pageview + "),\ngoal_sums AS (SELECT " + goalSums("", S, E) + " FROM " + counted(mixed) + " WHERE ")
	where()
	q.Add(" AND " + customer + ")\n")
	if mixed {
		q.Add(`SELECT 0, pageview_sums.visitors + (SELECT count(*) FROM pending_pageview_visitors),
  pageview_sums.sessions + (SELECT count(*) FROM pending_sessions),
  pageview_sums.sessions - pageview_sums.multi_pageview_sessions + (SELECT count(*) FROM pending_sessions WHERE pageview_count = 1),
  pageview_sums.duration_us + (SELECT CAST(coalesce(sum(duration_us), 0) AS BIGINT) FROM pending_sessions),
  goal_sums.converted + (SELECT visitors FROM pending_converted)`)
	} else {
		q.Add("SELECT pageview_sums.pending + goal_sums.goal_pending, pageview_sums.visitors, pageview_sums.sessions, " +
			"pageview_sums.sessions - pageview_sums.multi_pageview_sessions, pageview_sums.duration_us, goal_sums.converted")
	}
	q.Add(" FROM pageview_sums, goal_sums")
}

// monotone reports whether s's bucket keys never decrease with time, which
// the indexed timeseries needs: an offset change that goes back across a
// bucket boundary (a daylight-saving change at midnight, for days) breaks
// it, and such series are deduplicated instead.
func monotone(s analytics.Schedule) bool {
	for i := 1; i < len(s.Shifts); i++ {
		t := s.Shifts[i].From.UnixMicro()
		if keyAt(s, t-1) > keyAt(s, t) {
			return false
		}
	}
	return true
}

// keyAt is bucketKeyOf computed in Go, for monotone.
func keyAt(s analytics.Schedule, us int64) int64 {
	off := int64(s.Shifts[0].Offset)
	for _, sh := range s.Shifts[1:] {
		if us < sh.From.UnixMicro() {
			break
		}
		off = int64(sh.Offset)
	}
	local := us + off*1_000_000
	const hour, day = 3_600_000_000, 86_400_000_000
	floor := func(a, b int64) int64 {
		q := a / b
		if a%b != 0 && (a < 0) != (b < 0) {
			q--
		}
		return q
	}
	switch s.Unit {
	case analytics.UnitHour:
		return floor(local, hour)*hour - off*1_000_000
	case analytics.UnitWeek:
		return floor(floor(local, day)+3, 7)
	case analytics.UnitMonth:
		// Month keys follow days: a decrease of one is a decrease of the other.
		return floor(local, day)
	}
	return floor(local, day)
}

// indexedSeries is Series without filters, with monotone bucket keys;
// withTotals, it also computes the totals of the window (the request's
// whole range, see analytics.SeriesTotaler) in the same pass, or with
// pending rows, by indexedTotals.
func (d *DB) indexedSeries(ctx context.Context, r analytics.Request, s analytics.Schedule, withTotals bool) ([]analytics.Bucket, analytics.Totals, error) {
	var t analytics.Totals
	// sessions: the totals' Bounces and DurationMicros too.
	sessions := withTotals && r.SessionTotals
	sessionColumns := ""
	if sessions {
		sessionColumns = "ts, second_prev_session_pageview, "
	}
	key, err := bucketKey(s)
	if err != nil {
		return nil, t, err
	}
	S := strconv.FormatInt(windowStart(r.Range, s.Window), 10)
	E := strconv.FormatInt(windowEnd(r.Range, s.Window), 10)
	// keyOf is the bucket key of a column of epoch microseconds, computed
	// only where cond holds (none and noneNext have no bucket).
	keyOf := func(cond, col string) (string, error) {
		k, err := bucketKeyOf(s, col)
		return "CASE WHEN " + cond + " THEN " + k + " END", err
	}
	// A pageview is its visitor's (session's) first in its bucket when the
	// previous one is before the window or in an earlier bucket. (The key
	// of none is far in the past, and the comparison with S decides.)
	vk, err := bucketKeyOf(s, "prev_visitor_pageview")
	if err != nil {
		return nil, t, err
	}
	sk, err := bucketKeyOf(s, "prev_session_pageview")
	if err != nil {
		return nil, t, err
	}
	// A goal or payment's visitor has a pageview in its bucket when the
	// nearest pageview before or after it is in the window and the bucket.
	pk, err := keyOf("nearest_pageview_before >= "+S, "nearest_pageview_before")
	if err != nil {
		return nil, t, err
	}
	nk, err := keyOf("nearest_pageview_after < "+E, "nearest_pageview_after")
	if err != nil {
		return nil, t, err
	}
	// oneScan is the statement of a small website's series without
	// pending rows: one scan of the window's pageviews, goals and
	// payments (see smallSite), materialized as window_rows. The totals'
	// visitors and sessions add up over the buckets; their converted
	// visitors are deduplicated over window_rows (faster than GROUPING
	// SETS).
	oneScan := func(q *sqlq.Query, where func()) {
		q.Add("WITH window_rows AS MATERIALIZED (SELECT type, visitor_id, prev_visitor_pageview, prev_session_pageview, " + sessionColumns + "nearest_pageview_before, nearest_pageview_after, " + key + " AS bucket, " + vk + " AS prev_visitor_bucket, " + sk + " AS prev_session_bucket, " + pk + " AS pageview_before_bucket, " + nk + " AS pageview_after_bucket FROM events WHERE ")
		where()
		q.Add(" AND (type = " + pageview + " OR " + sqlq.Customer(r) + ")),\n")
		q.Add("buckets AS (SELECT bucket, " +
			countIf("type = "+pageview+" AND prev_visitor_pageview IS NULL") + " + count(*) FILTER (WHERE type <> " + pageview + " AND nearest_pageview_before IS NULL) AS pending, " +
			countIf("type = "+pageview+" AND (prev_visitor_pageview < "+S+" OR prev_visitor_bucket < bucket)") + " AS visitors, " +
			countIf("type = "+pageview+" AND (prev_session_pageview < "+S+" OR prev_session_bucket < bucket)") + " AS sessions, " +
			"count(DISTINCT visitor_id) FILTER (WHERE type <> " + pageview + " AND (pageview_before_bucket = bucket OR pageview_after_bucket = bucket)) AS converted")
		if withTotals {
			q.Add(", " + totalSums("type = "+pageview+" AND ", S, sessions))
		}
		q.Add(" FROM window_rows GROUP BY bucket)")
		if withTotals {
			q.Add(",\ntotal_converted AS (SELECT count(DISTINCT visitor_id) FILTER (WHERE type <> " + pageview + " AND (nearest_pageview_before >= " + S + " OR nearest_pageview_after < " + E + ")) AS converted_visitors FROM window_rows)")
		}
		q.Add("\nSELECT buckets.bucket, buckets.pending, buckets.visitors, buckets.sessions, buckets.converted")
		if withTotals {
			q.Add(", (SELECT CAST(sum(total_visitors) AS BIGINT) FROM buckets), (SELECT CAST(sum(total_sessions) AS BIGINT) FROM buckets), total_converted.converted_visitors, " +
				"(SELECT CAST(sum(total_multi_pageview_sessions) AS BIGINT) FROM buckets), (SELECT CAST(sum(total_duration_us) AS BIGINT) FROM buckets) FROM buckets CROSS JOIN total_converted WHERE")
		} else {
			q.Add(" FROM buckets WHERE")
		}
		q.Add(" buckets.visitors + buckets.converted + buckets.pending > 0 ORDER BY buckets.bucket")
	}
	// twoScans is the statement of the other series: the pageviews and
	// the goals and payments apart, and mixed, the pending visitors'
	// rows deduplicated.
	// twoScans is the statement of the other series: the pageviews and
	// the goals and payments apart, and mixed, the pending visitors'
	// rows deduplicated (then without the totals).
	twoScans := func(q *sqlq.Query, where func(), mixed bool) {
		totals := withTotals && !mixed
		q.Add("WITH ")
		if mixed {
			pendingCTE(q, where)
			q.Add("pending_pageviews AS (SELECT visitor_id, session_id, " + key + " AS bucket FROM events SEMI JOIN pending_in_window USING (visitor_id) WHERE ")
			where()
			q.Add(" AND type = " + pageview + "),\npending_bucket_visitors AS (SELECT DISTINCT bucket, visitor_id FROM pending_pageviews),\n")
			q.Add("pending_goal_buckets AS (SELECT DISTINCT visitor_id, " + key + " AS bucket FROM events SEMI JOIN pending_in_window USING (visitor_id) WHERE ")
			where()
			q.Add(" AND " + sqlq.Customer(r) + "),\n")
		}
		q.Add("pageview_counts AS (SELECT bucket, " + countIf("prev_visitor_pageview IS NULL") + " AS pending, " + countIf("prev_visitor_pageview < "+S+" OR prev_visitor_bucket < bucket") + " AS visitors, " +
			countIf("prev_session_pageview < "+S+" OR prev_session_bucket < bucket") + " AS sessions")
		if totals {
			q.Add(", " + totalSums("", S, sessions))
		}
		q.Add(" FROM (SELECT prev_visitor_pageview, prev_session_pageview, " + key + " AS bucket, " + vk + " AS prev_visitor_bucket, " + sk + " AS prev_session_bucket")
		if totals && sessions {
			q.Add(", second_prev_session_pageview, ts")
		}
		q.Add(" FROM " + counted(mixed) + " WHERE ")
		where()
		q.Add(" AND type = " + pageview + ") pageview_rows GROUP BY bucket")
		if mixed {
			q.Add(` UNION ALL SELECT bucket, 0, count(*), 0 FROM pending_bucket_visitors GROUP BY bucket
  UNION ALL SELECT bucket, 0, 0, count(*) FROM (SELECT DISTINCT bucket, visitor_id, session_id FROM pending_pageviews) pending_bucket_sessions GROUP BY bucket`)
		}
		q.Add("),\nbucket_visitors AS (SELECT bucket, sum(pending) AS pending, sum(visitors) AS visitors, sum(sessions) AS sessions FROM pageview_counts GROUP BY bucket),\n")
		q.Add("goals AS (SELECT visitor_id, nearest_pageview_before, nearest_pageview_after, " + key + " AS bucket, " + pk + " AS pageview_before_bucket, " + nk + " AS pageview_after_bucket FROM " + counted(mixed) + " WHERE ")
		where()
		q.Add(" AND " + sqlq.Customer(r) + "),\n")
		q.Add("bucket_conversions AS (SELECT bucket, count(*) FILTER (WHERE nearest_pageview_before IS NULL) AS pending, count(DISTINCT visitor_id) FILTER (WHERE pageview_before_bucket = bucket OR pageview_after_bucket = bucket) AS converted FROM goals GROUP BY bucket")
		if mixed {
			q.Add(" UNION ALL SELECT bucket, 0, count(*) FROM pending_goal_buckets SEMI JOIN pending_bucket_visitors USING (bucket, visitor_id) GROUP BY bucket")
		}
		q.Add("),\nconversions AS (SELECT bucket, sum(pending) AS goal_pending, sum(converted) AS converted FROM bucket_conversions GROUP BY bucket)")
		if totals {
			q.Add(",\ntotals AS (SELECT CAST(coalesce(sum(total_visitors), 0) AS BIGINT) AS total_visitors, CAST(coalesce(sum(total_sessions), 0) AS BIGINT) AS total_sessions, " +
				"CAST(coalesce(sum(total_multi_pageview_sessions), 0) AS BIGINT) AS total_multi_pageview_sessions, CAST(coalesce(sum(total_duration_us), 0) AS BIGINT) AS total_duration_us FROM pageview_counts),\n")
			q.Add("total_converted AS (SELECT count(DISTINCT visitor_id) FILTER (WHERE nearest_pageview_before >= " + S + " OR nearest_pageview_after < " + E + ") AS converted_visitors FROM goals)")
		}
		q.Add(`
SELECT bucket, CAST(coalesce(pending, 0) + coalesce(goal_pending, 0) AS BIGINT), CAST(coalesce(visitors, 0) AS BIGINT), CAST(coalesce(sessions, 0) AS BIGINT), CAST(coalesce(converted, 0) AS BIGINT)`)
		if totals {
			q.Add(", total_visitors, total_sessions, total_converted.converted_visitors, total_multi_pageview_sessions, total_duration_us FROM (bucket_visitors FULL OUTER JOIN conversions USING (bucket)) CROSS JOIN totals CROSS JOIN total_converted")
		} else {
			q.Add("\nFROM bucket_visitors FULL OUTER JOIN conversions USING (bucket)")
		}
		q.Add(" WHERE coalesce(visitors, 0) + coalesce(converted, 0) + coalesce(pending, 0) + coalesce(goal_pending, 0) > 0 ORDER BY bucket")
	}
	small := d.smallSite(d.site(r.WebsiteID))
	var out []analytics.Bucket
	for _, mixed := range []bool{false, true} {
		q := d.newQuery()
		where := func() {
			q.Base(r)
			q.Add(" AND ts >= ? AND ts < ?", s.Window.Start.UTC(), s.Window.End.UTC())
		}
		if small && !mixed {
			oneScan(q, where)
		} else {
			twoScans(q, where, mixed)
		}
		var pending bool
		out, t, pending, err = d.scanIndexedBuckets(ctx, q, withTotals && !mixed, sessions)
		if err != nil {
			return nil, t, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
		}
		if !pending {
			if withTotals && mixed {
				t, err = d.indexedTotals(ctx, r)
			}
			break
		}
	}
	return out, t, nil
}

// scanIndexedBuckets reads the buckets, and withTotals the totals (with
// sessions, their Bounces and DurationMicros too); it stops and reports
// when a bucket has pending pageviews.
func (d *DB) scanIndexedBuckets(ctx context.Context, q *sqlq.Query, withTotals, sessions bool) ([]analytics.Bucket, analytics.Totals, bool, error) {
	var t analytics.Totals
	rows, err := d.db.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, t, false, err
	}
	defer rows.Close()
	var out []analytics.Bucket
	for rows.Next() {
		var b analytics.Bucket
		var pending int64
		dest := []any{&b.Key, &pending, &b.Visitors, &b.Sessions, &b.Converted}
		var multi int64
		if withTotals {
			dest = append(dest, &t.Visitors, &t.Sessions, &t.Converted, &multi, &t.DurationMicros)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, t, false, err
		}
		if sessions {
			t.Bounces = t.Sessions - multi
		}
		if pending > 0 {
			return nil, t, true, rows.Close()
		}
		out = append(out, b)
	}
	return out, t, false, rows.Err()
}

// prevColumn is the indexed column of a breakdown's keys, or "".
func prevColumn(keys []string) string {
	switch strings.Join(keys, ",") {
	case "hostname,path":
		return "prev_page_pageview"
	case "session_referrer":
		return "prev_referrer_pageview"
	case "country":
		return "prev_country_pageview"
	}
	return ""
}

// indexedBreakdown is Breakdown of pageviews without filters, by keys that
// have an indexed column. Its statements (the page, the total past the
// last row, the pending visitors' pairs) run in one transaction (one
// snapshot).
func (d *DB) indexedBreakdown(ctx context.Context, r analytics.Request, keys []string, prev string, limit, offset int) ([]analytics.Group, int, error) {
	cols := strings.Join(keys, ", ")
	S := strconv.FormatInt(windowStart(r.Range), 10)
	where := func(q *sqlq.Query) {
		q.Base(r)
		q.Add(" AND type = " + pageview + " AND NOT (" + sqlq.AllEmpty(keys) + ")")
	}
	// pairs adds, when mixed, the CTEs pending_in_window and
	// pending_pairs (the pending visitors' distinct pairs).
	pairs := func(q *sqlq.Query, mixed bool) {
		if !mixed {
			return
		}
		pendingCTE(q, func() { q.Base(r) })
		q.Add("pending_pairs AS (SELECT DISTINCT " + cols + ", visitor_id FROM events SEMI JOIN pending_in_window USING (visitor_id) WHERE ")
		where(q)
		q.Add("),\n")
	}
	visitors := func(mixed bool, limit, offset int) *sqlq.Query {
		q := d.newQuery()
		q.Add("WITH ")
		pairs(q, mixed)
		q.Add("key_counts AS (SELECT " + cols + ", count(*) FILTER (WHERE " + prev + " IS NULL) AS pending, count(*) FILTER (WHERE " + prev + " < " + S + ") AS visitors FROM " + counted(mixed) + " WHERE ")
		where(q)
		q.Add(" GROUP BY " + cols)
		if mixed {
			q.Add(" UNION ALL SELECT " + cols + ", 0, count(*) FROM pending_pairs GROUP BY " + cols)
		}
		q.Add("),\nbreakdown AS (SELECT " + cols + ", sum(pending) AS pending, sum(visitors) AS visitors FROM key_counts GROUP BY " + cols + ")\n")
		q.Add("SELECT "+cols+", CAST(visitors AS BIGINT), count(*) OVER (), CAST(sum(pending) OVER () AS BIGINT) "+
			"FROM breakdown ORDER BY visitors DESC, "+cols+" LIMIT ? OFFSET ?", limit, offset)
		return q
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	defer tx.Rollback()
	var groups []analytics.Group
	var total int
	for _, mixed := range []bool{false, true} {
		var pending int64
		groups, total, pending, err = scanIndexedGroups(ctx, tx, visitors(mixed, limit, offset), len(keys))
		if err == nil && len(groups) == 0 && offset > 0 {
			// Past the last row: the window gave no total.
			_, total, pending, err = scanIndexedGroups(ctx, tx, visitors(mixed, 1, 0), len(keys))
		}
		if err != nil {
			return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
		}
		if pending == 0 {
			break
		}
	}
	return groups, total, tx.Commit()
}

// scanIndexedGroups reads keys, visitors, the number of groups and the
// number of pending pageviews.
func scanIndexedGroups(ctx context.Context, tx *sql.Tx, q *sqlq.Query, nkeys int) ([]analytics.Group, int, int64, error) {
	total := 0
	var pending int64
	groups, err := scanKeyed(ctx, tx, q, nkeys, func(g *analytics.Group) []any { return []any{&g.Visitors, &total, &pending} })
	return groups, total, pending, err
}

// techColumn reports whether a breakdown's keys are one column that
// tech_changed covers: browser, os or device.
func techColumn(keys []string) bool {
	return len(keys) == 1 && (keys[0] == "browser" || keys[0] == "os" || keys[0] == "device")
}

// techIndexed reports whether Breakdown by browser, OS or device (key)
// without filters should count with tech_changed (techCTEs): unless more
// than a quarter of the window's pageviews have none (a file from before
// the column), where deduplicating every pair costs less.
func (d *DB) techIndexed(ctx context.Context, r analytics.Request, key string) (bool, error) {
	q := d.newQuery()
	q.Add("SELECT count(*) FILTER (WHERE tech_changed IS NULL), count(*) FROM events WHERE ")
	techRows(q, r, key)
	var unknown, all int64
	err := d.db.QueryRowContext(ctx, q.String(), q.Args...).Scan(&unknown, &all)
	return unknown*4 <= all, err
}

// techRows adds the condition of the pageviews a breakdown by key counts.
func techRows(q *sqlq.Query, r analytics.Request, key string) {
	q.Base(r)
	q.Add(" AND type = " + pageview + " AND NOT (" + sqlq.AllEmpty([]string{key}) + ")")
}

// techCTEs adds the CTEs of Breakdown by browser, OS or device (key)
// without filters, ending with breakdown (key, visitors, completions). A
// visitor none of whose pageviews in the window has tech_changed (true,
// or NULL: pending, or stored before the column) has one browser, OS and
// device there, those of their first pageview in the window, which is the
// one whose prev_visitor_pageview is before it: they count once for its
// key, without deduplication. The others (changed) have their (key,
// visitor) pairs deduplicated. It is one statement, so one snapshot.
func techCTEs(q *sqlq.Query, r analytics.Request, key string) {
	q.Add("WITH changed AS MATERIALIZED (SELECT DISTINCT visitor_id FROM events WHERE ")
	techRows(q, r, key)
	q.Add(" AND tech_changed IS DISTINCT FROM false),\nkey_counts AS (SELECT " + key + ", count(*) AS visitors FROM events ANTI JOIN changed USING (visitor_id) WHERE ")
	techRows(q, r, key)
	q.Add(" AND prev_visitor_pageview < " + strconv.FormatInt(windowStart(r.Range), 10) + " GROUP BY " + key)
	q.Add(" UNION ALL SELECT " + key + ", count(*) FROM (SELECT DISTINCT " + key + ", visitor_id FROM events SEMI JOIN changed USING (visitor_id) WHERE ")
	techRows(q, r, key)
	q.Add(") GROUP BY " + key + "),\nbreakdown AS (SELECT " + key + ", CAST(sum(visitors) AS BIGINT) AS visitors, 0 AS completions FROM key_counts GROUP BY " + key + ")\n")
}
