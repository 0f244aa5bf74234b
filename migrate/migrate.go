// Package migrate copies an installation's metadata and events from one
// pair of stores to another: from the embedded SQLite and DuckDB files to
// PostgreSQL and ClickHouse, for `openfast admin migrate`.
//
// A copy can stop at any point and run again. Metadata is imported in one
// transaction that skips the rows already there. Events are read one UTC
// hour at a time and copied in batches of consecutive hours (about
// DefaultBatchEvents events),
// each a numbered batch of a journal named after the source, which the
// event store records with the batch: a batch copied before is skipped,
// never stored twice.
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
	Metadata openfast.MetadataCopier // not read when the target has none
	Events   openfast.EventExporter
	// ID names the source installation; the target's journal of this copy
	// is "migrate-" + ID, so that a second run resumes the first.
	ID string
}

// Target is where it goes.
type Target struct {
	Metadata openfast.MetadataCopier // nil: copy the events only
	Events   BatchStore
	// BatchEvents is about how many events one batch copies; 0 means
	// DefaultBatchEvents. Runs that resume one another must use the same.
	BatchEvents int64
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
	s := &Summary{}
	if dst.Metadata != nil {
		dump, err := src.Metadata.ExportMetadata(ctx)
		if err != nil {
			return nil, err
		}
		s.Metadata = dump.Counts()
		if s.MetadataNew, err = dst.Metadata.ImportMetadata(ctx, dump); err != nil {
			return nil, err
		}
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
	size := dst.BatchEvents
	if size <= 0 {
		size = DefaultBatchEvents
	}
	for _, g := range group(hours, size) {
		seq := batchNumber(g[len(g)-1].Start)
		var n int64
		for _, h := range g {
			n += h.Events
		}
		if seq <= last {
			s.HoursSkipped += len(g)
			done += n
			progress(done, s.Events)
			continue
		}
		var events []openfast.Event
		for _, h := range g {
			evs, err := src.Events.ExportEvents(ctx, h.Start)
			if err != nil {
				return s, err
			}
			if int64(len(evs)) != h.Events {
				return s, fmt.Errorf("the events of %s changed during the copy (%d, then %d): stop the server that writes them", h.Start.Format(time.RFC3339), h.Events, len(evs))
			}
			events = append(events, evs...)
		}
		if err := dst.Events.InsertBatch(ctx, journal, seq, events); err != nil {
			return s, fmt.Errorf("copy the events of %s to %s: %w", g[0].Start.Format(time.RFC3339), g[len(g)-1].Start.Add(time.Hour).Format(time.RFC3339), err)
		}
		s.EventsNew += n
		done += n
		progress(done, s.Events)
	}
	return s, nil
}

// DefaultBatchEvents is about how many events one batch copies:
// consecutive hours are grouped until they hold at least this many, so
// that the target gets large inserts.
const DefaultBatchEvents = 20_000

// group cuts the hours into runs of consecutive hours holding at least
// min events each (the last run may hold fewer). The runs depend on the
// hours only, so a run that stopped finds the same batches again.
func group(hours []openfast.EventHour, min int64) [][]openfast.EventHour {
	var out [][]openfast.EventHour
	var cur []openfast.EventHour
	var n int64
	for _, h := range hours {
		cur = append(cur, h)
		if n += h.Events; n >= min {
			out = append(out, cur)
			cur, n = nil, 0
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// batchNumber numbers the batch that ends with an hour: hours since 1970 plus one, so that
// batches ascend with time and start above 0.
func batchNumber(hour time.Time) uint64 {
	return uint64(hour.Unix()/3600) + 1
}
