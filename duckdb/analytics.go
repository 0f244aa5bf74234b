package duckdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

var _ analytics.Store = (*DB)(nil)

// query is SQL under construction with its arguments.
type query struct {
	sql  strings.Builder
	args []any
}

func (q *query) add(sql string, args ...any) {
	q.sql.WriteString(sql)
	q.args = append(q.args, args...)
}

// base adds the request's website and range conditions.
func (q *query) base(r analytics.Request) { q.scope(r.WebsiteID, r.Range) }

// scope adds the website and, unless rng.All, the range conditions.
func (q *query) scope(websiteID string, rng analytics.Range) {
	q.add("website_id = ?", websiteID)
	if !rng.All {
		q.add(" AND ts >= ? AND ts < ?", rng.Start.UTC(), rng.End.UTC())
	}
}

// filters adds " AND <condition>" for each filter.
func (q *query) filters(r analytics.Request) {
	for _, f := range r.Filters {
		q.add(" AND ")
		neg, op := negated(f.Op)
		if neg {
			q.add("NOT ")
		}
		if f.Dimension == analytics.DimGoal {
			// Visitors who completed (or never completed) one of the goals.
			q.add("visitor_id IN (SELECT visitor_id FROM events WHERE ")
			q.base(r)
			q.add(" AND type = " + custom + " AND ")
			q.match("goal", op, f.Values)
			q.add(")")
			continue
		}
		col, _ := filterColumn(f.Dimension) // checked by checkFilters
		q.match(col, op, analytics.FilterValues(f))
	}
}

// negated reports whether op keeps what does not match, and the operator
// that matches (is for is_not, contains for does_not_contain).
func negated(op analytics.Op) (bool, analytics.Op) {
	switch op {
	case analytics.OpIsNot:
		return true, analytics.OpIs
	case analytics.OpDoesNotContain:
		return true, analytics.OpContains
	}
	return false, op
}

// match adds "(col matches one of values)" for OpIs or OpContains.
func (q *query) match(col string, op analytics.Op, values []string) {
	q.add("(")
	if op == analytics.OpIs {
		q.add(col + " IN (")
		for i, v := range values {
			if i > 0 {
				q.add(", ")
			}
			q.add("?", v)
		}
		q.add(")")
	} else {
		for i, v := range values {
			if i > 0 {
				q.add(" OR ")
			}
			q.add("contains("+col+", ?)", v)
		}
	}
	q.add(")")
}

// checkFilters refuses a filter on an unknown dimension: filter columns
// are written into the SQL.
func checkFilters(r analytics.Request) error {
	for _, f := range r.Filters {
		if _, ok := filterColumn(f.Dimension); !ok && f.Dimension != analytics.DimGoal {
			return fmt.Errorf("unknown filter dimension %q", f.Dimension)
		}
		if len(f.Values) == 0 {
			return fmt.Errorf("filter on %s without values", f.Dimension)
		}
	}
	return nil
}

// filterColumn is the column a filter dimension compares with, and whether
// the dimension has one (goal filters select visitors instead).
func filterColumn(d analytics.Dimension) (string, bool) {
	c := analytics.FilterColumn(d)
	return string(c), d != analytics.DimGoal && (d == analytics.DimEntryPage || validColumn(c))
}

// The event types, as SQL literals.
var (
	pageview = strconv.Itoa(int(openfast.EventPageview))
	custom   = strconv.Itoa(int(openfast.EventCustom))
	identify = strconv.Itoa(int(openfast.EventIdentify))
	payment  = strconv.Itoa(int(openfast.EventPayment))
)

