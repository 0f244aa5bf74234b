package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/wire"
)

// Paths of the funnel tests' pageviews: wildcard cases (/blog/* matches
// /blog/a and /blog/b, not /blog/a/b nor /blog/), a trailing slash, and
// the characters that LIKE and regular expressions treat specially.
var funnelPaths = []string{"/", "/pricing", "/pricing/", "/blog/a", "/blog/b", "/blog/a/b", "/blog/", "/docs/start", "/a_b", "/axb", "/a%b", "/aXYb", "/v1.2", "/v1x2"}

// funnelURLs are the steps' path patterns.
var funnelURLs = []string{"/", "/pricing", "/pricing/", "/blog/*", "/blog/*/b", "/*", "/*/start", "/blog/a", "/a_b", "/a%b", "/v1.*", "/*x*", "/docs/*", "/nowhere", "*"}

// funnelGaps are the times between a visitor's events: the same
// microsecond, a microsecond, the 7 days of the default window exactly and
// a microsecond more, and the windows the tests ask for.
var funnelGaps = []time.Duration{0, time.Microsecond, time.Second, 90 * time.Second, 20 * time.Minute, time.Hour, time.Hour + time.Microsecond,
	26 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 7*24*time.Hour + time.Microsecond, 8 * 24 * time.Hour}

// funnelWindows are the windows the tests ask for (0: the default).
var funnelWindows = []time.Duration{0, 0, time.Hour, 24 * time.Hour, 30 * 24 * time.Hour}

