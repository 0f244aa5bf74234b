package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/storetest"
)

func openStore(t *testing.T) *duckdb.DB {
	t.Helper()
	db, err := duckdb.OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openWriter starts a writer on store with a journal in dir.
func openWriter(t *testing.T, store openfast.EventStore, dir string, cfg WriterConfig) *Writer {
	t.Helper()
	cfg.Store, cfg.Dir = store, dir
	if cfg.QueueSize == 0 {
		cfg.QueueSize = 10_000
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 1000
	}
	w, err := OpenWriter(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func count(t *testing.T, store openfast.EventStore, site string) int64 {
	t.Helper()
	n, err := store.CountEvents(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWriter_GroupCommit: every acknowledged event is stored, in fewer
// journal commits than events.
func TestWriter_GroupCommit(t *testing.T) {
	store := openStore(t)
	w := openWriter(t, store, t.TempDir(), WriterConfig{SegmentEvents: 700})
	var batches, committed, loaded atomic.Int64
	w.SetOnBatch(func(n int, err error) {
		if err == nil {
			batches.Add(1)
			committed.Add(int64(n))
		}
	})
	w.SetOnLoad(func(n int, err error) {
		if err == nil {
			loaded.Add(int64(n))
		}
	})
	site := openfast.NewID()
	var acked atomic.Int64
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			for i := range 100 {
				if err := w.Submit(context.Background(), storetest.SampleEvent(site, g*100+i)); err != nil {
					t.Errorf("submit: %v", err)
					return
				}
				acked.Add(1)
			}
		})
	}
	wg.Wait()
	w.Close()
	n := count(t, store, site)
	if n != acked.Load() || n != 5000 || committed.Load() != 5000 || loaded.Load() != 5000 {
		t.Fatalf("stored %d, acknowledged %d, committed %d, loaded %d", n, acked.Load(), committed.Load(), loaded.Load())
	}
	if batches.Load() >= 5000 {
		t.Fatalf("%d commits for 5000 events: no grouping", batches.Load())
	}
	if w.Unloaded() != 0 {
		t.Fatalf("%d events unloaded after Close", w.Unloaded())
	}
	t.Logf("5000 events in %d commits", batches.Load())
}

// fakeClock is a clock that moves only when something sleeps on it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestWriter_CommitGap: events that arrive within CommitGap of the start
// of the last commit share the next one. The writer's clock moves only
// when the committer sleeps, and its sleep lasts until the 20 events have
// come, however slowly.
func TestWriter_CommitGap(t *testing.T) {
	store := openStore(t)
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var w *Writer
	w = openWriter(t, store, t.TempDir(), WriterConfig{CommitGap: 500 * time.Millisecond, now: clock.now, sleep: func(d time.Duration) {
		waitFor(t, func() bool { return w.QueueLen() == 19 }) // and one taken
		clock.advance(d)
	}})
	var batches []int
	var mu sync.Mutex
	w.SetOnBatch(func(n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("commit: %v", err)
		}
		batches = append(batches, n)
	})
	site := openfast.NewID()
	start := clock.now()
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 0)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := w.Submit(context.Background(), storetest.SampleEvent(site, i+1)); err != nil {
				t.Errorf("submit: %v", err)
			}
		})
	}
	wg.Wait()
	elapsed := clock.now().Sub(start)
	mu.Lock()
	got := slices.Clone(batches)
	mu.Unlock()
	if !slices.Equal(got, []int{1, 20}) {
		t.Fatalf("commits of %v events, want [1 20]: the 20 events that came within the gap did not share one", got)
	}
	if elapsed < 400*time.Millisecond {
		t.Fatalf("the second commit came %v after the first, before the gap of 500ms", elapsed)
	}
}

