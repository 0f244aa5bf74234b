// Package dataset is the analytics data set of the benchmarks in bench/:
// a generator of realistic traffic (gen.go), its bulk load into a data
// folder laid out as `openfast serve` lays it out (SQLite metadata, DuckDB
// events; load.go), and the reuse of a folder loaded by an earlier run.
package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
)

// Manifest records what a data folder holds, so that a later run can
// reuse it.
type Manifest struct {
	Config Config `json:"config"`
	Sites  []Site `json:"sites"`
	Events int64  `json:"events"`
	// Storage is what the events took on disk once loaded and indexed.
	Storage Storage `json:"storage"`
}

// ManifestName is the manifest's file in the data folder.
const ManifestName = "bench-analytics.json"

// Prepare returns a data folder holding the data set of cfg, loading it
// if needed: into dir, which must then be empty, or, when dir is "", into
// a new temporary folder named after tempPrefix that cleanup removes. A
// dir whose manifest says it holds the same data set is reused as it is.
func Prepare(ctx context.Context, dir string, cfg Config, tempPrefix string) (_ string, m Manifest, cleanup func(), err error) {
	cleanup = func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", tempPrefix); err != nil {
			return "", m, cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
	}
	want := Config{Events: cfg.Events, Sites: cfg.Sites, Days: cfg.Days, End: cfg.End, Seed: cfg.Seed}
	if b, err := os.ReadFile(filepath.Join(dir, ManifestName)); err == nil && json.Unmarshal(b, &m) == nil &&
		m.Config.Events == want.Events && m.Config.Sites == want.Sites && m.Config.Days == want.Days && m.Config.End.Equal(want.End) && m.Config.Seed == want.Seed {
		fmt.Printf("reusing %d events in %s\n", m.Events, dir)
		return dir, m, cleanup, nil
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return "", m, cleanup, fmt.Errorf("%s is not empty and holds no matching data set", dir)
	}
	stopWatch := spillWatch(dir)
	sites, n, err := Load(ctx, dir, want, os.Stdout)
	peak := stopWatch()
	if err != nil {
		cleanup()
		return "", m, func() {}, err
	}
	m = Manifest{Config: want, Sites: sites, Events: n, Storage: MeasureStorage(dir)}
	m.Storage.PeakSpillBytes, m.Storage.SpillMeasured = peak, true
	fmt.Println(m.Storage.Report(n))
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o600); err != nil {
		cleanup()
		return "", m, func() {}, err
	}
	return dir, m, cleanup, nil
}

// Open opens the data folder's stores, as serve opens them, and waits
// until the event store has indexed every pageview (IndexAll), so that
// reads are measured as a running server answers them. The caller closes
// both.
func Open(ctx context.Context, dir string) (*sqlite.DB, *duckdb.DB, error) {
	meta, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	events, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, nil, errors.Join(err, meta.Close())
	}
	if limit := duckdb.DefaultMemoryLimit(); limit != "" { // serve's default
		if err := events.SetMemoryLimit(ctx, limit); err != nil {
			return nil, nil, errors.Join(err, events.Close(), meta.Close())
		}
	}
	if err := IndexAll(ctx, events); err != nil {
		return nil, nil, errors.Join(err, events.Close(), meta.Close())
	}
	return meta, events, nil
}

// Write stores and deletes an event of a website of its own (none of the
// data set's), a minute before at: a write, as a live website's traffic
// makes. The event store shares a read among the requests that ask for it
// until the next write (duckdb/shared.go); a benchmark writes before each
// timed request so that none reuses the reads of the one before. The
// event is an identify event, which the analytics index leaves alone (no
// background indexing, nothing for its deletion to conflict with).
func Write(ctx context.Context, events *duckdb.DB, at time.Time) error {
	const site = "be0c4be0c4be0c4be0c4be0c"
	e := openfast.Event{WebsiteID: site, Time: at.Add(-time.Minute), Type: openfast.EventIdentify,
		VisitorID: openfast.UUID{1}, SessionID: openfast.UUID{1}}
	if err := events.InsertEvents(ctx, []openfast.Event{e}); err != nil {
		return fmt.Errorf("write before a timed request: %w", err)
	}
	if _, err := events.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventIdentify}); err != nil {
		return fmt.Errorf("write before a timed request: %w", err)
	}
	return nil
}

// BigAndSmall returns the site with the most traffic and the one with the
// least.
func (m Manifest) BigAndSmall() (big, small Site) {
	big, small = m.Sites[0], m.Sites[0]
	for _, s := range m.Sites {
		if s.Weight > big.Weight {
			big = s
		}
		if s.Weight < small.Weight {
			small = s
		}
	}
	return big, small
}

// Flags are the command-line flags that choose a data set: -events,
// -sites, -days, -seed and -end, with the defaults of bench/analytics.
type Flags struct {
	cfg Config
	end string
}

// AddFlags defines the data set's flags on f.
func AddFlags(f *flag.FlagSet) *Flags {
	fl := &Flags{}
	f.Int64Var(&fl.cfg.Events, "events", 10_000_000, "events to generate")
	f.IntVar(&fl.cfg.Sites, "sites", 20, "websites")
	f.IntVar(&fl.cfg.Days, "days", 90, "days of traffic")
	f.Uint64Var(&fl.cfg.Seed, "seed", 1, "seed of the generated traffic")
	f.StringVar(&fl.end, "end", "2026-11-01", "the data ends at this UTC date")
	return fl
}

// FlagsUsage says what the data set's flags accept.
const FlagsUsage = "-end must be a date, -events 1 or more, -sites 2 or more, -days 8 or more"

// Config returns the data set the flags chose, or an error (FlagsUsage)
// when they do not make one.
func (fl *Flags) Config() (Config, error) {
	end, err := time.Parse(time.DateOnly, fl.end)
	if err != nil || fl.cfg.Events < 1 || fl.cfg.Sites < 2 || fl.cfg.Days < 8 {
		return Config{}, errors.New(FlagsUsage)
	}
	cfg := fl.cfg
	cfg.End = end
	return cfg, nil
}
