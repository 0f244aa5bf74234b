package web

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast/analytics"
)

// The state of the analytics page lives in its URL query, so that a link
// reproduces the view: period (with from and to for a custom range),
// compare, interval, and the filters in the API's own form
// (filter_<dimension>=<operator>:<value>).

// period is one entry of the period menu.
type period struct {
	ID, Label, Key string // Key: its keyboard shortcut
}

// periods is the period menu, in order.
var periods = []period{
	{"today", "Today", "t"},
	{"yesterday", "Yesterday", "y"},
	{"24h", "Last 24 hours", "h"},
	{"7d", "Last 7 days", "7"},
	{"30d", "Last 30 days", "3"},
	{"mtd", "Month to date", "m"},
	{"lastmonth", "Last month", "l"},
	{"ytd", "Year to date", "Y"},
	{"12m", "Last 12 months", "1"},
	{"all", "All time", "a"},
}

const defaultPeriod = "30d"

// filterOps are the filter operators as the API writes them, with their
// labels.
var filterOps = []struct{ ID, Label string }{
	{"is", "is"}, {"is_not", "is not"}, {"contains", "contains"}, {"does_not_contain", "does not contain"},
}

// dimensionLabels names the filter dimensions for people.
var dimensionLabels = map[analytics.Dimension]string{
	analytics.DimCountry: "Country", analytics.DimRegion: "Region", analytics.DimCity: "City",
	analytics.DimDevice: "Device", analytics.DimBrowser: "Browser", analytics.DimOS: "OS",
	analytics.DimReferrer: "Referrer", analytics.DimPage: "Page", analytics.DimEntryPage: "Entry page",
	analytics.DimHostname: "Hostname", analytics.DimGoal: "Goal", analytics.DimUTMSource: "UTM source",
	analytics.DimUTMMedium: "UTM medium", analytics.DimUTMCampaign: "UTM campaign", analytics.DimUTMTerm: "UTM term",
	analytics.DimUTMContent: "UTM content", analytics.DimRef: "ref", analytics.DimSource: "source", analytics.DimVia: "via",
}

// filter is one filter of the view: one parameter value.
type filter struct {
	Dim   analytics.Dimension
	Op    string
	Value string
}

func (f filter) param() string { return "filter_" + string(f.Dim) }
func (f filter) raw() string   { return f.Op + ":" + f.Value }

// DimLabel and OpLabel name the filter for people.
func (f filter) DimLabel() string { return dimensionLabels[f.Dim] }
func (f filter) OpLabel() string {
	for _, o := range filterOps {
		if o.ID == f.Op {
			return o.Label
		}
	}
	return f.Op
}

// view is the state of the analytics page.
type view struct {
	Period   string
	From, To string // custom range, YYYY-MM-DD
	Compare  string // "", "previous" or "year"
	Interval string // "" for the period's own
	Filters  []filter

	loc *time.Location
	now time.Time
}

// parseView reads the state from a query. Unknown or malformed values
// fall back to the defaults; the API checks the filter values.
func parseView(q url.Values, loc *time.Location, now time.Time) view {
	v := view{Period: q.Get("period"), Compare: q.Get("compare"), Interval: q.Get("interval"), loc: loc, now: now.In(loc)}
	if v.Period == "custom" {
		from, err1 := time.ParseInLocation(time.DateOnly, q.Get("from"), loc)
		to, err2 := time.ParseInLocation(time.DateOnly, q.Get("to"), loc)
		if err1 != nil || err2 != nil || to.Before(from) {
			v.Period = ""
		} else {
			v.From, v.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
		}
	}
	if !slices.ContainsFunc(periods, func(p period) bool { return p.ID == v.Period }) && v.Period != "custom" {
		v.Period = defaultPeriod
	}
	if v.Compare != "previous" && v.Compare != "year" || v.Period == "all" {
		v.Compare = ""
	}
	if !slices.Contains(analytics.Intervals, v.Interval) {
		v.Interval = ""
	}
	for _, d := range analytics.Dimensions {
		for _, raw := range q["filter_"+string(d)] {
			op, value, ok := strings.Cut(raw, ":")
			if !ok || !slices.ContainsFunc(filterOps, func(o struct{ ID, Label string }) bool { return o.ID == op }) {
				op, value = "is", raw
			}
			if value = strings.TrimSpace(value); value != "" {
				v.Filters = append(v.Filters, filter{Dim: d, Op: op, Value: value})
			}
		}
	}
	return v
}

// query is the view as a URL query.
func (v view) query() url.Values {
	q := url.Values{}
	if v.Period != defaultPeriod {
		q.Set("period", v.Period)
	}
	if v.Period == "custom" {
		q.Set("from", v.From)
		q.Set("to", v.To)
	}
	if v.Compare != "" {
		q.Set("compare", v.Compare)
	}
	if v.Interval != "" {
		q.Set("interval", v.Interval)
	}
	for _, f := range v.Filters {
		q.Add(f.param(), f.raw())
	}
	return q
}

// Query is the view's query string, "" or "?...".
func (v view) Query() string {
	if s := v.query().Encode(); s != "" {
		return "?" + s
	}
	return ""
}

// with returns the query string of the view changed by change.
func (v view) with(change func(*view)) string {
	c := v
	c.Filters = slices.Clone(v.Filters)
	change(&c)
	return c.Query()
}

