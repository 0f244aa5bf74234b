// Package migrate copies an installation's metadata and events from one
// pair of stores to another: from the embedded SQLite and DuckDB files to
// PostgreSQL and ClickHouse, for `openfast admin migrate`.
//
// A copy can stop at any point and run again. Metadata is imported in one
// transaction that skips the rows already there. Events are copied one UTC
// hour at a time, each hour as one numbered batch of a journal named after
// the source, which the event store records with the batch: an hour copied
// before is skipped, never stored twice.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

// BatchStore is the target event store: it stores numbered batches of a
// named journal exactly once.
type BatchStore interface {
	InsertBatch(ctx context.Context, journal string, seq uint64, events []openfast.Event) error
	LastBatch(ctx context.Context, journal string) (uint64, error)
}

// Source is what is copied.
type Source struct {
	Metadata openfast.MetadataCopier
	Events   openfast.EventExporter
	// ID names the source installation; the target's journal of this copy
	// is "migrate-" + ID, so that a second run resumes the first.
	ID string
}

// Target is where it goes.
type Target struct {
	Metadata openfast.MetadataCopier
	Events   BatchStore
}

// Progress is told how many events are copied (or found copied before) so
// far, out of total.
type Progress func(done, total int64)

// Summary counts what a run found and did.
type Summary struct {
	Metadata     map[string]int // rows in the source, by table
	MetadataNew  int            // rows this run inserted
	Events       int64          // events in the source
	EventsNew    int64          // events this run copied
	Hours        int            // UTC hours with events
	HoursSkipped int            // hours copied by an earlier run
}

// Run copies src to dst.
func Run(ctx context.Context, src Source, dst Target, progress Progress) (*Summary, error) {
	if src.ID == "" {
		return nil, errors.New("the source needs an id")
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	dump, err := src.Metadata.ExportMetadata(ctx)
	if err != nil {
		return nil, err
	}
	s := &Summary{Metadata: dump.Counts()}
	if s.MetadataNew, err = dst.Metadata.ImportMetadata(ctx, dump); err != nil {
		return nil, err
	}

	hours, err := src.Events.EventHours(ctx)
	if err != nil {
		return nil, err
	}
	s.Hours = len(hours)
	for _, h := range hours {
		s.Events += h.Events
	}
	journal := "migrate-" + src.ID
	last, err := dst.Events.LastBatch(ctx, journal)
	if err != nil {
		return nil, err
	}
	var done int64
	progress(done, s.Events)
	for _, h := range hours {
		seq := batchNumber(h.Start)
		if seq <= last {
			s.HoursSkipped++
			done += h.Events
			progress(done, s.Events)
			continue
		}
		events, err := src.Events.ExportEvents(ctx, h.Start)
		if err != nil {
			return s, err
		}
		if int64(len(events)) != h.Events {
			return s, fmt.Errorf("the events of %s changed during the copy (%d, then %d): stop the server that writes them", h.Start.Format(time.RFC3339), h.Events, len(events))
		}
		if err := dst.Events.InsertBatch(ctx, journal, seq, events); err != nil {
			return s, fmt.Errorf("copy the events of %s: %w", h.Start.Format(time.RFC3339), err)
		}
		s.EventsNew += h.Events
		done += h.Events
		progress(done, s.Events)
	}
	return s, nil
}

// batchNumber numbers an hour's batch: hours since 1970 plus one, so that
// batches ascend with time and start above 0.
func batchNumber(hour time.Time) uint64 {
	return uint64(hour.Unix()/3600) + 1
}
