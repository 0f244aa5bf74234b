package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.VisitorStore = (*DB)(nil)

// The visitor reads (analytics.VisitorStore). "Latest" and "first" events
// are picked with arg_max/arg_min (or max/min) over a struct key that
// starts with the time and goes on with every value picked, which makes
// the pick deterministic (see analytics/visitors.go).

// structOf returns the struct literal {'c1': c1, 'c2': c2, ...} of columns.
func structOf(cols ...string) string {
	return "{" + structEntries(cols) + "}"
}

// structAfter is structOf with a first field name holding expr.
func structAfter(name, expr string, cols ...string) string {
	return "{'" + name + "': " + expr + ", " + structEntries(cols) + "}"
}

func structEntries(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "'" + c + "': " + c
	}
	return strings.Join(parts, ", ")
}

// structFields returns struct_extract(s, 'name') for each name.
func structFields(s string, names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "struct_extract(" + s + ", '" + n + "')"
	}
	return strings.Join(parts, ", ")
}

const zeroUUID = "CAST('00000000-0000-0000-0000-000000000000' AS UUID)"

// Visitors returns one page of the visitors list. It finds the page's
// visitors and their lastSeenAt from the cheap columns first, then reads
// the identity and acquisition of those visitors only.
//
// Without filters, it first looks for the page's visitors among the
// range's latest pageviews (latestRows of them, see visitors): when those
// hold a whole page, it is the same page as over the whole range. That
// spares the grouping of the range's every visitor for the first pages of
// a busy website.
func (d *DB) Visitors(ctx context.Context, r analytics.VisitorsRequest) ([]analytics.VisitorSummary, error) {
	vf, err := sqlq.SplitVisitorFilters(r.Filters)
	if err != nil {
		return nil, err
	}
	if len(vf.Columns) == 0 && len(vf.Goals) == 0 && len(vf.NotGoals) == 0 && r.Customer == nil && !r.Range.All && r.Limit > 0 {
		if latest := latestRows(r.Limit + r.Offset); latest > 0 {
			out, err := d.visitors(ctx, r, vf, latest)
			if err != nil || len(out) == r.Limit {
				return out, err
			}
		}
	}
	return d.visitors(ctx, r, vf, 0)
}

// latestRows is how many of the range's latest pageviews Visitors looks
// among first for a page that ends with the n-th visitor: 50 pageviews a
// visitor (the benchmark's busy website has about 4 in 30 days), at
// least 1,000; 0, no first look, past 100,000.
func latestRows(n int) int {
	k := max(latestRowsMin, latestPerVisitor*n)
	if k > 100_000 {
		return 0
	}
	return k
}

// Variables for the tests' small data sets.
var latestRowsMin, latestPerVisitor = 1000, 50

