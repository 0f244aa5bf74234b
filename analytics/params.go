// Package analytics answers the Website API reads (/analytics/* and
// /visitors, spec §3.4, §3.5, §5.0–5.10). Parse turns a query string into a
// Query (a date range in a timezone, the requested fields, the timeseries
// interval, paging and filters) without I/O, apart from the time zone
// database that openfast.LoadTimezone reads once per zone. Service then
// asks a Store (the event store: DuckDB or ClickHouse) for the figures and
// shapes them into the response rows.
package analytics

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/enrich"
)

// Limits on the parameters.
const (
	DefaultLimit       = 100       // limit when omitted, analytics and visitors
	MaxAnalyticsLimit  = 1000      // §3.4
	MaxVisitorsLimit   = 250       // §3.4
	MaxOffset          = 1_000_000 // [INFERRED] keeps OFFSET scans bounded
	MaxFilterValue     = 255       // bytes of one filter value
	MaxAnalyticsValues = 100       // comma values in one analytics filter
	MaxVisitorsValues  = 50        // comma values in one visitors filter (§5.9)
	MaxFilters         = 100       // filter parameters in one request
	MaxFilterValues    = 100       // filter values in one request, all filter parameters together
	maxQuoted          = 64        // bytes of client input quoted in an error message
)

// Op is a filter operator.
type Op uint8

// The filter operators of §5.1.
const (
	OpIs Op = iota
	OpIsNot
	OpContains
	OpDoesNotContain
)

var opNames = [...]string{OpIs: "is", OpIsNot: "is_not", OpContains: "contains", OpDoesNotContain: "does_not_contain"}

// String returns the operator as written in a filter value ("is_not").
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// Dimension names a filterable column.
type Dimension string

// The dimensions of §5.1.
const (
	DimCountry     Dimension = "country"
	DimRegion      Dimension = "region"
	DimCity        Dimension = "city"
	DimDevice      Dimension = "device"
	DimBrowser     Dimension = "browser"
	DimOS          Dimension = "os"
	DimReferrer    Dimension = "referrer"
	DimPage        Dimension = "page"
	DimEntryPage   Dimension = "entry_page"
	DimHostname    Dimension = "hostname"
	DimGoal        Dimension = "goal"
	DimUTMSource   Dimension = "utm_source"
	DimUTMMedium   Dimension = "utm_medium"
	DimUTMCampaign Dimension = "utm_campaign"
	DimUTMTerm     Dimension = "utm_term"
	DimUTMContent  Dimension = "utm_content"
	DimRef         Dimension = "ref"
	DimSource      Dimension = "source"
	DimVia         Dimension = "via"
)

// Dimensions lists every filterable dimension in the order of §5.1.
var Dimensions = []Dimension{
	DimCountry, DimRegion, DimCity, DimDevice, DimBrowser, DimOS, DimReferrer, DimPage, DimEntryPage,
	DimHostname, DimGoal, DimUTMSource, DimUTMMedium, DimUTMCampaign, DimUTMTerm, DimUTMContent,
	DimRef, DimSource, DimVia,
}

// Filter keeps the rows whose Dimension matches Values under Op. Values OR
// together (for OpIsNot and OpDoesNotContain: the row matches none of them).
// Values are trimmed, non-empty and normalised like the stored column.
type Filter struct {
	Dimension Dimension
	Op        Op
	Values    []string
}

// Range is a half-open interval of instants [Start, End), both UTC. All is
// true when no range was given (all time); Start and End are then zero.
type Range struct {
	Start, End time.Time
	All        bool
}

// Query is a parsed read request.
type Query struct {
	Range    Range
	Location *time.Location // the timezone for day/hour buckets and date parsing
	Timezone string         // its IANA name, as given or the default
	Fields   []string       // requested fields in request order, deduplicated; the endpoint's defaults when omitted
	Interval string         // timeseries only: hour, day, week, month (after the same-day upgrade)
	Limit    int            // paged endpoints only, else 0
	Offset   int
	Filters  []Filter // AND together
	Customer *bool    // visitors list only: isCustomer / hasRevenue; nil when not given
	// IncludeRenewals is the website's includeRenewalRevenue, set by the
	// caller: renewals count in revenue and make customers.
	IncludeRenewals bool
	// Page, set by the caller, says the read is one of a dashboard
	// page's, asked together: a timeseries then also gives the overview's
	// figures of its range (Series.Overview, its totals with sessions),
	// and the reads may be shared with the page's others (Request.Shared).
	Page bool
}

