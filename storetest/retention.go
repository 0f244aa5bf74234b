package storetest

import (
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// testWebsitesAfter: the retention job pages through every website, and
// a website's retentionDays is stored with its settings.
func testWebsitesAfter(t *testing.T, s openfast.MetadataStore) {
	pager, ok := s.(openfast.WebsitePager)
	if !ok {
		t.Fatal("the metadata store does not list its websites (openfast.WebsitePager)")
	}
	owner, other := newUser(t, s), newUser(t, s)
	w1, w2, w3 := newWebsite(t, s, owner), newWebsite(t, s, other), newWebsite(t, s, owner)
	days := 90
	_, err := s.UpdateWebsite(ctx, w2.ID, func(x *openfast.Website) error { x.RetentionDays = &days; return nil }, nil)
	must(t, err)
	var ids []string
	var after string
	for {
		page, err := pager.WebsitesAfter(ctx, after, 2)
		must(t, err)
		if len(page) > 2 {
			t.Fatalf("a page of %d websites, limit 2", len(page))
		}
		for _, w := range page {
			ids = append(ids, w.ID)
			if w.ID == w2.ID && (w.RetentionDays == nil || *w.RetentionDays != 90) {
				t.Fatalf("website %s lists with retentionDays %v, want 90", w.ID, w.RetentionDays)
			}
			if w.ID != w2.ID && w.RetentionDays != nil {
				t.Fatalf("website %s lists with retentionDays %d, want none", w.ID, *w.RetentionDays)
			}
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(ids) != 3 {
		t.Fatalf("listed %v, want %s, %s and %s", ids, w1.ID, w2.ID, w3.ID)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("not in id order: %v", ids)
		}
	}
	// null clears it.
	got, err := s.UpdateWebsite(ctx, w2.ID, func(x *openfast.Website) error { x.RetentionDays = nil; return nil }, nil)
	must(t, err)
	if got, err = s.Website(ctx, got.ID); err != nil || got.RetentionDays != nil {
		t.Fatalf("after clearing: %+v, %v", got, err)
	}
}

// testExpireEvents: the retention job's deletions select one website's
// events of every type in [start, end), and OldestEvent finds where to
// begin.
func testExpireEvents(t *testing.T, s openfast.EventStore) {
	x, ok := s.(openfast.EventExpirer)
	if !ok {
		t.Fatal("the event store cannot expire events (openfast.EventExpirer)")
	}
	site, other := openfast.NewID(), openfast.NewID()
	day0 := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	if _, found, err := x.OldestEvent(ctx, site); err != nil || found {
		t.Fatalf("OldestEvent of a website without events: %v, %v", found, err)
	}
	var batch []openfast.Event
	for d := range 10 { // 10 days, 3 events a day (a pageview, a goal, a payment)
		for i, typ := range []openfast.EventType{openfast.EventPageview, openfast.EventCustom, openfast.EventPayment} {
			e := SampleEvent(site, d*3+i)
			e.Time = day0.AddDate(0, 0, d).Add(time.Duration(i) * 7 * time.Hour)
			e.Type = typ
			if typ == openfast.EventCustom {
				e.Goal = "signup"
			}
			if typ == openfast.EventPayment {
				e.TransactionID, e.RevenueCents, e.Currency = "tx"+time.Duration(d).String(), 1000, "USD"
			}
			batch = append(batch, e)
			o := e
			o.WebsiteID = other
			batch = append(batch, o)
		}
	}
	must(t, s.InsertEvents(ctx, batch))
	oldest, found, err := x.OldestEvent(ctx, site)
	must(t, err)
	if !found || !oldest.Equal(day0) {
		t.Fatalf("OldestEvent = %v, %v; want %v", oldest, found, day0)
	}
	// The first 4 days, one day at a time; the end is exclusive.
	for d := range 4 {
		n, err := x.ExpireEvents(ctx, site, day0.AddDate(0, 0, d), day0.AddDate(0, 0, d+1))
		must(t, err)
		if n != 3 {
			t.Fatalf("day %d: expired %d events, want 3", d, n)
		}
	}
	if n, err := x.ExpireEvents(ctx, site, day0.AddDate(0, 0, -30), day0.AddDate(0, 0, 4)); err != nil || n != 0 {
		t.Fatalf("expiring again: %d, %v; want 0", n, err)
	}
	if n, err := s.CountEvents(ctx, site); err != nil || n != 18 {
		t.Fatalf("%d events left, %v; want 18", n, err)
	}
	if n, err := s.CountEvents(ctx, other); err != nil || n != 30 {
		t.Fatalf("the other website has %d events, %v; want its 30", n, err)
	}
	oldest, found, err = x.OldestEvent(ctx, site)
	must(t, err)
	if !found || !oldest.Equal(day0.AddDate(0, 0, 4)) {
		t.Fatalf("OldestEvent after = %v, %v; want %v", oldest, found, day0.AddDate(0, 0, 4))
	}
}
