// Package sqlq writes the SQL that the SQL event stores (DuckDB,
// ClickHouse) share: the website and range conditions of a request and its
// filters, with arguments bound as parameters. The stores differ only in
// the few places a Dialect describes.
package sqlq

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// Dialect is what differs between the stores' SQL.
type Dialect struct {
	// Time is the parameter a time is compared with the ts column as.
	Time func(time.Time) any
	// Contains returns a condition that holds when col contains the next
	// parameter.
	Contains func(col string) string
	// Website, when set, adds the condition that selects a website's
	// events (default: website_id = the id).
	Website func(q *Query, websiteID string)
	// HasPrefix returns a condition that holds when col starts with the
	// next parameter; Regexp, when col matches the next parameter, an RE2
	// regular expression anchored at both ends (funnel steps).
	HasPrefix, Regexp func(col string) string
}

// Query is SQL under construction with its arguments.
type Query struct {
	SQL     strings.Builder
	Args    []any
	dialect *Dialect
}

// New starts a query in a dialect.
func New(d *Dialect) *Query { return &Query{dialect: d} }

// String is the SQL so far.
func (q *Query) String() string { return q.SQL.String() }

// Add appends SQL and its arguments.
func (q *Query) Add(sql string, args ...any) {
	q.SQL.WriteString(sql)
	q.Args = append(q.Args, args...)
}

// Base adds the request's website and range conditions.
func (q *Query) Base(r analytics.Request) { q.Scope(r.WebsiteID, r.Range) }

// Scope adds the website and, unless rng.All, the range conditions.
func (q *Query) Scope(websiteID string, rng analytics.Range) {
	if q.dialect.Website != nil {
		q.dialect.Website(q, websiteID)
	} else {
		q.Add("website_id = ?", websiteID)
	}
	if !rng.All {
		q.Between(rng.Start, rng.End)
	}
}

// Between adds " AND ts >= start AND ts < end".
func (q *Query) Between(start, end time.Time) {
	q.Add(" AND ts >= ? AND ts < ?", q.dialect.Time(start), q.dialect.Time(end))
}

// Filters adds " AND <condition>" for each of the request's filters.
func (q *Query) Filters(r analytics.Request) {
	for _, f := range r.Filters {
		q.Add(" AND ")
		neg, op := Negated(f.Op)
		if neg {
			q.Add("NOT ")
		}
		if f.Dimension == analytics.DimGoal {
			// Visitors who completed (or never completed) one of the goals.
			q.Add("(visitor_id IN (SELECT visitor_id FROM events WHERE ")
			q.Base(r)
			q.Add(" AND type = " + Custom + " AND ")
			q.Match("goal", op, f.Values)
			q.Add("))")
			continue
		}
		col, _ := FilterColumn(f.Dimension) // checked by CheckFilters
		q.Match(col, op, analytics.FilterValues(f))
	}
}

// ColumnFilters adds the conditions of filters on columns, ANDed (for the
// visitors list: one pageview passes them all).
func (q *Query) ColumnFilters(filters []analytics.Filter) {
	for i, f := range filters {
		if i > 0 {
			q.Add(" AND ")
		}
		neg, op := Negated(f.Op)
		if neg {
			q.Add("NOT ")
		}
		col, _ := FilterColumn(f.Dimension)
		q.Match(col, op, analytics.FilterValues(f))
	}
}

// Match adds "(col matches one of values)" for OpIs or OpContains.
func (q *Query) Match(col string, op analytics.Op, values []string) {
	q.Add("(")
	if op == analytics.OpIs {
		q.Add(col + " IN (")
		for i, v := range values {
			if i > 0 {
				q.Add(", ")
			}
			q.Add("?", v)
		}
		q.Add(")")
	} else {
		for i, v := range values {
			if i > 0 {
				q.Add(" OR ")
			}
			q.Add(q.dialect.Contains(col), v)
		}
	}
	q.Add(")")
}

