// Package servergc sets the garbage collector the way `openfast serve` runs
// it, for the server and for the benchmarks that run the server in process.
package servergc

import (
	"os"
	"runtime/debug"
)

// Percent is the garbage collector's target (GOGC) that `openfast
// serve` runs with when the GOGC environment variable is not set. Most of
// the server's Go heap lives long (the ingest path's caches, the live
// index's visitor states), and with Go's default of 100 the heap grows to
// twice that between collections; at 40 it grows to 1.4 times, which
// keeps the server's peak memory under its goal at the same throughput
// (docs/benchmarks.md).
const Percent = 40

// Tune sets the garbage collector's target to Percent, unless
// GOGC is set in the environment (which then decides, as in any Go
// program). serve calls it, and so do the benchmarks that run the server
// in process.
func Tune() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(Percent)
	}
}