// Totals computes the overview aggregates.
func (d *DB) Totals(ctx context.Context, r analytics.Request) (analytics.Totals, error) {
	if err := checkFilters(r); err != nil {
		return analytics.Totals{}, err
	}
	var q query
	q.add("WITH pv AS (SELECT visitor_id, session_id, ts FROM events WHERE ")
	q.base(r)
	q.add(" AND type = " + pageview)
	q.filters(r)
	q.add(`),
s AS (SELECT count(*) AS n, epoch_us(max(ts)) - epoch_us(min(ts)) AS us FROM pv GROUP BY session_id),
v AS (SELECT DISTINCT visitor_id FROM pv),
c AS (SELECT DISTINCT visitor_id FROM events WHERE `)
	q.base(r)
	q.add(" AND type IN (" + custom + ", " + payment + ")),\np AS (SELECT visitor_id, revenue_cents FROM events WHERE ")
	q.base(r)
	q.add(" AND type = " + payment)
	if len(r.Filters) > 0 {
		q.add(" AND visitor_id IN (SELECT visitor_id FROM v)")
	}
	q.add(`)
SELECT (SELECT count(*) FROM v),
       (SELECT count(*) FROM s), (SELECT count(*) FROM s WHERE n = 1), (SELECT CAST(coalesce(sum(us), 0) AS BIGINT) FROM s),
       (SELECT count(*) FROM v SEMI JOIN c USING (visitor_id)),
       (SELECT count(*) FROM p), (SELECT CAST(coalesce(sum(revenue_cents), 0) AS BIGINT) FROM p)`)
	var t analytics.Totals
	err := d.db.QueryRowContext(ctx, q.sql.String(), q.args...).Scan(&t.Visitors, &t.Sessions, &t.Bounces, &t.DurationMicros, &t.Converted, &t.Payments, &t.RevenueCents)
	if err != nil {
		return t, fmt.Errorf("overview of %s: %w", r.WebsiteID, err)
	}
	return t, nil
}