// Negated reports whether op keeps what does not match, and the operator
// that matches (is for is_not, contains for does_not_contain).
func Negated(op analytics.Op) (bool, analytics.Op) {
	switch op {
	case analytics.OpIsNot:
		return true, analytics.OpIs
	case analytics.OpDoesNotContain:
		return true, analytics.OpContains
	}
	return false, op
}

// CheckFilters refuses a filter on an unknown dimension (filter columns are
// written into the SQL) and a filter without values.
func CheckFilters(r analytics.Request) error {
	for _, f := range r.Filters {
		if _, ok := FilterColumn(f.Dimension); !ok && f.Dimension != analytics.DimGoal {
			return fmt.Errorf("unknown filter dimension %q", f.Dimension)
		}
		if len(f.Values) == 0 {
			return fmt.Errorf("filter on %s without values", f.Dimension)
		}
	}
	return nil
}

// FilterColumn is the column a filter dimension compares with, and whether
// the dimension has one (goal filters select visitors instead).
func FilterColumn(d analytics.Dimension) (string, bool) {
	c := analytics.FilterColumn(d)
	return string(c), d != analytics.DimGoal && ValidColumn(c)
}

// ValidColumn reports whether c is a column breakdowns may group by.
func ValidColumn(c analytics.Column) bool {
	switch c {
	case analytics.ColHostname, analytics.ColPath, analytics.ColSessionReferrer, analytics.ColCountry, analytics.ColRegion,
		analytics.ColCity, analytics.ColBrowser, analytics.ColOS, analytics.ColDevice, analytics.ColGoal,
		analytics.ColUTMSource, analytics.ColUTMMedium, analytics.ColUTMCampaign, analytics.ColUTMTerm, analytics.ColUTMContent,
		analytics.ColRef, analytics.ColSource, analytics.ColVia, analytics.ColEntryPath:
		return true
	}
	return false
}

// The event types, as SQL literals.
var (
	Pageview = strconv.Itoa(int(openfast.EventPageview))
	Custom   = strconv.Itoa(int(openfast.EventCustom))
	Identify = strconv.Itoa(int(openfast.EventIdentify))
	Payment  = strconv.Itoa(int(openfast.EventPayment))
	// PaymentHint is the tracker's payment event, which is no payment.
	PaymentHint = strconv.Itoa(int(openfast.EventPaymentHint))
)

// AllEmpty is the condition that every column of cols is empty.
func AllEmpty(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ''"
	}
	return strings.Join(parts, " AND ")
}

// VisitorFilters are a visitors-list request's filters, by how they
// select visitors.
type VisitorFilters struct {
	Goals    []analytics.Filter // completed one of the goals (is, contains)
	NotGoals []analytics.Filter // never completed one (is_not, does_not_contain)
	Columns  []analytics.Filter // one pageview passes them all
}

// SplitVisitorFilters sorts filters, refusing unknown dimensions and
// filters without values.
func SplitVisitorFilters(filters []analytics.Filter) (VisitorFilters, error) {
	var v VisitorFilters
	for _, f := range filters {
		if len(f.Values) == 0 {
			return v, fmt.Errorf("filter on %s without values", f.Dimension)
		}
		switch neg, _ := Negated(f.Op); {
		case f.Dimension == analytics.DimGoal && neg:
			v.NotGoals = append(v.NotGoals, f)
		case f.Dimension == analytics.DimGoal:
			v.Goals = append(v.Goals, f)
		default:
			if _, ok := FilterColumn(f.Dimension); !ok {
				return v, fmt.Errorf("unknown filter dimension %q", f.Dimension)
			}
			v.Columns = append(v.Columns, f)
		}
	}
	return v, nil
}

