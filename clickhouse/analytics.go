package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.Store = (*DB)(nil)

// The event types, as SQL literals.
var pageview, custom, identify, payment = sqlq.Pageview, sqlq.Custom, sqlq.Identify, sqlq.Payment

// dialect is where this store's SQL differs from the other SQL stores'.
var dialect = sqlq.Dialect{
	Time:      func(t time.Time) any { return ceilMicros(t) },
	Contains:  func(col string) string { return "position(" + col + ", ?) > 0" },
	HasPrefix: func(col string) string { return "startsWith(" + col + ", ?)" },
	Regexp:    func(col string) string { return "match(" + col + ", ?)" },
}

func newQuery() *sqlq.Query { return sqlq.New(&dialect) }

// zeroUUID is the visitor id of payments without a visitor.
var zeroUUID = uuidLiteral(openfast.UUID{})

// pageviews adds the condition of the request's pageviews that pass its
// filters.
func pageviews(q *sqlq.Query, r analytics.Request) {
	q.Base(r)
	q.Add(" AND type = " + pageview)
	q.Filters(r)
}

// Totals computes the overview aggregates in one statement: visitors and
// converted visitors, sessions (count, bounces, durations).
func (d *DB) Totals(ctx context.Context, r analytics.Request) (analytics.Totals, error) {
	if err := sqlq.CheckFilters(r); err != nil {
		return analytics.Totals{}, err
	}
	q := newQuery()
	q.Add("SELECT visitors_n, converted_n, sessions_n, bounces_n, duration_us FROM\n")
	q.Add("(SELECT toInt64(uniqExact(visitor_id)) AS visitors_n, toInt64(uniqExactIf(visitor_id, visitor_id IN (SELECT visitor_id FROM events WHERE ")
	q.Base(r)
	q.Add(" AND " + sqlq.Customer(r) + "))) AS converted_n FROM events WHERE ")
	pageviews(q, r)
	q.Add(")\nCROSS JOIN\n")
	q.Add("(SELECT toInt64(count()) AS sessions_n, toInt64(countIf(pageviews_n = 1)) AS bounces_n, toInt64(sum(span_us)) AS duration_us FROM " +
		"(SELECT count() AS pageviews_n, max(ts) - min(ts) AS span_us FROM events WHERE ")
	pageviews(q, r)
	q.Add(" GROUP BY visitor_id, session_id))")
	var t analytics.Totals
	err := d.conn.QueryRow(ctx, q.String(), q.Args...).Scan(&t.Visitors, &t.Converted, &t.Sessions, &t.Bounces, &t.DurationMicros)
	if err != nil {
		return t, fmt.Errorf("overview of %s: %w", r.WebsiteID, err)
	}
	return t, nil
}

// bucketKey returns the SQL expression of an event's bucket key under s
// (see analytics.Schedule), integer arithmetic on ts. Its aliases (bk_*)
// must be unique in the SELECT that holds it: use it once per SELECT.
func bucketKey(s analytics.Schedule) (string, error) {
	if len(s.Shifts) == 0 {
		return "", fmt.Errorf("a schedule needs at least one shift")
	}
	var off string
	if len(s.Shifts) == 1 {
		off = "toInt64(" + strconv.Itoa(s.Shifts[0].Offset) + ")"
	} else {
		var b strings.Builder
		b.WriteString("multiIf(")
		for i := 1; i < len(s.Shifts); i++ {
			fmt.Fprintf(&b, "ts < %d, toInt64(%d), ", ceilMicros(s.Shifts[i].From), s.Shifts[i-1].Offset)
		}
		fmt.Fprintf(&b, "toInt64(%d))", s.Shifts[len(s.Shifts)-1].Offset)
		off = b.String()
	}
	offUS := "(" + off + " * 1000000)"
	local := "(ts + " + offUS + ")"
	days := floorDiv(local, 86_400_000_000)
	switch s.Unit {
	case analytics.UnitHour:
		return "(" + floorDiv(local, 3_600_000_000) + " * 3600000000 - " + offUS + ")", nil
	case analytics.UnitDay:
		return days, nil
	case analytics.UnitWeek:
		return floorDiv("("+days+" + 3)", 7), nil
	case analytics.UnitMonth:
		return monthKey(days), nil
	}
	return "", fmt.Errorf("unknown bucket unit %q", s.Unit)
}