// request is the store request of q's range and filters on a website.
func (q *Query) request(websiteID string) Request {
	return Request{WebsiteID: websiteID, Range: q.Range, Filters: q.Filters, ExcludeRenewals: !q.IncludeRenewals, SessionTotals: q.Page, Shared: q.Page}
}

// Endpoint describes one read endpoint's parameter rules.
type Endpoint struct {
	Name           string   // e.g. "overview", "timeseries", "pages", "visitors"
	Fields         []string // valid fields, in the default order; none: the fields parameter is ignored
	FieldsRequired bool     // timeseries: fields is required
	Interval       bool     // timeseries: interval is required
	Paged          bool     // limit/offset accepted
	DefaultLimit   int
	MaxLimit       int
	Filters        bool // filter_* (and the un-prefixed names) accepted
	Dates          bool // startAt/endAt/timezone accepted
	VisitorFilters bool // the visitors list (§5.9): its aliases, isCustomer/hasRevenue, at most 50 values per filter
}

// The read endpoints.
var (
	Overview = Endpoint{Name: "overview", Filters: true, Dates: true,
		Fields: []string{"visitors", "sessions", "bounce_rate", "avg_session_duration", "currency", "revenue", "payments", "revenue_per_visitor", "conversion_rate"}}
	Timeseries = Endpoint{Name: "timeseries", FieldsRequired: true, Interval: true, Filters: true, Dates: true,
		Paged: true, DefaultLimit: DefaultLimit, MaxLimit: MaxAnalyticsLimit,
		Fields: []string{"name", "visitors", "sessions", "revenue", "payments", "conversion_rate"}}
	Realtime = Endpoint{Name: "realtime", Fields: []string{"visitors"}}

	Pages            = breakdown("pages", "hostname", "path", "visitors", "revenue", "payments")
	Referrers        = breakdown("referrers", "referrer", "visitors", "revenue", "payments")
	Countries        = breakdown("countries", "country", "image", "visitors", "revenue", "payments")
	Regions          = breakdown("regions", "region", "visitors", "revenue", "payments")
	Cities           = breakdown("cities", "city", "visitors", "revenue", "payments")
	Browsers         = breakdown("browsers", "browser", "visitors", "revenue", "payments")
	OperatingSystems = breakdown("operating-systems", "operating_system", "visitors", "revenue", "payments")
	Devices          = breakdown("devices", "device", "visitors", "revenue", "payments")
	Campaigns        = breakdown("campaigns", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via", "visitors", "revenue", "payments")
	Goals            = breakdown("goals", "name", "completions", "visitors")
	Hostnames        = breakdown("hostnames", "hostname", "visitors", "revenue", "payments")

	Visitors = Endpoint{Name: "visitors", Filters: true, Dates: true, VisitorFilters: true,
		Paged: true, DefaultLimit: DefaultLimit, MaxLimit: MaxVisitorsLimit}

	// EntryPages breaks the pageviews down by their session's entry page.
	// It is the dashboard's: no route of the API serves it, so it is not in
	// Breakdowns.
	EntryPages = breakdown("entry-pages", "entry_page", "visitors", "revenue", "payments")

	// Breakdowns lists the breakdown endpoints of §5.7.
	Breakdowns = []Endpoint{Pages, Referrers, Countries, Regions, Cities, Browsers, OperatingSystems, Devices, Campaigns, Goals, Hostnames}
)

func breakdown(name string, fields ...string) Endpoint {
	return Endpoint{Name: name, Fields: fields, Paged: true, DefaultLimit: DefaultLimit, MaxLimit: MaxAnalyticsLimit, Filters: true, Dates: true}
}

// Intervals are the timeseries bucket sizes.
var Intervals = []string{"hour", "day", "week", "month"}

// Parse reads the query string q of a request to endpoint e. defaultTimezone
// (the website's) applies when q has no timezone; UTC when it is empty or not
// a valid IANA name. now anchors the timeseries default windows. Every error
// is an *openfast.Error with code EINVALID whose message names the parameter.
func Parse(e Endpoint, q url.Values, defaultTimezone string, now time.Time) (*Query, error) {
	query := &Query{}
	if err := query.parseTimezone(e, q, defaultTimezone); err != nil {
		return nil, err
	}
	if err := query.parseFields(e, q); err != nil {
		return nil, err
	}
	if err := query.parseRange(e, q, now); err != nil {
		return nil, err
	}
	if err := query.parsePaging(e, q); err != nil {
		return nil, err
	}
	if err := query.parseFilters(e, q); err != nil {
		return nil, err
	}
	return query, nil
}

func invalidf(format string, args ...any) error {
	return openfast.Errorf(openfast.EINVALID, format, args...)
}

// quote makes client input safe and short enough to repeat in a message.
func quote(s string) string {
	return openfast.Truncate(strings.ToValidUTF8(s, "\uFFFD"), maxQuoted)
}

// first returns the first value of name, trimmed, and whether it was given
// non-empty.
func first(q url.Values, name string) (string, bool) {
	v := strings.TrimSpace(q.Get(name))
	return v, v != ""
}

func (query *Query) parseTimezone(e Endpoint, q url.Values, defaultTimezone string) error {
	if name, ok := first(q, "timezone"); ok && e.Dates {
		loc, ok := openfast.LoadTimezone(name)
		if !ok {
			return invalidf("timezone must be an IANA time zone name such as America/New_York, Europe/Paris or UTC; got %s.", quote(name))
		}
		query.Location, query.Timezone = loc, name
		return nil
	}
	if loc, ok := openfast.LoadTimezone(defaultTimezone); ok {
		query.Location, query.Timezone = loc, defaultTimezone
		return nil
	}
	query.Location, query.Timezone = time.UTC, "UTC"
	return nil
}

func (query *Query) parseFields(e Endpoint, q url.Values) error {
	if len(e.Fields) == 0 {
		return nil
	}
	var fields []string
	for _, list := range q["fields"] {
		for _, f := range strings.Split(list, ",") {
			f = strings.TrimSpace(f)
			if f == "" || slices.Contains(fields, f) {
				continue
			}
			if !slices.Contains(e.Fields, f) {
				return invalidf("Invalid field: %s. Valid fields: %s.", quote(f), strings.Join(e.Fields, ", "))
			}
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		if e.FieldsRequired {
			return invalidf("fields is required. Valid fields: %s.", strings.Join(e.Fields, ", "))
		}
		fields = slices.Clone(e.Fields)
	}
	query.Fields = fields
	return nil
}

// bound is one parsed startAt or endAt: a calendar date or an instant.
type bound struct {
	isDate  bool
	y, m, d int       // the date
	t       time.Time // the instant
}

// midnight returns the start of the date's day, plus days, in loc. time.Date
// normalises the day, so the next day of a month's last day is correct, and
// a DST change inside the range shortens or lengthens it as it should.
func (b bound) midnight(loc *time.Location, days int) time.Time {
	return time.Date(b.y, time.Month(b.m), b.d+days, 0, 0, 0, 0, loc)
}

// instantLayouts are the accepted ISO 8601 timestamps; each requires a zone
// ("Z" or an offset). Fractional seconds are accepted after the seconds.
var instantLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
}

func parseBound(name, s string) (bound, error) {
	bad := func() (bound, error) {
		return bound{}, invalidf("%s must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with Z or an offset, such as 2026-05-21T00:00:00.000Z; got %s.", name, quote(s))
	}
	year := func(y int) error {
		if y < 1970 || y > 9999 {
			return invalidf("%s must be in the years 1970 to 9999; got %s.", name, quote(s))
		}
		return nil
	}
	if isDateShape(s) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return bad()
		}
		if err := year(t.Year()); err != nil {
			return bound{}, err
		}
		return bound{isDate: true, y: t.Year(), m: int(t.Month()), d: t.Day()}, nil
	}
	if len(s) < len("2006-01-02T15:04Z") || len(s) > 64 || !isDateShape(s[:10]) {
		return bad()
	}
	s = repairOffset(strings.ToUpper(s))
	for _, layout := range instantLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if err := year(t.Year()); err != nil {
				return bound{}, err
			}
			return bound{t: t}, nil
		}
	}
	return bad()
}

