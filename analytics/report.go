package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/enrich"
	"github.com/openfast/openfast/wire"
)

// RealtimeWindow is how far back "active now" reaches (§5.4).
const RealtimeWindow = 10 * time.Minute

// Service answers the read endpoints from a Store.
type Service struct {
	Store Store
	Now   func() time.Time // nil: time.Now
	// Rates converts payments to the website's currency (revenue.go); nil:
	// amounts are added as they are.
	Rates Rates
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Round2 rounds to two decimals, halves away from zero.
func Round2(x float64) float64 { return math.Round(x*100) / 100 }

// percent is 100 * part / whole, rounded to two decimals; 0 when whole is 0.
func percent(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return Round2(100 * float64(part) / float64(whole))
}

// Money turns cents into a currency amount.
func Money(cents int64) float64 { return float64(cents) / 100 }

// figures are the metrics computed from Totals, each in the unit and
// rounding of the API.
type figures struct {
	visitors, sessions, payments                                         int64
	bounceRate, avgSessionDuration, revenue, revenuePerVisitor, convRate float64
}

// figuresOf computes the figures of t and of its money m, with or
// without renewals.
func figuresOf(t Totals, m money, includeRenewals bool) figures {
	revenue := Money(m.revenueCents(includeRenewals))
	f := figures{
		visitors: t.Visitors, sessions: t.Sessions, payments: m.payments,
		bounceRate: percent(t.Bounces, t.Sessions), revenue: revenue,
		convRate: percent(t.Converted, t.Visitors),
	}
	if t.Sessions > 0 {
		f.avgSessionDuration = Round2(float64(t.DurationMicros) / 1000 / float64(t.Sessions))
	}
	if t.Visitors > 0 {
		f.revenuePerVisitor = Round2(revenue / float64(t.Visitors))
	}
	return f
}

// metricFields are pointers to the metric members of an answer row, by
// field name; nil for a field the row does not have.
type metricFields struct {
	visitors, sessions, payments                                         **int64
	bounceRate, avgSessionDuration, revenue, revenuePerVisitor, convRate **float64
}

// set sets the members of the fields asked for.
func (m metricFields) set(f figures, fields []string) {
	for _, name := range fields {
		switch name {
		case "visitors":
			setPtr(m.visitors, f.visitors)
		case "sessions":
			setPtr(m.sessions, f.sessions)
		case "payments":
			setPtr(m.payments, f.payments)
		case "bounce_rate":
			setPtr(m.bounceRate, f.bounceRate)
		case "avg_session_duration":
			setPtr(m.avgSessionDuration, f.avgSessionDuration)
		case "revenue":
			setPtr(m.revenue, f.revenue)
		case "revenue_per_visitor":
			setPtr(m.revenuePerVisitor, f.revenuePerVisitor)
		case "conversion_rate":
			setPtr(m.convRate, f.convRate)
		}
	}
}

func setPtr[T any](dst **T, v T) {
	if dst != nil {
		*dst = &v
	}
}

// Overview answers GET /analytics/overview: one object with the fields
// asked for.
func (s *Service) Overview(ctx context.Context, websiteID string, q *Query, currency string) (*wire.Overview, error) {
	r := q.request(websiteID)
	t, err := s.Store.Totals(ctx, r)
	if err != nil {
		return nil, err
	}
	var m money
	if wantsMoney(q.Fields) {
		if m, err = s.totalMoney(ctx, r, currency); err != nil {
			return nil, err
		}
	}
	row := overviewOf(t, m, q, currency)
	return &row, nil
}

// overviewOf is the answer of GET /analytics/overview from the totals and
// money of q's range.
func overviewOf(t Totals, m money, q *Query, currency string) wire.Overview {
	var row wire.Overview
	metricFields{
		visitors: &row.Visitors, sessions: &row.Sessions, payments: &row.Payments, bounceRate: &row.BounceRate,
		avgSessionDuration: &row.AvgSessionDuration, revenue: &row.Revenue, revenuePerVisitor: &row.RevenuePerVisitor,
		convRate: &row.ConversionRate,
	}.set(figuresOf(t, m, q.IncludeRenewals), q.Fields)
	if slices.Contains(q.Fields, "currency") {
		row.Currency = &currency
	}
	return row
}

// Realtime answers GET /analytics/realtime.
func (s *Service) Realtime(ctx context.Context, websiteID string) (int64, error) {
	now := s.now()
	return s.Store.ActiveVisitors(ctx, websiteID, now.Add(-RealtimeWindow), now)
}

// Span is one timeseries bucket: its key (see Schedule) and the instants
// it covers.
type Span struct {
	Key        int64
	Start, End time.Time
}

// civilDays is a date's number of days since 1970-01-01.
func civilDays(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Spans lists the buckets of unit that cover r in loc, in order.
func Spans(unit Unit, r Range, loc *time.Location) []Span {
	var out []Span
	if !r.Start.Before(r.End) {
		return nil
	}
	t := r.Start.In(loc)
	switch unit {
	case UnitHour:
		start := r.Start.Add(-time.Duration(t.Minute())*time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
		for ; start.Before(r.End); start = start.Add(time.Hour) {
			out = append(out, Span{Key: start.UnixMicro(), Start: start, End: start.Add(time.Hour)})
		}
	case UnitDay, UnitWeek:
		y, m, d := t.Date()
		step := 1
		if unit == UnitWeek {
			d -= (int(t.Weekday()) + 6) % 7 // back to Monday
			step = 7
		}
		for {
			start := time.Date(y, m, d, 0, 0, 0, 0, loc)
			if !start.Before(r.End) {
				break
			}
			key := civilDays(y, m, d)
			if unit == UnitWeek {
				key = floorDiv(key+3, 7)
			}
			out = append(out, Span{Key: key, Start: start, End: time.Date(y, m, d+step, 0, 0, 0, 0, loc)})
			d += step
		}
	case UnitMonth:
		y, m, _ := t.Date()
		for {
			start := time.Date(y, m, 1, 0, 0, 0, 0, loc)
			if !start.Before(r.End) {
				break
			}
			out = append(out, Span{Key: int64(start.Year())*12 + int64(start.Month()) - 1, Start: start, End: time.Date(y, m+1, 1, 0, 0, 0, 0, loc)})
			m++
		}
	}
	return out
}

// Shifts lists the offsets of loc over [from, to).
func Shifts(from, to time.Time, loc *time.Location) []Shift {
	var out []Shift
	t := from
	for {
		lt := t.In(loc)
		_, off := lt.Zone()
		out = append(out, Shift{From: t, Offset: off})
		_, end := lt.ZoneBounds()
		if end.IsZero() || !end.Before(to) || !end.After(t) {
			return out
		}
		t = end
	}
}

// MaxBuckets bounds the intervals of one timeseries range (about 11 years
// of hours), so that no request makes the server list millions of them.
const MaxBuckets = 100_000

// approxSpans over-estimates the number of buckets of unit in r.
func approxSpans(unit Unit, r Range) int64 {
	shortest := map[Unit]time.Duration{UnitHour: time.Hour, UnitDay: 23 * time.Hour, UnitWeek: 7*24*time.Hour - time.Hour, UnitMonth: 28 * 24 * time.Hour}[unit]
	if shortest == 0 || !r.Start.Before(r.End) {
		return 0
	}
	return int64(r.End.Sub(r.Start)/shortest) + 2
}

// Label is a bucket's display name.
func Label(unit Unit, start time.Time) string {
	switch unit {
	case UnitHour:
		return start.Format("02 Jan 15:04")
	case UnitMonth:
		return start.Format("Jan 2006")
	}
	return start.Format("02 Jan")
}

// Series is the answer of GET /analytics/timeseries: the page of buckets
// asked for and the totals, and Total, the number of buckets in all pages.
type Series struct {
	Fields   []string
	Interval string
	Timezone string
	Currency string
	Totals   wire.TimeseriesTotals
	Data     []wire.TimeseriesRow
	Total    int
	// Overview, when the query asks for it (Query.Page), is what GET
	// /analytics/overview answers for the same range and filters, from
	// the same reads (the dashboard's key figures): all its figures but
	// currency, the money ones (revenue, payments, revenue per visitor)
	// when the fields ask for money. It is no part of the timeseries'
	// answer.
	Overview wire.Overview
}

// seriesOverview is a Series' Overview.
func seriesOverview(t Totals, m money, q *Query, currency string) wire.Overview {
	if !q.Page {
		return wire.Overview{}
	}
	all := *q
	all.Fields = []string{"visitors", "sessions", "bounce_rate", "avg_session_duration", "conversion_rate"}
	if wantsMoney(q.Fields) {
		all.Fields = append(all.Fields, "revenue", "payments", "revenue_per_visitor")
	}
	return overviewOf(t, m, &all, currency)
}

func seriesTotals(t Totals, m money, q *Query) wire.TimeseriesTotals {
	var out wire.TimeseriesTotals
	metricFields{
		visitors: &out.Visitors, sessions: &out.Sessions, payments: &out.Payments,
		revenue: &out.Revenue, convRate: &out.ConversionRate,
	}.set(figuresOf(t, m, q.IncludeRenewals), q.Fields)
	if slices.Contains(q.Fields, "revenue") {
		out.RevenueBreakdown = m.breakdown()
	}
	return out
}

// Timeseries answers GET /analytics/timeseries: the page of buckets asked
// for, and totals over the whole range.
func (s *Service) Timeseries(ctx context.Context, websiteID string, q *Query, currency string) (*Series, error) {
	unit := Unit(q.Interval)
	if n := approxSpans(unit, q.Range); n > MaxBuckets {
		return nil, openfast.Errorf(openfast.EINVALID, "startAt to endAt holds about %d %s intervals; at most %d are allowed: narrow the range or use a longer interval.", n, q.Interval, MaxBuckets)
	}
	spans := Spans(unit, q.Range, q.Location)
	out := &Series{Fields: q.Fields, Interval: q.Interval, Timezone: q.Timezone, Currency: currency, Total: len(spans), Data: []wire.TimeseriesRow{}}
	r := q.request(websiteID)
	withRevenue := wantsMoney(q.Fields)
	if q.Offset >= len(spans) {
		t, err := s.Store.Totals(ctx, r)
		if err != nil {
			return nil, err
		}
		var m money
		if withRevenue {
			if m, err = s.totalMoney(ctx, r, currency); err != nil {
				return nil, err
			}
		}
		out.Totals, out.Overview = seriesTotals(t, m, q), seriesOverview(t, m, q, currency)
		return out, nil
	}
	page := spans[q.Offset:min(len(spans), q.Offset+q.Limit)]
	window := Range{Start: maxTime(q.Range.Start, page[0].Start), End: minTime(q.Range.End, page[len(page)-1].End)}
	schedule := Schedule{Unit: unit, Window: window, Shifts: Shifts(window.Start, window.End, q.Location), Location: q.Location}
	var t Totals
	var buckets []Bucket
	var err error
	if st, ok := s.Store.(SeriesTotaler); ok && window.Start.Equal(q.Range.Start) && window.End.Equal(q.Range.End) {
		buckets, t, err = st.SeriesWithTotals(ctx, r, schedule)
	} else {
		if t, err = s.Store.Totals(ctx, r); err == nil {
			buckets, err = s.Store.Series(ctx, r, schedule)
		}
	}
	if err != nil {
		return nil, err
	}
	var total money
	moneyByKey := map[int64]*money{}
	if withRevenue {
		rows, err := s.Store.Revenue(ctx, r, &schedule)
		if err != nil {
			return nil, err
		}
		moneyByKey = s.sumMoney(rows, currency)
		if len(r.Filters) == 0 && window.Start.Equal(q.Range.Start) && window.End.Equal(q.Range.End) {
			// Every payment of the range is in one of the page's buckets.
			for _, m := range moneyByKey {
				total.payments += m.payments
				total.new, total.renewal, total.refund = total.new+m.new, total.renewal+m.renewal, total.refund+m.refund
			}
		} else if total, err = s.totalMoney(ctx, r, currency); err != nil {
			return nil, err
		}
	}
	out.Totals, out.Overview = seriesTotals(t, total, q), seriesOverview(t, total, q, currency)
	byKey := make(map[int64]Totals, len(buckets))
	for _, b := range buckets {
		byKey[b.Key] = b.Totals
	}
	for _, sp := range page {
		row := wire.TimeseriesRow{Name: Label(unit, sp.Start.In(q.Location)), Timestamp: sp.Start.In(q.Location).Format(time.RFC3339)}
		var m money
		if x := moneyByKey[sp.Key]; x != nil {
			m = *x
		}
		metricFields{
			visitors: &row.Visitors, sessions: &row.Sessions, payments: &row.Payments,
			revenue: &row.Revenue, convRate: &row.ConversionRate,
		}.set(figuresOf(byKey[sp.Key], m, q.IncludeRenewals), q.Fields)
		if slices.Contains(q.Fields, "revenue") {
			row.RevenueBreakdown = m.breakdown()
		}
		out.Data = append(out.Data, row)
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// breakdownSpec maps a breakdown endpoint to its grouping and the name of
// its key field(s).
func breakdownSpec(e Endpoint, fields []string) (Breakdown, []string, error) {
	switch e.Name {
	case Pages.Name:
		return Breakdown{Keys: []Column{ColHostname, ColPath}}, []string{"hostname", "path"}, nil
	case Referrers.Name:
		return Breakdown{Keys: []Column{ColSessionReferrer}}, []string{"referrer"}, nil
	case Countries.Name:
		return Breakdown{Keys: []Column{ColCountry}}, []string{"country"}, nil
	case Regions.Name:
		return Breakdown{Keys: []Column{ColRegion}}, []string{"region"}, nil
	case Cities.Name:
		return Breakdown{Keys: []Column{ColCity}}, []string{"city"}, nil
	case Browsers.Name:
		return Breakdown{Keys: []Column{ColBrowser}}, []string{"browser"}, nil
	case OperatingSystems.Name:
		return Breakdown{Keys: []Column{ColOS}}, []string{"operating_system"}, nil
	case Devices.Name:
		return Breakdown{Keys: []Column{ColDevice}}, []string{"device"}, nil
	case Hostnames.Name:
		return Breakdown{Keys: []Column{ColHostname}}, []string{"hostname"}, nil
	case EntryPages.Name:
		return Breakdown{Keys: []Column{ColEntryPath}}, []string{"entry_page"}, nil
	case Goals.Name:
		return Breakdown{Keys: []Column{ColGoal}, Goals: true}, []string{"goal"}, nil
	case Campaigns.Name:
		var keys []Column
		var names []string
		for _, f := range fields {
			switch c := Column(f); c {
			case ColUTMSource, ColUTMMedium, ColUTMCampaign, ColUTMTerm, ColUTMContent, ColRef, ColSource, ColVia:
				keys, names = append(keys, c), append(names, f)
			}
		}
		if len(keys) == 0 {
			keys = []Column{ColUTMSource, ColUTMMedium, ColUTMCampaign, ColUTMTerm, ColUTMContent, ColRef, ColSource, ColVia}
			names = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via"}
		}
		return Breakdown{Keys: keys}, names, nil
	}
	return Breakdown{}, nil, fmt.Errorf("no breakdown named %q", e.Name)
}

// Breakdown answers one of the breakdown endpoints of §5.7: its rows and
// the total number of rows.
func (s *Service) Breakdown(ctx context.Context, e Endpoint, websiteID string, q *Query, currency string) ([]wire.BreakdownRow, int, error) {
	spec, names, err := breakdownSpec(e, q.Fields)
	if err != nil {
		return nil, 0, err
	}
	r := q.request(websiteID)
	groups, total, err := s.Store.Breakdown(ctx, r, spec, q.Limit, q.Offset)
	if err != nil {
		return nil, 0, err
	}
	want := make(map[string]bool, len(q.Fields))
	for _, f := range q.Fields {
		want[f] = true
	}
	// Revenue and payments of each group's visitors, converted to the
	// website's currency (the store's own sums are not).
	var moneyOf map[int64]*money
	if (want["revenue"] || want["payments"]) && !spec.Goals && len(groups) > 0 {
		keys := make([][]string, len(groups))
		for i, g := range groups {
			keys[i] = g.Keys
		}
		rows, err := s.Store.GroupRevenue(ctx, r, spec, keys)
		if err != nil {
			return nil, 0, err
		}
		moneyOf = s.sumMoney(rows, currency)
	}
	rows := make([]wire.BreakdownRow, 0, len(groups))
	for _, g := range groups {
		var row wire.BreakdownRow
		switch e.Name {
		case Campaigns.Name:
			row.Campaign = &wire.Campaign{}
			for i, n := range names {
				if dst := campaignKey(row.Campaign, n); dst != nil {
					*dst = &g.Keys[i]
				}
			}
		case Countries.Name:
			if want["country"] {
				row.Country = ptr(countryName(g.Keys[0]))
			}
			if want["image"] {
				row.Image = ptr(enrich.FlagURL(g.Keys[0]))
			}
		case Goals.Name:
			if want["name"] {
				row.Goal = &g.Keys[0]
			}
		default:
			for i, n := range names {
				if dst := breakdownKey(&row, n); want[n] && dst != nil {
					*dst = &g.Keys[i]
				}
			}
		}
		if want["visitors"] {
			row.Visitors = ptr(g.Visitors)
		}
		if want["completions"] {
			row.Completions = ptr(g.Completions)
		}
		var m money
		if x := moneyOf[int64(len(rows))]; x != nil {
			m = *x
		}
		if want["revenue"] {
			row.Revenue = ptr(Money(m.revenueCents(q.IncludeRenewals)))
		}
		if want["payments"] {
			row.Payments = ptr(m.payments)
		}
		rows = append(rows, row)
	}
	return rows, total, nil
}

func ptr[T any](v T) *T { return &v }

// breakdownKey is the member of a breakdown row that holds key field name.
func breakdownKey(row *wire.BreakdownRow, name string) **string {
	switch name {
	case "hostname":
		return &row.Hostname
	case "path", "entry_page":
		return &row.Path
	case "referrer":
		return &row.Referrer
	case "region":
		return &row.Region
	case "city":
		return &row.City
	case "browser":
		return &row.Browser
	case "operating_system":
		return &row.OperatingSystem
	case "device":
		return &row.Device
	}
	return nil
}

// campaignKey is the member of a campaign that holds parameter name.
func campaignKey(c *wire.Campaign, name string) **string {
	switch name {
	case "utm_source":
		return &c.UTMSource
	case "utm_medium":
		return &c.UTMMedium
	case "utm_campaign":
		return &c.UTMCampaign
	case "utm_term":
		return &c.UTMTerm
	case "utm_content":
		return &c.UTMContent
	case "ref":
		return &c.Ref
	case "source":
		return &c.Source
	case "via":
		return &c.Via
	}
	return nil
}

func countryName(code string) string {
	if name := enrich.CountryName(code); name != "" {
		return name
	}
	return code
}
