// Package ingest is the POST /api/events hot path: decode, validate,
// enrich, and commit events in groups through one writer.
package ingest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/openfast/openfast"
)

// Errors a submitter gets instead of an acknowledgement. Both are 503s:
// the client should retry later; nothing was stored.
var (
	ErrQueueFull = openfast.Errorf(openfast.EUNAVAILABLE, "The event queue is full; retry shortly.")
	ErrClosed    = openfast.Errorf(openfast.EUNAVAILABLE, "The server is shutting down; retry shortly.")
)

// Writer is the event store's only writer. A bounded queue feeds it; it
// commits what has queued up as one batch (group commit) and tells each
// submitter when its event is durable, or why it is not.
type Writer struct {
	store    openfast.EventStore
	maxBatch int
	queue    chan *item

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	done   chan struct{}

	onBatch atomic.Pointer[func(n int, err error)]
}

// SetOnBatch sets a function called after each commit with the batch size
// and the commit's error (for metrics). It may be called at any time.
func (w *Writer) SetOnBatch(f func(n int, err error)) { w.onBatch.Store(&f) }

type item struct {
	ev   openfast.Event
	done chan error
}

// NewWriter returns a writer with a queue of queueSize events that commits
// at most maxBatch events at a time. Call Run to start it.
func NewWriter(store openfast.EventStore, queueSize, maxBatch int) *Writer {
	return &Writer{store: store, maxBatch: maxBatch, queue: make(chan *item, queueSize), done: make(chan struct{})}
}

// Submit queues an event and waits until it is committed. It returns
// ErrQueueFull at once when the queue is full, and ErrClosed after Close.
// If ctx ends first, the event may still be committed.
func (w *Writer) Submit(ctx context.Context, ev openfast.Event) error {
	it := &item{ev: ev, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.queue <- it:
	default:
		w.mu.RUnlock()
		return ErrQueueFull
	}
	w.mu.RUnlock()
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("wait for event commit: %w", ctx.Err())
	}
}

// QueueLen is the number of events waiting for a commit.
func (w *Writer) QueueLen() int { return len(w.queue) }

// Run commits batches until Close, then commits what is left and returns.
func (w *Writer) Run() {
	defer close(w.done)
	batch := make([]*item, 0, w.maxBatch)
	events := make([]openfast.Event, 0, w.maxBatch)
	for it := range w.queue {
		batch = append(batch[:0], it)
	fill:
		for len(batch) < w.maxBatch {
			select {
			case more, ok := <-w.queue:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		events = events[:0]
		for _, b := range batch {
			events = append(events, b.ev)
		}
		err := w.store.InsertEvents(context.Background(), events)
		if err != nil {
			err = fmt.Errorf("commit %d events: %w", len(events), err)
		}
		if f := w.onBatch.Load(); f != nil {
			(*f)(len(batch), err)
		}
		for _, b := range batch {
			b.done <- err
		}
	}
}

// Close stops accepting events, waits until every queued event is
// committed (or has failed), and returns.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}