// floorDiv returns the SQL of x divided by d > 0, rounded down (intDiv
// rounds towards zero).
func floorDiv(x string, d int64) string {
	c := "toInt64(" + strconv.FormatInt(d, 10) + ")"
	return "(intDiv(" + x + ", " + c + ") - (" + x + " % " + c + " < 0))"
}

// monthKey returns the SQL of year * 12 + month - 1 of the date days
// (days since 1970-01-01), from the civil calendar's arithmetic (Howard
// Hinnant's days_from_civil, inverted): with years that start on 1 March,
// the month's key is the March-based year * 12 + the month's index from
// March + 2. The aliases name the steps.
func monthKey(days string) string {
	z := "(" + days + " + 719468)"
	return "(((intDiv(" + z + ", 146097) AS bk_era) * 400 + " +
		"(intDiv(bk_doe - intDiv(bk_doe, 1460) + intDiv(bk_doe, 36524) - intDiv(bk_doe, 146096), 365) AS bk_yoe)) * 12 + " +
		"intDiv(5 * ((" + z + " - bk_era * 146097 AS bk_doe) - (365 * bk_yoe + intDiv(bk_yoe, 4) - intDiv(bk_yoe, 100))) + 2, 153) + 2)"
}

// Series computes the timeseries buckets that have pageviews: the
// pageview aggregates and the conversions, each grouped by bucket, summed
// per bucket.
func (d *DB) Series(ctx context.Context, r analytics.Request, s analytics.Schedule) ([]analytics.Bucket, error) {
	key, err := bucketKey(s)
	if err != nil {
		return nil, err
	}
	if err := sqlq.CheckFilters(r); err != nil {
		return nil, err
	}
	q := newQuery()
	pv := func() {
		q.Base(r)
		q.Between(s.Window.Start, s.Window.End)
		q.Add(" AND type = " + pageview)
		q.Filters(r)
	}
	// inPV: the (bucket, visitor) of the event is one of a pageview.
	inPV := func() {
		q.Add("(bucket, visitor_id) IN (SELECT " + key + " AS pageview_bucket, visitor_id FROM events WHERE ")
		pv()
		q.Add(")")
	}
	q.Add("SELECT bucket, toInt64(sum(visitors_n)), toInt64(sum(sessions_n)), toInt64(sum(converted_n)) FROM (\n")
	q.Add("SELECT " + key + " AS bucket, uniqExact(visitor_id) AS visitors_n, uniqExact(visitor_id, session_id) AS sessions_n, toUInt64(0) AS converted_n FROM events WHERE ")
	pv()
	q.Add(" GROUP BY bucket\nUNION ALL\n")
	q.Add("SELECT " + key + " AS bucket, toUInt64(0), toUInt64(0), uniqExactIf(visitor_id, " + sqlq.Customer(r) + " AND ")
	inPV()
	q.Add(") AS conv FROM events WHERE ")
	q.Base(r)
	q.Between(s.Window.Start, s.Window.End)
	q.Add(" AND type = " + payment + " GROUP BY bucket HAVING conv > 0\n) GROUP BY bucket ORDER BY bucket")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
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

// Breakdown groups the events by b's columns: the number of groups first,
// then the page of groups asked for.
func (d *DB) Breakdown(ctx context.Context, r analytics.Request, b analytics.Breakdown, limit, offset int) ([]analytics.Group, int, error) {
	keys, err := sqlq.BreakdownKeys(r, b)
	if err != nil {
		return nil, 0, err
	}
	if limit < 0 || offset < 0 {
		return nil, 0, fmt.Errorf("negative limit or offset")
	}
	cols := strings.Join(keys, ", ")
	typ := pageview
	if b.Goals {
		typ = custom
	}
	// grouped adds the condition of the events grouped.
	grouped := func(q *sqlq.Query) {
		q.Base(r)
		q.Add(" AND type = " + typ)
		q.Filters(r)
		q.Add(" AND NOT (" + sqlq.AllEmpty(keys) + ")")
	}
	count := newQuery()
	count.Add("SELECT toInt64(uniqExact(" + cols + ")) FROM events WHERE ")
	grouped(count)
	var total int64
	if err := d.conn.QueryRow(ctx, count.String(), count.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	if int64(offset) >= total || limit == 0 {
		return nil, int(total), nil
	}
	completions := "toInt64(0)"
	if b.Goals {
		completions = "toInt64(count())"
	}
	q := newQuery()
	q.Add("SELECT " + cols + ", toInt64(uniqExact(visitor_id)) AS visitors_n, " + completions + " FROM events WHERE ")
	grouped(q)
	q.Add(" GROUP BY " + cols + " ORDER BY visitors_n DESC, " + cols + " LIMIT ?, ?")
	q.Args = append(q.Args, offset, limit)
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	defer rows.Close()
	var groups []analytics.Group
	dest := make([]any, len(keys)+2)
	for rows.Next() {
		g := analytics.Group{Keys: make([]string, len(keys))}
		for i := range g.Keys {
			dest[i] = &g.Keys[i]
		}
		n := len(keys)
		dest[n], dest[n+1] = &g.Visitors, &g.Completions
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("breakdown of %s by %s: %w", r.WebsiteID, cols, err)
	}
	return groups, int(total), nil
}

// ActiveVisitors counts the distinct visitors seen in [since, until].
func (d *DB) ActiveVisitors(ctx context.Context, websiteID string, since, until time.Time) (int64, error) {
	var n int64
	err := d.conn.QueryRow(ctx, `SELECT toInt64(uniqExact(visitor_id)) FROM events WHERE website_id = ? AND ts >= ? AND ts <= ? AND visitor_id != `+zeroUUID,
		websiteID, ceilMicros(since), until.UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("active visitors of %s: %w", websiteID, err)
	}
	return n, nil
}

// Revenue implements analytics.RevenueStore: the payments of the range or
// window grouped by bucket, currency, UTC day and kind; with filters, those
// of the visitors counted in their bucket.
func (d *DB) Revenue(ctx context.Context, r analytics.Request, s *analytics.Schedule) ([]analytics.RevenueRow, error) {
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
	q := newQuery()
	where := func() {
		q.Base(r)
		if s != nil {
			q.Between(s.Window.Start, s.Window.End)
		}
	}
	q.Add("SELECT bucket, currency, day, kind, toInt64(count()), toInt64(sum(revenue_cents)) FROM (SELECT visitor_id, currency, revenue_cents, toInt64(" + key +
		") AS bucket, toInt64(intDiv(ts, 86400000000)) AS day, toInt64(" + sqlq.Kind + ") AS kind FROM events WHERE ")
	where()
	q.Add(" AND type = " + payment + ")")
	if len(r.Filters) > 0 {
		q.Add(" WHERE (bucket, visitor_id) IN (SELECT toInt64(" + key + ") AS pageview_bucket, visitor_id FROM events WHERE ")
		where()
		q.Add(" AND type = " + pageview)
		q.Filters(r)
		q.Add(")")
	}
	q.Add(" GROUP BY bucket, currency, day, kind ORDER BY bucket, currency, day, kind")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
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

// GroupRevenue implements analytics.GroupRevenueStore: the pageviews of
// the groups' keys are read for the visitors with a payment only.
func (d *DB) GroupRevenue(ctx context.Context, r analytics.Request, b analytics.Breakdown, groups [][]string) ([]analytics.RevenueRow, error) {
	keys, err := sqlq.BreakdownKeys(r, b)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	cols := strings.Join(keys, ", ")
	q := newQuery()
	q.Add("SELECT " + cols + ", currency, day, kind, toInt64(count()), toInt64(sum(revenue_cents)) FROM (SELECT DISTINCT " + cols + ", visitor_id FROM events WHERE ")
	pageviews(q, r)
	q.Add(" AND visitor_id IN (SELECT visitor_id FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ") AND ")
	q.GroupKeys(keys, groups)
	q.Add(")\nALL INNER JOIN (SELECT visitor_id, currency, toInt64(intDiv(ts, 86400000000)) AS day, toInt64(" + sqlq.Kind + ") AS kind, revenue_cents FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ") USING visitor_id GROUP BY " + cols + ", currency, day, kind")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("revenue of %s by %s: %w", r.WebsiteID, cols, err)
	}
	defer rows.Close()
	out, err := sqlq.ScanGroupRevenue(rows, len(keys), groups)
	if err != nil {
		return nil, fmt.Errorf("revenue of %s by %s: %w", r.WebsiteID, cols, err)
	}
	return out, nil
}
