package duckdb

/*
#include <stddef.h>

// DuckDB's Linux x86-64 builds allocate through a statically linked,
// prefixed jemalloc. Weak, so that a build without it links and skips the
// purge.
extern int duckdb_je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) __attribute__((weak));

static int openfast_purge_duckdb_allocator(void) {
	if (duckdb_je_mallctl == NULL) {
		return -1;
	}
	duckdb_je_mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	// 4096 is MALLCTL_ARENAS_ALL: every arena.
	return duckdb_je_mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
}
*/
import "C"

// releaseMemory hands the memory DuckDB has freed back to the operating
// system. DuckDB's jemalloc keeps freed pages for reuse for a while; after
// each journal segment's load and checkpoint that is most of the
// process's resident memory. It reports whether there was an allocator to
// purge.
func releaseMemory() bool {
	return C.openfast_purge_duckdb_allocator() == 0
}
