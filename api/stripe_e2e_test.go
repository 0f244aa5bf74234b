package api

import (
	"context"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/stripe"
	"github.com/openfast/openfast/internal/testskip"
)

func TestMain(m *testing.M) { os.Exit(testskip.Main(m, "api")) }

// stripeMockVisitor is the datafast_visitor_id that .ci/stripe-mock puts
// in the metadata of stripe-mock's Checkout Session and invoice.
const stripeMockVisitor = "3f8b2f6e-1d2a-4c5b-9a7e-0c1d2e3f4a5b"

// TestStripeEndToEnd connects Stripe with a restricted key against
// stripe-mock (Stripe's own server of its API, started by .ci/stripe-mock
// with its Checkout Session and invoice paid an hour ago), lets the first
// sync run, and finds the payments in the website's revenue and in the
// visitor's journey; a second sync records nothing twice.
func TestStripeEndToEnd(t *testing.T) {
	url := stripeMockURL(t)
	e := newIntegrationsEnv(t, func(cfg *testConfig) {
		cfg.Providers = map[string]integrations.Provider{integrations.Stripe: stripe.New(stripe.Options{BaseURL: url})}
		cfg.AllowTestPayments = true // stripe-mock takes test keys only
		cfg.Analytics = cfg.EventStore.(*duckdb.DB)
	})
	// The visitor's visit, two hours ago.
	visitor, _ := openfast.ParseUUID(stripeMockVisitor)
	pv := openfast.Event{
		WebsiteID: e.site, Time: time.Now().UTC().Add(-2 * time.Hour), Type: openfast.EventPageview,
		VisitorID: visitor, SessionID: visitor, Hostname: "example.com", Path: "/pricing", EntryPath: "/pricing",
		CountryCode: "US", Browser: "Chrome", OS: "Mac OS", Device: "desktop", EventID: openfast.NewID(),
	}
	if err := e.events.InsertEvents(context.Background(), []openfast.Event{pv}); err != nil {
		t.Fatal(err)
	}

	// A live key is checked with Stripe, which refuses it (stripe-mock
	// knows test keys only): 400, nothing connected.
	e.do("POST", e.integrationsURL()+"/stripe", e.admin, map[string]any{"stripeRak": "rk_live_51H0000000000000000000000"}).fails(400, "Stripe")
	got := e.connect("stripe", map[string]any{"stripeRak": "rk_test_51H0000000000000000000000"})
	if got["message"] != "Stripe connected successfully" || got["currency"] != "USD" {
		t.Fatalf("connect: %v", got)
	}
	want := map[string]payment{
		"stripe:pi_1PgafyB7WZ01zgkWSjxsAJo3": {visitor: stripeMockVisitor, cents: 2999},
		"stripe:in_1Pgc6tB7WZ01zgkWu9fdqL6I": {visitor: stripeMockVisitor, cents: 1000},
		"stripe:re_1Pgc72B7WZ01zgkWqPvrRrPE": {cents: -100},
	}
	check := func(when string) {
		t.Helper()
		payments := e.payments(t)
		if len(payments) != len(want) {
			t.Fatalf("%s: %d payments %+v, want %d", when, len(payments), payments, len(want))
		}
		for tx, w := range want {
			p, ok := payments[tx]
			if !ok || p.cents != w.cents || (w.visitor != "" && p.visitor != w.visitor) || p.props["provider"] != "stripe" {
				t.Fatalf("%s: payment %s = %+v, want %+v", when, tx, p, w)
			}
		}
		if payments["stripe:in_1Pgc6tB7WZ01zgkWu9fdqL6I"].props["renewal"] != "true" {
			t.Fatalf("%s: the invoice is not a renewal: %+v", when, payments)
		}
	}
	check("after the first sync")

	// The website's revenue: the new payment, the renewal and the refund.
	ts := e.do("GET", "/api/v1/analytics/timeseries?websiteId="+e.site+"&fields=revenue,payments&period=7d&interval=day", e.admin, nil).json
	totals, _ := ts["totals"].(map[string]any)
	breakdown, _ := totals["revenueBreakdown"].(map[string]any)
	if breakdown["new"] != 29.99 || breakdown["renewal"] != 10.0 || breakdown["refund"] != -1.0 {
		t.Fatalf("revenue breakdown over 7 days: %v", totals)
	}
	overview := e.do("GET", "/api/v1/analytics/overview?websiteId="+e.site+"&period=7d", e.admin, nil).first()
	if r, _ := overview["revenue"].(float64); r <= 0 || math.Abs(r-28.99) > 0.001 && math.Abs(r-38.99) > 0.001 {
		t.Fatalf("overview revenue %v, want 28.99 (new less refunds) or 38.99 (with renewals)", overview)
	}

	// The visitor's journey has the Checkout payment and the renewal.
	journey := e.do("GET", "/api/v1/visitors/"+stripeMockVisitor+"?websiteId="+e.site, e.admin, nil).ok().(map[string]any)
	activity, _ := journey["activity"].(map[string]any)
	goals, _ := activity["completedGoals"].([]any)
	var amounts []float64
	for _, g := range goals {
		g := g.(map[string]any)
		if g["name"] == "payment" && g["origin"] == "payment_provider" {
			amounts = append(amounts, g["amount"].(float64))
		}
	}
	slices.Sort(amounts)
	if !slices.Equal(amounts, []float64{10, 29.99}) {
		t.Fatalf("the visitor's journey has payments %v, want 29.99 and 10: %v", amounts, goals)
	}

	// The next round sees the same objects again: nothing twice.
	e.clock.Advance(5 * time.Minute)
	e.srv.app.SyncIntegrations(context.Background())
	check("after a second sync")
	list := e.do("GET", e.integrationsURL(), e.admin, nil).first()
	if s := list["stripe"].(map[string]any); s["connected"] != true || s["lastSyncError"] != nil || s["lastSyncedAt"] == nil {
		t.Fatalf("stripe after two syncs: %v", s)
	}
}
