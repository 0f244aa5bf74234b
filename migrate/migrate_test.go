package migrate

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
	"github.com/openfast/openfast/storetest"
)

type stores struct {
	meta   *sqlite.DB
	events *duckdb.DB
}

func open(t *testing.T) stores {
	t.Helper()
	dir := t.TempDir()
	meta, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	events, err := duckdb.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	return stores{meta, events}
}

// TestRun copies metadata and events, stops in the middle, and runs
// again: everything arrives once.
func TestRun(t *testing.T) {
	ctx := context.Background()
	src, dst := open(t), open(t)
	u := &openfast.User{ID: openfast.NewID(), Email: "ann@example.com"}
	if err := src.meta.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_x", OwnerID: u.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	if err := src.meta.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	var events []openfast.Event
	for i := range 40 {
		e := storetest.SampleEvent(site.ID, i)
		e.Time = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 20 * time.Minute)
		events = append(events, e)
	}
	if err := src.events.InsertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	source := Source{Metadata: src.meta, Events: src.events, ID: "test"}
	target := Target{Metadata: dst.meta, Events: dst.events, BatchEvents: 5} // batches of two hours

	// The first run stops after a few hours.
	stop, cancel := context.WithCancel(ctx)
	_, err := Run(stop, source, target, func(done, total int64) {
		if done >= 9 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	copied, _ := dst.events.CountEvents(ctx, site.ID)
	if copied == 0 || copied == 40 {
		t.Fatalf("the interrupted run copied %d events; the test wants it stopped in the middle", copied)
	}

	var last int64
	s, err := Run(ctx, source, target, func(done, total int64) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != 40 || s.EventsNew != 40-copied || s.Hours != 14 || s.HoursSkipped == 0 || last != 40 {
		t.Fatalf("second run: %+v, progress ended at %d", s, last)
	}
	if s.Metadata["users"] != 1 || s.Metadata["websites"] != 1 || s.MetadataNew != 0 {
		t.Fatalf("metadata: %+v (imported by the first run)", s)
	}
	if n, _ := dst.events.CountEvents(ctx, site.ID); n != 40 {
		t.Fatalf("%d events after the second run, want 40", n)
	}
	s, err = Run(ctx, source, target, nil)
	if err != nil || s.EventsNew != 0 || s.HoursSkipped != 14 {
		t.Fatalf("third run: %+v, %v", s, err)
	}
	if n, _ := dst.events.CountEvents(ctx, site.ID); n != 40 {
		t.Fatalf("%d events after the third run, want 40", n)
	}
	w, err := dst.meta.WebsiteByTrackingID(ctx, "dfid_x")
	if err != nil || w.ID != site.ID {
		t.Fatalf("website after the copy: %+v, %v", w, err)
	}
}
