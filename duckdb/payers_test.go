package duckdb

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestSharedGroupRevenue: the revenue of the breakdowns by page, hostname,
// referrer, country and browser asked together (Shared) comes from
// one read of the payers, shared by concurrent and following requests of
// the same range and filters, and equal to the reference's; asked alone,
// from a statement of its own; a write (insert, deletion) is seen by the
// next request; a read over its bound, or another breakdown, runs the
// statement of its own with the same answer.
func TestSharedGroupRevenue(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	site := openfast.NewID()
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	var events []openfast.Event
	paths := []string{"/", "/pricing", "/blog", "/docs"}
	countries := []string{"US", "FR", "DE"}
	browsers := []string{"Chrome", "Firefox", "Safari"}
	for v := range 30 {
		for i := range 1 + v%4 {
			e := storetest.SampleEvent(site, v)
			e.Time = start.Add(time.Duration(v*20+i) * time.Minute)
			e.Path = paths[(v+i)%len(paths)]
			e.CountryCode = countries[v%len(countries)]
			e.Browser = browsers[(v+i)%len(browsers)]
			e.SessionReferrer = []string{"Google", "x.com"}[v%2]
			if v%5 == 0 {
				e.Hostname = "app.example.com"
			}
			events = append(events, e)
		}
	}
	payment := func(v, minute int, cents int64, currency string) openfast.Event {
		e := storetest.SampleEvent(site, v)
		e.Type, e.Time, e.RevenueCents, e.Currency, e.Props = openfast.EventPayment, start.Add(time.Duration(minute)*time.Minute), cents, currency, ""
		return e
	}
	for v := 0; v < 30; v += 3 {
		events = append(events, payment(v, v*20+10, int64(1000+v), "USD"))
	}
	events = append(events, payment(3, 900, 2500, "EUR"), payment(6, 1500, -500, "USD"), payment(7, 2000, 700, "USD"))
	if err := db.InsertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	ref := &storetest.Reference{Events: events}
	r := analytics.Request{WebsiteID: site, Range: analytics.Range{Start: start, End: start.Add(48 * time.Hour)}, Shared: true}
	byKeys := [][]analytics.Column{
		{analytics.ColHostname, analytics.ColPath}, {analytics.ColHostname}, {analytics.ColSessionReferrer},
		{analytics.ColCountry}, {analytics.ColBrowser}, {analytics.ColPath, analytics.ColBrowser},
	}
	sorted := func(rows []analytics.RevenueRow) []analytics.RevenueRow {
		slices.SortFunc(rows, func(a, b analytics.RevenueRow) int {
			return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Currency, b.Currency), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Kind, b.Kind))
		})
		return rows
	}
	// check compares every breakdown's revenue with the reference, its
	// groups the reference's first rows, and returns the shared reads run.
	check := func(what string, r analytics.Request) int {
		t.Helper()
		before := db.shared.reads
		for _, keys := range byKeys {
			b := analytics.Breakdown{Keys: keys}
			groups, _, err := ref.Breakdown(ctx, r, b, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			var gk [][]string
			for _, g := range groups {
				gk = append(gk, g.Keys)
			}
			gk = append(gk, make([]string, len(keys))) // a group no one viewed
			want, err1 := ref.GroupRevenue(ctx, r, b, gk)
			got, err2 := db.GroupRevenue(ctx, r, b, gk)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(sorted(want), sorted(got)) || len(want) == 0 && len(keys) == 1 {
				t.Errorf("%s, by %v: reference %v (%v), store %v (%v)", what, keys, want, err1, got, err2)
			}
		}
		return db.shared.reads - before
	}
	if n := check("first", r); n != 1 {
		t.Errorf("first requests: %d shared reads, want 1", n)
	}
	if n := check("again", r); n != 0 {
		t.Errorf("the same requests again: %d shared reads, want 0", n)
	}
	alone := r
	alone.Shared, alone.Range.End = false, alone.Range.End.Add(time.Minute)
	if n := check("asked alone", alone); n != 0 {
		t.Errorf("asked alone: %d shared reads, want 0 (a statement of its own)", n)
	}
	filtered := r
	filtered.Filters = []analytics.Filter{{Dimension: analytics.DimCountry, Op: analytics.OpIs, Values: []string{"US", "FR"}}}
	if n := check("filtered", filtered); n != 1 {
		t.Errorf("filtered: %d shared reads, want 1", n)
	}

	// A write is seen at once.
	more := []openfast.Event{payment(1, 100, 4200, "USD"), payment(2, 200, 99, "GBP")}
	if err := db.InsertEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	ref.Events = append(ref.Events, more...)
	if n := check("after an insert", r); n != 1 {
		t.Errorf("after an insert: %d shared reads, want 1", n)
	}
	if _, err := db.ExpireEvents(ctx, site, start, start.Add(200*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ref.Events = slices.DeleteFunc(ref.Events, func(e openfast.Event) bool { return e.Time.Before(start.Add(200 * time.Minute)) })
	if n := check("after a deletion", r); n != 1 {
		t.Errorf("after a deletion: %d shared reads, want 1", n)
	}

	// Concurrent requests share one read.
	r.Range.End = r.Range.End.Add(time.Hour)
	before := db.shared.reads
	var wg sync.WaitGroup
	results := make([][]analytics.RevenueRow, 8)
	errs := make([]error, 8)
	groupsOf := func(keys []analytics.Column) [][]string {
		if len(keys) == 2 {
			return [][]string{{"example.com", "/"}, {"app.example.com", "/blog"}, {"/", "Chrome"}, {"/pricing", "Firefox"}}
		}
		return [][]string{{"US"}, {"Chrome"}, {"x.com"}, {"example.com"}}
	}
	for i := range results {
		wg.Go(func() {
			b := analytics.Breakdown{Keys: byKeys[i%len(byKeys)]}
			results[i], errs[i] = db.GroupRevenue(ctx, r, b, groupsOf(b.Keys))
		})
	}
	wg.Wait()
	for i := range results {
		b := analytics.Breakdown{Keys: byKeys[i%len(byKeys)]}
		want, _ := ref.GroupRevenue(ctx, r, b, groupsOf(b.Keys))
		if errs[i] != nil || len(want) == 0 || !reflect.DeepEqual(sorted(want), sorted(results[i])) {
			t.Errorf("concurrent %d: reference %v, store %v (%v)", i, want, results[i], errs[i])
		}
	}
	if n := db.shared.reads - before; n != 1 {
		t.Errorf("concurrent requests: %d shared reads, want 1", n)
	}

	// Over the bound, and by other columns: their own statements.
	defer func(n int) { payerReadRows = n }(payerReadRows)
	payerReadRows = 5
	r.Range.End = r.Range.End.Add(time.Hour)
	check("over the bound", r)
	byKeys = [][]analytics.Column{{analytics.ColCity}, {analytics.ColOS}, {analytics.ColUTMSource, analytics.ColUTMMedium}}
	payerReadRows = 100_000
	if n := check("other columns", r); n != 0 {
		t.Errorf("other columns: %d shared reads, want 0", n)
	}
	if len(db.shared.entries) > sharedEntries {
		t.Errorf("%d shared reads kept, at most %d", len(db.shared.entries), sharedEntries)
	}
}