// bucketKey returns the SQL expression of an event's bucket key under s
// (see analytics.Schedule).
func bucketKey(s analytics.Schedule) (string, error) {
	if len(s.Shifts) == 0 {
		return "", fmt.Errorf("a schedule needs at least one shift")
	}
	var off strings.Builder
	if len(s.Shifts) == 1 {
		off.WriteString(strconv.Itoa(s.Shifts[0].Offset))
	} else {
		off.WriteString("CASE")
		for i := 1; i < len(s.Shifts); i++ {
			fmt.Fprintf(&off, " WHEN epoch_us(ts) < %d THEN %d", s.Shifts[i].From.UnixMicro(), s.Shifts[i-1].Offset)
		}
		fmt.Fprintf(&off, " ELSE %d END", s.Shifts[len(s.Shifts)-1].Offset)
	}
	offUS := "(CAST(" + off.String() + " AS BIGINT) * 1000000)"
	local := "(epoch_us(ts) + " + offUS + ")"
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
	if err := checkFilters(r); err != nil {
		return nil, err
	}
	var q query
	window := func() {
		q.add(" AND ts >= ? AND ts < ?", s.Window.Start.UTC(), s.Window.End.UTC())
	}
	q.add("WITH pv AS (SELECT visitor_id, session_id, " + key + " AS k FROM events WHERE ")
	q.base(r)
	window()
	q.add(" AND type = " + pageview)
	q.filters(r)
	q.add("),\nev AS (SELECT visitor_id, type, revenue_cents, " + key + " AS k FROM events WHERE ")
	q.base(r)
	window()
	q.add(" AND type IN (" + custom + ", " + payment + ")),\n")
	q.add(`pvk AS (SELECT DISTINCT k, visitor_id FROM pv),
vis AS (SELECT k, count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS sessions FROM pv GROUP BY k),
conv AS (SELECT k, count(*) AS converted FROM (SELECT DISTINCT k, visitor_id FROM ev) x SEMI JOIN pvk USING (k, visitor_id) GROUP BY k),
pay AS (SELECT k, count(*) AS payments, CAST(sum(revenue_cents) AS BIGINT) AS cents FROM ev `)
	if len(r.Filters) > 0 {
		q.add("SEMI JOIN pvk USING (k, visitor_id) ")
	}
	q.add(`WHERE type = ` + payment + ` GROUP BY k)
SELECT k, coalesce(visitors, 0), coalesce(sessions, 0), coalesce(converted, 0), coalesce(payments, 0), coalesce(cents, 0)
FROM vis FULL OUTER JOIN conv USING (k) FULL OUTER JOIN pay USING (k) ORDER BY k`)
	rows, err := d.db.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	var out []analytics.Bucket
	for rows.Next() {
		var b analytics.Bucket
		if err := rows.Scan(&b.Key, &b.Visitors, &b.Sessions, &b.Converted, &b.Payments, &b.RevenueCents); err != nil {
			return nil, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeseries of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// Breakdown groups the events by b's columns.
func (d *DB) Breakdown(ctx context.Context, r analytics.Request, b analytics.Breakdown, limit, offset int) ([]analytics.Group, int, error) {
	if len(b.Keys) == 0 {
		return nil, 0, fmt.Errorf("a breakdown needs a column")
	}
	if err := checkFilters(r); err != nil {
		return nil, 0, err
	}
	keys := make([]string, len(b.Keys))
	for i, k := range b.Keys {
		if !validColumn(k) {
			return nil, 0, fmt.Errorf("unknown breakdown column %q", k)
		}
		keys[i] = string(k)
	}
	cols := strings.Join(keys, ", ")
	var q query
	if b.Goals {
		q.add("WITH r AS (SELECT " + cols + ", count(DISTINCT visitor_id) AS visitors, count(*) AS completions, 0 AS payments, 0 AS cents FROM events WHERE ")
		q.base(r)
		q.add(" AND type = " + custom)
		q.filters(r)
		q.add(" AND NOT (" + allEmpty(keys) + ") GROUP BY " + cols + ")\n")
	} else {
		q.add("WITH g AS (SELECT DISTINCT " + cols + ", visitor_id FROM events WHERE ")
		q.base(r)
		q.add(" AND type = " + pageview)
		q.filters(r)
		q.add(" AND NOT (" + allEmpty(keys) + ")),\npay AS (SELECT visitor_id, count(*) AS n, CAST(sum(revenue_cents) AS BIGINT) AS cents FROM events WHERE ")
		q.base(r)
		q.add(" AND type = " + payment + " GROUP BY visitor_id),\n")
		q.add("r AS (SELECT " + cols + ", count(*) AS visitors, 0 AS completions, CAST(coalesce(sum(pay.n), 0) AS BIGINT) AS payments, CAST(coalesce(sum(pay.cents), 0) AS BIGINT) AS cents FROM g LEFT JOIN pay USING (visitor_id) GROUP BY " + cols + ")\n")
	}
	q.add("SELECT "+cols+", visitors, completions, payments, cents, count(*) OVER () FROM r ORDER BY visitors DESC, "+cols+" LIMIT ? OFFSET ?", limit, offset)
	groups, total, err := d.scanGroups(ctx, &q, len(keys))
	if err == nil && len(groups) == 0 && offset > 0 {
		// Past the last row: the window gave no total.
		q.args[len(q.args)-1] = 0
		_, total, err = d.scanGroups(ctx, &q, len(keys))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	return groups, total, nil
}

func (d *DB) scanGroups(ctx context.Context, q *query, nkeys int) ([]analytics.Group, int, error) {
	rows, err := d.db.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var groups []analytics.Group
	total := 0
	dest := make([]any, nkeys+5)
	for rows.Next() {
		g := analytics.Group{Keys: make([]string, nkeys)}
		for i := range g.Keys {
			dest[i] = &g.Keys[i]
		}
		dest[nkeys], dest[nkeys+1], dest[nkeys+2], dest[nkeys+3], dest[nkeys+4] = &g.Visitors, &g.Completions, &g.Payments, &g.RevenueCents, &total
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		groups = append(groups, g)
	}
	return groups, total, rows.Err()
}

func allEmpty(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ''"
	}
	return strings.Join(parts, " AND ")
}

func validColumn(c analytics.Column) bool {
	switch c {
	case analytics.ColHostname, analytics.ColPath, analytics.ColSessionReferrer, analytics.ColCountry, analytics.ColRegion,
		analytics.ColCity, analytics.ColBrowser, analytics.ColOS, analytics.ColDevice, analytics.ColGoal,
		analytics.ColUTMSource, analytics.ColUTMMedium, analytics.ColUTMCampaign, analytics.ColUTMTerm, analytics.ColUTMContent,
		analytics.ColRef, analytics.ColSource, analytics.ColVia:
		return true
	}
	return false
}

// ActiveVisitors counts the distinct visitors seen in [since, until].
func (d *DB) ActiveVisitors(ctx context.Context, websiteID string, since, until time.Time) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT count(DISTINCT visitor_id) FROM events WHERE website_id = ? AND ts >= ? AND ts <= ? AND visitor_id <> `+zeroUUID,
		websiteID, since.UTC(), until.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("active visitors of %s: %w", websiteID, err)
	}
	return n, nil
}
