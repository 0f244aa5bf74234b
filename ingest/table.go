package ingest

// table is a map bounded in entries and in bytes, for the in-memory state
// that public requests grow (sessions, visitors, user agents, unknown
// tracking ids). When a new entry does not fit, it evicts entries picked at
// random (the map's iteration order) until it does: it never refuses, and
// an attacker who floods it cannot pick what goes. It is not safe for
// concurrent use; its owner locks.
type table[K comparable, V any] struct {
	m          map[K]V
	bytes      int // the sum of size over the entries
	maxEntries int
	maxBytes   int
	size       func(K, V) int // an estimate of an entry's memory, overhead included
}

// tableStats is what a table holds, for tests and metrics.
type tableStats struct{ Entries, Bytes int }

func newTable[K comparable, V any](maxEntries, maxBytes int, size func(K, V) int) *table[K, V] {
	return &table[K, V]{m: map[K]V{}, maxEntries: maxEntries, maxBytes: maxBytes, size: size}
}

func (t *table[K, V]) get(k K) (V, bool) {
	v, ok := t.m[k]
	return v, ok
}

// put sets k to v, evicting other entries if the table would exceed its
// bounds. An entry larger than the byte bound on its own is not kept.
func (t *table[K, V]) put(k K, v V) {
	n := t.size(k, v)
	if old, ok := t.m[k]; ok {
		t.bytes -= t.size(k, old)
		if n > t.maxBytes {
			delete(t.m, k)
			return
		}
		t.m[k] = v // first, so that the eviction below spares it
		t.bytes += n
		t.evict(k, 0, 0)
		return
	}
	if n > t.maxBytes {
		return
	}
	t.evict(k, 1, n)
	t.m[k] = v
	t.bytes += n
}

// evict removes entries other than keep until entries more entries of
// bytes in all fit.
func (t *table[K, V]) evict(keep K, entries, bytes int) {
	for len(t.m)+entries > t.maxEntries || t.bytes+bytes > t.maxBytes {
		evicted := false
		for victim := range t.m {
			if victim != keep {
				t.delete(victim)
				evicted = true
				break
			}
		}
		if !evicted {
			return
		}
	}
}

func (t *table[K, V]) delete(k K) {
	if old, ok := t.m[k]; ok {
		t.bytes -= t.size(k, old)
		delete(t.m, k)
	}
}

func (t *table[K, V]) stats() tableStats { return tableStats{Entries: len(t.m), Bytes: t.bytes} }
