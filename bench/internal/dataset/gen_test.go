package dataset

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
)

var testConfig = Config{Events: 200_000, Sites: 3, Days: 10, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Seed: 42}

func newTestGenerator(t *testing.T, cfg Config) *Generator {
	t.Helper()
	g, err := NewGenerator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSites(t *testing.T) {
	sites := newTestGenerator(t, Config{Sites: 20, Events: 1000, Days: 1, End: testConfig.End, Seed: 1}).Sites()
	if len(sites) != 20 {
		t.Fatalf("%d sites, want 20", len(sites))
	}
	seen := map[string]bool{}
	sum := 0.0
	for i, s := range sites {
		if !openfast.ValidID(s.ID) || seen[s.ID] {
			t.Errorf("site %d: id %q is not a fresh ObjectId", i, s.ID)
		}
		seen[s.ID] = true
		if _, err := openfast.NormalizeDomain(s.Domain); err != nil {
			t.Errorf("site %d: domain %q: %v", i, s.Domain, err)
		}
		if !openfast.ValidTimezone(s.Timezone) {
			t.Errorf("site %d: time zone %q", i, s.Timezone)
		}
		if i > 1 && s.Weight >= sites[i-1].Weight {
			t.Errorf("site %d weighs %.4f, not less than site %d", i, s.Weight, i-1)
		}
		sum += s.Weight
	}
	if sites[0].Weight != 0.6 || math.Abs(sum-1) > 1e-9 {
		t.Errorf("site 0 weighs %.3f, all %.6f; want 0.6 and 1", sites[0].Weight, sum)
	}
	// The ids' time part is a day before the data starts; the rest comes
	// from the seed.
	again := newTestGenerator(t, Config{Sites: 20, Events: 5000, Days: 1, End: testConfig.End, Seed: 1}).Sites()
	if again[7] != sites[7] {
		t.Errorf("the sites depend on more than the seed: %+v, then %+v", sites[7], again[7])
	}
}

// sessionStats is what the test learns of one session.
type sessionStats struct {
	site            string
	visitor         openfast.UUID
	pageviews       int
	entry, referrer string // of the first pageview
	first, last     time.Time
	consistent      bool // every event had the entry and referrer of the first pageview
}

// TestGenerator reads the stream of testConfig twice in lock-step: the
// two must be identical, and the first is checked against the shape the
// generator promises.
func TestGenerator(t *testing.T) {
	cfg := testConfig
	g, twin := newTestGenerator(t, cfg), newTestGenerator(t, cfg)
	sites := g.Sites()
	locs := map[string]*time.Location{}
	for _, s := range sites {
		locs[s.ID], _ = time.LoadLocation(s.Timezone)
	}
	start := cfg.End.AddDate(0, 0, -cfg.Days)

	var (
		n, perSite0                int64
		byType                     = map[openfast.EventType]int64{}
		sessions                   = map[openfast.UUID]*sessionStats{}
		visitors                   = map[openfast.UUID]openfast.Event{} // first event
		visitorDays                = map[openfast.UUID]map[int]bool{}
		transactions               = map[string]bool{}
		prev                       time.Time
		hourly                     [24]int64 // site 0 (UTC) pageviews by hour
		withUTM, appHost, external int64
	)
	var ev, ev2 openfast.Event
	for g.Next(&ev) {
		if !twin.Next(&ev2) {
			t.Fatalf("the twin stream ended after %d events", n)
		}
		if ev != ev2 {
			t.Fatalf("event %d differs between two generators of one config:\n%+v\n%+v", n, ev, ev2)
		}
		n++
		if ev.Time.Before(prev) {
			t.Fatalf("event %d at %s comes after one at %s", n, ev.Time, prev)
		}
		prev = ev.Time
		if ev.Time.Before(start) || !ev.Time.Before(cfg.End) || ev.Time.Location() != time.UTC || ev.Time.Nanosecond()%1000 != 0 {
			t.Fatalf("event %d: time %s is not a UTC microsecond in [%s, %s)", n, ev.Time, start, cfg.End)
		}
		if ev.WebsiteID == sites[0].ID {
			perSite0++
		}
		byType[ev.Type]++

		s := sessions[ev.SessionID]
		if s == nil {
			if ev.Type != openfast.EventPageview {
				t.Fatalf("session %s starts with a %s", ev.SessionID, ev.Type)
			}
			s = &sessionStats{site: ev.WebsiteID, visitor: ev.VisitorID, entry: ev.Path, referrer: ev.Referrer, first: ev.Time, consistent: true}
			sessions[ev.SessionID] = s
			if ev.UTMSource != "" {
				withUTM++
			}
			if ev.Hostname != sites[0].Domain && ev.Hostname != sites[1].Domain && ev.Hostname != sites[2].Domain {
				appHost++
			}
		}
		if s.site != ev.WebsiteID || s.visitor != ev.VisitorID {
			t.Fatalf("session %s changes website or visitor", ev.SessionID)
		}
		if ev.EntryPath != s.entry || ev.SessionReferrer != s.referrer {
			s.consistent = false
		}
		s.last = ev.Time

		switch ev.Type {
		case openfast.EventPageview:
			s.pageviews++
			if ev.WebsiteID == sites[0].ID {
				hourly[ev.Time.Hour()]++
			}
			if s.pageviews > 1 && (ev.Referrer != "Direct/None" || ev.ReferrerHost != "" || ev.UTMSource != "") {
				t.Fatalf("a later pageview of a session has referrer %q (%q), utm_source %q", ev.Referrer, ev.ReferrerHost, ev.UTMSource)
			}
		case openfast.EventCustom:
			if !openfast.ValidGoalName(ev.Goal) {
				t.Fatalf("goal name %q", ev.Goal)
			}
		case openfast.EventPayment:
			if s.pageviews == 0 {
				t.Fatal("a payment comes before any pageview of its session")
			}
			if ev.RevenueCents < 500 || ev.RevenueCents > 50_000 || ev.Currency != "USD" || ev.TransactionID == "" {
				t.Fatalf("payment of %d %q, transaction %q", ev.RevenueCents, ev.Currency, ev.TransactionID)
			}
			if transactions[ev.TransactionID] {
				t.Fatalf("transaction id %s twice", ev.TransactionID)
			}
			transactions[ev.TransactionID] = true
		case openfast.EventIdentify:
			if ev.Props == "" {
				t.Fatal("an identify event without a user_id")
			}
		case openfast.EventExternalLink:
			external++
		default:
			t.Fatalf("event type %d", ev.Type)
		}

		if v, ok := visitors[ev.VisitorID]; !ok {
			visitors[ev.VisitorID] = ev
			visitorDays[ev.VisitorID] = map[int]bool{}
		} else if v.WebsiteID != ev.WebsiteID || v.CountryCode != ev.CountryCode || v.City != ev.City || v.Browser != ev.Browser ||
			v.OS != ev.OS || v.Device != ev.Device || v.ScreenWidth != ev.ScreenWidth || v.Language != ev.Language {
			t.Fatalf("visitor %s changes traits:\n%+v\n%+v", ev.VisitorID, v, ev)
		}
		visitorDays[ev.VisitorID][int(ev.Time.Sub(start)/(24*time.Hour))] = true
	}
	if twin.Next(&ev2) {
		t.Fatal("the twin stream goes on")
	}
	if n != cfg.Events {
		t.Fatalf("%d events, want %d", n, cfg.Events)
	}
	if other := newTestGenerator(t, Config{Events: 10, Sites: 3, Days: 10, End: cfg.End, Seed: 43}); other.Next(&ev2) && g.Sites()[0].ID == other.Sites()[0].ID {
		t.Error("another seed gives the same sites")
	}

	share := func(part, whole int64) float64 { return float64(part) / float64(whole) }
	check := func(what string, got, lo, hi float64) {
		t.Helper()
		t.Logf("%s: %.4f", what, got)
		if got < lo || got > hi {
			t.Errorf("%s = %.4f, want between %.4f and %.4f", what, got, lo, hi)
		}
	}
	check("site 0 share of events", share(perSite0, n), 0.57, 0.63)
	check("visitors per event", share(int64(len(visitors)), n), 0.20, 0.30)
	check("pageview share", share(byType[openfast.EventPageview], n), 0.94, 0.97)
	check("goal share", share(byType[openfast.EventCustom], n), 0.02, 0.04)
	check("payment share", share(byType[openfast.EventPayment], n), 0.002, 0.004)
	check("external link share", share(external, n), 0.005, 0.015)
	if byType[openfast.EventIdentify] == 0 {
		t.Error("no identify events")
	}

	var bounces, inconsistent, crossMidnight int64
	pageviews := 0
	for _, s := range sessions {
		pageviews += s.pageviews
		if s.pageviews == 1 {
			bounces++
		}
		if !s.consistent {
			inconsistent++
		}
		loc := locs[s.site]
		if s.first.In(loc).YearDay() != s.last.In(loc).YearDay() {
			crossMidnight++
		}
	}
	ns := int64(len(sessions))
	check("bounce share of sessions", share(bounces, ns), 0.40, 0.60)
	check("pageviews per session", float64(pageviews)/float64(ns), 2.2, 2.8)
	check("UTM share of sessions", share(withUTM, ns), 0.07, 0.13)
	check("second-hostname share of sessions", share(appHost, ns), 0.01, 0.05)
	if inconsistent > 0 {
		t.Errorf("%d sessions have events whose entry path or session referrer is not their first pageview's", inconsistent)
	}
	if crossMidnight == 0 {
		t.Error("no session crosses local midnight")
	}
	returning := 0
	for _, days := range visitorDays {
		if len(days) > 1 {
			returning++
		}
	}
	check("share of visitors seen on several days", share(int64(returning), int64(len(visitors))), 0.05, 0.5)
	var day, night int64
	for h := 12; h < 16; h++ {
		day += hourly[h]
	}
	for h := 1; h < 5; h++ {
		night += hourly[h]
	}
	if day < 3*night {
		t.Errorf("site 0 (UTC) has %d pageviews from 12:00 to 16:00 and %d from 1:00 to 5:00; want a daytime peak", day, night)
	}
}

// TestGeneratorExactCount checks that the stream has exactly Events events
// in small and odd configurations too.
func TestGeneratorExactCount(t *testing.T) {
	for _, cfg := range []Config{
		{Events: 1, Sites: 1, Days: 1, Seed: 1},
		{Events: 777, Sites: 2, Days: 30, Seed: 2},
		{Events: 20_000, Sites: 25, Days: 1, Seed: 3},
	} {
		cfg.End = testConfig.End
		g := newTestGenerator(t, cfg)
		var ev openfast.Event
		n := int64(0)
		for g.Next(&ev) {
			n++
		}
		if n != cfg.Events {
			t.Errorf("%+v: %d events", cfg, n)
		}
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := testConfig
	cfg.Events = 120_000
	sites, n, err := Load(ctx, dir, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if n != cfg.Events || len(sites) != cfg.Sites {
		t.Fatalf("loaded %d events of %d sites, want %d of %d", n, len(sites), cfg.Events, cfg.Sites)
	}
	checkLoaded(t, dir, sites, n)
}

// checkLoaded checks the data folder that Load filled.
func checkLoaded(t *testing.T, dir string, sites []Site, n int64) {
	t.Helper()
	ctx := context.Background()
	meta, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer meta.Close()
	for _, s := range sites {
		w, err := meta.Website(ctx, s.ID)
		if err != nil {
			t.Fatalf("website %s: %v", s.Domain, err)
		}
		if w.Domain != s.Domain || w.Timezone != s.Timezone {
			t.Errorf("website %s is %s in %s, want %s in %s", s.ID, w.Domain, w.Timezone, s.Domain, s.Timezone)
		}
	}
	events, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	var count, websites int64
	if err := events.SQL().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT website_id) FROM events`).Scan(&count, &websites); err != nil {
		t.Fatal(err)
	}
	if count != n || websites != int64(len(sites)) {
		t.Errorf("events table: %d events of %d websites, want %d of %d", count, websites, n, len(sites))
	}
}

// TestLoadFull loads the default configuration (10,000,000 events, 20
// sites, 90 days) and reports the time it takes and the size of the
// event database. It runs only with OPENFAST_BENCH_FULL=1:
//
//	OPENFAST_BENCH_FULL=1 go test -run TestLoadFull -v -timeout 30m ./bench/internal/dataset/
func TestLoadFull(t *testing.T) {
	if os.Getenv("OPENFAST_BENCH_FULL") != "1" {
		t.Skip("set OPENFAST_BENCH_FULL=1 to load the default 10,000,000 events")
	}
	dir := t.TempDir()
	start := time.Now()
	sites, n, err := Load(context.Background(), dir, Config{End: testConfig.End, Seed: 1}, testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	fi, err := os.Stat(filepath.Join(dir, duckdb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events of %d sites in %s (%.0f events/s); %s is %.1f MB", n, len(sites), took.Round(time.Second),
		float64(n)/took.Seconds(), duckdb.FileName, float64(fi.Size())/(1<<20))
	checkLoaded(t, dir, sites, n)
}

// testWriter writes Load's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
