// Command retention measures the retention job's deletions while events
// keep arriving: how many events a second the job deletes, one day per
// statement as it does on DuckDB (a month per mutation on ClickHouse), and
// how many events a second the loader stores meanwhile, against the same
// loader alone.
//
// Each run loads -events events into a fresh store: one website with
// -share of them spread evenly over -days days, the rest on another
// website over the same days (the deletions must leave them). Then the
// loader inserts batches of -batch events of the time now, back to back,
// as the ingest journal's loader does: alone for -quiet, then while the
// website's oldest -expire days are deleted through
// openfast.EventExpirer, day after day, without the job's pause (the
// figure is the store's; the job pauses 50 ms after each deletion, which
// leaves the loader more room still). It checks the counts left.
//
// Usage:
//
//	go run ./bench/retention                                   # DuckDB, 3 runs
//	go run ./bench/retention -events 2000000 -runs 3
//	go run ./bench/retention -store clickhouse -clickhouse-url clickhouse://127.0.0.1:9000/openfast_bench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/clickhouse"
	"github.com/openfast/openfast/duckdb"
)

func main() {
	events := flag.Int("events", 1_000_000, "events loaded before each run")
	days := flag.Int("days", 60, "days the events span, ending today")
	expire := flag.Int("expire", 30, "oldest days deleted in each run")
	share := flag.Float64("share", 0.8, "share of the events on the website whose days are deleted")
	batch := flag.Int("batch", 500, "events per insert of the concurrent loader")
	quiet := flag.Duration("quiet", 3*time.Second, "how long the loader runs alone before the deletions")
	runs := flag.Int("runs", 3, "runs, each on a fresh store")
	store := flag.String("store", "duckdb", "duckdb or clickhouse")
	chURL := flag.String("clickhouse-url", "", "ClickHouse database URL for -store clickhouse (each run's events are deleted after it)")
	flag.Parse()
	if *expire >= *days || *share <= 0 || *share > 1 || *batch < 1 {
		fmt.Fprintln(os.Stderr, "retention: want -expire < -days, 0 < -share <= 1 and -batch >= 1")
		os.Exit(2)
	}
	fmt.Printf("retention benchmark: %s, %d events over %d days (%.0f%% on the website), %d oldest days deleted, loader batches of %d\n",
		*store, *events, *days, *share*100, *expire, *batch)
	var rates []float64
	for r := 1; r <= *runs; r++ {
		res, err := run(*store, *chURL, *events, *days, *expire, *share, *batch, *quiet)
		if err != nil {
			fmt.Fprintln(os.Stderr, "retention:", err)
			os.Exit(1)
		}
		fmt.Printf("run %d: deleted %d events in %d statements in %s: %.0f events/s (%.1f ms a day); loader %.0f events/s alone, %.0f events/s during the deletions\n",
			r, res.deleted, res.statements, res.took.Round(time.Millisecond), float64(res.deleted)/res.took.Seconds(),
			float64(res.took.Milliseconds())/float64(*expire), res.quietRate, res.busyRate)
		rates = append(rates, float64(res.deleted)/res.took.Seconds())
	}
	sort.Float64s(rates)
	fmt.Printf("median: %.0f events deleted/s\n", rates[len(rates)/2])
}

type store interface {
	openfast.EventStore
	openfast.EventExpirer
}

type result struct {
	deleted, statements int64
	took                time.Duration
	quietRate, busyRate float64
}

