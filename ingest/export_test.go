package ingest

import (
	"sync"
	"time"
)

// HoldCommits makes the writer of cfg hold its commits: its clock stands
// still, so every commit after the first waits out the commit gap, and
// that wait lasts until release is closed. The events that come meanwhile
// stay in the queue. holding is closed when the committer first holds a
// commit.
func HoldCommits(cfg *WriterConfig, release <-chan struct{}) (holding <-chan struct{}) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg.now = func() time.Time { return start }
	held := make(chan struct{})
	var once sync.Once
	cfg.sleep = func(time.Duration) {
		once.Do(func() { close(held) })
		<-release
	}
	return held
}
