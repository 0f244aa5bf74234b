package ingest

import (
	"context"
	"errors"
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

// TestWriter_GroupCommit: every acknowledged event is stored, in fewer
// commits than events.
func TestWriter_GroupCommit(t *testing.T) {
	store := openStore(t)
	w := NewWriter(store, 10_000, 1000)
	var batches, committed atomic.Int64
	w.SetOnBatch(func(n int, err error) {
		if err == nil {
			batches.Add(1)
			committed.Add(int64(n))
		}
	})
	go w.Run()
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
	n, err := store.CountEvents(context.Background(), site)
	if err != nil || n != acked.Load() || n != 5000 || committed.Load() != 5000 {
		t.Fatalf("stored %d, acknowledged %d, committed %d (%v)", n, acked.Load(), committed.Load(), err)
	}
	if batches.Load() >= 5000 {
		t.Fatalf("%d commits for 5000 events: no grouping", batches.Load())
	}
	t.Logf("5000 events in %d commits", batches.Load())
}

// gatedStore holds commits until released: the way to fill the queue on
// purpose.
type gatedStore struct {
	openfast.EventStore
	gate    chan struct{}
	entered atomic.Int64 // commits that reached the gate
	fail    error
}

func (g *gatedStore) InsertEvents(ctx context.Context, evs []openfast.Event) error {
	g.entered.Add(1)
	<-g.gate
	if g.fail != nil {
		return g.fail
	}
	return g.EventStore.InsertEvents(ctx, evs)
}

func TestWriter_QueueFull(t *testing.T) {
	store := &gatedStore{EventStore: openStore(t), gate: make(chan struct{})}
	w := NewWriter(store, 2, 1)
	go w.Run()
	site := openfast.NewID()
	results := make(chan error, 4)
	// One event is taken by the writer (blocked at the gate); two fill the
	// queue; then the queue is full.
	submit := func(i int) { results <- w.Submit(context.Background(), storetest.SampleEvent(site, i)) }
	go submit(0)
	waitFor(t, func() bool { return store.entered.Load() == 1 })
	go submit(1)
	go submit(2)
	waitFor(t, func() bool { return len(w.queue) == 2 })
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 9)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("submit to a full queue: %v", err)
	}
	close(store.gate)
	for range 3 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if n, _ := store.CountEvents(context.Background(), site); n != 3 {
		t.Fatalf("stored %d, want the 3 acknowledged", n)
	}
	if err := w.Submit(context.Background(), storetest.SampleEvent(site, 10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
}

// TestWriter_FailedCommitIsNotAcknowledged: a commit that fails reaches
// every submitter of its batch as an error.
func TestWriter_FailedCommitIsNotAcknowledged(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	store := &gatedStore{EventStore: openStore(t), gate: gate, fail: errors.New("disk full")}
	w := NewWriter(store, 10, 10)
	go w.Run()
	defer w.Close()
	if err := w.Submit(context.Background(), storetest.SampleEvent(openfast.NewID(), 1)); err == nil {
		t.Fatal("a failed commit was acknowledged")
	}
}

// TestWriter_CloseDrains: events queued before Close are all committed.
func TestWriter_CloseDrains(t *testing.T) {
	store := &gatedStore{EventStore: openStore(t), gate: make(chan struct{})}
	w := NewWriter(store, 100, 10)
	go w.Run()
	site := openfast.NewID()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := w.Submit(context.Background(), storetest.SampleEvent(site, i)); err != nil {
				t.Error(err)
			}
		})
	}
	// The writer holds at most one batch (10) at the gate; the rest queue.
	waitFor(t, func() bool { return len(w.queue) >= 40 })
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	close(store.gate)
	<-closed
	wg.Wait()
	if n, _ := store.CountEvents(context.Background(), site); n != 50 {
		t.Fatalf("stored %d of 50 after Close", n)
	}
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
