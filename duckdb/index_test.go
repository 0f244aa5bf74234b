package duckdb

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestOlderFileIsNumberedAndIndexed: a file from before the site and
// index columns gets them when opened, and the background indexer indexes
// its pageviews; the reads agree with the reference before and after.
func TestOlderFileIsNumberedAndIndexed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	data := storetest.GenerateAnalyticsEvents(rand.New(rand.NewPCG(3, 4)), 30)
	db, err := open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertEvents(ctx, data); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	// What files made before numbered migrations, the website numbers and
	// the index lack (and the coordinates and the import marks, which come
	// after the index columns).
	for _, stmt := range []string{"ALTER TABLE events DROP COLUMN tech_changed", "ALTER TABLE events DROP COLUMN import_id", "DROP TABLE imports", "ALTER TABLE events DROP COLUMN latitude", "ALTER TABLE events DROP COLUMN longitude", "DROP TABLE schema_migrations", "DROP TABLE open_goal_updates", "DROP TABLE sites", "ALTER TABLE events DROP COLUMN site", "ALTER TABLE events DROP COLUMN prev_visitor_pageview",
		"ALTER TABLE events DROP COLUMN prev_session_pageview", "ALTER TABLE events DROP COLUMN second_prev_session_pageview", "ALTER TABLE events DROP COLUMN prev_page_pageview",
		"ALTER TABLE events DROP COLUMN prev_referrer_pageview", "ALTER TABLE events DROP COLUMN prev_country_pageview", "ALTER TABLE events DROP COLUMN nearest_pageview_before",
		"ALTER TABLE events DROP COLUMN nearest_pageview_after"} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ref := &storetest.Reference{Events: data}
	sites := map[string]bool{}
	for _, e := range data {
		sites[e.WebsiteID] = true
	}
	check := func() {
		t.Helper()
		for site := range sites {
			r := analytics.Request{WebsiteID: site, Range: analytics.Range{All: true}}
			want, err1 := ref.Totals(ctx, r)
			have, err2 := db.Totals(ctx, r)
			if err1 != nil || err2 != nil || want != have {
				t.Fatalf("totals of %s: reference %+v (%v), store %+v (%v)", site, want, err1, have, err2)
			}
		}
	}
	check() // whatever is indexed by now
	waitIndexed(t, db)
	check()
	// Later inserts, some earlier in time than everything indexed, are
	// indexed in the background too.
	more := storetest.GenerateAnalyticsEvents(rand.New(rand.NewPCG(5, 6)), 10)
	for i := range more {
		more[i].WebsiteID = data[i%len(data)].WebsiteID
		if i%2 == 0 {
			more[i].Time = more[i].Time.AddDate(0, -1, 0)
		}
	}
	if err := db.InsertEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	data = append(data, more...)
	ref.Events = data
	waitIndexed(t, db)
	check()
	var unnumbered int
	if err := db.SQL().QueryRow("SELECT count(*) FROM events WHERE site IS NULL").Scan(&unnumbered); err != nil || unnumbered != 0 {
		t.Fatalf("%d events without a site number (%v)", unnumbered, err)
	}
}

// waitIndexed waits until the background indexer has indexed every row.
func waitIndexed(t *testing.T, db *DB) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := db.Pending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still pending after a minute", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLiveIndexConverges: rows computed on insert by the live index, and
// the pending ones indexed incrementally afterwards, end up with the
// columns that indexing the whole history from scratch gives. With reopen,
// the file is closed halfway and reopened: the live index then reads the
// visitors already in the file (in small chunks), and leaves every new row
// of theirs pending. The generated pageviews come minutes apart: seeds 0
// and 1 let a pageview update goals up to two hours old (as the insert's
// UPDATE does), seeds 2 and 3 keep the default (the indexer does it), and
// from seed 4 on the live index numbers so few keys (pages, referrers,
// countries) that it keeps dropping them and its states.
func TestLiveIndexConverges(t *testing.T) {
	defer func(n int64, k int, age int64) { seenChunk, maxKeys, maxOpenAge = n, k, age }(seenChunk, maxKeys, maxOpenAge)
	seenChunk = 50
	ctx := context.Background()
	defaultAge := maxOpenAge
	for seed := range uint64(6) {
		check := true // most rows computed on insert
		maxOpenAge = defaultAge
		if seed < 2 {
			maxOpenAge = int64(2 * time.Hour / time.Microsecond)
		}
		if seed >= 4 {
			maxKeys, check = 8, false
		}
		reopen := seed%2 == 1
		path := filepath.Join(t.TempDir(), FileName)
		db, err := open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		waitLive(t, db)
		r := rand.New(rand.NewPCG(seed, 11))
		events := storetest.GenerateAnalyticsEvents(r, 40)
		if reopen {
			slices.SortStableFunc(events, func(a, b openfast.Event) int { return a.Time.Compare(b.Time) })
			first := events[:len(events)/2]
			insertLive(t, db, first, r, check)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if db, err = open(ctx, path); err != nil {
				t.Fatal(err)
			}
			waitLive(t, db)
			events = events[len(events)/2:]
			old := map[openfast.UUID]bool{}
			for _, e := range first {
				if indexed(e.Type) {
					old[e.VisitorID] = true
				}
			}
			// Only the rows of new visitors may be computed.
			var maybe int64
			for _, e := range events {
				if indexed(e.Type) && !old[e.VisitorID] {
					maybe++
				}
			}
			before := countComputed(t, db)
			insertLive(t, db, events, r, false)
			if n := countComputed(t, db) - before; n > maybe {
				t.Fatalf("seed %d: %d rows computed on insert after reopening, but only %d are of new visitors", seed, n, maybe)
			}
		} else {
			insertLive(t, db, events, r, check)
		}
		if err := db.index(ctx, false); err != nil {
			t.Fatal(err)
		}
		live := indexColumns(t, db)
		if _, err := db.SQL().Exec("UPDATE events SET prev_visitor_pageview = NULL, prev_session_pageview = NULL, second_prev_session_pageview = NULL, prev_page_pageview = NULL, prev_referrer_pageview = NULL, prev_country_pageview = NULL, nearest_pageview_before = NULL, nearest_pageview_after = NULL, tech_changed = NULL"); err != nil {
			t.Fatal(err)
		}
		if err := db.Index(ctx); err != nil {
			t.Fatal(err)
		}
		whole := indexColumns(t, db)
		for rid, want := range whole {
			if live[rid] != want {
				t.Errorf("seed %d, row %d: live %s, whole history %s", seed, rid, live[rid], want)
			}
		}
		db.Close()
	}
}

// countComputed counts the indexed rows.
func countComputed(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow("SELECT count(*) FROM events WHERE type IN (" + pageview + ", " + custom + ", " + payment + ") AND NOT " + pendingRow).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// indexColumns reads every row's index columns, by rowid.
func indexColumns(t *testing.T, db *DB) map[int64]string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT rowid, concat_ws(' ', type, ts, prev_visitor_pageview, prev_session_pageview, second_prev_session_pageview, prev_page_pageview, prev_referrer_pageview, prev_country_pageview, nearest_pageview_before, nearest_pageview_after, coalesce(CAST(tech_changed AS VARCHAR), 'null')) FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var rid int64
		var s string
		if err := rows.Scan(&rid, &s); err != nil {
			t.Fatal(err)
		}
		out[rid] = s
	}
	return out
}
