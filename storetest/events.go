package storetest

import (
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// OpenEventsFunc returns a fresh, empty event store for one test.
type OpenEventsFunc func(t *testing.T) openfast.EventStore

// Events runs the event store conformance suite.
func Events(t *testing.T, open OpenEventsFunc) {
	t.Run("InsertAndCount", func(t *testing.T) {
		s := open(t)
		site, other := openfast.NewID(), openfast.NewID()
		batch := make([]openfast.Event, 0, 1000)
		for i := range 1000 {
			e := SampleEvent(site, i)
			if i%10 == 0 {
				e.WebsiteID = other
			}
			batch = append(batch, e)
		}
		must(t, s.InsertEvents(ctx, batch))
		must(t, s.InsertEvents(ctx, nil))
		n, err := s.CountEvents(ctx, site)
		must(t, err)
		m, err := s.CountEvents(ctx, other)
		must(t, err)
		if n != 900 || m != 100 {
			t.Fatalf("counts %d and %d, want 900 and 100", n, m)
		}
	})
	t.Run("VisitorsPaymentsDeletes", func(t *testing.T) {
		s := open(t)
		site := openfast.NewID()
		pv := SampleEvent(site, 1)
		goal := SampleEvent(site, 2)
		goal.Type, goal.Goal, goal.VisitorID = openfast.EventCustom, "signup", pv.VisitorID
		other := SampleEvent(site, 3)
		other.Type, other.Goal = openfast.EventCustom, "signup"
		pay := SampleEvent(site, 4)
		pay.Type, pay.TransactionID, pay.RevenueCents, pay.Currency = openfast.EventPayment, "tx_1", 2999, "USD"
		must(t, s.InsertEvents(ctx, []openfast.Event{pv, goal, other, pay}))

		if ok, err := s.HasPageview(ctx, site, pv.VisitorID); err != nil || !ok {
			t.Fatalf("HasPageview = %v, %v", ok, err)
		}
		if ok, err := s.HasPageview(ctx, site, other.VisitorID); err != nil || ok {
			t.Fatalf("HasPageview of a visitor with only a goal = %v, %v", ok, err)
		}
		if ok, err := s.PaymentExists(ctx, site, "tx_1"); err != nil || !ok {
			t.Fatalf("PaymentExists = %v, %v", ok, err)
		}
		if ok, _ := s.PaymentExists(ctx, openfast.NewID(), "tx_1"); ok {
			t.Fatal("a payment of another website counts")
		}
		n, err := s.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventCustom, Visitor: &pv.VisitorID, Goal: "signup"})
		if err != nil || n != 1 {
			t.Fatalf("delete the visitor's goal: %d, %v", n, err)
		}
		n, err = s.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventCustom, Start: other.Time.Add(time.Minute)})
		if err != nil || n != 0 {
			t.Fatalf("delete after the last goal: %d, %v", n, err)
		}
		n, err = s.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventCustom, Start: other.Time, End: other.Time})
		if err != nil || n != 1 {
			t.Fatalf("delete in range: %d, %v", n, err)
		}
		n, err = s.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventPayment, TransactionID: "tx_1"})
		if err != nil || n != 1 {
			t.Fatalf("delete payment: %d, %v", n, err)
		}
		if total, _ := s.CountEvents(ctx, site); total != 1 {
			t.Fatalf("%d events left, want the pageview", total)
		}
	})
	t.Run("ExpireEvents", func(t *testing.T) { testExpireEvents(t, open(t)) })
	t.Run("PaymentTransactionIDs", func(t *testing.T) { testPaymentTransactionIDs(t, open(t)) })
	t.Run("VisitorByEmail", func(t *testing.T) {
		s := open(t)
		site := openfast.NewID()
		hint := SampleEvent(site, 1)
		hint.Type, hint.Props = openfast.EventPaymentHint, `{"email":"Buyer@Example.com"}`
		ident := SampleEvent(site, 2)
		ident.Type, ident.Props, ident.Time = openfast.EventIdentify, `{"email":"buyer@example.com","user_id":"u_1"}`, hint.Time.Add(time.Minute)
		pay := SampleEvent(site, 3) // a payment's email links nobody
		pay.Type, pay.Props, pay.TransactionID, pay.Time = openfast.EventPayment, `{"email":"other@example.com"}`, "tx_1", hint.Time.Add(time.Hour)
		pv := SampleEvent(site, 4)
		must(t, s.InsertEvents(ctx, []openfast.Event{hint, ident, pay, pv}))
		if v, ok, err := s.VisitorByEmail(ctx, site, "BUYER@example.com"); err != nil || !ok || v != ident.VisitorID {
			t.Fatalf("VisitorByEmail = %v, %v, %v; want the identify's visitor %v", v, ok, err, ident.VisitorID)
		}
		for _, email := range []string{"other@example.com", "nobody@example.com"} {
			if v, ok, err := s.VisitorByEmail(ctx, site, email); err != nil || ok {
				t.Fatalf("VisitorByEmail(%s) = %v, %v, %v", email, v, ok, err)
			}
		}
	})
	t.Run("VisitorByPaymentHint", func(t *testing.T) {
		s := open(t)
		site := openfast.NewID()
		first := SampleEvent(site, 1)
		first.Type, first.Props = openfast.EventPaymentHint, `{"stripe_session_id":"cs_live_1"}`
		later := SampleEvent(site, 2) // the same checkout seen again, by another visitor, later
		later.Type, later.Props, later.Time = openfast.EventPaymentHint, `{"stripe_session_id":"cs_live_1"}`, first.Time.Add(time.Minute)
		polar := SampleEvent(site, 3)
		polar.Type, polar.Props = openfast.EventPaymentHint, `{"polar_checkout_id":"chk_1"}`
		goal := SampleEvent(site, 4) // a goal's props are no payment hint
		goal.Type, goal.Goal, goal.Props = openfast.EventCustom, "signup", `{"stripe_session_id":"cs_live_2"}`
		elsewhere := SampleEvent(openfast.NewID(), 5)
		elsewhere.Type, elsewhere.Props = openfast.EventPaymentHint, `{"stripe_session_id":"cs_live_3"}`
		must(t, s.InsertEvents(ctx, []openfast.Event{first, later, polar, goal, elsewhere}))
		if v, ok, err := s.VisitorByPaymentHint(ctx, site, "stripe_session_id", "cs_live_1"); err != nil || !ok || v != later.VisitorID {
			t.Fatalf("VisitorByPaymentHint = %v, %v, %v; want the latest hint's visitor %v", v, ok, err, later.VisitorID)
		}
		if v, ok, err := s.VisitorByPaymentHint(ctx, site, "polar_checkout_id", "chk_1"); err != nil || !ok || v != polar.VisitorID {
			t.Fatalf("VisitorByPaymentHint(polar) = %v, %v, %v", v, ok, err)
		}
		for _, c := range [][2]string{
			{"stripe_session_id", "CS_LIVE_1"}, {"stripe_session_id", "cs_live_2"}, {"stripe_session_id", "cs_live_3"},
			{"polar_checkout_id", "cs_live_1"}, {"stripe_session_id') OR 1=1 --", "x"}, {"", ""},
		} {
			if v, ok, err := s.VisitorByPaymentHint(ctx, site, c[0], c[1]); err != nil || ok {
				t.Fatalf("VisitorByPaymentHint(%q, %q) = %v, %v, %v", c[0], c[1], v, ok, err)
			}
		}
	})
	t.Run("CanceledBatchStoresNothing", func(t *testing.T) {
		s := open(t)
		site := openfast.NewID()
		c, cancel := contextWithCancel()
		cancel()
		if err := s.InsertEvents(c, []openfast.Event{SampleEvent(site, 1)}); err == nil {
			t.Fatal("a canceled insert succeeded")
		}
		if n, err := s.CountEvents(ctx, site); err != nil || n != 0 {
			t.Fatalf("canceled batch left %d events (%v)", n, err)
		}
	})
	t.Run("JournalBatchesLoadOnce", func(t *testing.T) {
		s := open(t)
		site := openfast.NewID()
		last, err := s.LastBatch(ctx, "node-a")
		must(t, err)
		if last != 0 {
			t.Fatalf("a new store's last batch is %d, want 0", last)
		}
		batch := func(from int) []openfast.Event {
			return []openfast.Event{SampleEvent(site, from), SampleEvent(site, from+1)}
		}
		must(t, s.InsertBatch(ctx, "node-a", 1, batch(0)))
		must(t, s.InsertBatch(ctx, "node-a", 1, batch(0))) // replayed after a crash: skipped
		must(t, s.InsertBatch(ctx, "node-a", 3, batch(2)))
		must(t, s.InsertBatch(ctx, "node-a", 2, batch(4))) // older than the last: skipped
		must(t, s.InsertBatch(ctx, "node-a", 4, nil))      // an empty segment still counts
		if n, err := s.CountEvents(ctx, site); err != nil || n != 4 {
			t.Fatalf("stored %d events (%v), want 4: batches 1 and 3 once each", n, err)
		}
		if last, err := s.LastBatch(ctx, "node-a"); err != nil || last != 4 {
			t.Fatalf("last batch %d (%v), want 4", last, err)
		}
		c, cancel := contextWithCancel()
		cancel()
		if err := s.InsertBatch(c, "node-a", 5, batch(6)); err == nil {
			t.Fatal("a canceled batch succeeded")
		}
		if last, err := s.LastBatch(ctx, "node-a"); err != nil || last != 4 {
			t.Fatalf("a canceled batch moved the last batch to %d (%v)", last, err)
		}
		if n, _ := s.CountEvents(ctx, site); n != 4 {
			t.Fatalf("a canceled batch left events: %d stored", n)
		}
		// Another server's journal numbers its batches from 1 too: they
		// are its own, neither skipped nor skipping node-a's.
		if last, err := s.LastBatch(ctx, "node-b"); err != nil || last != 0 {
			t.Fatalf("node-b's last batch %d (%v), want 0", last, err)
		}
		must(t, s.InsertBatch(ctx, "node-b", 1, batch(10)))
		must(t, s.InsertBatch(ctx, "node-b", 1, batch(10)))
		must(t, s.InsertBatch(ctx, "node-a", 5, batch(12)))
		if n, err := s.CountEvents(ctx, site); err != nil || n != 8 {
			t.Fatalf("stored %d events (%v), want 8", n, err)
		}
		if a, _ := s.LastBatch(ctx, "node-a"); a != 5 {
			t.Fatalf("node-a's last batch %d, want 5", a)
		}
		if b, _ := s.LastBatch(ctx, "node-b"); b != 1 {
			t.Fatalf("node-b's last batch %d, want 1", b)
		}
	})
}

// SampleEvent returns a fully populated pageview, varied by i.
func SampleEvent(websiteID string, i int) openfast.Event {
	v, _ := openfast.ParseUUID("a3ab2331-989f-4cfa-91c6-2461c9e3c6bd")
	v[15] = byte(i)
	sess := v
	sess[0] = 0x5e
	return openfast.Event{
		WebsiteID: websiteID, Time: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		Type: openfast.EventPageview, VisitorID: v, SessionID: sess,
		Hostname: "example.com", Path: "/pricing", EntryPath: "/", SessionReferrer: "Google",
		Referrer: "Google", ReferrerHost: "google.com", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring",
		CountryCode: "US", Region: "US-CO", City: "Denver", Coordinates: openfast.CoordinatesOf(39.74, -104.99),
		Browser: "Chrome", OS: "Mac OS", Device: "desktop",
		ScreenWidth: 1920, ScreenHeight: 1080, ViewportWidth: 1280, ViewportHeight: 720, Language: "en-US",
		Props: `{"plan":"pro"}`,
	}
}
