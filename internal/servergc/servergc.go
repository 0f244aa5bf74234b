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
// twice that between collections. At 50 it grows to 1.5 times: in the
// ingest benchmark (30 s at 20,000 events/s) the server's peak memory fell
// from 313-315 MB to 285-286 MB, for about 4% of its throughput. Once the
// ingest path allocated less, 40 gave 281 MB where 50 gave 293-301 MB
// (30 s at 23,000 events/s), at the same throughput.
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
