package duckdb

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
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
	for _, stmt := range []string{"DROP TABLE sites", "ALTER TABLE events DROP COLUMN site", "ALTER TABLE events DROP COLUMN vprev",
		"ALTER TABLE events DROP COLUMN sprev", "ALTER TABLE events DROP COLUMN sprev2", "ALTER TABLE events DROP COLUMN pprev",
		"ALTER TABLE events DROP COLUMN rprev", "ALTER TABLE events DROP COLUMN cprev", "ALTER TABLE events DROP COLUMN pvprev",
		"ALTER TABLE events DROP COLUMN pvnext"} {
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
