package dataset

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/openfast/openfast/duckdb"
)

// Storage is what a data folder's event database takes on disk.
type Storage struct {
	// FileBytes is the size of the event database's file (and of its
	// write-ahead log, when there is one).
	FileBytes int64 `json:"fileBytes"`
	// PeakSpillBytes is the most its temporary folder (DuckDB's spill to
	// disk, events.duckdb.tmp) held while the data set was loaded and
	// indexed, when SpillMeasured (not in a folder loaded by an older
	// build).
	PeakSpillBytes int64 `json:"peakSpillBytes"`
	SpillMeasured  bool  `json:"spillMeasured"`
}

// MeasureStorage returns the size of the event database of dir now.
func MeasureStorage(dir string) Storage {
	var s Storage
	for _, name := range []string{duckdb.FileName, duckdb.FileName + ".wal"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			s.FileBytes += fi.Size()
		}
	}
	return s
}

// Report prints the storage of n events, per event, against the goals.
func (s Storage) Report(n int64) string {
	line := fmt.Sprintf("storage: the event database takes %.1f MB for %d events, %.1f bytes per event (goal: at most 40)",
		float64(s.FileBytes)/1e6, n, float64(s.FileBytes)/float64(max(n, 1)))
	if s.SpillMeasured {
		line += fmt.Sprintf("; its temporary files held at most %.1f MB while loading and indexing (goal: at most the database)", float64(s.PeakSpillBytes)/1e6)
	}
	return line
}

// spillWatch samples the size of the temporary folder of dir's event
// database every 200 ms until stop, which returns the largest size seen.
func spillWatch(dir string) (stop func() int64) {
	tmp := filepath.Join(dir, duckdb.FileName+".tmp")
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak int64
	sample := func() {
		var size int64
		filepath.WalkDir(tmp, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					size += fi.Size()
				}
			}
			return nil
		})
		peak = max(peak, size)
	}
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// PeakRSS is the most memory this process has held resident (its
// high-water mark, from getrusage), as "123 MB", or "unknown".
func PeakRSS() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d MB", ru.Maxrss*1024/1_000_000) // Maxrss is in KiB on Linux
}