// visitors is Visitors with the visitors and their lastSeenAt taken from
// the range's pageviews, or with latest > 0 from its latest pageviews:
// the pageviews of the latest rows whose time is after the earliest of
// them. Every pageview after that time is among them, so a visitor found
// there has its lastSeenAt, and every visitor not found was last seen
// before all of those found: when they make a whole page, it is the page
// over the whole range.
func (d *DB) visitors(ctx context.Context, r analytics.VisitorsRequest, vf sqlq.VisitorFilters, latest int) ([]analytics.VisitorSummary, error) {
	cols, goals, notGoals := vf.Columns, vf.Goals, vf.NotGoals
	q := d.newQuery()
	q.Add("WITH ")
	if len(goals) > 0 {
		// The visitors who completed one of the goals of each positive
		// goal filter, and their latest completion of any of them.
		q.Add("goal_visitors AS (SELECT visitor_id, max(ts) FILTER (WHERE ")
		q.AnyGoal(goals)
		q.Add(") AS done FROM events WHERE ")
		q.Scope(r.WebsiteID, r.Range)
		q.Add(" AND type = " + custom + " GROUP BY visitor_id HAVING ")
		q.EveryGoal(goals, "bool_or(", ")")
		q.Add("),\n")
	}
	if latest > 0 {
		q.Add("latest AS MATERIALIZED (SELECT visitor_id, ts FROM events WHERE ")
		q.SeenPageviews(r.WebsiteID, r.Range, notGoals, r.Customer)
		q.Add(" ORDER BY ts DESC LIMIT ?),\n", latest)
		q.Add("seen AS (SELECT visitor_id, max(ts) AS last FROM latest WHERE ts > (SELECT min(ts) FROM latest) GROUP BY visitor_id")
	} else {
		q.Add("seen AS (SELECT visitor_id, max(ts) AS last FROM events WHERE ")
		q.SeenPageviews(r.WebsiteID, r.Range, notGoals, r.Customer)
		q.Add(" GROUP BY visitor_id")
	}
	if len(cols) > 0 {
		// One pageview passes every column filter.
		q.Add(" HAVING bool_or(")
		q.ColumnFilters(cols)
		q.Add(")")
	}
	q.Add("),\npage AS MATERIALIZED (SELECT visitor_id, ")
	if len(goals) > 0 {
		q.Add("goal_visitors.done AS last FROM seen JOIN goal_visitors USING (visitor_id)")
	} else {
		q.Add("last FROM seen")
	}
	q.Add(" ORDER BY last DESC, visitor_id LIMIT ? OFFSET ?),\n", r.Limit, r.Offset)
	q.Add("times AS (SELECT visitor_id, min(ts) AS first, max(ts) AS latest FROM events JOIN page USING (visitor_id) WHERE ")
	q.Scope(r.WebsiteID, r.Range)
	q.Add(" AND type = " + pageview + " GROUP BY visitor_id)\n")
	q.Add("SELECT CAST(visitor_id AS VARCHAR), last, first, latest FROM page JOIN times USING (visitor_id) ORDER BY last DESC, visitor_id")

	// Both statements read one snapshot.
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
	}
	defer tx.Rollback()
	var out []analytics.VisitorSummary
	var ids []string
	var times []any
	seenTime := map[time.Time]bool{}
	err = func() error {
		rows, err := tx.QueryContext(ctx, q.String(), q.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v analytics.VisitorSummary
			var id string
			var first, latest time.Time
			if err := rows.Scan(&id, &v.LastSeen, &first, &latest); err != nil {
				return err
			}
			if v.VisitorID, err = parseUUID(id); err != nil {
				return err
			}
			v.LastSeen = v.LastSeen.UTC()
			out, ids = append(out, v), append(ids, id)
			for _, t := range []time.Time{first.UTC(), latest.UTC()} {
				if !seenTime[t] {
					seenTime[t] = true
					times = append(times, t)
				}
			}
		}
		return rows.Err()
	}()
	if err != nil || len(out) == 0 {
		if err != nil {
			err = fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
		}
		return nil, err
	}
	if err := d.visitorSummaries(ctx, tx, r, times, ids, out); err != nil {
		return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// visitorSummaries fills the latest and the first pageview of the range
// of each visitor of out (whose ids are ids) from their pageviews at
// times, the times of those pageviews: a visitor's latest pageview is the
// greatest of its pageviews at its latest time, and its first the least of
// those at its first time, whatever else of theirs is at the other
// visitors' times, which lie in between. Testing
// the times, which DuckDB does in its scan, reads the text columns of
// those pageviews only instead of every pageview of the range's (about 85
// ms of 130 for a page of the benchmark's busy website).
func (d *DB) visitorSummaries(ctx context.Context, tx *sql.Tx, r analytics.VisitorsRequest, times []any, ids []string, out []analytics.VisitorSummary) error {
	q := d.newQuery()
	q.Add("SELECT CAST(visitor_id AS VARCHAR), " + structFields("latest_pageview", sqlq.SummaryLatest...) + ", " + structFields("first_pageview", sqlq.SummaryFirst...) +
		" FROM (SELECT visitor_id, arg_max(" + structOf(sqlq.SummaryLatest...) + ", " + structAfter("ts", "ts", sqlq.SummaryLatest...) + ") AS latest_pageview, arg_min(" +
		structOf(sqlq.SummaryFirst...) + ", " + structAfter("ts", "ts", sqlq.SummaryFirst...) + ") AS first_pageview FROM events WHERE ")
	q.Scope(r.WebsiteID, r.Range)
	q.Add(" AND type = " + pageview + " AND ts IN (")
	for i, t := range times {
		if i > 0 {
			q.Add(", ")
		}
		q.Add("?", t)
	}
	// The visitors too: timestamps shared by many visitors (an import's
	// whole seconds) would otherwise bring theirs along.
	q.Add(") AND visitor_id IN (")
	for i, id := range ids {
		if i > 0 {
			q.Add(", ")
		}
		q.Add("CAST(? AS UUID)", id)
	}
	q.Add(") GROUP BY visitor_id)")
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	rows, err := tx.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id string
		var v analytics.VisitorSummary
		err := rows.Scan(&id, &v.Hostname, &v.Path, &v.CountryCode, &v.Region, &v.City, &v.Browser, &v.OS, &v.Device,
			&v.Referrer, &v.UTMSource, &v.UTMMedium, &v.UTMCampaign, &v.UTMTerm, &v.UTMContent, &v.Ref, &v.Source, &v.Via)
		if err != nil {
			return err
		}
		i, ok := at[id]
		if !ok {
			return fmt.Errorf("pageviews of a visitor %s not on the page", id)
		}
		v.VisitorID, v.LastSeen = out[i].VisitorID, out[i].LastSeen
		out[i] = v
		found++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if found != len(out) {
		return fmt.Errorf("found the pageviews of %d of the page's %d visitors", found, len(out))
	}
	return nil
}

func parseUUID(s string) (openfast.UUID, error) {
	u, ok := openfast.ParseUUID(s)
	if !ok {
		return u, fmt.Errorf("bad uuid %q", s)
	}
	return u, nil
}

// Visitor reads one visitor's events in one transaction (one snapshot):
// the summary, then the latest pageviews and conversions.
func (d *DB) Visitor(ctx context.Context, websiteID string, visitor openfast.UUID) (*analytics.VisitorActivity, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("visitor %s: %w", visitor, err)
	}
	defer tx.Rollback()
	a, err := d.visitorSummary(ctx, tx, websiteID, visitor)
	if err != nil || a == nil {
		return nil, err
	}
	if err := d.visitorLists(ctx, tx, websiteID, visitor, a); err != nil {
		return nil, err
	}
	return a, nil
}

