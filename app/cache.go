package app

import (
	"sync"
	"sync/atomic"
	"time"
)

// genCache is an in-process cache whose entries expire after ttl and all
// at once when invalidate is called. A loader reads the generation with
// begin before it reads the store, and put drops the entry if anything
// invalidated the cache meanwhile, so a value read before a change is never
// served after it.
type genCache[K comparable, V any] struct {
	ttl time.Duration
	max int // when full, the cache starts over

	gen atomic.Uint64
	mu  sync.RWMutex
	m   map[K]genEntry[V]
}

type genEntry[V any] struct {
	v       V
	gen     uint64
	expires time.Time
}

func newGenCache[K comparable, V any](ttl time.Duration, max int) *genCache[K, V] {
	return &genCache[K, V]{ttl: ttl, max: max, m: make(map[K]genEntry[V])}
}

// get returns a fresh entry.
func (c *genCache[K, V]) get(k K, now time.Time) (V, bool) {
	gen := c.gen.Load()
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// begin returns the generation to pass to put for a value about to be loaded.
func (c *genCache[K, V]) begin() uint64 { return c.gen.Load() }

// put stores v as loaded during generation gen.
func (c *genCache[K, V]) put(k K, v V, gen uint64, now time.Time) {
	if gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = genEntry[V]{v: v, gen: gen, expires: now.Add(c.ttl)}
	c.mu.Unlock()
}

// invalidate makes every entry stale at once.
func (c *genCache[K, V]) invalidate() { c.gen.Add(1) }