// span is a range of the page: local calendar days [start, end), or, for
// the last 24 hours, instants.
type span struct {
	start, end time.Time
	instants   bool
}

func (s span) days() int { return int(s.end.Sub(s.start).Hours()/24 + 0.5) }

// params are the API's startAt and endAt of s (endAt is inclusive).
func (s span) params(q url.Values) {
	if s.instants {
		q.Set("startAt", s.start.UTC().Format(time.RFC3339Nano))
		q.Set("endAt", s.end.Add(-time.Microsecond).UTC().Format(time.RFC3339Nano))
		return
	}
	q.Set("startAt", s.start.Format(time.DateOnly))
	q.Set("endAt", s.end.AddDate(0, 0, -1).Format(time.DateOnly))
}

// wholeMonths reports whether s is whole calendar months, and how many.
func (s span) wholeMonths() (int, bool) {
	if s.instants || s.start.Day() != 1 || s.end.Day() != 1 {
		return 0, false
	}
	return (s.end.Year()-s.start.Year())*12 + int(s.end.Month()-s.start.Month()), true
}

// shift moves s by n of its own lengths (whole months by months).
func (s span) shift(n int) span {
	if s.instants {
		d := s.end.Sub(s.start) * time.Duration(n)
		return span{start: s.start.Add(d), end: s.end.Add(d), instants: true}
	}
	if m, ok := s.wholeMonths(); ok {
		return span{start: s.start.AddDate(0, n*m, 0), end: s.end.AddDate(0, n*m, 0)}
	}
	d := n * s.days()
	return span{start: s.start.AddDate(0, 0, d), end: s.end.AddDate(0, 0, d)}
}

// span is the view's range; ok is false for all time.
func (v view) span() (span, bool) {
	y, m, d := v.now.Date()
	day := func(dd int) time.Time { return time.Date(y, m, d+dd, 0, 0, 0, 0, v.loc) }
	tomorrow := day(1)
	switch v.Period {
	case "today":
		return span{start: day(0), end: tomorrow}, true
	case "yesterday":
		return span{start: day(-1), end: day(0)}, true
	case "24h":
		end := v.now.Truncate(time.Minute).Add(time.Minute)
		return span{start: end.Add(-24 * time.Hour), end: end, instants: true}, true
	case "7d":
		return span{start: day(-6), end: tomorrow}, true
	case "30d":
		return span{start: day(-29), end: tomorrow}, true
	case "mtd":
		return span{start: time.Date(y, m, 1, 0, 0, 0, 0, v.loc), end: tomorrow}, true
	case "lastmonth":
		return span{start: time.Date(y, m-1, 1, 0, 0, 0, 0, v.loc), end: time.Date(y, m, 1, 0, 0, 0, 0, v.loc)}, true
	case "ytd":
		return span{start: time.Date(y, 1, 1, 0, 0, 0, 0, v.loc), end: tomorrow}, true
	case "12m":
		return span{start: time.Date(y, m-11, 1, 0, 0, 0, 0, v.loc), end: time.Date(y, m+1, 1, 0, 0, 0, 0, v.loc)}, true
	case "custom":
		from, _ := time.ParseInLocation(time.DateOnly, v.From, v.loc)
		to, _ := time.ParseInLocation(time.DateOnly, v.To, v.loc)
		return span{start: from, end: to.AddDate(0, 0, 1)}, true
	}
	return span{}, false
}

// compareSpan is the range the view compares with.
func (v view) compareSpan() (span, bool) {
	cur, ok := v.span()
	if !ok || v.Compare == "" {
		return span{}, false
	}
	if v.Compare == "year" {
		return span{start: cur.start.AddDate(-1, 0, 0), end: cur.end.AddDate(-1, 0, 0), instants: cur.instants}, true
	}
	return cur.shift(-1), true
}

// interval is the timeseries interval: the view's, else one that suits
// the range's length.
func (v view) interval() string {
	if v.Interval != "" {
		return v.Interval
	}
	cur, ok := v.span()
	switch {
	case !ok:
		return "month"
	case cur.instants || cur.days() <= 2:
		return "hour"
	case cur.days() <= 92:
		return "day"
	case cur.days() <= 731:
		return "week"
	}
	return "month"
}

// stepped is the query of the view moved by n of its lengths, as a custom
// range; "" when it cannot move (all time, or past today).
func (v view) stepped(n int) string {
	cur, ok := v.span()
	if !ok || cur.instants {
		return ""
	}
	next := cur.shift(n)
	if !next.start.Before(time.Date(v.now.Year(), v.now.Month(), v.now.Day()+1, 0, 0, 0, 0, v.loc)) {
		return ""
	}
	return v.with(func(c *view) {
		c.Period, c.From, c.To = "custom", next.start.Format(time.DateOnly), next.end.AddDate(0, 0, -1).Format(time.DateOnly)
	})
}

// Label says the range in words.
func (v view) Label() string {
	for _, p := range periods {
		if p.ID == v.Period {
			return p.Label
		}
	}
	if v.From == v.To {
		return v.From
	}
	return v.From + " to " + v.To
}

// params are the API parameters of a read of the view's range (or of its
// comparison), with its filters.
func (v view) params(compare bool) url.Values {
	q := url.Values{}
	s, ok := v.span()
	if compare {
		s, ok = v.compareSpan()
	}
	if ok {
		s.params(q)
	}
	for _, f := range v.Filters {
		q.Add(f.param(), f.raw())
	}
	return q
}