func open(ctx context.Context, kind, chURL string) (store, func(), error) {
	switch kind {
	case "duckdb":
		dir, err := os.MkdirTemp("", "openfast-retention-")
		if err != nil {
			return nil, nil, err
		}
		db, err := duckdb.OpenDataDir(ctx, dir)
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return db, func() { db.Close(); os.RemoveAll(dir) }, nil
	case "clickhouse":
		if chURL == "" {
			return nil, nil, fmt.Errorf("-store clickhouse needs -clickhouse-url")
		}
		db, err := clickhouse.Open(ctx, chURL)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown -store %q", kind)
}

func event(site string, i int, at time.Time) openfast.Event {
	v := openfast.UUID{0x40, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 0, 0x40, 0, 0x80}
	s := v
	s[15] = 0x5e
	return openfast.Event{WebsiteID: site, Time: at, Type: openfast.EventPageview, VisitorID: v, SessionID: s,
		Hostname: "example.com", Path: fmt.Sprintf("/p/%d", i%200), EntryPath: "/", CountryCode: "US", Browser: "Chrome", OS: "Linux", Device: "desktop"}
}

func run(kind, chURL string, n, days, expire int, share float64, batch int, quiet time.Duration) (*result, error) {
	ctx := context.Background()
	db, closeDB, err := open(ctx, kind, chURL)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	site, other := openfast.NewID(), openfast.NewID()
	defer func() {
		// A shared ClickHouse database keeps none of the run's events.
		for _, w := range []string{site, other} {
			db.ExpireEvents(ctx, w, time.Unix(0, 0), time.Now().Add(time.Hour))
		}
	}()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(days - 1))
	span := time.Duration(days) * 24 * time.Hour
	buf := make([]openfast.Event, 0, 50_000)
	var onSite, onSiteExpired int64
	cutoff := first.AddDate(0, 0, expire)
	for i := range n {
		at := first.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		w := other
		if float64(i%1000) < share*1000 {
			w = site
			onSite++
			if at.Before(cutoff) {
				onSiteExpired++
			}
		}
		buf = append(buf, event(w, i, at))
		if len(buf) == cap(buf) || i == n-1 {
			if err := db.InsertEvents(ctx, buf); err != nil {
				return nil, fmt.Errorf("load: %w", err)
			}
			buf = buf[:0]
		}
	}
	// The loader: batches of events of now, back to back, on both websites.
	var loaded atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := 0; ; j++ {
			select {
			case <-stop:
				return
			default:
			}
			b := make([]openfast.Event, batch)
			for k := range b {
				w := site
				if k%5 == 0 {
					w = other
				}
				b[k] = event(w, n+j*batch+k, time.Now())
			}
			if err := db.InsertEvents(ctx, b); err != nil {
				loadErr = err
				return
			}
			loaded.Add(int64(batch))
		}
	}()
	time.Sleep(quiet)
	quietLoaded := loaded.Load()
	res := &result{quietRate: float64(quietLoaded) / quiet.Seconds()}
	step := 1
	if b, ok := db.(interface{ ExpireBatchDays() int }); ok {
		step = b.ExpireBatchDays()
	}
	start := time.Now()
	for d := first; d.Before(cutoff); d = d.AddDate(0, 0, step) {
		end := d.AddDate(0, 0, step)
		if end.After(cutoff) {
			end = cutoff
		}
		del, err := db.ExpireEvents(ctx, site, d, end)
		if err != nil {
			close(stop)
			wg.Wait()
			return nil, err
		}
		res.deleted += del
		res.statements++
	}
	res.took = time.Since(start)
	busyLoaded := loaded.Load() - quietLoaded
	close(stop)
	wg.Wait()
	if loadErr != nil {
		return nil, fmt.Errorf("the loader: %w", loadErr)
	}
	res.busyRate = float64(busyLoaded) / res.took.Seconds()
	if res.deleted != onSiteExpired {
		return nil, fmt.Errorf("deleted %d events, want %d", res.deleted, onSiteExpired)
	}
	left, err := db.CountEvents(ctx, site)
	if err != nil {
		return nil, err
	}
	// The website keeps its newer days and the loader's events (4 in 5).
	total := loaded.Load()
	if want := onSite - onSiteExpired + total - total/int64(batch)*int64((batch+4)/5); left != want {
		return nil, fmt.Errorf("%d events left on the website, want %d", left, want)
	}
	return res, nil
}