func (d *DB) visitorSummary(ctx context.Context, tx *sql.Tx, websiteID string, visitor openfast.UUID) (*analytics.VisitorActivity, error) {
	q := d.newQuery()
	q.Add("WITH visitor_events AS MATERIALIZED (SELECT type, props, ad_click_ids, "+strings.Join(sqlq.ActivityLatest, ", ")+", "+strings.Join(sqlq.CampaignCols, ", ")+
		" FROM events WHERE site = ? AND visitor_id = CAST(? AS UUID) AND type IN ("+pageview+", "+identify+")),\n", d.site(websiteID), visitor.String())
	q.Add("summary AS (SELECT count(*) FILTER (WHERE type = " + pageview + ") AS pageviews, " +
		"count(DISTINCT session_id) FILTER (WHERE type = " + pageview + ") AS visits, " +
		"min(ts) FILTER (WHERE type = " + pageview + ") AS first_visit, " +
		"max(" + structOf(sqlq.ActivityLatest...) + ") FILTER (WHERE type = " + pageview + ") AS latest_pageview, " +
		"min(" + structAfter("ts", "ts", sqlq.CampaignCols...) + ") FILTER (WHERE type = " + pageview + ") AS first_pageview, " +
		"min(" + structOf("ts", "ad_click_ids") + ") FILTER (WHERE type = " + pageview + " AND ad_click_ids <> '') AS ad, " +
		"max(" + structOf("ts", "props") + ") FILTER (WHERE type = " + identify + ") AS ident FROM visitor_events)\n")
	q.Add("SELECT pageviews, visits, first_visit, " + structFields("latest_pageview", sqlq.ActivityLatest[:len(sqlq.ActivityLatest)-1]...) +
		", CAST(struct_extract(latest_pageview, 'session_id') AS VARCHAR), " + structFields("first_pageview", sqlq.CampaignCols...) +
		", coalesce(struct_extract(ad, 'ad_click_ids'), ''), struct_extract(ident, 'ts'), coalesce(struct_extract(ident, 'props'), ''), " +
		"(SELECT min(ts) FROM visitor_events WHERE type = " + pageview + " AND session_id = struct_extract(summary.latest_pageview, 'session_id')) FROM summary WHERE pageviews > 0")
	a := &analytics.VisitorActivity{}
	var session string
	var identAt sql.NullTime
	var identProps string
	err := tx.QueryRowContext(ctx, q.String(), q.Args...).Scan(&a.Pageviews, &a.Visits, &a.FirstVisit,
		&a.Latest, &a.Hostname, &a.Path, &a.CountryCode, &a.Region, &a.City, &a.Browser, &a.OS, &a.Device, &a.ViewportWidth, &a.ViewportHeight, &session,
		&a.First.UTMSource, &a.First.UTMMedium, &a.First.UTMCampaign, &a.First.UTMTerm, &a.First.UTMContent, &a.First.Ref, &a.First.Source, &a.First.Via,
		&a.AdClickIDs, &identAt, &identProps, &a.CurrentVisit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil {
		a.Session, err = parseUUID(session)
	}
	if err != nil {
		return nil, fmt.Errorf("visitor %s: %w", visitor, err)
	}
	a.FirstVisit, a.Latest, a.CurrentVisit = a.FirstVisit.UTC(), a.Latest.UTC(), a.CurrentVisit.UTC()
	if identAt.Valid {
		a.Identify = &analytics.Identify{Time: identAt.Time.UTC(), Props: identProps}
	}
	return a, nil
}

func (d *DB) visitorLists(ctx context.Context, tx *sql.Tx, websiteID string, visitor openfast.UUID, a *analytics.VisitorActivity) error {
	q := d.newQuery()
	q.Add("WITH visitor_events AS MATERIALIZED (SELECT ts, type, hostname, path, goal, event_id <> '' AS server, props, revenue_cents, currency FROM events "+
		"WHERE site = ? AND visitor_id = CAST(? AS UUID) AND type IN ("+pageview+", "+custom+", "+payment+"))\n",
		d.site(websiteID), visitor.String())
	q.Add("SELECT * FROM ((SELECT ts, hostname, path, type, goal, server, '' AS props, 0 AS revenue_cents, '' AS currency FROM visitor_events WHERE type = "+pageview+
		" ORDER BY ts DESC, hostname DESC, path DESC LIMIT ?)\nUNION ALL\n", analytics.MaxVisitedPages)
	q.Add("(SELECT ts, '', '', type, goal, server, props, revenue_cents, currency FROM visitor_events WHERE type <> "+pageview+
		" ORDER BY "+sqlq.ConversionOrder+" LIMIT ?))\n", analytics.MaxCompletedGoals)
	q.Add("ORDER BY type = " + pageview + " DESC, ts DESC, hostname DESC, path DESC, " + sqlq.ConversionOrder)
	rows, err := tx.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return fmt.Errorf("visitor %s: %w", visitor, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var host, path, goal, props, currency string
		var typ uint8
		var server bool
		var cents int64
		if err := rows.Scan(&t, &host, &path, &typ, &goal, &server, &props, &cents, &currency); err != nil {
			return fmt.Errorf("visitor %s: %w", visitor, err)
		}
		if openfast.EventType(typ) == openfast.EventPageview {
			a.Pages = append(a.Pages, analytics.PageVisit{Time: t.UTC(), Hostname: host, Path: path})
		} else {
			a.Conversions = append(a.Conversions, analytics.Conversion{Time: t.UTC(), Type: openfast.EventType(typ), Goal: goal, Server: server, Props: props,
				RevenueCents: cents, Currency: currency})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("visitor %s: %w", visitor, err)
	}
	return nil
}

// RealtimeActivity reads the realtime window in one transaction.
func (d *DB) RealtimeActivity(ctx context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	return d.realtime(ctx, websiteID, since, until, true)
}

// RecentActivity reads the realtime window's latest events and payments.
func (d *DB) RecentActivity(ctx context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	return d.realtime(ctx, websiteID, since, until, false)
}

// realtime reads the realtime window in one snapshot: its latest events
// and payments and, with visitors, its active visitors.
func (d *DB) realtime(ctx context.Context, websiteID string, since, until time.Time, visitors bool) (*analytics.RealtimeActivity, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	defer tx.Rollback()
	a := &analytics.RealtimeActivity{}
	if visitors {
		if a.Visitors, err = d.activeVisitors(ctx, tx, websiteID, since, until); err != nil {
			return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
		}
	}
	if a.Events, err = d.recentEvents(ctx, tx, websiteID, since, until); err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	if a.Payments, err = d.recentPayments(ctx, tx, websiteID, since, until); err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	return a, nil
}

func (d *DB) activeVisitors(ctx context.Context, tx *sql.Tx, websiteID string, since, until time.Time) ([]analytics.ActiveVisitor, error) {
	q := d.newQuery()
	// active: the active visitors and their current event; history:
	// their events of all time.
	q.Add("WITH active AS (SELECT visitor_id, max(ts) AS seen, max("+structAfter("pageview", "type = "+pageview, slices.Concat(sqlq.MapCurrent, sqlq.Coordinates)...)+") AS cur "+
		"FROM events WHERE site = ? AND ts >= ? AND ts <= ? AND visitor_id <> "+zeroUUID+
		" GROUP BY visitor_id ORDER BY seen DESC, visitor_id LIMIT ?),\n", d.site(websiteID), since.UTC(), until.UTC(), analytics.MaxActiveVisitors)
	q.Add("history AS (SELECT events.visitor_id, count(DISTINCT events.session_id) FILTER (WHERE events.type = "+pageview+") AS visits, "+
		"bool_or(events.type = "+payment+") AS customer, "+
		"max({'ts': events.ts, 'props': events.props}) FILTER (WHERE events.type = "+identify+") AS ident, "+
		"min("+structAfter("ts", "ts", sqlq.CampaignCols...)+") FILTER (WHERE events.type = "+pageview+
		" AND events.session_id = struct_extract(active.cur, 'session_id')) AS entry "+
		"FROM events JOIN active ON events.visitor_id = active.visitor_id WHERE events.site = ? GROUP BY events.visitor_id)\n", d.site(websiteID))
	q.Add("SELECT CAST(active.visitor_id AS VARCHAR), seen, " + structFields("cur", sqlq.MapCurrent[:len(sqlq.MapCurrent)-1]...) +
		", CAST(struct_extract(cur, 'session_id') AS VARCHAR), " + structFields("cur", sqlq.Coordinates...) + ", visits, customer, struct_extract(ident, 'ts'), coalesce(struct_extract(ident, 'props'), ''), " +
		"struct_extract(entry, 'ts'), " + structFieldsOrEmpty("entry", sqlq.CampaignCols...) +
		" FROM active JOIN history ON active.visitor_id = history.visitor_id ORDER BY seen DESC, active.visitor_id")
	rows, err := tx.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.ActiveVisitor
	for rows.Next() {
		var v analytics.ActiveVisitor
		var id, session, identProps string
		var identAt, start sql.NullTime
		var lat, lon sql.NullFloat64
		c := &v.GeoAndDevice
		err := rows.Scan(&id, &v.LastSeen, &v.Time, &v.Path, &c.CountryCode, &c.Region, &c.City, &c.Browser, &c.OS, &c.Device, &v.Referrer, &session, &lat, &lon,
			&v.Visits, &v.Customer, &identAt, &identProps, &start,
			&v.Entry.UTMSource, &v.Entry.UTMMedium, &v.Entry.UTMCampaign, &v.Entry.UTMTerm, &v.Entry.UTMContent, &v.Entry.Ref, &v.Entry.Source, &v.Entry.Via)
		if err != nil {
			return nil, err
		}
		if v.VisitorID, err = parseUUID(id); err != nil {
			return nil, err
		}
		if v.Session, err = parseUUID(session); err != nil {
			return nil, err
		}
		v.LastSeen, v.Time, v.Coordinates = v.LastSeen.UTC(), v.Time.UTC(), coordinatesFrom(lat, lon)
		if start.Valid {
			v.SessionStart = start.Time.UTC()
		}
		if identAt.Valid {
			v.Identify = &analytics.Identify{Time: identAt.Time.UTC(), Props: identProps}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// structFieldsOrEmpty is like structFields, with "" for a NULL struct.
func structFieldsOrEmpty(s string, names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "coalesce(struct_extract(" + s + ", '" + n + "'), '')"
	}
	return strings.Join(parts, ", ")
}

func (d *DB) recentEvents(ctx context.Context, tx *sql.Tx, websiteID string, since, until time.Time) ([]analytics.RecentEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT event_id, type, goal, CAST(visitor_id AS VARCHAR), ts, path, country, props, session_referrer, revenue_cents
FROM events WHERE site = ? AND ts >= ? AND ts <= ? AND type <> `+sqlq.PaymentHint+`
ORDER BY ts DESC, type DESC, goal DESC, visitor_id DESC, event_id DESC, path DESC, country DESC, props DESC, session_referrer DESC, revenue_cents DESC
LIMIT ?`, d.site(websiteID), since.UTC(), until.UTC(), analytics.MaxRecentEvents)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.RecentEvent
	for rows.Next() {
		var e analytics.RecentEvent
		var typ uint8
		var visitor string
		if err := rows.Scan(&e.EventID, &typ, &e.Goal, &visitor, &e.Time, &e.Path, &e.CountryCode, &e.Props, &e.SessionReferrer, &e.RevenueCents); err != nil {
			return nil, err
		}
		if e.VisitorID, err = parseUUID(visitor); err != nil {
			return nil, err
		}
		e.Type, e.Time = openfast.EventType(typ), e.Time.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func (d *DB) recentPayments(ctx context.Context, tx *sql.Tx, websiteID string, since, until time.Time) ([]analytics.RecentPayment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT event_id, ts, revenue_cents, currency, CAST(visitor_id AS VARCHAR), props FROM events
WHERE site = ? AND ts >= ? AND ts <= ? AND type = `+payment+`
ORDER BY ts DESC, event_id DESC, revenue_cents DESC, currency DESC LIMIT ?`, d.site(websiteID), since.UTC(), until.UTC(), analytics.MaxRecentPayments)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.RecentPayment
	for rows.Next() {
		var p analytics.RecentPayment
		var visitor string
		if err := rows.Scan(&p.EventID, &p.Time, &p.RevenueCents, &p.Currency, &visitor, &p.Props); err != nil {
			return nil, err
		}
		if p.VisitorID, err = parseUUID(visitor); err != nil {
			return nil, err
		}
		p.Time = p.Time.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// FirstPayments implements analytics.FirstPaymentStore.
func (d *DB) FirstPayments(ctx context.Context, websiteID string, visitors []openfast.UUID, emails []string) (map[openfast.UUID]time.Time, map[string]time.Time, error) {
	byVisitor, byEmail := map[openfast.UUID]time.Time{}, map[string]time.Time{}
	read := func(sel, in string, values []any, put func(key string, t time.Time) error) error {
		if len(values) == 0 {
			return nil
		}
		args := append([]any{d.site(websiteID)}, values...)
		rows, err := d.db.QueryContext(ctx, `SELECT `+sel+` AS k, min(ts) FROM events WHERE site = ? AND type = `+payment+` AND `+sel+` IN (`+
			strings.TrimSuffix(strings.Repeat(in+", ", len(values)), ", ")+`) GROUP BY k`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var t time.Time
			if err := rows.Scan(&k, &t); err != nil {
				return err
			}
			if err := put(k, t.UTC()); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	vs := make([]any, len(visitors))
	for i, v := range visitors {
		vs[i] = v.String()
	}
	es := make([]any, len(emails))
	for i, e := range emails {
		es[i] = e
	}
	err := read("CAST(visitor_id AS VARCHAR)", "?", vs, func(k string, t time.Time) error {
		u, err := parseUUID(k)
		byVisitor[u] = t
		return err
	})
	if err == nil {
		err = read("json_extract_string(NULLIF(props, ''), '$.email')", "?", es, func(k string, t time.Time) error {
			byEmail[k] = t
			return nil
		})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("first payments on %s: %w", websiteID, err)
	}
	return byVisitor, byEmail, nil
}
