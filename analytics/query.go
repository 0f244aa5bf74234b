package analytics

import (
	"context"
	"time"

	"github.com/openfast/openfast/enrich"
)

// The query descriptions: what an event store must compute for the read
// endpoints. Stores return integer aggregates only; every rate, average and
// amount of money is derived from them in Go (report.go), so that every
// store answers with the same numbers.
//
// The definitions, over the events of one website in the range that pass
// the filters:
//   - visitors: distinct visitor ids of pageviews; sessions: distinct
//     session ids of pageviews;
//   - a bounce is a session with exactly one pageview; a session's duration
//     is the time from its first to its last pageview;
//   - payments and revenue: the website's payment events (server-side
//     payments; the tracker's payment events are hints, EventPaymentHint,
//     and count for nothing here) in the range. With filters, only those of
//     the visitors counted (payments carry no page or location of their
//     own). A free trial (amount 0) is a payment that adds no revenue;
//   - converted: the visitors counted who have a payment in the range (the
//     customers: goals do not convert).
//
// Filters apply to each event's own columns (page = its path, entry_page =
// its session's first path, referrer = its session's referrer), except goal,
// which keeps the visitors who completed (is, contains) or never completed
// (is_not, does_not_contain) one of the goals in the range.

// Request selects events: one website, a range (Range.All for all time),
// and filters that AND together.
type Request struct {
	WebsiteID string
	Range     Range
	Filters   []Filter
	// ExcludeRenewals: a visitor whose only payments in the range are
	// renewals is not converted (the website's includeRenewalRevenue is
	// off). It changes Converted only.
	ExcludeRenewals bool
	// SessionTotals asks SeriesWithTotals for the totals' Bounces and
	// DurationMicros too (Totals always has them).
	SessionTotals bool
	// Shared says the read is asked together with others of the same
	// range (a dashboard page's): a store may read once for all, and
	// keep it for them (the payers of several breakdowns' revenue, the
	// series and revenue of the chart and the key figures).
	Shared bool
}

// Totals are the aggregates behind the overview and a timeseries bucket.
type Totals struct {
	Visitors       int64
	Sessions       int64
	Bounces        int64 // sessions with exactly one pageview
	DurationMicros int64 // sum over sessions of last pageview - first pageview
	Converted      int64 // visitors counted with a payment in the range (customers)
}

// Unit is a timeseries bucket size.
type Unit string

// Units.
const (
	UnitHour  Unit = "hour"
	UnitDay   Unit = "day"
	UnitWeek  Unit = "week"
	UnitMonth Unit = "month"
)

// Shift is a stretch of time, from From to the next Shift's From, during
// which the timezone's offset from UTC is Offset seconds.
type Shift struct {
	From   time.Time
	Offset int
}

// Schedule describes timeseries buckets to a store without a timezone
// database: an event at UTC instant t has the local wall time t + Offset
// (of the last Shift whose From <= t), and its bucket key is, for
//   - hour: the UTC instant, in microseconds since the epoch, at which its
//     local hour began (local wall micros floored to the hour, minus Offset);
//   - day: its local date as days since 1970-01-01;
//   - week: (day key + 3) / 7, floored: weeks start on Monday;
//   - month: local year * 12 + local month - 1.
//
// A store returns the buckets that have pageviews counted in the window.
type Schedule struct {
	Unit Unit
	// Window is the part of the request's range to put in buckets (one
	// page of the series); the request's range still applies to its goal
	// filters.
	Window Range
	Shifts []Shift // at least one; the first From is at or before the range start
	// Location is the timezone itself, for a store that has a timezone
	// database (the reference implementation of the tests).
	Location *time.Location
}

// Bucket is one timeseries bucket's aggregates. Only Visitors, Sessions
// and Converted are filled.
type Bucket struct {
	Key int64
	Totals
}

// Breakdown describes a grouping: the keys are the columns named by
// Dimension (one, or for campaigns the campaign keys asked for, for pages
// hostname and path).
type Breakdown struct {
	Keys []Column
	// Goals: group custom events by goal and count completions, instead of
	// grouping pageviews.
	Goals bool
}

// Column is a stored event column a breakdown groups by.
type Column string