// isDateShape reports whether s is exactly NNNN-NN-NN.
func isDateShape(s string) bool {
	if len(s) != len("2006-01-02") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// repairOffset restores the "+" of a positive offset that an unencoded query
// string turned into a space ("2026-01-01T10:00:00 01:00").
func repairOffset(s string) string {
	i := strings.LastIndexByte(s, ' ')
	if i <= len("2006-01-02T15") || i == len(s)-1 {
		return s
	}
	for j := i + 1; j < len(s); j++ {
		if (s[j] < '0' || s[j] > '9') && s[j] != ':' {
			return s
		}
	}
	return s[:i] + "+" + s[i+1:]
}

// fullDayUTC reports whether start and end are the legacy full-day UTC
// bounds (00:00:00.000Z and 23:59:59[.fraction]Z), which §3.5 reads as dates.
func fullDayUTC(start, end bound) bool {
	if start.isDate || end.isDate {
		return false
	}
	_, so := start.t.Zone()
	_, eo := end.t.Zone()
	sh, sm, ss := start.t.Clock()
	eh, em, es := end.t.Clock()
	return so == 0 && eo == 0 && sh == 0 && sm == 0 && ss == 0 && start.t.Nanosecond() == 0 &&
		eh == 23 && em == 59 && es == 59
}

func asDate(b bound) bound {
	y, m, d := b.t.Date()
	return bound{isDate: true, y: y, m: int(m), d: d}
}

func (query *Query) parseRange(e Endpoint, q url.Values, now time.Time) error {
	if e.Interval {
		interval, ok := first(q, "interval")
		if !ok {
			return invalidf("interval is required and must be one of %s.", strings.Join(Intervals, ", "))
		}
		if !slices.Contains(Intervals, interval) {
			return invalidf("interval must be one of %s; got %s.", strings.Join(Intervals, ", "), quote(interval))
		}
		query.Interval = interval
	}
	startAt, hasStart := first(q, "startAt")
	endAt, hasEnd := first(q, "endAt")
	if !e.Dates || !hasStart && !hasEnd {
		if e.Interval {
			query.Range = defaultWindow(query.Interval, now.In(query.Location))
		} else {
			query.Range = Range{All: true}
		}
		return nil
	}
	if hasStart != hasEnd {
		return invalidf("startAt and endAt must be given together.")
	}
	start, err := parseBound("startAt", startAt)
	if err != nil {
		return err
	}
	end, err := parseBound("endAt", endAt)
	if err != nil {
		return err
	}
	if fullDayUTC(start, end) {
		start, end = asDate(start), asDate(end)
	}
	loc := query.Location
	var from, to time.Time
	if start.isDate {
		from = start.midnight(loc, 0)
	} else {
		from = start.t
	}
	if end.isDate {
		to = end.midnight(loc, 1)
	} else {
		// endAt is inclusive at the microsecond precision of stored events.
		to = end.t.Truncate(time.Microsecond).Add(time.Microsecond)
	}
	if !from.Before(to) || !end.isDate && from.After(end.t) {
		return invalidf("startAt must not be after endAt.")
	}
	query.Range = Range{Start: from.UTC(), End: to.UTC()}
	if query.Interval != "" && query.Interval != "hour" && sameLocalDay(query.Range, loc) {
		query.Interval = "hour"
	}
	return nil
}

// defaultWindow is the timeseries range when none is given (§5.3): the last
// 24 hours, 30 days or 12 months, each including the current one.
func defaultWindow(interval string, now time.Time) Range {
	loc := now.Location()
	y, m, d := now.Date()
	var start, end time.Time
	switch interval {
	case "hour":
		// The local hour, which need not start on a UTC hour (+05:30).
		hour := now.Add(-time.Duration(now.Minute())*time.Minute - time.Duration(now.Second())*time.Second - time.Duration(now.Nanosecond()))
		end = hour.Add(time.Hour)
		start = end.Add(-24 * time.Hour)
	case "month":
		start = time.Date(y, m-11, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	default: // day, week
		start = time.Date(y, m, d-29, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return Range{Start: start.UTC(), End: end.UTC()}
}

// sameLocalDay reports whether r lies within one calendar day of loc.
func sameLocalDay(r Range, loc *time.Location) bool {
	sy, sm, sd := r.Start.In(loc).Date()
	ey, em, ed := r.End.Add(-time.Nanosecond).In(loc).Date()
	return sy == ey && sm == em && sd == ed
}

func (query *Query) parsePaging(e Endpoint, q url.Values) error {
	if !e.Paged {
		return nil
	}
	limit, err := intParam(q, "limit", e.DefaultLimit, 1, e.MaxLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(q, "offset", 0, 0, MaxOffset)
	if err != nil {
		return err
	}
	query.Limit, query.Offset = limit, offset
	return nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v, ok := first(q, name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalidf("%s must be an integer from %d to %d; got %s.", name, lo, hi, quote(v))
	}
	return n, nil
}

// filterParam says how one query parameter filters.
type filterParam struct {
	dim     Dimension
	op      Op
	fixedOp bool // the alias sets the operator; the value takes no prefix
}

// visitorAliases are the visitors-list names of §5.9 that differ from a
// dimension name.
var visitorAliases = map[string]filterParam{
	"visitedPage":         {dim: DimPage, op: OpIs, fixedOp: true},
	"page":                {dim: DimPage, op: OpIs, fixedOp: true},
	"visitedPageContains": {dim: DimPage, op: OpContains, fixedOp: true},
	"pageContains":        {dim: DimPage, op: OpContains, fixedOp: true},
	"completedGoal":       {dim: DimGoal},
	"goal":                {dim: DimGoal},
}

func isDimension(s string) bool {
	return slices.Contains(Dimensions, Dimension(s))
}

// lookupFilter classifies a parameter name: ok is false for a parameter that
// is not a filter; known is false for a filter_ name of no dimension.
func lookupFilter(e Endpoint, name string) (p filterParam, ok, known bool) {
	if dim, found := strings.CutPrefix(name, "filter_"); found {
		return filterParam{dim: Dimension(dim)}, true, isDimension(dim)
	}
	if e.VisitorFilters {
		if p, found := visitorAliases[name]; found {
			return p, true, true
		}
	}
	if isDimension(name) {
		return filterParam{dim: Dimension(name)}, true, true
	}
	return filterParam{}, false, false
}

func (query *Query) parseFilters(e Endpoint, q url.Values) error {
	if !e.Filters {
		return nil
	}
	maxValues := MaxAnalyticsValues
	if e.VisitorFilters {
		maxValues = MaxVisitorsValues
		if err := query.parseCustomer(q); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // a stable order of Filters
	values := 0
	for _, name := range names {
		p, ok, known := lookupFilter(e, name)
		if !ok {
			continue
		}
		if !known {
			return invalidf("Unknown filter: %s. Valid filters: filter_%s.", quote(name), joinDimensions(", filter_"))
		}
		for _, raw := range q[name] {
			if len(query.Filters) == MaxFilters {
				return invalidf("%s: at most %d filter parameters may be given.", quote(name), MaxFilters)
			}
			f, err := parseFilter(name, p, raw, maxValues)
			if err != nil {
				return err
			}
			if values += len(f.Values); values > MaxFilterValues {
				return invalidf("%s: at most %d filter values may be given in one request, all filter parameters together.", quote(name), MaxFilterValues)
			}
			query.Filters = append(query.Filters, f)
		}
	}
	if query.Customer != nil && slices.ContainsFunc(query.Filters, func(f Filter) bool { return f.Dimension == DimGoal }) {
		return invalidf("completedGoal cannot be combined with isCustomer or hasRevenue.")
	}
	return nil
}

func joinDimensions(sep string) string {
	s := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		s[i] = string(d)
	}
	return strings.Join(s, sep)
}

// parseFilter reads one value "[operator:]v1,v2" of parameter name.
func parseFilter(name string, p filterParam, raw string, maxValues int) (Filter, error) {
	f := Filter{Dimension: p.dim, Op: p.op}
	list := raw
	if !p.fixedOp {
		if prefix, rest, found := strings.Cut(raw, ":"); found {
			if op, ok := parseOp(prefix); ok {
				f.Op, list = op, rest
			}
		}
	}
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len(v) > MaxFilterValue {
			return Filter{}, invalidf("%s values must be at most %d bytes each.", quote(name), MaxFilterValue)
		}
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return Filter{}, invalidf("%s values must be valid UTF-8 text.", quote(name))
		}
		if len(f.Values) == maxValues {
			return Filter{}, invalidf("%s accepts at most %d comma-separated values.", quote(name), maxValues)
		}
		f.Values = append(f.Values, normalizeValue(p.dim, v))
	}
	if len(f.Values) == 0 {
		return Filter{}, invalidf("%s needs at least one value.", quote(name))
	}
	return f, nil
}

func parseOp(s string) (Op, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for op, name := range opNames {
		if s == name {
			return Op(op), true
		}
	}
	return 0, false
}

// normalizeValue makes a filter value compare with the stored column.
func normalizeValue(d Dimension, v string) string {
	switch d {
	case DimCountry:
		if code := enrich.CountryCode(v); code != "" {
			return code
		}
	case DimDevice:
		return strings.ToLower(v)
	case DimGoal:
		name, _ := openfast.NormalizeGoalName(v) // an invalid name simply matches nothing
		return name
	case DimHostname:
		// Stored hostnames are lower-case and keep their "www.".
		return strings.ToLower(v)
	}
	return v
}

// parseCustomer reads isCustomer and its alias hasRevenue (§5.9).
func (query *Query) parseCustomer(q url.Values) error {
	for _, name := range []string{"isCustomer", "hasRevenue"} {
		for _, raw := range q[name] {
			var b bool
			switch v := strings.TrimSpace(raw); {
			case v == "":
				continue
			case strings.EqualFold(v, "true"):
				b = true
			case strings.EqualFold(v, "false"):
			default:
				return invalidf("%s must be true or false; got %s.", name, quote(v))
			}
			if query.Customer != nil && *query.Customer != b {
				return invalidf("isCustomer and hasRevenue must not contradict each other.")
			}
			query.Customer = &b
		}
	}
	return nil
}