// GenerateFunnelEvents returns visitors with pageviews, goals and payments
// at random gaps (funnelGaps) for the sites of the suite, in microseconds,
// with the columns the filters read.
func GenerateFunnelEvents(r *rand.Rand, visitorsPerSite int) []openfast.Event {
	var out []openfast.Event
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	for _, site := range refSites {
		for i := range visitorsPerSite {
			var visitor, session openfast.UUID
			visitor[0], visitor[1], visitor[2] = byte(i), byte(i>>8), byte(r.Uint32())
			for j := 3; j < len(visitor); j++ {
				visitor[j] = byte(r.Uint32())
			}
			session = visitor
			session[15] ^= 0xff
			geo := refCountries[r.IntN(len(refCountries))]
			device, browser, ref := pick(refDevices), pick(refBrowsers), pick(refReferrers)
			w := refWindows[r.IntN(len(refWindows))]
			t := w[0].Add(time.Duration(r.Int64N(int64(w[1].Sub(w[0])))) / time.Microsecond * time.Microsecond)
			entry := pick(funnelPaths)
			for range 1 + r.IntN(24) {
				t = t.Add(funnelGaps[r.IntN(len(funnelGaps))])
				if r.IntN(5) == 0 {
					geo = refCountries[r.IntN(len(refCountries))]
				}
				e := openfast.Event{WebsiteID: site.id, Time: t, Type: openfast.EventPageview, VisitorID: visitor, SessionID: session,
					Hostname: pick(refHosts), Path: pick(funnelPaths), EntryPath: entry, SessionReferrer: ref, Referrer: ref,
					CountryCode: geo[0], Region: geo[1], City: geo[2], Browser: browser, Device: device, OS: "iOS"}
				switch x := r.IntN(10); {
				case x < 3:
					e.Type, e.Goal = openfast.EventCustom, pick(refGoals)
				case x < 4:
					e.Type, e.RevenueCents, e.Currency = openfast.EventPayment, int64(r.IntN(5000)), pick(RefCurrencies)
					e.TransactionID = fmt.Sprintf("tx_%d", len(out))
					e.Props = refPaymentProps(r, &e.RevenueCents)
					if r.IntN(2) == 0 { // server-side: no page
						e = openfast.Event{WebsiteID: site.id, Time: t, Type: openfast.EventPayment, VisitorID: visitor,
							RevenueCents: e.RevenueCents, Currency: e.Currency, TransactionID: e.TransactionID, Props: e.Props}
					}
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// randomFunnel returns 2 to 8 random steps: pageviews (wildcards too) and
// goals, now and then the same step twice in a row.
func randomFunnel(r *rand.Rand) []analytics.FunnelStep {
	n := 2 + r.IntN(7)
	if r.IntN(3) > 0 { // most funnels are short, so that visitors reach their end
		n = 2 + r.IntN(2)
	}
	steps := make([]analytics.FunnelStep, n)
	for i := range steps {
		s := analytics.FunnelStep{ID: "s" + strconv.Itoa(i), Name: "Step " + strconv.Itoa(i+1)}
		switch {
		case i > 0 && r.IntN(6) == 0:
			s.Type, s.URL, s.GoalName = steps[i-1].Type, steps[i-1].URL, steps[i-1].GoalName
		case r.IntN(3) == 0:
			s.Type, s.GoalName = analytics.StepGoal, refGoals[r.IntN(len(refGoals))]
		default:
			s.Type, s.URL = analytics.StepPageview, funnelURLs[r.IntN(len(funnelURLs))]
		}
		steps[i] = s
	}
	return steps
}

// Funnels runs the funnel property test: random events on several sites,
// then random funnels over random ranges and filters, answered by the
// store and by Reference. The store's counts, medians and revenue rows,
// and the answers computed from them, must be equal, not close. Then the
// hand-written cases of FunnelCases.
func Funnels(t *testing.T, open OpenAnalyticsFunc, funnels int) {
	events, store := open(t)
	fs, ok := store.(analytics.FunnelStore)
	if !ok {
		t.Fatalf("%T computes no funnels", store)
	}
	r := seededRand(t, "OPENFAST_FUNNEL_SEED", 7)
	data := GenerateFunnelEvents(r, 150)
	must(t, events.InsertEvents(ctx, data))
	now := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	reference := &Reference{Events: data}
	ref := &analytics.Service{Store: reference, Now: func() time.Time { return now }, Rates: RefRates{}}
	got := &analytics.Service{Store: store, Now: func() time.Time { return now }, Rates: RefRates{}}
	reachedLast := 0
	for i := range funnels {
		site := refSites[r.IntN(len(refSites))]
		q := randomQuery(r, analytics.Overview)
		query, err := analytics.Parse(analytics.Overview, q, site.timezone, now)
		if err != nil {
			t.Fatalf("%s: %v", q.Encode(), err)
		}
		query.IncludeRenewals = r.IntN(2) == 0
		steps := randomFunnel(r)
		window := funnelWindows[r.IntN(len(funnelWindows))]
		req := analytics.Request{WebsiteID: site.id, Range: query.Range, Filters: query.Filters}
		w := window
		if w == 0 {
			w = analytics.FunnelDefaultWindow
		}
		want, err := reference.Funnel(ctx, req, steps, w)
		must(t, err)
		have, err := fs.Funnel(ctx, req, steps, w)
		must(t, err)
		sortRevenue(have.Revenue)
		if want.Revenue == nil {
			want.Revenue = []analytics.RevenueRow{}
		}
		if have.Revenue == nil {
			have.Revenue = []analytics.RevenueRow{}
		}
		describe := func() string {
			s, _ := json.Marshal(steps)
			return fmt.Sprintf("funnel %d %s, window %v, ?%s", i, s, window, q.Encode())
		}
		compareJSON(t, describe, want, have)
		if want.Steps[len(steps)-1].Visitors > 0 {
			reachedLast++
		}
		wantRes, err := ref.Funnel(ctx, site.id, query, "f1", "Funnel", steps, window, "USD")
		must(t, err)
		haveRes, err := got.Funnel(ctx, site.id, query, "f1", "Funnel", steps, window, "USD")
		must(t, err)
		compareJSON(t, describe, wantRes, haveRes)
	}
	// The generated funnels are not all empty: a test that compares zeros
	// only would prove nothing.
	if reachedLast < funnels/20 {
		t.Fatalf("only %d of %d funnels have visitors at their last step", reachedLast, funnels)
	}
	t.Logf("%d of %d funnels have visitors at their last step", reachedLast, funnels)
}

// seededRand returns a random source with a new seed each run, logged so
// that the environment variable env replays a failed run; stream sets
// the sequence apart from those of the other suites.
func seededRand(t *testing.T, env string, stream uint64) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv(env), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (%s=%d replays this run)", seed, env, seed)
	return rand.New(rand.NewPCG(stream, seed))
}

// compareJSON fails when want and have differ as JSON.
func compareJSON(t *testing.T, describe func() string, want, have any) {
	t.Helper()
	w, _ := json.Marshal(want)
	h, _ := json.Marshal(have)
	if string(w) != string(h) {
		t.Fatalf("%s\nreference: %s\nstore:     %s", describe(), w, h)
	}
}

// FunnelCases runs hand-written funnels on a fresh store, each on a
// website of its own, and checks the store's answers, and Reference's,
// with the figures written here.
func FunnelCases(t *testing.T, open OpenAnalyticsFunc) {
	events, store := open(t)
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	pv := func(site string, v byte, at time.Duration, path string) openfast.Event {
		return openfast.Event{WebsiteID: site, Time: t0.Add(at), Type: openfast.EventPageview, VisitorID: openfast.UUID{v}, SessionID: openfast.UUID{v, 1},
			Hostname: "example.com", Path: path, EntryPath: path, SessionReferrer: "Direct/None", Referrer: "Direct/None", CountryCode: "US", Device: "desktop"}
	}
	goal := func(site string, v byte, at time.Duration, name string) openfast.Event {
		e := pv(site, v, at, "/")
		e.Type, e.Goal = openfast.EventCustom, name
		return e
	}
	pay := func(site string, v byte, at time.Duration, cents int64) openfast.Event {
		return openfast.Event{WebsiteID: site, Time: t0.Add(at), Type: openfast.EventPayment, VisitorID: openfast.UUID{v},
			RevenueCents: cents, Currency: "USD", TransactionID: fmt.Sprintf("tx_%d_%d", v, at)}
	}
	page := func(url string) analytics.FunnelStep {
		return analytics.FunnelStep{ID: url, Name: url, Type: analytics.StepPageview, URL: url}
	}
	goalStep := func(name string) analytics.FunnelStep {
		return analytics.FunnelStep{ID: name, Name: name, Type: analytics.StepGoal, GoalName: name}
	}
	type want struct {
		visitors []int64
		medians  []*float64 // seconds
		revenue  []float64
	}
	sec := func(s float64) *float64 { return &s }
	cases := []struct {
		name   string
		events func(site string) []openfast.Event
		steps  []analytics.FunnelStep
		window time.Duration
		rng    analytics.Range
		want   want
	}{{
		name: "OutOfOrderStepsDoNotCount",
		events: func(s string) []openfast.Event {
			return []openfast.Event{goal(s, 1, 0, "signup"), pv(s, 1, time.Hour, "/pricing"), // signup before pricing
				pv(s, 2, 0, "/pricing"), goal(s, 2, 90*time.Second, "signup")}
		},
		steps: []analytics.FunnelStep{page("/pricing"), goalStep("signup")},
		want:  want{visitors: []int64{2, 1}, medians: []*float64{nil, sec(90)}, revenue: []float64{0, 0}},
	}, {
		name: "WindowEdgeIsIncluded",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/pricing"), goal(s, 1, 7*day, "signup"), // exactly 7 days: in
				pv(s, 2, 0, "/pricing"), goal(s, 2, 7*day+time.Microsecond, "signup")} // a microsecond more: out
		},
		steps: []analytics.FunnelStep{page("/pricing"), goalStep("signup")},
		want:  want{visitors: []int64{2, 1}, medians: []*float64{nil, sec(604800)}, revenue: []float64{0, 0}},
	}, {
		name: "ShorterWindow",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/pricing"), goal(s, 1, time.Hour, "signup"),
				pv(s, 2, 0, "/pricing"), goal(s, 2, time.Hour+time.Second, "signup")}
		},
		steps:  []analytics.FunnelStep{page("/pricing"), goalStep("signup")},
		window: time.Hour,
		want:   want{visitors: []int64{2, 1}, medians: []*float64{nil, sec(3600)}, revenue: []float64{0, 0}},
	}, {
		// The same step twice in a row needs two events, at different
		// times: one event never counts for two steps.
		name: "RepeatedStepNeedsAnotherEvent",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/pricing"), // once: step 1 only
				pv(s, 2, 0, "/pricing"), pv(s, 2, 10*time.Second, "/pricing"), pv(s, 2, 20*time.Second, "/pricing"), // three times: all three steps
				pv(s, 3, 0, "/pricing"), pv(s, 3, 0, "/pricing"), // twice at the same microsecond: step 1 only
				pv(s, 4, 0, "/pricing"), pv(s, 4, 30*time.Second, "/pricing")} // twice: steps 1 and 2
		},
		steps: []analytics.FunnelStep{page("/pricing"), page("/pricing"), page("/pricing")},
		want:  want{visitors: []int64{4, 2, 1}, medians: []*float64{nil, sec(20), sec(10)}, revenue: []float64{0, 0, 0}},
	}, {
		// Each step takes the earliest match: the visitor's first /pricing
		// starts the window, even though a later one would reach signup.
		name: "EarliestMatch",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/pricing"), pv(s, 1, 8*day, "/pricing"), goal(s, 1, 8*day+time.Second, "signup")}
		},
		steps: []analytics.FunnelStep{page("/pricing"), goalStep("signup")},
		want:  want{visitors: []int64{1, 0}, medians: []*float64{nil, nil}, revenue: []float64{0, 0}},
	}, {
		name: "WildcardIsOneSegment",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/blog/a"), pv(s, 2, 0, "/blog/a/b"), pv(s, 3, 0, "/blog/"), pv(s, 4, 0, "/blog/post-1"), pv(s, 5, 0, "/blogs/a")}
		},
		steps: []analytics.FunnelStep{page("/blog/*"), page("/nowhere")},
		want:  want{visitors: []int64{2, 0}, medians: []*float64{nil, nil}, revenue: []float64{0, 0}},
	}, {
		name: "TrailingSlashAndSpecialCharacters",
		events: func(s string) []openfast.Event {
			return []openfast.Event{
				pv(s, 1, 0, "/a_b"), pv(s, 1, time.Second, "/a%b"), pv(s, 1, 2*time.Second, "/v1.2"), pv(s, 1, 3*time.Second, "/pricing/"), // not /pricing
				pv(s, 2, 0, "/axb"),                                 // _ is no wildcard
				pv(s, 3, 0, "/a_b"), pv(s, 3, time.Second, "/aXYb"), // nor %
				pv(s, 4, 0, "/a_b"), pv(s, 4, time.Second, "/a%b"), pv(s, 4, 2*time.Second, "/v1x2"), // nor .
				pv(s, 5, 0, "/a_b"), pv(s, 5, time.Second, "/a%b"), pv(s, 5, 2*time.Second, "/v1.2"), pv(s, 5, 3*time.Second, "/pricing")}
		},
		steps: []analytics.FunnelStep{page("/a_b"), page("/a%b"), page("/v1.*"), page("/pricing")},
		want:  want{visitors: []int64{4, 3, 2, 1}, medians: []*float64{nil, sec(1), sec(1), sec(1)}, revenue: []float64{0, 0, 0, 0}},
	}, {
		// Revenue: every payment in the range of the visitors who reached
		// the step, before the funnel too; payments out of the range count
		// for nothing, nor do those of visitors who did not reach the step.
		name: "Revenue",
		events: func(s string) []openfast.Event {
			return []openfast.Event{pv(s, 1, 0, "/pricing"), goal(s, 1, time.Minute, "signup"), pay(s, 1, -time.Hour, 1000), pay(s, 1, 2*time.Minute, 250),
				pay(s, 1, -3*day, 9900), // out of the range
				pv(s, 2, 0, "/pricing"), pay(s, 2, time.Minute, 500),
				pv(s, 3, 0, "/"), pay(s, 3, time.Minute, 700)}
		},
		steps: []analytics.FunnelStep{page("/pricing"), goalStep("signup")},
		rng:   analytics.Range{Start: t0.Add(-day), End: t0.Add(day)},
		want:  want{visitors: []int64{2, 1}, medians: []*float64{nil, sec(60)}, revenue: []float64{17.5, 12.5}},
	}, {
		// Median of an even number of times: the mean of the middle two.
		name: "MedianOfEvenCount",
		events: func(s string) []openfast.Event {
			var out []openfast.Event
			for v, gap := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 100 * time.Second} {
				out = append(out, pv(s, byte(v+1), 0, "/"), goal(s, byte(v+1), gap+time.Microsecond, "signup"))
			}
			return out
		},
		steps: []analytics.FunnelStep{page("/"), goalStep("signup")},
		want:  want{visitors: []int64{4, 4}, medians: []*float64{nil, sec(3)}, revenue: []float64{0, 0}},
	}}
	var all []openfast.Event
	sites := make([]string, len(cases))
	for i, c := range cases {
		sites[i] = openfast.NewID()
		all = append(all, c.events(sites[i])...)
	}
	must(t, events.InsertEvents(ctx, all))
	for _, svc := range []struct {
		name  string
		store analytics.Store
	}{{"reference", &Reference{Events: all}}, {"store", store}} {
		s := &analytics.Service{Store: svc.store, Rates: RefRates{}}
		for i, c := range cases {
			t.Run(svc.name+"/"+c.name, func(t *testing.T) {
				rng := c.rng
				if rng.Start.IsZero() {
					rng = analytics.Range{All: true}
				}
				q := &analytics.Query{Range: rng, Location: time.UTC, Timezone: "UTC"}
				res, err := s.Funnel(ctx, sites[i], q, "f", c.name, c.steps, c.window, "USD")
				must(t, err)
				for k, st := range res.Steps {
					if st.Visitors != c.want.visitors[k] || !sameSeconds(st.MedianSecondsFromPrev, c.want.medians[k]) || st.Revenue != c.want.revenue[k] {
						b, _ := json.Marshal(res)
						t.Fatalf("step %d: %s", k+1, b)
					}
				}
				last := c.want.visitors[len(c.want.visitors)-1]
				if res.Visitors != c.want.visitors[0] || res.Conversions != last || res.Revenue != c.want.revenue[len(c.want.revenue)-1] {
					b, _ := json.Marshal(res)
					t.Fatalf("totals: %s", b)
				}
				checkFunnelRates(t, res)
			})
		}
	}
}

func sameSeconds(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// checkFunnelRates checks the rates of a result against its counts.
func checkFunnelRates(t *testing.T, res *wire.FunnelResult) {
	t.Helper()
	pct := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return analytics.Round2(100 * float64(a) / float64(b))
	}
	for k, st := range res.Steps {
		prev := res.Visitors
		if k > 0 {
			prev = res.Steps[k-1].Visitors
		}
		if st.ConversionRate != pct(st.Visitors, prev) || st.ConversionRateFromStart != pct(st.Visitors, res.Visitors) ||
			k > 0 && (st.DropOff != prev-st.Visitors || st.DropOffRate != pct(prev-st.Visitors, prev)) {
			b, _ := json.Marshal(res)
			t.Fatalf("step %d's rates: %s", k+1, b)
		}
	}
	if res.ConversionRate != pct(res.Conversions, res.Visitors) {
		t.Fatalf("conversion rate %v of %d / %d", res.ConversionRate, res.Conversions, res.Visitors)
	}
}
