package clickhouse

import (
	"context"
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
// are picked with argMax/argMin over a tuple key that starts with the time
// and goes on with every value picked, which makes the pick deterministic
// (see analytics/visitors.go); the values picked come out of the picked
// tuple with tupleElement.

// tuple returns "tuple(c1, c2, ...)".
func tuple(cols ...string) string { return "tuple(" + strings.Join(cols, ", ") + ")" }

// elements returns "tupleElement(t, 1), ..., tupleElement(t, n)".
func elements(t string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("tupleElement(%s, %d)", t, i+1)
	}
	return strings.Join(parts, ", ")
}

// coordinatesFrom reads the latitude and longitude columns.
func coordinatesFrom(lat, lon *float32) openfast.Coordinates {
	if lat == nil || lon == nil {
		return openfast.Coordinates{}
	}
	return openfast.CoordinatesOf(float64(*lat), float64(*lon))
}

// prepend returns first followed by cols.
func prepend(first string, cols []string) []string { return append([]string{first}, cols...) }

// Visitors returns one page of the visitors list. The first statement finds
// the page's visitors and their lastSeenAt; the second reads the identity
// and acquisition of those visitors only.
func (d *DB) Visitors(ctx context.Context, r analytics.VisitorsRequest) ([]analytics.VisitorSummary, error) {
	vf, err := sqlq.SplitVisitorFilters(r.Filters)
	if err != nil {
		return nil, err
	}
	cols, goals, notGoals := vf.Columns, vf.Goals, vf.NotGoals
	if r.Limit <= 0 || r.Offset < 0 {
		return nil, nil
	}
	q := newQuery()
	q.Add("SELECT visitor_id, ")
	if len(goals) > 0 {
		q.Add("done_at")
	} else {
		q.Add("seen_at")
	}
	q.Add(" AS last_at FROM (SELECT visitor_id, max(ts) AS seen_at FROM events WHERE ")
	q.SeenPageviews(r.WebsiteID, r.Range, notGoals, r.Customer)
	q.Add(" GROUP BY visitor_id")
	if len(cols) > 0 {
		// One pageview passes every column filter.
		q.Add(" HAVING countIf(")
		q.ColumnFilters(cols)
		q.Add(") > 0")
	}
	q.Add(")")
	if len(goals) > 0 {
		// The visitors who completed one of the goals of each positive
		// goal filter, and their latest completion of any of them.
		q.Add("\nALL INNER JOIN (SELECT visitor_id, maxIf(ts, ")
		q.AnyGoal(goals)
		q.Add(") AS done_at FROM events WHERE ")
		q.Scope(r.WebsiteID, r.Range)
		q.Add(" AND type = " + custom + " GROUP BY visitor_id HAVING ")
		q.EveryGoal(goals, "countIf(", ") > 0")
		q.Add(") USING (visitor_id)")
	}
	q.Add(" ORDER BY last_at DESC, visitor_id LIMIT ?, ?", r.Offset, r.Limit)

	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	var out []analytics.VisitorSummary
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
		}
		v := analytics.VisitorSummary{LastSeen: fromMicros(at)}
		if v.VisitorID, err = uuidOf(id); err != nil {
			return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := d.visitorSummaries(ctx, r.Request, out); err != nil {
		return nil, fmt.Errorf("visitors of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// visitorSummaries fills in the identity and acquisition of the visitors
// of a page of the visitors list: their latest and first pageviews in the
// range.
func (d *DB) visitorSummaries(ctx context.Context, r analytics.Request, page []analytics.VisitorSummary) error {
	q := newQuery()
	q.Add("SELECT visitor_id, " + elements("latest_pv", len(sqlq.SummaryLatest)) + ", " + elements("first_pv", len(sqlq.SummaryFirst)) +
		" FROM (SELECT visitor_id, argMax(" + tuple(sqlq.SummaryLatest...) + ", " + tuple(prepend("ts", sqlq.SummaryLatest)...) + ") AS latest_pv, " +
		"argMin(" + tuple(sqlq.SummaryFirst...) + ", " + tuple(prepend("ts", sqlq.SummaryFirst)...) + ") AS first_pv FROM events WHERE ")
	q.Scope(r.WebsiteID, r.Range)
	q.Add(" AND type = " + pageview + " AND visitor_id IN (")
	for i, v := range page {
		if i > 0 {
			q.Add(", ")
		}
		q.Add(uuidLiteral(v.VisitorID))
	}
	q.Add(") GROUP BY visitor_id)")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := make(map[openfast.UUID]int, len(page))
	for i, v := range page {
		index[v.VisitorID] = i
	}
	for rows.Next() {
		var id string
		var l analytics.VisitorSummary
		err := rows.Scan(&id, &l.Hostname, &l.Path, &l.CountryCode, &l.Region, &l.City, &l.Browser, &l.OS, &l.Device,
			&l.Referrer, &l.UTMSource, &l.UTMMedium, &l.UTMCampaign, &l.UTMTerm, &l.UTMContent, &l.Ref, &l.Source, &l.Via)
		if err != nil {
			return err
		}
		u, err := uuidOf(id)
		if err != nil {
			return err
		}
		i, ok := index[u]
		if !ok {
			continue
		}
		l.VisitorID, l.LastSeen = page[i].VisitorID, page[i].LastSeen
		page[i] = l
	}
	return rows.Err()
}

// Visitor reads one visitor's events: the summary, then the latest
// pageviews and conversions.
func (d *DB) Visitor(ctx context.Context, websiteID string, visitor openfast.UUID) (*analytics.VisitorActivity, error) {
	a, err := d.visitorSummary(ctx, websiteID, visitor)
	if err != nil || a == nil {
		return nil, err
	}
	if err := d.visitorLists(ctx, websiteID, visitor, a); err != nil {
		return nil, err
	}
	return a, nil
}

func (d *DB) visitorSummary(ctx context.Context, websiteID string, visitor openfast.UUID) (*analytics.VisitorActivity, error) {
	id := uuidLiteral(visitor)
	isPV, isIdent := "type = "+pageview, "type = "+identify
	q := newQuery()
	// The latest pageview's session is picked in one pass over the
	// visitor's pageviews, grouped by session: the latest pageview overall
	// is the greatest of the sessions' latest ones, and its session's
	// first pageview is the current visit.
	curSession := "argMax(tuple(sess_latest, first_ts), sess_latest)"
	q.Add("SELECT toInt64(sum(pvs)), toInt64(count()), min(first_ts), "+elements("tupleElement("+curSession+", 1)", len(sqlq.ActivityLatest))+
		", tupleElement("+curSession+", 2) FROM (SELECT count() AS pvs, min(ts) AS first_ts, max("+tuple(sqlq.ActivityLatest...)+") AS sess_latest"+
		" FROM events WHERE website_id = ? AND visitor_id = "+id+" AND "+isPV+" GROUP BY session_id)", websiteID)
	a := &analytics.VisitorActivity{}
	var firstVisit, latest, currentVisit int64
	var session string
	err := d.conn.QueryRow(ctx, q.String(), q.Args...).Scan(&a.Pageviews, &a.Visits, &firstVisit,
		&latest, &a.Hostname, &a.Path, &a.CountryCode, &a.Region, &a.City, &a.Browser, &a.OS, &a.Device, &a.ViewportWidth, &a.ViewportHeight, &session,
		&currentVisit)
	if err != nil {
		return nil, fmt.Errorf("visitor %s: %w", visitor, err)
	}
	if a.Pageviews == 0 {
		return nil, nil
	}
	a.FirstVisit, a.Latest, a.CurrentVisit = fromMicros(firstVisit), fromMicros(latest), fromMicros(currentVisit)
	if a.Session, err = uuidOf(session); err != nil {
		return nil, fmt.Errorf("visitor %s: %w", visitor, err)
	}

	q = newQuery()
	q.Add("SELECT "+elements("argMinIf("+tuple(sqlq.CampaignCols...)+", "+tuple(prepend("ts", sqlq.CampaignCols)...)+", "+isPV+")", len(sqlq.CampaignCols))+
		", argMinIf(ad_click_ids, tuple(ts, ad_click_ids), "+isPV+" AND ad_click_ids != ''), toInt64(countIf("+isIdent+")), "+
		elements("argMaxIf(tuple(ts, props), tuple(ts, props), "+isIdent+")", 2)+
		" FROM events WHERE website_id = ? AND visitor_id = "+id+" AND type IN ("+pageview+", "+identify+")", websiteID)
	var idents, identAt int64
	var identProps string
	f := &a.First
	err = d.conn.QueryRow(ctx, q.String(), q.Args...).Scan(&f.UTMSource, &f.UTMMedium, &f.UTMCampaign, &f.UTMTerm, &f.UTMContent, &f.Ref, &f.Source, &f.Via,
		&a.AdClickIDs, &idents, &identAt, &identProps)
	if err != nil {
		return nil, fmt.Errorf("visitor %s: %w", visitor, err)
	}
	if idents > 0 {
		a.Identify = &analytics.Identify{Time: fromMicros(identAt), Props: identProps}
	}
	return a, nil
}

func (d *DB) visitorLists(ctx context.Context, websiteID string, visitor openfast.UUID, a *analytics.VisitorActivity) error {
	id := uuidLiteral(visitor)
	q := newQuery()
	q.Add("SELECT ts, hostname, path, type, goal, server, props, revenue_cents, currency FROM (\n"+
		"SELECT * FROM (SELECT ts, hostname, path, type, '' AS goal, toUInt8(0) AS server, '' AS props, toInt64(0) AS revenue_cents, '' AS currency FROM events"+
		" WHERE website_id = ? AND visitor_id = "+id+" AND type = "+pageview+
		" ORDER BY ts DESC, hostname DESC, path DESC LIMIT ?)\nUNION ALL\n", websiteID, analytics.MaxVisitedPages)
	q.Add("SELECT * FROM (SELECT ts, '' AS hostname, '' AS path, type, goal, toUInt8(event_id != '') AS server, props, revenue_cents, currency FROM events"+
		" WHERE website_id = ? AND visitor_id = "+id+" AND type IN ("+custom+", "+payment+")"+
		" ORDER BY "+sqlq.ConversionOrder+" LIMIT ?))\n", websiteID, analytics.MaxCompletedGoals)
	q.Add("ORDER BY type = " + pageview + " DESC, ts DESC, hostname DESC, path DESC, " + sqlq.ConversionOrder)
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return fmt.Errorf("visitor %s: %w", visitor, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ts int64
		var host, path, goal, props, currency string
		var typ, server uint8
		var cents int64
		if err := rows.Scan(&ts, &host, &path, &typ, &goal, &server, &props, &cents, &currency); err != nil {
			return fmt.Errorf("visitor %s: %w", visitor, err)
		}
		if openfast.EventType(typ) == openfast.EventPageview {
			a.Pages = append(a.Pages, analytics.PageVisit{Time: fromMicros(ts), Hostname: host, Path: path})
		} else {
			a.Conversions = append(a.Conversions, analytics.Conversion{Time: fromMicros(ts), Type: openfast.EventType(typ), Goal: goal, Server: server != 0, Props: props,
				RevenueCents: cents, Currency: currency})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("visitor %s: %w", visitor, err)
	}
	return nil
}

// RealtimeActivity reads the realtime window: its active visitors, its
// latest events and its latest payments.
func (d *DB) RealtimeActivity(ctx context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	visitors, err := d.activeVisitors(ctx, websiteID, ceilMicros(since), until.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	a, err := d.RecentActivity(ctx, websiteID, since, until)
	if err != nil {
		return nil, err
	}
	a.Visitors = visitors
	return a, nil
}

// RecentActivity reads the realtime window's latest events and payments.
func (d *DB) RecentActivity(ctx context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	a := &analytics.RealtimeActivity{}
	var err error
	from, to := ceilMicros(since), until.UnixMicro()
	if a.Events, err = d.recentEvents(ctx, websiteID, from, to); err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	if a.Payments, err = d.recentPayments(ctx, websiteID, from, to); err != nil {
		return nil, fmt.Errorf("realtime map of %s: %w", websiteID, err)
	}
	return a, nil
}

// activeVisitors reads the active visitors of the window [from, to]
// (microseconds) in one statement: w, the visitors and their current event
// in the window, joined with h, the facts of all time of w's visitors.
func (d *DB) activeVisitors(ctx context.Context, websiteID string, from, to int64) ([]analytics.ActiveVisitor, error) {
	q := newQuery()
	// The current event's values and its key, where unknown coordinates
	// (NULL) are greater than any.
	current := slices.Concat(sqlq.MapCurrent, sqlq.Coordinates)
	currentKey := slices.Concat(sqlq.MapCurrent, []string{"ifNull(latitude, 1000)", "ifNull(longitude, 1000)"})
	w := func() {
		q.Add("SELECT visitor_id, max(ts) AS seen, argMax("+tuple(current...)+", "+tuple(prepend("type = "+pageview, currentKey)...)+") AS cur "+
			"FROM events WHERE website_id = ? AND ts >= ? AND ts <= ? AND visitor_id != "+zeroUUID+
			" GROUP BY visitor_id ORDER BY seen DESC, visitor_id LIMIT ?", websiteID, from, to, analytics.MaxActiveVisitors)
	}
	q.Add("SELECT visitor_id, seen, " + elements("cur", len(current)) + ", visits, customer, idents, " + elements("ident", 2) +
		", entries, " + elements("entry", 1+len(sqlq.CampaignCols)) + " FROM (")
	w()
	q.Add(")\nALL INNER JOIN (SELECT visitor_id, toInt64(uniqExactIf(session_id, type = " + pageview + ")) AS visits, " +
		"toUInt8(countIf(type = " + payment + ") > 0) AS customer, toInt64(countIf(type = " + identify + ")) AS idents, " +
		"argMaxIf(tuple(ts, props), tuple(ts, props), type = " + identify + ") AS ident, ")
	// The current session's first pageview, of any time.
	currentPV := "type = " + pageview + " AND (visitor_id, session_id) IN (SELECT visitor_id, tupleElement(cur, " + fmt.Sprint(len(sqlq.MapCurrent)) + ") FROM ("
	q.Add("toInt64(countIf(" + currentPV)
	w()
	q.Add(")))) AS entries, argMinIf(" + tuple(prepend("ts", sqlq.CampaignCols)...) + ", " + tuple(prepend("ts", sqlq.CampaignCols)...) + ", " + currentPV)
	w()
	q.Add("))) AS entry FROM events WHERE website_id = ? AND visitor_id IN (SELECT visitor_id FROM (", websiteID)
	w()
	q.Add(")) GROUP BY visitor_id) USING (visitor_id)\nORDER BY seen DESC, visitor_id")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.ActiveVisitor
	for rows.Next() {
		var v analytics.ActiveVisitor
		var id, session, identProps string
		var seen, at, identAt, entries, start, idents int64
		var customer uint8
		var lat, lon *float32
		c, e := &v.GeoAndDevice, &v.Entry
		err := rows.Scan(&id, &seen, &at, &v.Path, &c.CountryCode, &c.Region, &c.City, &c.Browser, &c.OS, &c.Device, &v.Referrer, &session, &lat, &lon,
			&v.Visits, &customer, &idents, &identAt, &identProps,
			&entries, &start, &e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Ref, &e.Source, &e.Via)
		if err != nil {
			return nil, err
		}
		if v.VisitorID, err = uuidOf(id); err != nil {
			return nil, err
		}
		if v.Session, err = uuidOf(session); err != nil {
			return nil, err
		}
		v.LastSeen, v.Time, v.Customer, v.Coordinates = fromMicros(seen), fromMicros(at), customer != 0, coordinatesFrom(lat, lon)
		if entries > 0 {
			v.SessionStart = fromMicros(start)
		}
		if idents > 0 {
			v.Identify = &analytics.Identify{Time: fromMicros(identAt), Props: identProps}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (d *DB) recentEvents(ctx context.Context, websiteID string, from, to int64) ([]analytics.RecentEvent, error) {
	rows, err := d.conn.Query(ctx, `SELECT event_id, type, goal, visitor_id, ts, path, country, props, session_referrer, revenue_cents
FROM events WHERE website_id = ? AND ts >= ? AND ts <= ? AND type <> `+sqlq.PaymentHint+`
ORDER BY ts DESC, type DESC, goal DESC, visitor_id DESC, event_id DESC, path DESC, country DESC, props DESC, session_referrer DESC, revenue_cents DESC
LIMIT ?`, websiteID, from, to, analytics.MaxRecentEvents)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.RecentEvent
	for rows.Next() {
		var e analytics.RecentEvent
		var typ uint8
		var visitor string
		var ts int64
		if err := rows.Scan(&e.EventID, &typ, &e.Goal, &visitor, &ts, &e.Path, &e.CountryCode, &e.Props, &e.SessionReferrer, &e.RevenueCents); err != nil {
			return nil, err
		}
		if e.VisitorID, err = uuidOf(visitor); err != nil {
			return nil, err
		}
		e.Type, e.Time = openfast.EventType(typ), fromMicros(ts)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (d *DB) recentPayments(ctx context.Context, websiteID string, from, to int64) ([]analytics.RecentPayment, error) {
	rows, err := d.conn.Query(ctx, `SELECT event_id, ts, revenue_cents, currency, visitor_id, props FROM events
WHERE website_id = ? AND ts >= ? AND ts <= ? AND type = `+payment+`
ORDER BY ts DESC, event_id DESC, revenue_cents DESC, currency DESC LIMIT ?`, websiteID, from, to, analytics.MaxRecentPayments)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.RecentPayment
	for rows.Next() {
		var p analytics.RecentPayment
		var ts int64
		var visitor string
		if err := rows.Scan(&p.EventID, &ts, &p.RevenueCents, &p.Currency, &visitor, &p.Props); err != nil {
			return nil, err
		}
		if p.VisitorID, err = uuidOf(visitor); err != nil {
			return nil, err
		}
		p.Time = fromMicros(ts)
		out = append(out, p)
	}
	return out, rows.Err()
}

// FirstPayments implements analytics.FirstPaymentStore.
func (d *DB) FirstPayments(ctx context.Context, websiteID string, visitors []openfast.UUID, emails []string) (map[openfast.UUID]time.Time, map[string]time.Time, error) {
	byVisitor, byEmail := map[openfast.UUID]time.Time{}, map[string]time.Time{}
	read := func(sel string, list string, args []any, put func(key string, t time.Time) error) error {
		rows, err := d.conn.Query(ctx, `SELECT `+sel+` AS k, min(ts) FROM events WHERE website_id = ? AND type = `+payment+` AND k IN (`+list+`) GROUP BY k`,
			append([]any{websiteID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var ts int64
			if err := rows.Scan(&k, &ts); err != nil {
				return err
			}
			if err := put(k, fromMicros(ts)); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	var err error
	if len(visitors) > 0 {
		lits := make([]string, len(visitors))
		for i, v := range visitors {
			lits[i] = uuidLiteral(v)
		}
		err = read("visitor_id", strings.Join(lits, ", "), nil, func(k string, t time.Time) error {
			u, err := uuidOf(k)
			byVisitor[u] = t
			return err
		})
	}
	if err == nil && len(emails) > 0 {
		args := make([]any, len(emails))
		for i, e := range emails {
			args[i] = e
		}
		err = read("visitParamExtractString(props, 'email')", strings.TrimSuffix(strings.Repeat("?, ", len(emails)), ", "), args, func(k string, t time.Time) error {
			byEmail[k] = t
			return nil
		})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("first payments on %s: %w", websiteID, err)
	}
	return byVisitor, byEmail, nil
}