// The columns breakdowns group by.
const (
	ColHostname        Column = "hostname"
	ColPath            Column = "path"
	ColSessionReferrer Column = "session_referrer"
	ColCountry         Column = "country"
	ColRegion          Column = "region"
	ColCity            Column = "city"
	ColBrowser         Column = "browser"
	ColOS              Column = "os"
	ColDevice          Column = "device"
	ColGoal            Column = "goal"
	ColUTMSource       Column = "utm_source"
	ColUTMMedium       Column = "utm_medium"
	ColUTMCampaign     Column = "utm_campaign"
	ColUTMTerm         Column = "utm_term"
	ColUTMContent      Column = "utm_content"
	ColRef             Column = "ref"
	ColSource          Column = "source"
	ColVia             Column = "via"
	ColEntryPath       Column = "entry_path" // the path of the session's first pageview
)

// Group is one breakdown row: its key values (in Breakdown.Keys order),
// its distinct visitors and, for goals, its completions. The payments of
// its visitors come from GroupRevenueStore.
type Group struct {
	Keys        []string
	Visitors    int64
	Completions int64
}

// Store runs the query descriptions. Groups whose keys are all empty are
// left out of breakdowns; groups sort by visitors (descending), then by
// their keys (ascending, bytewise), and total is the number of groups.
type Store interface {
	RevenueStore
	GroupRevenueStore
	Totals(ctx context.Context, r Request) (Totals, error)
	Series(ctx context.Context, r Request, s Schedule) ([]Bucket, error)
	Breakdown(ctx context.Context, r Request, b Breakdown, limit, offset int) (groups []Group, total int, err error)
	// ActiveVisitors counts the distinct visitors with an event of any type
	// in [since, until] (events without a visitor, such as server-side
	// payments, count for none).
	ActiveVisitors(ctx context.Context, websiteID string, since, until time.Time) (int64, error)
}

// SeriesTotaler is a Store that can compute a series together with the
// totals of its request, for a schedule whose window is the request's
// whole range: those of Totals for the same request, but for Bounces and
// DurationMicros, which are 0 unless r.SessionTotals.
type SeriesTotaler interface {
	SeriesWithTotals(ctx context.Context, r Request, s Schedule) ([]Bucket, Totals, error)
}

// FilterColumn is the stored column a filter dimension compares with;
// goal filters select visitors instead (see the package comment).
func FilterColumn(d Dimension) Column {
	switch d {
	case DimPage:
		return ColPath
	case DimEntryPage:
		return ColEntryPath
	case DimReferrer:
		return ColSessionReferrer
	}
	return Column(d)
}

// FilterValues returns the values a filter compares with: browser "Safari"
// also matches "Mobile Safari", and a referrer given as a domain
// ("google.com") matches its name ("Google").
func FilterValues(f Filter) []string {
	if f.Op != OpIs && f.Op != OpIsNot {
		return f.Values
	}
	switch f.Dimension {
	case DimBrowser:
		out := make([]string, 0, 2*len(f.Values))
		for _, v := range f.Values {
			out = append(out, v, "Mobile "+v)
		}
		return out
	case DimReferrer:
		out := make([]string, 0, len(f.Values))
		for _, v := range f.Values {
			out = append(out, enrich.ReferrerName(v))
		}
		return out
	}
	return f.Values
}

// RevenueKind sorts payments for the revenue breakdown.
type RevenueKind uint8

// Revenue kinds: a refund is a payment with refunded set or a negative
// amount (its amount is stored negative); a renewal has renewal set; the
// rest, free trials too, are new.
const (
	KindNew     RevenueKind = 0
	KindRenewal RevenueKind = 1
	KindRefund  RevenueKind = 2
)

// RevenueRow sums the payments of one bucket (0 without a schedule), one
// currency (as paid), one UTC day (days since 1970-01-01, the day of the
// exchange rate) and one kind.
type RevenueRow struct {
	Key      int64
	Currency string
	Day      int64
	Kind     RevenueKind
	Payments int64
	Cents    int64 // in Currency's minor units (hundredths)
}

// RevenueStore computes revenue rows: the payments of Totals (s nil) or of
// Series' buckets (s set: the payments of its window, and with filters,
// those of visitors counted in the payment's bucket), grouped by key,
// currency, UTC day and kind. Money is converted and summed in Go
// (revenue.go), so that the website's currency applies to every payment,
// old ones too.
type RevenueStore interface {
	Revenue(ctx context.Context, r Request, s *Schedule) ([]RevenueRow, error)
}

// GroupRevenueStore computes the revenue rows of breakdown groups: for
// each group of groups (key values in b.Keys order), the payments in the
// range of the visitors that Breakdown counts in it, grouped by currency,
// UTC day and kind; a row's Key is the group's index in groups.
type GroupRevenueStore interface {
	GroupRevenue(ctx context.Context, r Request, b Breakdown, groups [][]string) ([]RevenueRow, error)
}