// SeenPageviews adds the conditions on the pageviews that make a visitor
// part of a visitors list: the website and range, no completion of the
// goals of notGoals, and the customer condition (nil: any visitor).
func (q *Query) SeenPageviews(websiteID string, rng analytics.Range, notGoals []analytics.Filter, customer *bool) {
	q.Scope(websiteID, rng)
	q.Add(" AND type = " + Pageview)
	for _, f := range notGoals {
		_, op := Negated(f.Op)
		q.Add(" AND NOT (visitor_id IN (SELECT visitor_id FROM events WHERE ")
		q.Scope(websiteID, rng)
		q.Add(" AND type = " + Custom + " AND ")
		q.Match("goal", op, f.Values)
		q.Add("))")
	}
	if customer != nil {
		q.Add(" AND ")
		if !*customer {
			q.Add("NOT ")
		}
		q.Add("(visitor_id IN (SELECT visitor_id FROM events WHERE ")
		q.Scope(websiteID, rng)
		q.Add(" AND type = " + Payment + "))")
	}
}

// AnyGoal adds "m1 OR m2 ...", the match of each goal filter's goals.
func (q *Query) AnyGoal(goals []analytics.Filter) {
	for i, f := range goals {
		if i > 0 {
			q.Add(" OR ")
		}
		q.Match("goal", f.Op, f.Values)
	}
}

// EveryGoal adds "open m1 close AND open m2 close ...": each goal filter's
// match wrapped in an aggregate such as open "bool_or(" and close ")".
func (q *Query) EveryGoal(goals []analytics.Filter, open, close string) {
	for i, f := range goals {
		if i > 0 {
			q.Add(" AND ")
		}
		q.Add(open)
		q.Match("goal", f.Op, f.Values)
		q.Add(close)
	}
}

