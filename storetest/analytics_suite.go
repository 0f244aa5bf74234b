package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// OpenAnalyticsFunc returns a fresh, empty store for one test: its event
// side (to load events) and its analytics side (to query them).
type OpenAnalyticsFunc func(t *testing.T) (openfast.EventStore, analytics.Store)

// analyticsSite is a website of the generated data.
type analyticsSite struct {
	id, timezone string
}

var (
	refSites = []analyticsSite{
		{openfast.NewID(), "America/New_York"},
		{openfast.NewID(), "Europe/Paris"},
		{openfast.NewID(), "Asia/Kolkata"},
	}
	refCountries = [][3]string{{"US", "US-NY", "New York"}, {"FR", "FR-IDF", "Paris"}, {"IN", "IN-MH", "Mumbai"}, {"", "", ""}}
	refBrowsers  = []string{"Chrome", "Safari", "Mobile Safari", "Firefox"}
	refOS        = []string{"Windows", "Mac OS", "iOS", "Android"}
	refDevices   = []string{"desktop", "mobile", "tablet"}
	refPaths     = []string{"/", "/pricing", "/blog/a", "/blog/b", "/docs/start"}
	refReferrers = []string{"Direct/None", "Google", "X", "news.ycombinator.com"}
	refSources   = []string{"", "", "", "newsletter", "twitter"}
	refGoals     = []string{"signup", "add_to_cart", "checkout:done"}
	refHosts     = []string{"example.com", "example.com", "app.example.com"}
	// Windows with daylight-saving changes: the US and Europe in March and
	// at the end of October / start of November.
	refWindows = [][2]time.Time{
		{time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)},
	}
)

// RefCurrencies are the currencies of the generated payments.
var RefCurrencies = []string{"USD", "USD", "EUR", "GBP", "JPY"}

// refPaymentProps draws a payment's kind as the server-side route stores
// it: a free trial (amount 0), a renewal, a refund (amount negative), or a
// new payment.
func refPaymentProps(r *rand.Rand, cents *int64) string {
	switch x := r.IntN(10); {
	case x == 0:
		*cents = 0
		return `{"email":"trial@example.com","is_free_trial":"true"}`
	case x < 4:
		return `{"renewal":"true"}`
	case x < 5:
		*cents = -*cents
		return `{"refunded":"true"}`
	case x < 6:
		*cents = -*cents
		return `{"refunded":"true","renewal":"true"}`
	}
	return ""
}

// RefRates are exchange rates for the property tests: whole numbers that
// vary by currency and day, so that conversions are exact and a payment
// converted at the wrong day's rate shows.
type RefRates struct{}

// Rate implements analytics.Rates.
func (RefRates) Rate(from, to string, day int64) (float64, bool) {
	return float64(refRate(from, day)) / float64(refRate(to, day)), refRate(to, day) == 1
}

// refRate is what one unit of c is worth in USD on day.
func refRate(c string, day int64) int64 {
	switch c {
	case "EUR":
		return 2 + day%2
	case "GBP":
		return 3 + day%3
	case "JPY":
		return 5
	}
	return 1
}

// refCoordinates places the cities of refCountries; Mumbai's are unknown,
// as a database may not know them.
var refCoordinates = map[string]openfast.Coordinates{"New York": openfast.CoordinatesOf(40.71, -74.01), "Paris": openfast.CoordinatesOf(48.86, 2.35)}

