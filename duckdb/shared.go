package duckdb

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Some reads are asked for several times at once: the dashboard's page
// loads its panels together, and the chart and the key figures read the
// same series, the four breakdowns the same payers (payers.go). DB.share
// runs such a read once for all who ask while it is under way, and keeps
// its answer a few seconds for those who follow, as long as no write has
// changed the events (DB.writes): a read never misses a write made before
// it was asked.

// Bounds of the shared reads.
const (
	// sharedEntries is the most reads kept at once.
	sharedEntries = 8
	// sharedTTL is how long a read is reused (unless a write ends it
	// first): the time for a page's panels to ask for it.
	sharedTTL = 10 * time.Second
)

// sharedReads are the reads kept, by key.
type sharedReads struct {
	mu      sync.Mutex
	entries map[string]*sharedRead
	// reads counts the reads run, for tests.
	reads int
}

// sharedRead is one read; done is closed when value, err and at are set.
type sharedRead struct {
	version uint64
	done    chan struct{}
	at      time.Time // when the read ended
	value   any
	err     error
}

// finished reports whether the read has ended.
func (e *sharedRead) finished() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// ended reports whether the read is finished and may no longer be used:
// failed, or older than sharedTTL.
func (e *sharedRead) ended(now time.Time) bool {
	return e.finished() && (e.err != nil || now.Sub(e.at) > sharedTTL)
}

// share returns the value of the read named key (which must name its
// statements and arguments whole): a kept one of the same data, the one
// under way, or read's, run now. When the one under way failed (its
// caller gave up) or sharedEntries reads are under way, read runs for
// this caller alone.
func (d *DB) share(ctx context.Context, key string, read func() (any, error)) (any, error) {
	version := d.writes.Load()
	p := &d.shared
	p.mu.Lock()
	if p.entries == nil {
		p.entries = make(map[string]*sharedRead)
	}
	now := time.Now()
	if e := p.entries[key]; e != nil && e.version == version && !e.ended(now) {
		p.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return read()
		}
		return e.value, nil
	}
	// Drop what has ended, then the oldest if still full.
	var oldest *sharedRead
	var oldestKey string
	for k, x := range p.entries {
		if x.version != version || x.ended(now) {
			delete(p.entries, k)
		} else if x.finished() && (oldest == nil || x.at.Before(oldest.at)) {
			oldest, oldestKey = x, k
		}
	}
	if len(p.entries) >= sharedEntries && oldest != nil {
		delete(p.entries, oldestKey)
	}
	if len(p.entries) >= sharedEntries {
		p.mu.Unlock()
		return read()
	}
	e := &sharedRead{version: version, done: make(chan struct{})}
	p.entries[key] = e
	p.reads++
	p.mu.Unlock()

	defer func() {
		// A read that panicked must not leave the others waiting.
		if !e.finished() {
			e.err, e.at = errors.New("the shared read did not end"), time.Now()
			close(e.done)
		}
	}()
	e.value, e.err = read()
	e.at = time.Now()
	close(e.done)
	// Its memory goes when it may no longer be used.
	time.AfterFunc(sharedTTL, func() {
		p.mu.Lock()
		if p.entries[key] == e {
			delete(p.entries, key)
		}
		p.mu.Unlock()
	})
	return e.value, e.err
}
