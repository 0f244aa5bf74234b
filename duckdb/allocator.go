package duckdb

/*
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

// DuckDB's Linux x86-64 builds allocate through a statically linked,
// prefixed jemalloc. Weak, so that a build without it links and skips the
// purge and the decay.
extern int duckdb_je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) __attribute__((weak));

static int openfast_purge_duckdb_allocator(void) {
	if (duckdb_je_mallctl == NULL) {
		return -1;
	}
	duckdb_je_mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	// 4096 is MALLCTL_ARENAS_ALL: every arena.
	return duckdb_je_mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
}

// openfast_set_duckdb_decay sets how long jemalloc keeps the pages DuckDB
// frees before it returns them to the system (dirty, then muzzy): for the
// arenas to come, and for those that exist (an index not in use yet fails,
// and takes the default when it is).
static int openfast_set_duckdb_decay(long ms) {
	if (duckdb_je_mallctl == NULL) {
		return -1;
	}
	ssize_t v = (ssize_t)ms;
	int err = duckdb_je_mallctl("arenas.dirty_decay_ms", NULL, NULL, &v, sizeof v);
	if (err == 0) {
		err = duckdb_je_mallctl("arenas.muzzy_decay_ms", NULL, NULL, &v, sizeof v);
	}
	unsigned n = 0;
	size_t len = sizeof n;
	if (err == 0) {
		err = duckdb_je_mallctl("arenas.narenas", &n, &len, NULL, 0);
	}
	if (err != 0) {
		return err;
	}
	char name[64];
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof name, "arena.%u.dirty_decay_ms", i);
		duckdb_je_mallctl(name, NULL, NULL, &v, sizeof v);
		snprintf(name, sizeof name, "arena.%u.muzzy_decay_ms", i);
		duckdb_je_mallctl(name, NULL, NULL, &v, sizeof v);
	}
	return 0;
}

static long openfast_duckdb_decay(const char *name) {
	ssize_t v = -1;
	size_t len = sizeof v;
	if (duckdb_je_mallctl == NULL || duckdb_je_mallctl(name, &v, &len, NULL, 0) != 0) {
		return -1;
	}
	return (long)v;
}
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"
)

// allocatorDecay is how long DuckDB's allocator keeps freed pages for
// reuse before it hands them back to the system; DuckDB sets 1 s. A read
// of the dashboard allocates its hash tables anew (several MB each, per
// thread, zeroed), and a page load's reads and the next load's come a
// second or more apart: with 1 s most of their memory came fresh from the
// system, a page fault a page, about a tenth of a load's CPU. 10 s (jemalloc's
// own default) keeps it for them; memory a burst took still goes back
// within about 10 s of allocator activity, and the background threads
// (settings) return it when the process falls idle.
const allocatorDecay = 10 * time.Second

// setAllocatorDecay sets allocatorDecay, once for the process (jemalloc's
// settings are the process's), before the first database opens: it
// reports whether there was an allocator to set.
var setAllocatorDecay = sync.OnceValue(func() bool {
	return C.openfast_set_duckdb_decay(C.long(allocatorDecay.Milliseconds())) == 0
})

// allocatorDecaySetting reads one of the allocator's decay settings in
// milliseconds ("arenas.dirty_decay_ms", "arena.0.muzzy_decay_ms"), or -1.
func allocatorDecaySetting(name string) int64 {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	return int64(C.openfast_duckdb_decay(c))
}

// releaseMemory hands the memory DuckDB has freed back to the operating
// system at once, rather than over allocatorDecay: after an indexing
// round or an import, which allocate far more than the reads and loads
// that follow. It reports whether there was an allocator to purge.
func releaseMemory() bool {
	return C.openfast_purge_duckdb_allocator() == 0
}