// GenerateAnalyticsEvents returns random but plausible events for the
// sites of the suite: visitors with several sessions, sessions that cross
// midnight and daylight-saving changes, goals and payments (some without
// a visitor, as server-side payments can be), in microseconds.
func GenerateAnalyticsEvents(r *rand.Rand, visitorsPerSite int) []openfast.Event {
	var out []openfast.Event
	randUUID := func() openfast.UUID {
		var u openfast.UUID
		for i := range u {
			u[i] = byte(r.Uint32())
		}
		return u
	}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	for _, site := range refSites {
		for range visitorsPerSite {
			visitor := randUUID()
			geo := refCountries[r.IntN(len(refCountries))]
			browser, os, device := pick(refBrowsers), pick(refOS), pick(refDevices)
			for range 1 + r.IntN(3) {
				w := refWindows[r.IntN(len(refWindows))]
				t := w[0].Add(time.Duration(r.Int64N(int64(w[1].Sub(w[0])))) / time.Microsecond * time.Microsecond)
				session := randUUID()
				if r.IntN(4) == 0 { // travelling, or behind a VPN
					geo = refCountries[r.IntN(len(refCountries))]
				}
				if r.IntN(5) == 0 { // another browser or device (one of a visitor's ids, or an update)
					browser, os, device = pick(refBrowsers), pick(refOS), pick(refDevices)
				}
				entry, sessionRef := pick(refPaths), pick(refReferrers)
				source := pick(refSources)
				for p := range 1 + r.IntN(4) {
					if p > 0 {
						t = t.Add(time.Duration(1+r.IntN(50))*time.Minute + time.Duration(r.IntN(1e6))*time.Microsecond)
					}
					path := entry
					if p > 0 {
						path = pick(refPaths)
					}
					ev := openfast.Event{
						WebsiteID: site.id, Time: t, Type: openfast.EventPageview, VisitorID: visitor, SessionID: session,
						Hostname: pick(refHosts), Path: path, EntryPath: entry, SessionReferrer: sessionRef, Referrer: sessionRef,
						CountryCode: geo[0], Region: geo[1], City: geo[2], Coordinates: refCoordinates[geo[2]], Browser: browser, OS: os, Device: device,
					}
					if source != "" {
						ev.UTMSource, ev.UTMMedium, ev.UTMCampaign = source, "email", "spring"
					}
					out = append(out, ev)
					switch x := r.IntN(100); {
					case x < 12:
						g := ev
						g.Type, g.Goal, g.Time = openfast.EventCustom, pick(refGoals), t.Add(time.Second)
						if r.IntN(3) == 0 { // server-side, before the pageview (or its bucket)
							g.Time = t.Add(-time.Duration(1+r.IntN(7200)) * time.Second)
						}
						out = append(out, g)
					case x < 18:
						pay := ev
						pay.Type, pay.Time, pay.RevenueCents, pay.Currency = openfast.EventPayment, t.Add(2*time.Second), int64(r.IntN(5000)), pick(RefCurrencies)
						pay.TransactionID = fmt.Sprintf("tx_%d", len(out))
						pay.Props = refPaymentProps(r, &pay.RevenueCents)
						if r.IntN(4) == 0 { // server-side, no page
							pay = openfast.Event{WebsiteID: site.id, Time: pay.Time, Type: openfast.EventPayment, VisitorID: visitor,
								RevenueCents: pay.RevenueCents, Currency: pay.Currency, TransactionID: pay.TransactionID, Props: pay.Props}
							if r.IntN(2) == 0 {
								pay.VisitorID = openfast.UUID{}
							}
						}
						out = append(out, pay)
					case x < 21:
						// The tracker's payment event: a hint, not a payment.
						hint := ev
						hint.Type, hint.Time, hint.Props = openfast.EventPaymentHint, t.Add(time.Second), `{"email":"buyer@example.com"}`
						out = append(out, hint)
					}
				}
			}
		}
	}
	// Dense traffic over the daylight-saving changes (US: 8 March and
	// 1 November 2026; Europe: 29 March and 25 October; Cuba at midnight).
	for _, site := range refSites {
		pool := make([]openfast.UUID, 20)
		for i := range pool {
			pool[i] = randUUID()
		}
		for _, day := range []time.Time{
			time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		} {
			for t := day; t.Before(day.Add(72 * time.Hour)); t = t.Add(17*time.Minute + time.Duration(r.IntN(1e6))*time.Microsecond) {
				v := pool[r.IntN(len(pool))]
				out = append(out, openfast.Event{WebsiteID: site.id, Time: t, Type: openfast.EventPageview, VisitorID: v, SessionID: v,
					Hostname: "example.com", Path: pick(refPaths), EntryPath: "/", SessionReferrer: "Direct/None", Referrer: "Direct/None", Device: "desktop"})
			}
		}
	}
	return out
}

