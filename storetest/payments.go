package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// testPaymentClaims: a transaction id is claimed once per website, until
// it is released or its claim goes stale and is taken over; of concurrent
// claims and takeovers, one wins.
func testPaymentClaims(t *testing.T, s openfast.MetadataStore) {
	w, other := newWebsite(t, s, newUser(t, s)), newWebsite(t, s, newUser(t, s))
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	// claim is the server-side route's call: stale claims are taken over.
	claim := func(site, tx string, at time.Time) bool {
		t.Helper()
		ok, err := s.ClaimPayment(ctx, site, tx, at, at.Add(-openfast.PaymentClaimTakeover))
		must(t, err)
		return ok
	}

	t.Run("Once", func(t *testing.T) {
		if !claim(w.ID, "tx_1", now) {
			t.Fatal("the first claim was refused")
		}
		if claim(w.ID, "tx_1", now.Add(time.Second)) {
			t.Fatal("a second claim was granted")
		}
		if !claim(other.ID, "tx_1", now) {
			t.Fatal("another website's claim on the same id was refused")
		}
		// Without a cutoff, no claim is ever taken over.
		if ok, err := s.ClaimPayment(ctx, w.ID, "tx_1", now.Add(24*time.Hour), time.Time{}); err != nil || ok {
			t.Fatalf("a claim without a cutoff took over a day-old claim: %v, %v", ok, err)
		}
	})
	t.Run("Release", func(t *testing.T) {
		must(t, s.ReleasePayments(ctx, w.ID, []string{"tx_1", "tx_unknown"}))
		must(t, s.ReleasePayments(ctx, w.ID, nil))
		if !claim(w.ID, "tx_1", now.Add(2*time.Second)) {
			t.Fatal("a released id could not be claimed again")
		}
		if claim(other.ID, "tx_1", now.Add(2*time.Second)) {
			t.Fatal("releasing one website's claim released another's")
		}
		// More ids than one statement takes.
		ids := make([]string, 1001)
		for i := range ids {
			ids[i] = fmt.Sprintf("bulk_%04d", i)
			if !claim(w.ID, ids[i], now) {
				t.Fatalf("claim %s refused", ids[i])
			}
		}
		must(t, s.ReleasePayments(ctx, w.ID, ids))
		for _, id := range []string{ids[0], ids[500], ids[1000]} {
			if !claim(w.ID, id, now.Add(time.Second)) {
				t.Fatalf("%s was not released", id)
			}
		}
	})
	t.Run("TakeOverStale", func(t *testing.T) {
		if !claim(w.ID, "tx_crashed", now) {
			t.Fatal("the first claim was refused")
		}
		if claim(w.ID, "tx_crashed", now.Add(openfast.PaymentClaimTakeover-time.Second)) {
			t.Fatal("a fresh claim was taken over")
		}
		later := now.Add(openfast.PaymentClaimTakeover + time.Second)
		if !claim(w.ID, "tx_crashed", later) {
			t.Fatal("a stale claim could not be taken over")
		}
		// The takeover is a fresh claim in its turn.
		if claim(w.ID, "tx_crashed", later.Add(time.Second)) {
			t.Fatal("a claim just taken over was taken over again")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		race := func(tx string, at time.Time) int32 {
			var won atomic.Int32
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					ok, err := s.ClaimPayment(ctx, w.ID, tx, at, at.Add(-openfast.PaymentClaimTakeover))
					if err != nil {
						t.Error(err)
					}
					if ok {
						won.Add(1)
					}
				})
			}
			wg.Wait()
			return won.Load()
		}
		for i := range 5 {
			tx := fmt.Sprintf("tx_race_%d", i)
			if n := race(tx, now); n != 1 {
				t.Fatalf("%d of 16 concurrent claims won, want 1", n)
			}
			if n := race(tx, now.Add(2*openfast.PaymentClaimTakeover)); n != 1 {
				t.Fatalf("%d of 16 concurrent takeovers won, want 1", n)
			}
		}
	})
}