// Rows is what the stores' drivers return for a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanBuckets reads timeseries buckets: key, visitors, sessions and
// converted.
func ScanBuckets(rows Rows) ([]analytics.Bucket, error) {
	var out []analytics.Bucket
	for rows.Next() {
		var b analytics.Bucket
		if err := rows.Scan(&b.Key, &b.Visitors, &b.Sessions, &b.Converted); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BreakdownKeys checks a breakdown and its request (filters, key columns,
// which are written into the SQL) and returns the key columns.
func BreakdownKeys(r analytics.Request, b analytics.Breakdown) ([]string, error) {
	if len(b.Keys) == 0 {
		return nil, fmt.Errorf("a breakdown needs a column")
	}
	if err := CheckFilters(r); err != nil {
		return nil, err
	}
	keys := make([]string, len(b.Keys))
	for i, k := range b.Keys {
		if !ValidColumn(k) {
			return nil, fmt.Errorf("unknown breakdown column %q", k)
		}
		keys[i] = string(k)
	}
	return keys, nil
}

// The columns the visitor reads pick from pageviews, in the order of their
// tie-breaks (see analytics/visitors.go).
var (
	SummaryLatest  = []string{"hostname", "path", "country", "region", "city", "browser", "os", "device"}
	SummaryFirst   = []string{"session_referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via"}
	CampaignCols   = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via"}
	ActivityLatest = []string{"ts", "hostname", "path", "country", "region", "city", "browser", "os", "device", "viewport_width", "viewport_height", "session_id"}
	MapCurrent     = []string{"ts", "path", "country", "region", "city", "browser", "os", "device", "session_referrer", "session_id"}
	// Coordinates follow MapCurrent in the tie-breaks of the map's
	// current event; NULL (unknown) is greater than any.
	Coordinates = []string{"latitude", "longitude"}
)

// ConversionOrder orders a visitor's conversions, latest first (see
// analytics.VisitorActivity.Conversions); server is whether the event has
// an event id.
const ConversionOrder = "ts DESC, type DESC, goal DESC, server DESC, props DESC, revenue_cents DESC, currency DESC"

// The conditions on a payment's props (JSON of strings, as the server-side
// payment route writes them) and amount: a renewal, a refund.
const (
	Renewal = `props LIKE '%"renewal":"true"%'`
	Refund  = `(revenue_cents < 0 OR props LIKE '%"refunded":"true"%')`
	// Kind is a payment's analytics.RevenueKind.
	Kind = `CASE WHEN ` + Refund + ` THEN 2 WHEN ` + Renewal + ` THEN 1 ELSE 0 END`
)

// Customer is the condition of the events that make their visitor a
// customer (converted): payments, renewals only when the request counts
// them.
func Customer(r analytics.Request) string {
	if r.ExcludeRenewals {
		return "(type = " + Payment + " AND NOT " + Renewal + ")"
	}
	return "type = " + Payment
}

// ScanRevenue reads revenue rows: key, currency, day, kind, payments and
// cents.
func ScanRevenue(rows Rows) ([]analytics.RevenueRow, error) {
	var out []analytics.RevenueRow
	for rows.Next() {
		var x analytics.RevenueRow
		var kind int64
		if err := rows.Scan(&x.Key, &x.Currency, &x.Day, &kind, &x.Payments, &x.Cents); err != nil {
			return nil, err
		}
		x.Kind = analytics.RevenueKind(kind)
		out = append(out, x)
	}
	return out, rows.Err()
}

// GroupKeyIn adds "k IN (?, ...)", GroupKeys for one key as a list.
func (q *Query) GroupKeyIn(key string, groups [][]string) {
	if len(groups) == 0 {
		q.Add("FALSE")
		return
	}
	q.Add(key + " IN (")
	for i, g := range groups {
		if i > 0 {
			q.Add(", ")
		}
		q.Add("?", g[0])
	}
	q.Add(")")
}

// GroupKeys adds "((k1 = ? AND k2 = ?) OR ...)", the condition that an
// event's key columns are those of one of groups.
func (q *Query) GroupKeys(keys []string, groups [][]string) {
	q.Add("(")
	for i, g := range groups {
		if i > 0 {
			q.Add(" OR ")
		}
		q.Add("(")
		for j, k := range keys {
			if j > 0 {
				q.Add(" AND ")
			}
			q.Add(k+" = ?", g[j])
		}
		q.Add(")")
	}
	q.Add(")")
}

// ScanGroupRevenue reads group revenue rows: nkeys key columns, currency,
// day, kind, payments and cents; a row's Key is the index of its keys in
// groups.
func ScanGroupRevenue(rows Rows, nkeys int, groups [][]string) ([]analytics.RevenueRow, error) {
	index := make(map[string]int64, len(groups))
	for i, g := range groups {
		index[strings.Join(g, "\x00")] = int64(i)
	}
	var out []analytics.RevenueRow
	keys := make([]string, nkeys)
	for rows.Next() {
		var x analytics.RevenueRow
		var kind int64
		dest := make([]any, 0, nkeys+5)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		if err := rows.Scan(append(dest, &x.Currency, &x.Day, &kind, &x.Payments, &x.Cents)...); err != nil {
			return nil, err
		}
		k, ok := index[strings.Join(keys, "\x00")]
		if !ok {
			continue
		}
		x.Key, x.Kind = k, analytics.RevenueKind(kind)
		out = append(out, x)
	}
	return out, rows.Err()
}

// FunnelStep adds the condition of the events that match a funnel step
// (see analytics.FunnelStore): a pageview of its path pattern, or a custom
// event of its goal.
func (q *Query) FunnelStep(s analytics.FunnelStep) {
	if s.Type == analytics.StepGoal {
		q.Add("(type = "+Custom+" AND goal = ?)", s.GoalName)
		return
	}
	p := analytics.StepPathPattern(s.URL)
	if !p.Wildcard {
		q.Add("(type = "+Pageview+" AND path = ?)", p.Exact)
		return
	}
	q.Add("(type = "+Pageview+" AND "+q.dialect.HasPrefix("path")+" AND "+q.dialect.Regexp("path")+")", p.Prefix, p.Regexp)
}

// FunnelEvents adds the columns visitor_id, t (the time in epoch
// microseconds, as the SQL expression us) and mask (bit k set when the
// event matches step k) of the request's events that may match a step of
// a funnel (mask 0: it matches none), and the FROM and WHERE that select
// them: of the range, passing the filters.
func (q *Query) FunnelEvents(r analytics.Request, steps []analytics.FunnelStep, us string) {
	q.funnelColumns(steps, us)
	q.Add(" FROM events WHERE ")
	q.Base(r)
	q.Add(" AND (")
	for i, cond := range q.funnelKinds(steps) {
		if i > 0 {
			q.Add(" OR ")
		}
		cond()
	}
	q.Add(")")
	q.Filters(r)
}

// FunnelEventsByKind is FunnelEvents as a UNION ALL of one SELECT for the
// exact paths, one for each literal prefix of a pattern and one for the
// goals, so that each one's condition is a conjunction that a store can
// push into its scan. An event may come twice (an exact path under a
// prefix): a funnel's times are minimums, which that does not change.
func (q *Query) FunnelEventsByKind(r analytics.Request, steps []analytics.FunnelStep, us string) {
	for i, cond := range q.funnelKinds(steps) {
		if i > 0 {
			q.Add("\nUNION ALL ")
		}
		q.funnelColumns(steps, us)
		q.Add(" FROM events WHERE ")
		q.Base(r)
		q.Add(" AND ")
		cond()
		q.Filters(r)
	}
}

// funnelColumns adds the SELECT of FunnelEvents.
func (q *Query) funnelColumns(steps []analytics.FunnelStep, us string) {
	q.Add("SELECT visitor_id, " + us + " AS t, ")
	for i, s := range steps {
		if i > 0 {
			q.Add(" + ")
		}
		q.Add("(CASE WHEN ")
		q.FunnelStep(s)
		q.Add(" THEN " + strconv.Itoa(1<<i) + " ELSE 0 END)")
	}
	q.Add(" AS mask")
}

// funnelKinds returns conditions that together hold for the events that
// match a step, each a conjunction cheaper than the steps' own (no regular
// expression): the pageviews of the steps' exact paths, of each literal
// prefix of their patterns, and the custom events of their goals.
func (q *Query) funnelKinds(steps []analytics.FunnelStep) []func() {
	var paths, prefixes, goals []string
	for _, s := range steps {
		switch p := analytics.StepPathPattern(s.URL); {
		case s.Type == analytics.StepGoal:
			goals = append(goals, s.GoalName)
		case p.Wildcard && !slices.Contains(prefixes, p.Prefix):
			prefixes = append(prefixes, p.Prefix)
		case p.Wildcard:
		default:
			paths = append(paths, p.Exact)
		}
	}
	var kinds []func()
	if len(paths) > 0 {
		kinds = append(kinds, func() { q.Add("(type = " + Pageview + " AND "); q.Match("path", analytics.OpIs, paths); q.Add(")") })
	}
	for _, p := range prefixes {
		kinds = append(kinds, func() { q.Add("(type = "+Pageview+" AND "+q.dialect.HasPrefix("path")+")", p) })
	}
	if len(goals) > 0 {
		kinds = append(kinds, func() { q.Add("(type = " + Custom + " AND "); q.Match("goal", analytics.OpIs, goals); q.Add(")") })
	}
	return kinds
}

// ScanFunnel reads a funnel's rows: a row kind (0: a step, 1: revenue),
// the step's index, its visitors and median (kind 0), then the currency,
// day, revenue kind, payments and cents of a revenue row (kind 1).
func ScanFunnel(rows Rows, nsteps int) (analytics.FunnelCounts, error) {
	out := analytics.FunnelCounts{Steps: make([]analytics.FunnelStepCount, nsteps)}
	for rows.Next() {
		var rowKind, step, kind int64
		var c analytics.FunnelStepCount
		var x analytics.RevenueRow
		if err := rows.Scan(&rowKind, &step, &c.Visitors, &c.MedianMicros, &x.Currency, &x.Day, &kind, &x.Payments, &x.Cents); err != nil {
			return out, err
		}
		if step < 0 || step >= int64(nsteps) {
			return out, fmt.Errorf("funnel row of step %d of %d", step, nsteps)
		}
		if rowKind == 0 {
			out.Steps[step] = c
			continue
		}
		x.Key, x.Kind = step, analytics.RevenueKind(kind)
		out.Revenue = append(out.Revenue, x)
	}
	return out, rows.Err()
}
