package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// visitorsNow is the clock of the visitor reads' property test: the
// generated data has a burst of traffic in the minutes around it.
var visitorsNow = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)

// GenerateVisitorEvents returns the events of GenerateAnalyticsEvents,
// decorated for the visitor reads: ad click ids, viewports and props on
// some pageviews, identify events (tracker and server-side, some at the
// same instant), server-side goals, events that tie on time with another
// event of the same visitor, and a burst of traffic around visitorsNow
// (payment hints included).
func GenerateVisitorEvents(r *rand.Rand, visitorsPerSite int) []openfast.Event {
	base := GenerateAnalyticsEvents(r, visitorsPerSite)
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	props := func(kv ...string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	out := make([]openfast.Event, 0, len(base)*2)
	user := 0
	identifyOf := func(e openfast.Event, at time.Time) openfast.Event {
		user++
		id := openfast.Event{WebsiteID: e.WebsiteID, Time: at, Type: openfast.EventIdentify, VisitorID: e.VisitorID}
		switch r.IntN(3) {
		case 0: // the tracker's: name "" when absent
			id.SessionID, id.Hostname, id.Path, id.CountryCode = e.SessionID, e.Hostname, e.Path, e.CountryCode
			id.Props = props("user_id", fmt.Sprintf("u%d", user), "name", pick([]string{"", "Ada", "Grace"}), "plan", "pro")
		case 1:
			id.SessionID, id.Hostname, id.Path = e.SessionID, e.Hostname, e.Path
			id.Props = props("user_id", fmt.Sprintf("u%d", user), "name", "Linus", "email", "l@example.com")
		default: // POST /identify
			id.Props, id.EventID = props("user_id", fmt.Sprintf("u%d", user), "email", "s@example.com"), openfast.NewID()
		}
		return id
	}
	for _, e := range base {
		if e.Type == openfast.EventPageview && e.VisitorID != e.SessionID { // not the dense traffic
			switch x := r.IntN(100); {
			case x < 10:
				e.AdClickIDs = props(pick([]string{"gclid", "fbclid", "msclkid"}), fmt.Sprint(r.IntN(1000)))
			case x < 40:
				e.ViewportWidth, e.ViewportHeight = uint16(320+r.IntN(1600)), uint16(480+r.IntN(600))
			}
		}
		out = append(out, e)
		if e.Type != openfast.EventPageview {
			continue
		}
		switch x := r.IntN(100); {
		case x < 8:
			out = append(out, identifyOf(e, e.Time.Add(3*time.Second)))
			if r.IntN(4) == 0 { // another profile at the same instant
				out = append(out, identifyOf(e, e.Time.Add(3*time.Second)))
			}
		case x < 12: // the same instant, another page or place
			tie := e
			tie.Path, tie.Hostname = pick(refPaths), pick(refHosts)
			switch r.IntN(4) {
			case 0, 1:
				tie.CountryCode, tie.Region, tie.City, tie.Coordinates = "FR", "FR-IDF", "Paris", refCoordinates["Paris"]
			case 2: // the same place, but other coordinates, or none
				tie.Path, tie.Hostname = e.Path, e.Hostname
				tie.Coordinates = openfast.CoordinatesOf(e.Coordinates.Latitude+0.01, e.Coordinates.Longitude)
				if r.IntN(2) == 0 {
					tie.Coordinates = openfast.Coordinates{}
				}
			}
			tie.UTMSource = pick(refSources)
			out = append(out, tie)
		case x < 16: // server-side goals, two at the same instant
			g := openfast.Event{WebsiteID: e.WebsiteID, Time: e.Time.Add(4 * time.Second), Type: openfast.EventCustom, VisitorID: e.VisitorID,
				Goal: pick(refGoals), Props: props("description", "from the API"), EventID: openfast.NewID()}
			out = append(out, g)
			if r.IntN(2) == 0 {
				g.Goal, g.EventID = pick(refGoals), ""
				out = append(out, g)
			}
		}
	}
	// The burst: known and new visitors of each site in the 20 minutes
	// around visitorsNow, with every kind of event.
	var known []openfast.Event
	for _, e := range out {
		if e.Type == openfast.EventPageview && r.IntN(40) == 0 {
			known = append(known, e)
		}
	}
	for _, site := range refSites {
		for range 25 {
			last := known[r.IntN(len(known))]
			if r.IntN(4) == 0 || last.WebsiteID != site.id {
				last = SampleEvent(site.id, r.IntN(200))
				last.VisitorID[0], last.SessionID[0] = byte(r.Uint32()), byte(r.Uint32())
			}
			t := visitorsNow.Add(time.Duration(r.Int64N(int64(20*time.Minute))) - 15*time.Minute).Truncate(time.Microsecond)
			if r.IntN(2) == 0 {
				last.SessionID[1] = byte(r.Uint32()) // a new session
			}
			for range 1 + r.IntN(4) {
				ev := last
				ev.Time, ev.Props, ev.EventID = t, "", ""
				switch x := r.IntN(12); {
				case x < 6:
					ev.Type, ev.Path = openfast.EventPageview, pick(refPaths)
					if r.IntN(3) == 0 { // the same pageview at the same instant, placed elsewhere or nowhere
						twin := ev
						twin.Coordinates = openfast.Coordinates{}
						if r.IntN(2) == 0 {
							twin.Coordinates = openfast.CoordinatesOf(ev.Coordinates.Latitude-0.01, ev.Coordinates.Longitude+0.01)
						}
						out = append(out, twin)
					}
				case x < 7:
					ev.Type, ev.Goal, ev.Props = openfast.EventCustom, pick(refGoals), props("plan", "pro")
				case x < 8:
					ev.Type, ev.RevenueCents, ev.Currency, ev.Props = openfast.EventPayment, int64(r.IntN(9000)), "EUR", props("email", "p@example.com")
				case x < 9: // server-side, with or without the visitor
					ev = openfast.Event{WebsiteID: site.id, Time: t, Type: openfast.EventPayment, VisitorID: last.VisitorID,
						RevenueCents: 1999, Currency: "USD", EventID: openfast.NewID(), TransactionID: openfast.NewID()}
					if r.IntN(2) == 0 {
						ev.VisitorID = openfast.UUID{}
					}
					if r.IntN(2) == 0 { // another at the same instant
						twin := ev
						twin.EventID, twin.TransactionID, twin.RevenueCents = openfast.NewID(), openfast.NewID(), int64(r.IntN(3000))
						out = append(out, twin)
					}
				case x < 10:
					ev = identifyOf(last, t)
				case x < 11: // the tracker's payment: a hint, in no list
					ev.Type, ev.Props = openfast.EventPaymentHint, props("email", "p@example.com")
				default:
					ev.Type, ev.Props = openfast.EventExternalLink, props("url", "https://other.example/", "text", "Other")
				}
				out = append(out, ev)
				t = t.Add(time.Duration(r.IntN(90)) * time.Second)
			}
		}
		// At least one recent payment on each site, whatever the draw.
		out = append(out, openfast.Event{WebsiteID: site.id, Time: visitorsNow.Add(-2 * time.Minute), Type: openfast.EventPayment,
			RevenueCents: 4900, Currency: "USD", EventID: openfast.NewID(), TransactionID: openfast.NewID()})
	}
	return out
}

// randomVisitorsQuery returns the query string of a random visitors list
// request, with the un-prefixed filter names and aliases of §5.9.
func randomVisitorsQuery(r *rand.Rand) url.Values {
	q := url.Values{}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	randomRange(r, q, true)
	switch r.IntN(4) {
	case 0:
	case 1:
		q.Set("limit", "250")
	default:
		q.Set("limit", fmt.Sprint(1+r.IntN(40)))
	}
	if r.IntN(3) == 0 {
		q.Set("offset", fmt.Sprint(r.IntN(30)))
	}
	filters := []struct {
		names  []string
		values []string
		ops    bool // the value takes an operator
	}{
		{[]string{"country", "filter_country"}, []string{"US", "France", "IN", "DE"}, true},
		{[]string{"region"}, []string{"US-NY", "FR-IDF"}, true},
		{[]string{"city"}, []string{"Paris", "Mumbai"}, true},
		{[]string{"device"}, []string{"desktop", "mobile"}, true},
		{[]string{"browser"}, []string{"Safari", "Chrome"}, true},
		{[]string{"os"}, []string{"iOS", "Windows"}, true},
		{[]string{"visitedPage", "page"}, []string{"/pricing", "/blog/a", "/"}, false},
		{[]string{"visitedPageContains", "pageContains"}, []string{"/blog", "docs"}, false},
		{[]string{"entry_page"}, []string{"/", "/docs/start"}, true},
		{[]string{"referrer"}, []string{"Google", "x.com", "Direct/None", "news.ycombinator.com"}, true},
		{[]string{"hostname"}, []string{"app.example.com", "example.com"}, true},
		{[]string{"utm_source"}, []string{"newsletter", "twitter"}, true},
		{[]string{"completedGoal", "goal"}, []string{"signup", "checkout:done", "add_to_cart"}, true},
	}
	customer := r.IntN(5) == 0
	if customer {
		q.Set(pick([]string{"isCustomer", "hasRevenue"}), pick([]string{"true", "false"}))
	}
	for range r.IntN(3) {
		f := filters[r.IntN(len(filters))]
		name := pick(f.names)
		if customer && (name == "completedGoal" || name == "goal") {
			continue // refused together (§5.9)
		}
		v := pick(f.values)
		if r.IntN(3) == 0 {
			v += "," + pick(f.values)
		}
		if f.ops {
			v = pick([]string{"", "is:", "is_not:", "contains:", "does_not_contain:"}) + v
		}
		q.Add(name, v)
	}
	return q
}

// Visitors runs the property test of the visitor reads: random events
// with identify events, then random requests to the visitors list, to
// random visitors and to the realtime map, answered by the store and by
// Reference. The answers must be equal, not close. The store must be an
// analytics.VisitorStore.
func Visitors(t *testing.T, open OpenAnalyticsFunc, queries int) {
	events, store := open(t)
	if _, ok := store.(analytics.VisitorStore); !ok {
		t.Fatalf("%T is not an analytics.VisitorStore", store)
	}
	r := seededRand(t, "OPENFAST_ANALYTICS_SEED", 43)
	data := GenerateVisitorEvents(r, 60)
	must(t, events.InsertEvents(ctx, data))
	reference := &Reference{Events: data}
	service := func(s analytics.Store, now time.Time) *analytics.Service {
		return &analytics.Service{Store: s, Now: func() time.Time { return now }}
	}
	ref, got := service(reference, visitorsNow), service(store, visitorsNow)
	compare := func(t *testing.T, what string, want, have any, wantErr, haveErr error) {
		t.Helper()
		if openfast.ErrorCode(wantErr) != openfast.ErrorCode(haveErr) || wantErr == nil && haveErr != nil {
			t.Fatalf("%s\nreference error: %v\nstore error:     %v", what, wantErr, haveErr)
		}
		w, _ := json.Marshal(want)
		h, _ := json.Marshal(have)
		if string(w) != string(h) {
			t.Fatalf("%s\nreference: %s\nstore:     %s", what, w, h)
		}
	}

	t.Run("List", func(t *testing.T) {
		nonEmpty := 0
		for range queries {
			site := refSites[r.IntN(len(refSites))]
			q := randomVisitorsQuery(r)
			query, err := analytics.Parse(analytics.Visitors, q, site.timezone, visitorsNow)
			if err != nil {
				t.Fatalf("visitors?%s: %v", q.Encode(), err)
			}
			want, err1 := ref.Visitors(ctx, site.id, query)
			have, err2 := got.Visitors(ctx, site.id, query)
			compare(t, "visitors?"+q.Encode(), want, have, err1, err2)
			if len(want.Rows) > 0 {
				nonEmpty++
			}
			// Without isCustomer, the whole list holds the visitors of the
			// overview with the same filters.
			if query.Customer == nil {
				all, _ := reference.Visitors(ctx, analytics.VisitorsRequest{
					Request: analytics.Request{WebsiteID: site.id, Range: query.Range, Filters: query.Filters}, Limit: 1 << 30})
				totals, _ := reference.Totals(ctx, analytics.Request{WebsiteID: site.id, Range: query.Range, Filters: query.Filters})
				if int64(len(all)) != totals.Visitors {
					t.Fatalf("visitors?%s: %d rows in the whole list, %d visitors in the overview", q.Encode(), len(all), totals.Visitors)
				}
			}
		}
		if nonEmpty < queries/4 {
			t.Fatalf("only %d of %d requests had rows: the test data misses the filters", nonEmpty, queries)
		}
	})

	t.Run("Visitor", func(t *testing.T) {
		var ids []openfast.UUID
		seen := map[openfast.UUID]bool{}
		for _, e := range data {
			if !seen[e.VisitorID] {
				seen[e.VisitorID] = true
				ids = append(ids, e.VisitorID) // the zero UUID too: payments without a visitor
			}
		}
		found := 0
		for i := range queries {
			id := ids[r.IntN(len(ids))]
			if i%10 == 0 {
				id[15] ^= 0xff // most likely unknown
			}
			site := refSites[r.IntN(len(refSites))]
			want, err1 := ref.Visitor(ctx, site.id, id)
			have, err2 := got.Visitor(ctx, site.id, id)
			compare(t, fmt.Sprintf("visitor %s of %s", id, site.id), want, have, err1, err2)
			if err1 == nil {
				found++
			}
		}
		if found < queries/10 {
			t.Fatalf("only %d of %d visitors found", found, queries)
		}
		// Payment hints are no completed goal: a visitor's goals are its
		// custom and payment events, and its payments show their amount.
		checked := 0
		for _, h := range data {
			if h.Type != openfast.EventPaymentHint || h.VisitorID == (openfast.UUID{}) || checked == 20 {
				continue
			}
			p, err := got.Visitor(ctx, h.WebsiteID, h.VisitorID)
			if err != nil {
				continue // no pageview on this website
			}
			checked++
			var goals, payments int
			for _, e := range data {
				if e.WebsiteID == h.WebsiteID && e.VisitorID == h.VisitorID && (e.Type == openfast.EventCustom || e.Type == openfast.EventPayment) {
					goals++
				}
			}
			for _, g := range p.Activity.CompletedGoals {
				if g.Name == "payment" {
					payments++
					if g.Amount == nil || g.Currency == nil || *g.Currency == "" {
						t.Fatalf("visitor %s: a payment without its amount or currency: %+v", h.VisitorID, g)
					}
				} else if g.Amount != nil || g.Currency != nil || g.Renewal != nil || g.Refunded != nil {
					t.Fatalf("visitor %s: goal %s has the members of a payment: %+v", h.VisitorID, g.Name, g)
				}
			}
			if len(p.Activity.CompletedGoals) != min(goals, analytics.MaxCompletedGoals) {
				t.Fatalf("visitor %s has a payment hint and %d goals and payments, but %d completed goals", h.VisitorID, goals, len(p.Activity.CompletedGoals))
			}
		}
		if checked == 0 {
			t.Fatal("no visitor with a payment hint: the test data misses them")
		}
	})

	t.Run("RealtimeMap", func(t *testing.T) {
		hints := 0
		for _, e := range data {
			if e.Type == openfast.EventPaymentHint && !e.Time.Before(visitorsNow.Add(-analytics.RealtimeWindow)) && !e.Time.After(visitorsNow) {
				hints++
			}
		}
		if hints == 0 {
			t.Fatal("no payment hint in the realtime window: the test data misses them")
		}
		for _, site := range refSites {
			for _, shift := range []time.Duration{0, -5 * time.Minute, 4 * time.Minute, -time.Hour, 24 * time.Hour} {
				at := visitorsNow.Add(shift)
				want, err1 := service(reference, at).RealtimeMap(ctx, site.id)
				have, err2 := service(store, at).RealtimeMap(ctx, site.id)
				compare(t, fmt.Sprintf("realtime map of %s at %s", site.id, at), want, have, err1, err2)
				wantFeed, err1 := service(reference, at).RealtimeFeed(ctx, site.id)
				haveFeed, err2 := service(store, at).RealtimeFeed(ctx, site.id)
				compare(t, fmt.Sprintf("realtime feed of %s at %s", site.id, at), wantFeed, haveFeed, err1, err2)
				if err1 == nil && (len(wantFeed.Visitors) != 0 || len(wantFeed.RecentEvents) != len(want.RecentEvents) || wantFeed.Count != want.Count) {
					t.Fatalf("realtime feed of %s at %s: not the map's count and events without its visitors: %+v", site.id, at, wantFeed)
				}
				if shift == 0 && (len(want.Visitors) == 0 || len(want.RecentPayments) == 0) {
					t.Fatalf("realtime map of %s: no visitors or no payments: %+v", site.id, want)
				}
				for _, e := range have.RecentEvents {
					if e.Type == openfast.EventPaymentHint.String() {
						t.Fatalf("realtime map of %s at %s: a payment hint among the recent events: %+v", site.id, at, e)
					}
				}
			}
		}
	})
}
