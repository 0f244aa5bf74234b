package duckdb

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestTechBreakdown: the breakdowns by browser, OS and device count the
// visitors who keep theirs by their first pageview in the window, and
// deduplicate those who change them (tech_changed), pending rows and rows
// stored before the column alike, with the reference's answer.
func TestTechBreakdown(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	site := openfast.NewID()
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	pv := func(visitor, minute int, browser string) openfast.Event {
		e := storetest.SampleEvent(site, visitor)
		e.Time = start.Add(time.Duration(minute) * time.Minute)
		e.Browser = browser
		return e
	}
	events := []openfast.Event{
		pv(1, 10, "Chrome"), pv(1, 20, "Firefox"), pv(1, 30, "Chrome"), // changes back and forth
		pv(2, 10, "Safari"), pv(2, 40, "Safari"), // keeps it
		pv(3, -60, "Chrome"), pv(3, 50, "Firefox"), // changes before the window
		pv(4, -30, "Edge"), pv(4, 15, "Edge"), pv(4, 16, "Edge"), // keeps it, returning
	}
	if err := db.InsertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	waitIndexed(t, db)
	rows, err := db.SQL().Query("SELECT coalesce(CAST(tech_changed AS VARCHAR), 'null') FROM events ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			t.Fatal(err)
		}
		flags = append(flags, f)
	}
	rows.Close()
	want := []string{"false", "true", "true", "false", "false", "false", "true", "false", "false", "false"}
	if !reflect.DeepEqual(flags, want) {
		t.Fatalf("tech_changed %v, want %v", flags, want)
	}
	ref := &storetest.Reference{Events: events}
	r := analytics.Request{WebsiteID: site, Range: analytics.Range{Start: start, End: start.Add(24 * time.Hour)}}
	check := func(what string) {
		t.Helper()
		for _, col := range []analytics.Column{analytics.ColBrowser, analytics.ColOS, analytics.ColDevice} {
			b := analytics.Breakdown{Keys: []analytics.Column{col}}
			for _, page := range [][2]int{{10, 0}, {1, 1}, {5, 7}} {
				g1, n1, err1 := ref.Breakdown(ctx, r, b, page[0], page[1])
				g2, n2, err2 := db.Breakdown(ctx, r, b, page[0], page[1])
				if err1 != nil || err2 != nil || n1 != n2 || !reflect.DeepEqual(g1, g2) {
					t.Errorf("%s, by %s, page %v: reference %v %d (%v), store %v %d (%v)", what, col, page, g1, n1, err1, g2, n2, err2)
				}
			}
		}
	}
	check("indexed")
	// A file from before the column: the plain form.
	if _, err := db.SQL().Exec("UPDATE events SET tech_changed = NULL"); err != nil {
		t.Fatal(err)
	}
	check("without tech_changed")
	// One visitor's rows only without it: deduplicated with the changed.
	if _, err := db.SQL().Exec("UPDATE events SET tech_changed = false WHERE browser <> 'Edge'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec("UPDATE events SET tech_changed = true WHERE browser = 'Firefox'"); err != nil {
		t.Fatal(err)
	}
	check("partly")
}