// TestWriter_Sync: after Sync, every acknowledged event is readable,
// without waiting for the load delay.
func TestWriter_Sync(t *testing.T) {
	store := openStore(t)
	w := openWriter(t, store, t.TempDir(), WriterConfig{LoadDelay: time.Hour})
	site := openfast.NewID()
	for round := 1; round <= 3; round++ {
		for i := range 10 {
			if err := w.Submit(context.Background(), storetest.SampleEvent(site, i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, store, site); n != int64(10*round) {
			t.Fatalf("round %d: %d events readable after Sync, want %d", round, n, 10*round)
		}
	}
	// Nothing pending: Sync answers at once.
	if err := w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestWriter_LoadsWithoutSync: events reach the store after the load
// delay on their own.
func TestWriter_LoadsWithoutSync(t *testing.T) {
	store := openStore(t)
	w := openWriter(t, store, t.TempDir(), WriterConfig{LoadDelay: 20 * time.Millisecond})
	site := openfast.NewID()
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return count(t, store, site) == 1 })
}

// gatedStore holds loads until released, and can fail them.
type gatedStore struct {
	openfast.EventStore
	gate    chan struct{}
	entered atomic.Int64 // loads that reached the gate
	fails   atomic.Int64 // loads still to fail
}

func (g *gatedStore) InsertBatch(ctx context.Context, journal string, seq uint64, evs []openfast.Event) error {
	g.entered.Add(1)
	<-g.gate
	if g.fails.Add(-1) >= 0 {
		return errors.New("disk full")
	}
	return g.EventStore.InsertBatch(ctx, journal, seq, evs)
}

// TestWriter_StoreBehindAnswersQueueFull: when the store falls too far
// behind, Submit refuses new events instead of letting the journal grow
// without bound.
func TestWriter_StoreBehindAnswersQueueFull(t *testing.T) {
	store := &gatedStore{EventStore: openStore(t), gate: make(chan struct{})}
	w := openWriter(t, store, t.TempDir(), WriterConfig{SegmentEvents: 2, MaxUnloaded: 4})
	site := openfast.NewID()
	for i := range 4 {
		if err := w.Submit(context.Background(), storetest.SampleEvent(site, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 9)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("submit with 4 events unloaded: %v", err)
	}
	close(store.gate)
	w.Close()
	if n := count(t, store, site); n != 4 {
		t.Fatalf("stored %d, want the 4 acknowledged", n)
	}
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
}

// TestWriter_FailedJournalWriteIsNotAcknowledged: a commit that cannot be
// written reaches its submitter as an error.
func TestWriter_FailedJournalWriteIsNotAcknowledged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	w := openWriter(t, openStore(t), dir, WriterConfig{})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := w.Submit(context.Background(), storetest.SampleEvent(openfast.NewID(), 1)); err == nil {
		t.Fatal("an event that could not be journaled was acknowledged")
	}
}

// TestWriter_FailedLoadsAreRetried: a store that fails for a while loses
// nothing; the loader retries.
func TestWriter_FailedLoadsAreRetried(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	store := &gatedStore{EventStore: openStore(t), gate: gate}
	store.fails.Store(3)
	w := openWriter(t, store, t.TempDir(), WriterConfig{})
	var failed atomic.Int64
	w.SetOnLoad(func(_ int, err error) {
		if err != nil {
			failed.Add(1)
		}
	})
	site := openfast.NewID()
	for i := range 5 {
		if err := w.Submit(context.Background(), storetest.SampleEvent(site, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, store, site); n != 5 || failed.Load() != 3 {
		t.Fatalf("stored %d after %d failed loads, want 5 after 3", n, failed.Load())
	}
}

// TestWriter_CloseDrains: events queued before Close are all stored.
func TestWriter_CloseDrains(t *testing.T) {
	store := &gatedStore{EventStore: openStore(t), gate: make(chan struct{})}
	w := openWriter(t, store, t.TempDir(), WriterConfig{MaxBatch: 10, SegmentEvents: 10})
	site := openfast.NewID()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := w.Submit(context.Background(), storetest.SampleEvent(site, i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitFor(t, func() bool { return store.entered.Load() == 1 })
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	close(store.gate)
	<-closed
	if n := count(t, store, site); n != 50 {
		t.Fatalf("stored %d of 50 after Close", n)
	}
}

// TestWriter_Recovery: segments a crashed process left are loaded at the
// next open, exactly once: a segment the store already has is only
// removed, and a torn record at the end is cut off.
func TestWriter_Recovery(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	site := openfast.NewID()
	segment := func(seq uint64, from, n int) []byte {
		var b []byte
		for i := from; i < from+n; i++ {
			ev := storetest.SampleEvent(site, i)
			b = appendRecord(b, &ev)
		}
		return b
	}
	// Segment 1 was loaded before the crash, but not yet removed. The
	// journal has no name yet (it was made before journals had names), so
	// it keeps the legacy one its batches were recorded under.
	one := segment(1, 0, 5)
	if err := store.InsertBatch(context.Background(), LegacyJournalName, 1, mustDecode(t, one)); err != nil {
		t.Fatal(err)
	}
	write := func(seq uint64, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, segmentName(seq)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(1, one)
	write(2, segment(2, 5, 7))
	torn := segment(3, 12, 4)
	write(3, torn[:len(torn)-3]) // the last record lost its end
	write(4, nil)                // created, then the crash

	w := openWriter(t, store, dir, WriterConfig{})
	if n := count(t, store, site); n != 5+7+3 {
		t.Fatalf("stored %d after recovery, want 15", n)
	}
	if seqs, _ := listSegments(dir); len(seqs) != 0 {
		t.Fatalf("segments left after recovery: %v", seqs)
	}
	// New events go to a segment numbered after every old one.
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 100)); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if last, _ := store.LastBatch(context.Background(), LegacyJournalName); last != 5 {
		t.Fatalf("last batch %d, want 5", last)
	}
	if n := count(t, store, site); n != 16 {
		t.Fatalf("stored %d, want 16", n)
	}
}

func mustDecode(t *testing.T, b []byte) []openfast.Event {
	t.Helper()
	evs, n := decodeSegment(b, nil)
	if n != len(b) {
		t.Fatalf("decoded %d of %d bytes", n, len(b))
	}
	return evs
}

// waitFor polls cond, giving up after a generous bound (it asserts
// nothing about time).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 30_000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never held")
}
