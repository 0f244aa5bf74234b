package duckdb

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// TestExportEvents: every stored event comes back, field for field, from
// the hour it belongs to.
func TestExportEvents(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDataDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	site := openfast.NewID()
	base := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	var in []openfast.Event
	for i := range 50 {
		e := storetest.SampleEvent(site, i)
		e.Time = base.Add(time.Duration(i) * 7 * time.Minute).Add(123456 * time.Microsecond)
		if i%3 == 0 {
			e.Coordinates = openfast.Coordinates{} // unknown
		}
		if i == 49 {
			e.Time = time.Date(2026, 3, 29, 7, 59, 59, 900000000, time.UTC) // rounds up to the next hour in seconds
		}
		in = append(in, e)
	}
	if err := db.InsertEvents(ctx, in); err != nil {
		t.Fatal(err)
	}
	hours, err := db.EventHours(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []openfast.Event
	var total int64
	for i, h := range hours {
		if i > 0 && !h.Start.After(hours[i-1].Start) || h.Start.Minute() != 0 {
			t.Fatalf("hours out of order or not on the hour: %v", hours)
		}
		evs, err := db.ExportEvents(ctx, h.Start)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(evs)) != h.Events {
			t.Fatalf("hour %v: %d events, listed %d", h.Start, len(evs), h.Events)
		}
		total += h.Events
		out = append(out, evs...)
	}
	if total != 50 || len(hours) != 8 {
		t.Fatalf("%d events in %d hours, want 50 in 8", total, len(hours))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("exported events differ:\n got %+v\nwant %+v", out[0], in[0])
	}
}