// testPaymentTransactionIDs: the ids listed for a deletion are those of
// the payments it deletes.
func testPaymentTransactionIDs(t *testing.T, s openfast.EventStore) {
	site, otherSite := openfast.NewID(), openfast.NewID()
	pay := func(i int, tx string) openfast.Event {
		e := SampleEvent(site, i)
		e.Type, e.TransactionID, e.RevenueCents, e.Currency = openfast.EventPayment, tx, 1000, "USD"
		return e
	}
	a, b, c, noID := pay(1, "tx_a"), pay(61, "tx_b"), pay(121, "tx_c"), pay(122, "")
	b.VisitorID = a.VisitorID
	again := pay(2, "tx_a") // a copy of tx_a (an import, say): listed once
	again.VisitorID = a.VisitorID
	foreign := pay(1, "tx_z")
	foreign.WebsiteID = otherSite
	goal := SampleEvent(site, 3)
	goal.Type, goal.Goal, goal.VisitorID = openfast.EventCustom, "signup", a.VisitorID
	must(t, s.InsertEvents(ctx, []openfast.Event{a, b, c, noID, again, foreign, goal}))

	list := func(d openfast.EventDeletion) string {
		t.Helper()
		d.WebsiteID = site
		ids, err := s.PaymentTransactionIDs(ctx, d)
		must(t, err)
		slices.Sort(ids)
		return strings.Join(ids, ",")
	}
	for _, tc := range []struct {
		name string
		del  openfast.EventDeletion
		want string
	}{
		{"transaction", openfast.EventDeletion{TransactionID: "tx_b"}, "tx_b"},
		{"unknown transaction", openfast.EventDeletion{TransactionID: "tx_z"}, ""},
		{"visitor", openfast.EventDeletion{Visitor: &a.VisitorID}, "tx_a,tx_b"},
		{"range", openfast.EventDeletion{Start: b.Time, End: c.Time}, "tx_b,tx_c"},
		{"visitor in range", openfast.EventDeletion{Visitor: &a.VisitorID, Start: b.Time, End: c.Time}, "tx_b"},
		{"type ignored", openfast.EventDeletion{Type: openfast.EventCustom, Visitor: &a.VisitorID}, "tx_a,tx_b"},
		{"all time", openfast.EventDeletion{Start: a.Time.Add(-time.Hour), End: c.Time.Add(time.Hour)}, "tx_a,tx_b,tx_c"},
	} {
		if got := list(tc.del); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// Deleting with the same selection deletes those payments.
	del := openfast.EventDeletion{WebsiteID: site, Type: openfast.EventPayment, Visitor: &a.VisitorID}
	if n, err := s.DeleteEvents(ctx, del); err != nil || n != 3 {
		t.Fatalf("delete the visitor's payments: %d, %v; want 3", n, err)
	}
	if got := list(openfast.EventDeletion{Visitor: &a.VisitorID}); got != "" {
		t.Fatalf("after the delete: %q", got)
	}
	if got := list(openfast.EventDeletion{}); got != "tx_c" {
		t.Fatalf("without a filter: %q, want tx_c", got)
	}
}

// testExchangeRates: saved rates read back; saving a day again replaces
// its rates, and other days stay.
func testExchangeRates(t *testing.T, s openfast.ExchangeRateStore) {
	got, err := s.ExchangeRates(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a new store has rates: %v", got)
	}
	must(t, s.SaveExchangeRates(ctx, map[int64]map[string]float64{20217: {"USD": 1.1252, "JPY": 163.36}, 20216: {"USD": 1.1297}}))
	must(t, s.SaveExchangeRates(ctx, map[int64]map[string]float64{20217: {"USD": 1.13}}))
	got, err = s.ExchangeRates(ctx)
	must(t, err)
	want := map[int64]map[string]float64{20217: {"USD": 1.13, "JPY": 163.36}, 20216: {"USD": 1.1297}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rates %v, want %v", got, want)
	}
}
