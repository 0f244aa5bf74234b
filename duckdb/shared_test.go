package duckdb

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestShare: concurrent askers of a read share one run of it; a write
// makes the next ask read again; a read that panics leaves no one
// waiting; with sharedEntries reads under way, more askers read on their
// own.
func TestShare(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)

	runs := 0
	release := make(chan struct{})
	var wg sync.WaitGroup
	values := make([]any, 5)
	for i := range values {
		wg.Go(func() {
			v, err := db.share(ctx, "k", func() (any, error) {
				runs++ // one run only: no race
				<-release
				return 42, nil
			})
			if err != nil {
				t.Errorf("asker %d: %v", i, err)
			}
			values[i] = v
		})
	}
	close(release)
	wg.Wait()
	if runs != 1 || fmt.Sprint(values) != "[42 42 42 42 42]" {
		t.Errorf("%d runs, values %v", runs, values)
	}

	// Kept until a write.
	read := func() int {
		v, err := db.share(ctx, "k", func() (any, error) { runs++; return runs, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v.(int)
	}
	if v := read(); v != 42 || runs != 1 {
		t.Errorf("kept read: %v, %d runs", v, runs)
	}
	if err := db.InsertEvents(ctx, []openfast.Event{storetest.SampleEvent(openfast.NewID(), 1)}); err != nil {
		t.Fatal(err)
	}
	if v := read(); v != 2 {
		t.Errorf("after a write: %v, want a new read", v)
	}

	// The stores' reads share only when asked together (r.Shared).
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	r := analytics.Request{WebsiteID: openfast.NewID(), Range: analytics.Range{Start: start, End: start.Add(24 * time.Hour)}}
	sch := analytics.Schedule{Unit: analytics.UnitDay, Window: r.Range, Shifts: analytics.Shifts(start, r.Range.End, time.UTC), Location: time.UTC}
	for _, shared := range []bool{false, true} {
		r.Shared = shared
		before := db.shared.reads
		for range 3 {
			if _, _, err := db.SeriesWithTotals(ctx, r, sch); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Revenue(ctx, r, &sch); err != nil {
				t.Fatal(err)
			}
		}
		if n, want := db.shared.reads-before, map[bool]int{false: 0, true: 2}[shared]; n != want {
			t.Errorf("shared %v: %d shared reads, want %d", shared, n, want)
		}
	}

	// A panic.
	func() {
		defer func() { recover() }()
		db.share(ctx, "p", func() (any, error) { panic("boom") })
	}()
	if v, err := db.share(ctx, "p", func() (any, error) { return "again", nil }); err != nil || v != "again" {
		t.Errorf("after a panic: %v %v", v, err)
	}

	// Full.
	block := make(chan struct{})
	started := make(chan struct{}, sharedEntries)
	var busy sync.WaitGroup
	for i := range sharedEntries {
		busy.Go(func() {
			db.share(ctx, fmt.Sprint("busy", i), func() (any, error) { started <- struct{}{}; <-block; return nil, nil })
		})
	}
	for range sharedEntries {
		<-started
	}
	before := db.shared.reads
	if v, err := db.share(ctx, "one more", func() (any, error) { return "own", nil }); err != nil || v != "own" || db.shared.reads != before || db.shared.entries["one more"] != nil {
		t.Errorf("with %d reads under way: %v %v, %d kept reads more; want a read of its own, not kept", sharedEntries, v, err, db.shared.reads-before)
	}
	close(block)
	busy.Wait()
}
