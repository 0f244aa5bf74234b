package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
)

// loadBatch is how many events one InsertEvents call commits.
const loadBatch = 100_000

// progressEvery is how often (in events) Load reports its progress.
const progressEvery = 1_000_000

// loadMemoryLimit caps DuckDB's memory while Load runs. Left to its
// default (80% of the machine's memory) DuckDB keeps the blocks of the
// whole table cached as it grows, and the process takes more memory at the
// same load rate (docs/benchmarks.md). The setting belongs to the open
// database and is not stored in the file.
const loadMemoryLimit = "400MB"

// OwnerEmail is the account that owns the generated websites.
const OwnerEmail = "analytics-bench@example.com"

// Load fills the data folder dir as `openfast serve` lays it out: the
// SQLite metadata store with one owner and the generated websites, and the
// DuckDB event store with the events of cfg, committed in batches of
// loadBatch. It reports its progress and the final rate to progress (may
// be io.Discard), and returns the websites and the number of events
// stored.
func Load(ctx context.Context, dir string, cfg Config, progress io.Writer) (sites []Site, n int64, err error) {
	g, err := NewGenerator(cfg)
	if err != nil {
		return nil, 0, err
	}
	cfg = g.Config()
	sites = g.Sites()

	meta, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, 0, err
	}
	defer func() { err = errors.Join(err, meta.Close()) }()
	owner := &openfast.User{ID: openfast.NewID(), Email: OwnerEmail}
	if err := meta.CreateUser(ctx, owner); err != nil {
		return nil, 0, fmt.Errorf("create owner: %w", err)
	}
	created := cfg.End.AddDate(0, 0, -cfg.Days-1)
	for _, s := range sites {
		w := &openfast.Website{ID: s.ID, TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: owner.ID,
			Domain: s.Domain, Timezone: s.Timezone, Currency: "USD", CreatedAt: created}
		if err := meta.CreateWebsite(ctx, w, nil); err != nil {
			return nil, 0, fmt.Errorf("create website %s: %w", s.Domain, err)
		}
	}

	events, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, 0, err
	}
	defer func() { err = errors.Join(err, events.Close()) }()
	if _, err := events.SQL().ExecContext(ctx, "SET memory_limit = '"+loadMemoryLimit+"'"); err != nil {
		return nil, 0, fmt.Errorf("limit the event database's memory: %w", err)
	}

	start := time.Now()
	batch := make([]openfast.Event, loadBatch)
	next := int64(progressEvery)
	for {
		k := 0
		for k < len(batch) && g.Next(&batch[k]) {
			k++
		}
		if k == 0 {
			break
		}
		if err := events.InsertEvents(ctx, batch[:k]); err != nil {
			return nil, n, fmt.Errorf("insert events %d to %d: %w", n, n+int64(k), err)
		}
		n += int64(k)
		if n >= next {
			el := time.Since(start)
			fmt.Fprintf(progress, "loaded %d of %d events in %s (%.0f events/s)\n",
				n, cfg.Events, el.Round(100*time.Millisecond), float64(n)/el.Seconds())
			next += progressEvery
		}
		if k < len(batch) {
			break
		}
	}
	el := time.Since(start)
	fmt.Fprintf(progress, "loaded %d events into %s in %s: %.0f events/s\n",
		n, dir, el.Round(100*time.Millisecond), float64(n)/el.Seconds())
	return sites, n, IndexAll(ctx, events)
}

// IndexAll waits until the store has indexed every pageview (the
// background indexer keeps up with live traffic; a bulk load or a file
// from before the index leaves a backlog) and has read its visitors for
// the live index (a few seconds after opening a large file), so that the
// reads are measured as a running server answers them.
func IndexAll(ctx context.Context, events *duckdb.DB) error {
	start := time.Now()
	if err := events.WaitLive(ctx); err != nil {
		return err
	}
	fmt.Printf("read the visitors for the live index in %s\n", time.Since(start).Round(100*time.Millisecond))
	pending, err := events.Pending(ctx)
	if err != nil || pending == 0 {
		return err
	}
	start = time.Now()
	if err := events.Index(ctx); err != nil {
		return err
	}
	fmt.Printf("indexed %d pending pageviews in %s\n", pending, time.Since(start).Round(100*time.Millisecond))
	return nil
}