// refTimezones are the timezones requests ask for.
var refTimezones = []string{"UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "America/Havana"}

// randomRange sets startAt and endAt (and maybe timezone) of q: dates or
// instants with an offset within one of refWindows, or, when allowAll, now
// and then nothing (all time).
func randomRange(r *rand.Rand, q url.Values, allowAll bool) {
	w := refWindows[r.IntN(len(refWindows))]
	day := func() time.Time {
		return w[0].Add(time.Duration(r.IntN(int(w[1].Sub(w[0]).Hours()/24))) * 24 * time.Hour)
	}
	switch x := r.IntN(10); {
	case x < 3 && allowAll:
		// all time
	case x < 6:
		a, b := day(), day()
		if b.Before(a) {
			a, b = b, a
		}
		q.Set("startAt", a.Format(time.DateOnly))
		q.Set("endAt", b.Format(time.DateOnly))
	default:
		a := w[0].Add(time.Duration(r.Int64N(int64(w[1].Sub(w[0])))))
		b := a.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
		zone := time.FixedZone("", (r.IntN(25)-12)*3600)
		q.Set("startAt", a.In(zone).Format(time.RFC3339Nano))
		q.Set("endAt", b.In(zone).Format(time.RFC3339Nano))
	}
	if r.IntN(3) > 0 {
		q.Set("timezone", refTimezones[r.IntN(len(refTimezones))])
	}
}

// randomQuery returns the query string of a random read request.
func randomQuery(r *rand.Rand, e analytics.Endpoint) url.Values {
	q := url.Values{}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	randomRange(r, q, e.Name != analytics.Timeseries.Name)
	if e.Interval {
		q.Set("interval", pick(analytics.Intervals))
		q.Set("fields", "name,visitors,sessions,revenue,payments,conversion_rate")
	}
	if e.Paged {
		q.Set("limit", fmt.Sprint(1+r.IntN(40)))
		if r.IntN(3) == 0 {
			q.Set("offset", fmt.Sprint(r.IntN(6)))
		}
	}
	filters := []struct {
		name   string
		values []string
	}{
		{"filter_country", []string{"US", "France", "IN", "DE"}},
		{"filter_device", []string{"desktop", "mobile"}},
		{"filter_browser", []string{"Safari", "Chrome"}},
		{"filter_page", []string{"/pricing", "/blog", "/"}},
		{"filter_entry_page", []string{"/", "/docs/start"}},
		{"filter_referrer", []string{"Google", "x.com", "Direct/None", "news.ycombinator.com"}},
		{"filter_goal", []string{"signup", "checkout:done"}},
		{"filter_hostname", []string{"app.example.com", "example.com"}},
		{"filter_utm_source", []string{"newsletter", "twitter"}},
	}
	for range r.IntN(3) {
		f := filters[r.IntN(len(filters))]
		op := pick([]string{"", "is:", "is_not:", "contains:", "does_not_contain:"})
		v := pick(f.values)
		if r.IntN(3) == 0 {
			v += "," + pick(f.values)
		}
		q.Add(f.name, op+v)
	}
	return q
}

// Analytics runs the analytics property test: random events on several
// sites, then random requests to every read endpoint, answered by the
// store and by Reference. The answers must be equal, not close.
func Analytics(t *testing.T, open OpenAnalyticsFunc, queries int) {
	events, store := open(t)
	r := seededRand(t, "OPENFAST_ANALYTICS_SEED", 42)
	data := GenerateAnalyticsEvents(r, 80)
	must(t, events.InsertEvents(ctx, data))
	now := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // around the European spring change
	ref := &analytics.Service{Store: &Reference{Events: data}, Now: func() time.Time { return now }, Rates: RefRates{}}
	got := &analytics.Service{Store: store, Now: func() time.Time { return now }, Rates: RefRates{}}
	endpoints := append([]analytics.Endpoint{analytics.Overview, analytics.Timeseries, analytics.EntryPages}, analytics.Breakdowns...)
	compare := func(what string, q url.Values, want, have any) {
		t.Helper()
		w, _ := json.Marshal(want)
		h, _ := json.Marshal(have)
		if string(w) != string(h) {
			t.Fatalf("%s?%s\nreference: %s\nstore:     %s", what, q.Encode(), w, h)
		}
	}
	// answer is what a service gives to one request, in a form that compares
	// as JSON (the timeseries and breakdown totals included).
	answer := func(svc *analytics.Service, e analytics.Endpoint, site string, query *analytics.Query) any {
		t.Helper()
		switch e.Name {
		case analytics.Overview.Name:
			row, err := svc.Overview(ctx, site, query, "USD")
			must(t, err)
			return row
		case analytics.Timeseries.Name:
			series, err := svc.Timeseries(ctx, site, query, "USD")
			must(t, err)
			return []any{series, series.Total}
		}
		rows, total, err := svc.Breakdown(ctx, e, site, query, "USD")
		must(t, err)
		return []any{rows, total}
	}
	check := func(e analytics.Endpoint, site analyticsSite, q url.Values) {
		t.Helper()
		query, err := analytics.Parse(e, q, site.timezone, now)
		if err != nil {
			t.Fatalf("%s?%s: %v", e.Name, q.Encode(), err)
		}
		query.IncludeRenewals = r.IntN(2) == 0
		q.Set("(includeRenewalRevenue)", strconv.FormatBool(query.IncludeRenewals))
		// As the dashboard page asks (timeseries with the overview's
		// figures, breakdowns' revenue read together), or as the API.
		query.Page = r.IntN(2) == 0
		q.Set("(page)", strconv.FormatBool(query.Page))
		compare(e.Name, q, answer(ref, e, site.id, query), answer(got, e, site.id, query))
	}
	// The revenue of each site's whole history, computed here one payment
	// at a time: new payments, renewals with includeRenewalRevenue only,
	// refunds, free trials (0), hints (nothing), each at its day's rate.
	for _, site := range refSites {
		for _, include := range []bool{false, true} {
			var want struct {
				payments, cents, customers int64
				kinds                      [3]int64
			}
			customers := map[openfast.UUID]bool{}
			visitors := map[openfast.UUID]bool{}
			for _, e := range data {
				if e.WebsiteID != site.id {
					continue
				}
				if e.Type == openfast.EventPageview {
					visitors[e.VisitorID] = true
				}
				if e.Type != openfast.EventPayment {
					continue
				}
				day := e.Time.Unix() / 86400
				c := e.RevenueCents * refRate(e.Currency, day)
				k := paymentKind(&e)
				want.payments++
				want.kinds[k] += c
				if k != analytics.KindRenewal || include {
					want.cents += c
				}
				if include || !isRenewal(&e) {
					customers[e.VisitorID] = true
				}
			}
			for v := range visitors {
				if customers[v] {
					want.customers++
				}
			}
			q := url.Values{"fields": {"visitors,revenue,payments,conversion_rate,revenue_per_visitor"}}
			query, err := analytics.Parse(analytics.Overview, q, site.timezone, now)
			must(t, err)
			query.IncludeRenewals = include
			row, err := got.Overview(ctx, site.id, query, "USD")
			must(t, err)
			wantRate := analytics.Round2(100 * float64(want.customers) / float64(len(visitors)))
			if *row.Payments != want.payments || *row.Revenue != analytics.Money(want.cents) || *row.ConversionRate != wantRate ||
				*row.RevenuePerVisitor != analytics.Round2(analytics.Money(want.cents)/float64(len(visitors))) {
				t.Fatalf("site %s, renewals %v: payments %d revenue %v conversion %v per visitor %v; want %d, %v, %v",
					site.id, include, *row.Payments, *row.Revenue, *row.ConversionRate, *row.RevenuePerVisitor, want.payments, analytics.Money(want.cents), wantRate)
			}
			q = url.Values{"fields": {"revenue"}, "interval": {"month"}, "startAt": {"2020-01-01"}, "endAt": {"2027-12-31"}}
			query, err = analytics.Parse(analytics.Timeseries, q, site.timezone, now)
			must(t, err)
			query.IncludeRenewals = include
			series, err := got.Timeseries(ctx, site.id, query, "USD")
			must(t, err)
			b := series.Totals.RevenueBreakdown
			if b == nil || b.New != analytics.Money(want.kinds[analytics.KindNew]) || b.Renewal != analytics.Money(want.kinds[analytics.KindRenewal]) ||
				b.Refund != analytics.Money(want.kinds[analytics.KindRefund]) || *series.Totals.Revenue != analytics.Money(want.cents) {
				t.Fatalf("site %s, renewals %v: timeseries totals %+v %v, want kinds %v revenue %d", site.id, include, b, *series.Totals.Revenue, want.kinds, want.cents)
			}
		}
	}
	for i := range queries {
		e := endpoints[i%len(endpoints)]
		check(e, refSites[r.IntN(len(refSites))], randomQuery(r, e))
	}
	// Every bucket of the weeks with a daylight-saving change, in each
	// timezone, by hour, day and week.
	for _, tz := range refTimezones {
		for _, interval := range analytics.Intervals {
			for _, dates := range [][2]string{{"2026-03-05", "2026-04-01"}, {"2026-10-22", "2026-11-05"}} {
				q := url.Values{"startAt": {dates[0]}, "endAt": {dates[1]}, "timezone": {tz}, "interval": {interval}, "limit": {"1000"},
					"fields": {"name,visitors,sessions,revenue,payments,conversion_rate"}}
				for _, site := range refSites {
					check(analytics.Timeseries, site, q)
				}
			}
		}
	}
	// A store that computes a series with its totals gives the same totals
	// (those a timeseries shows, whatever fields a request asks for) and
	// buckets.
	if st, ok := store.(analytics.SeriesTotaler); ok {
		for _, tz := range refTimezones {
			for _, interval := range analytics.Intervals {
				for _, dates := range [][2]string{{"2026-03-05", "2026-04-01"}, {"2026-10-22", "2026-11-05"}, {"2026-03-28", "2026-03-29"}} {
					q := url.Values{"startAt": {dates[0]}, "endAt": {dates[1]}, "timezone": {tz}, "interval": {interval}, "fields": {"visitors"}}
					query, err := analytics.Parse(analytics.Timeseries, q, "UTC", now)
					must(t, err)
					for _, site := range refSites {
						for _, sessions := range []bool{false, true} {
							r := analytics.Request{WebsiteID: site.id, Range: query.Range, SessionTotals: sessions}
							s := analytics.Schedule{Unit: analytics.Unit(interval), Window: query.Range,
								Shifts: analytics.Shifts(query.Range.Start, query.Range.End, query.Location), Location: query.Location}
							wantTotals, err := ref.Store.Totals(ctx, r)
							must(t, err)
							if !sessions {
								wantTotals.Bounces, wantTotals.DurationMicros = 0, 0
							}
							wantBuckets, err := ref.Store.Series(ctx, r, s)
							must(t, err)
							haveBuckets, haveTotals, err := st.SeriesWithTotals(ctx, r, s)
							must(t, err)
							q.Set("(sessionTotals)", strconv.FormatBool(sessions))
							compare("series with totals", q, []any{wantBuckets, wantTotals}, []any{haveBuckets, haveTotals})
						}
					}
				}
			}
		}
	}
	for _, site := range refSites {
		for _, back := range []time.Duration{0, time.Hour, 24 * time.Hour} {
			at := now.Add(-back)
			refAt := &analytics.Service{Store: ref.Store, Now: func() time.Time { return at }}
			gotAt := &analytics.Service{Store: store, Now: func() time.Time { return at }}
			want, err1 := refAt.Realtime(ctx, site.id)
			have, err2 := gotAt.Realtime(ctx, site.id)
			must(t, err1)
			must(t, err2)
			compare("realtime", nil, want, have)
		}
	}
}
