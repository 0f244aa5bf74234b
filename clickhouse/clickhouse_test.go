package clickhouse

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/internal/migration"
	"github.com/openfast/openfast/storetest"
)

// These tests need a ClickHouse server: OPENFAST_TEST_CLICKHOUSE_URL names
// it, and .ci/clickhouse starts a throwaway one. Each test works in a
// database of its own, dropped at the end.

const serverHint = "start a server with `.ci/clickhouse start` and set the URL it prints"

var ctx = context.Background()

// testURL returns the server's URL with a new database name in it.
func testURL(t *testing.T) string {
	t.Helper()
	server := storetest.ServerURL(t, "OPENFAST_TEST_CLICKHOUSE_URL", serverHint)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("OPENFAST_TEST_CLICKHOUSE_URL: %v", err)
	}
	var b [6]byte
	crand.Read(b[:])
	database := "openfast_test_" + hex.EncodeToString(b[:])
	u.Path = "/" + database
	t.Cleanup(func() { dropDatabase(t, server, database) })
	return u.String()
}

func dropDatabase(t *testing.T, server, database string) {
	opts, err := ch.ParseDSN(server)
	if err != nil {
		t.Error(err)
		return
	}
	opts.Auth.Database = ""
	conn, err := ch.Open(opts)
	if err != nil {
		t.Errorf("drop test database: %v", err)
		return
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+database); err != nil {
		t.Errorf("drop test database: %v", err)
	}
}

// openTemp opens a store on a fresh database.
func openTemp(t *testing.T) *DB {
	t.Helper()
	u := testURL(t)
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestServerVersion(t *testing.T) {
	db := openTemp(t)
	v, err := db.ServerVersion()
	must(t, err)
	t.Logf("ClickHouse %s", v)
}

func TestEventsConformance(t *testing.T) {
	storetest.Events(t, func(t *testing.T) openfast.EventStore { return openTemp(t) })
}

// TestAnalyticsMatchesReference: every read endpoint answers exactly what
// the naive reference computes, over random events and requests.
func TestAnalyticsMatchesReference(t *testing.T) {
	storetest.Analytics(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
		db := openTemp(t)
		return db, db
	}, 600)
}

// TestVisitorsMatchReference: the visitors list, one visitor and the
// realtime map answer exactly what the naive reference computes.
func TestVisitorsMatchReference(t *testing.T) {
	storetest.Visitors(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
		db := openTemp(t)
		return db, db
	}, 300)
}

// TestOpen: Open creates the database and the tables, opening again keeps
// the events, and a database name that would need quoting is refused.
func TestOpen(t *testing.T) {
	u := testURL(t)
	db, err := Open(ctx, u)
	must(t, err)
	site := openfast.NewID()
	must(t, db.InsertEvents(ctx, []openfast.Event{storetest.SampleEvent(site, 1), storetest.SampleEvent(site, 2)}))
	must(t, db.InsertBatch(ctx, "a", 7, nil))
	must(t, db.Close())

	db, err = Open(ctx, u)
	must(t, err)
	defer db.Close()
	if n, err := db.CountEvents(ctx, site); err != nil || n != 2 {
		t.Fatalf("%d events after reopening (%v), want 2", n, err)
	}
	if last, err := db.LastBatch(ctx, "a"); err != nil || last != 7 {
		t.Fatalf("last batch %d after reopening (%v), want 7", last, err)
	}
	var partitions, sortKey string
	err = db.conn.QueryRow(ctx, `SELECT partition_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'events'`).Scan(&partitions, &sortKey)
	if err != nil {
		// 18.16 has no such columns: read the statement instead.
		err = db.conn.QueryRow(ctx, `SELECT create_table_query, '' FROM system.tables WHERE database = currentDatabase() AND name = 'events'`).Scan(&partitions, &sortKey)
	}
	must(t, err)
	if !strings.Contains(partitions+sortKey, "toYYYYMM") || !strings.Contains(partitions+sortKey, "website_id, ts") {
		t.Fatalf("events table: partition key or sort key missing: %s %s", partitions, sortKey)
	}

	for _, bad := range []string{"a-b", "x;DROP", "1abc", "a`b"} {
		parsed, _ := url.Parse(u)
		parsed.Path = "/" + bad
		if db, err := Open(ctx, parsed.String()); err == nil {
			db.Close()
			t.Errorf("database name %q accepted", bad)
		}
	}
}

// TestMigratePaymentHints: a database of an older version (without
// schema_migrations) has its tracker payments, stored as payments, made
// payment hints once, at the first Open; later Opens do not look for them
// again, and a new database records the migration as done without running
// it.
func TestMigratePaymentHints(t *testing.T) {
	u := testURL(t)
	db, err := Open(ctx, u)
	must(t, err)
	site := openfast.NewID()
	tracker := storetest.SampleEvent(site, 1) // no transaction id, no event id
	tracker.Type, tracker.RevenueCents, tracker.Currency = openfast.EventPayment, 1900, "USD"
	server := storetest.SampleEvent(site, 2)
	server.Type, server.RevenueCents, server.Currency = openfast.EventPayment, 2900, "USD"
	server.TransactionID, server.EventID = "tx_1", openfast.NewID()
	must(t, db.InsertEvents(ctx, []openfast.Event{tracker, server, storetest.SampleEvent(site, 3)}))
	types := func(db *DB) string {
		t.Helper()
		rows, err := db.conn.Query(ctx, `SELECT type, count() FROM events WHERE website_id = ? GROUP BY type ORDER BY type`, site)
		must(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var typ uint8
			var n uint64
			must(t, rows.Scan(&typ, &n))
			out = append(out, fmt.Sprintf("%s:%d", openfast.EventType(typ), n))
		}
		must(t, rows.Err())
		return strings.Join(out, " ")
	}
	applied := func(db *DB) uint64 {
		t.Helper()
		var n uint64
		must(t, db.conn.QueryRow(ctx, `SELECT count() FROM schema_migrations FINAL WHERE name = 'payment_hints'`).Scan(&n))
		return n
	}
	// A new database: recorded, not run.
	if n := applied(db); n != 1 {
		t.Fatalf("a new database records the migration %d times, want once", n)
	}
	must(t, db.Close())
	db, err = Open(ctx, u)
	must(t, err)
	if got := types(db); got != "pageview:1 payment:2" {
		t.Fatalf("after reopening a new database: %s, want the tracker payment left alone", got)
	}
	// An older version's database: no schema_migrations yet.
	must(t, db.conn.Exec(ctx, `DROP TABLE schema_migrations`))
	must(t, db.Close())
	db, err = Open(ctx, u)
	must(t, err)
	if got := types(db); got != "pageview:1 payment:1 payment_hint:1" {
		t.Fatalf("after the migration: %s, want the tracker payment as a hint", got)
	}
	if n, err := db.CountEvents(ctx, site); err != nil || n != 3 {
		t.Fatalf("%d events after the migration (%v), want 3", n, err)
	}
	// Done once: a payment without ids stored now stays one.
	must(t, db.InsertEvents(ctx, []openfast.Event{tracker}))
	must(t, db.Close())
	db, err = Open(ctx, u)
	must(t, err)
	defer db.Close()
	if got := types(db); got != "pageview:1 payment:2 payment_hint:1" {
		t.Fatalf("after opening a migrated database: %s, want the migration not run again", got)
	}
	if n := applied(db); n != 1 {
		t.Fatalf("the migration is recorded %d times, want once", n)
	}
}

// TestReplayAfterCrash: a journal batch whose events were stored but that
// was never marked stored (a crash between the two steps, or in the middle
// of the insert) is stored once when it is replayed, by a new process.
func TestReplayAfterCrash(t *testing.T) {
	u := testURL(t)
	db, err := Open(ctx, u)
	must(t, err)
	site := openfast.NewID()
	batch := func(from, n int) []openfast.Event {
		var out []openfast.Event
		for i := range n {
			e := storetest.SampleEvent(site, from+i)
			e.Time = e.Time.AddDate(0, i%3, 0) // several partitions
			out = append(out, e)
		}
		return out
	}
	must(t, db.InsertBatch(ctx, "a", 1, batch(0, 3)))
	// The crash: batch 2's events in, its mark not, and part of batch 3.
	must(t, db.insert(ctx, "a", 2, batch(10, 5)))
	must(t, db.insert(ctx, "a", 3, batch(20, 1)))
	must(t, db.Close())

	db, err = Open(ctx, u)
	must(t, err)
	defer db.Close()
	if last, err := db.LastBatch(ctx, "a"); err != nil || last != 1 {
		t.Fatalf("last batch %d (%v), want 1: batch 2 was never marked", last, err)
	}
	must(t, db.InsertBatch(ctx, "a", 2, batch(10, 5)))
	must(t, db.InsertBatch(ctx, "a", 3, batch(20, 4)))
	must(t, db.InsertBatch(ctx, "a", 3, batch(20, 4)))
	if n, err := db.CountEvents(ctx, site); err != nil || n != 3+5+4 {
		t.Fatalf("%d events (%v), want 12: each batch once", n, err)
	}
	if last, err := db.LastBatch(ctx, "a"); err != nil || last != 3 {
		t.Fatalf("last batch %d (%v), want 3", last, err)
	}
	// The events of InsertEvents are no journal batch's: never removed.
	must(t, db.InsertEvents(ctx, batch(30, 2)))
	// Another journal's batches are neither removed nor skipped.
	must(t, db.InsertBatch(ctx, "b", 1, batch(50, 2)))
	db.clean = map[string]bool{}
	must(t, db.InsertBatch(ctx, "a", 4, batch(40, 1)))
	if n, err := db.CountEvents(ctx, site); err != nil || n != 17 {
		t.Fatalf("%d events (%v), want 17", n, err)
	}
}

// TestMicroseconds: times keep their microseconds, and the range bounds
// of the reads are exact to the nanosecond ([start, end) for ranges,
// [since, until] for the realtime window).
func TestMicroseconds(t *testing.T) {
	db := openTemp(t)
	site := openfast.NewID()
	e := storetest.SampleEvent(site, 1)
	e.Time = time.Date(2026, 3, 29, 1, 2, 3, 456789000, time.UTC)
	must(t, db.InsertEvents(ctx, []openfast.Event{e}))

	a, err := db.Visitor(ctx, site, e.VisitorID)
	must(t, err)
	if a == nil || !a.Latest.Equal(e.Time) || !a.FirstVisit.Equal(e.Time) || len(a.Pages) != 1 || !a.Pages[0].Time.Equal(e.Time) {
		t.Fatalf("visitor activity %+v, want the time %s", a, e.Time)
	}
	for _, c := range []struct {
		since, until time.Time
		want         int64
	}{
		{e.Time, e.Time, 1},
		{e.Time.Add(-time.Nanosecond), e.Time.Add(time.Nanosecond), 1},
		{e.Time.Add(time.Nanosecond), e.Time.Add(time.Hour), 0},
		{e.Time.Add(-time.Hour), e.Time.Add(-time.Nanosecond), 0},
	} {
		n, err := db.ActiveVisitors(ctx, site, c.since, c.until)
		if err != nil || n != c.want {
			t.Errorf("active visitors in [%s, %s] = %d (%v), want %d", c.since, c.until, n, err, c.want)
		}
	}
	for _, c := range []struct {
		start, end time.Time
		want       int64
	}{
		{e.Time, e.Time.Add(time.Microsecond), 1},
		{e.Time.Add(-time.Nanosecond), e.Time.Add(time.Nanosecond), 1},
		{e.Time.Add(time.Nanosecond), e.Time.Add(time.Hour), 0},
		{e.Time.Add(-time.Hour), e.Time, 0},
	} {
		tot, err := db.Totals(ctx, analytics.Request{WebsiteID: site, Range: analytics.Range{Start: c.start, End: c.end}})
		if err != nil || tot.Visitors != c.want {
			t.Errorf("visitors in [%s, %s) = %d (%v), want %d", c.start, c.end, tot.Visitors, err, c.want)
		}
	}
}

// TestBucketKeys: the SQL of the bucket keys agrees with the timezone
// database on instants around daylight-saving changes, month and year
// ends, leap days, and before 1970.
func TestBucketKeys(t *testing.T) {
	db := openTemp(t)
	r := rand.New(rand.NewPCG(1, 2))
	var instants []time.Time
	for _, base := range []time.Time{
		time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2000, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		for range 40 {
			instants = append(instants, base.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour).Truncate(time.Microsecond))
		}
	}
	for _, tz := range []string{"UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "America/Havana", "Asia/Kathmandu"} {
		loc, err := time.LoadLocation(tz)
		must(t, err)
		for _, unit := range []analytics.Unit{analytics.UnitHour, analytics.UnitDay, analytics.UnitWeek, analytics.UnitMonth} {
			for i := 0; i < len(instants); i += 40 {
				group := instants[i : i+40]
				lo, hi := group[0], group[0]
				for _, x := range group {
					if x.Before(lo) {
						lo = x
					}
					if x.After(hi) {
						hi = x
					}
				}
				key, err := bucketKey(analytics.Schedule{Unit: unit, Shifts: analytics.Shifts(lo, hi.Add(time.Microsecond), loc), Location: loc})
				must(t, err)
				var sql strings.Builder
				sql.WriteString("SELECT ts, " + key + " FROM (SELECT arrayJoin([")
				for j, x := range group {
					if j > 0 {
						sql.WriteString(", ")
					}
					fmt.Fprintf(&sql, "toInt64(%d)", x.UnixMicro())
				}
				sql.WriteString("]) AS ts)")
				rows, err := db.conn.Query(ctx, sql.String())
				must(t, err)
				n := 0
				for rows.Next() {
					var ts, got int64
					must(t, rows.Scan(&ts, &got))
					at := time.UnixMicro(ts).UTC()
					if want := storetest.BucketKey(unit, at, loc); got != want {
						t.Errorf("%s %s key of %s: %d, want %d", tz, unit, at, got, want)
					}
					n++
				}
				must(t, rows.Err())
				rows.Close()
				if n != len(group) {
					t.Fatalf("%d keys, want %d", n, len(group))
				}
			}
		}
	}
}

// TestDeleteThenRead: the events a deletion removes are gone for the reads
// that follow it at once, and events of other websites and types stay.
func TestDeleteThenRead(t *testing.T) {
	db := openTemp(t)
	site, other := openfast.NewID(), openfast.NewID()
	var events []openfast.Event
	for i := range 50 {
		e := storetest.SampleEvent(site, i)
		if i%2 == 0 {
			e.Type, e.Goal = openfast.EventCustom, "signup"
		}
		events = append(events, e)
		e.WebsiteID = other
		events = append(events, e)
	}
	must(t, db.InsertEvents(ctx, events))
	n, err := db.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventCustom, Goal: "signup"})
	if err != nil || n != 25 {
		t.Fatalf("deleted %d (%v), want 25", n, err)
	}
	groups, total, err := db.Breakdown(ctx, analytics.Request{WebsiteID: site, Range: analytics.Range{All: true}},
		analytics.Breakdown{Keys: []analytics.Column{analytics.ColGoal}, Goals: true}, 10, 0)
	if err != nil || total != 0 || len(groups) != 0 {
		t.Fatalf("goals after the deletion: %v, %d (%v)", groups, total, err)
	}
	if c, _ := db.CountEvents(ctx, site); c != 25 {
		t.Fatalf("%d events left on the site, want 25", c)
	}
	if c, _ := db.CountEvents(ctx, other); c != 50 {
		t.Fatalf("%d events left on the other site, want 50", c)
	}
	v := events[2].VisitorID // i = 1, a pageview of site
	n, err = db.DeleteEvents(ctx, openfast.EventDeletion{WebsiteID: site, Type: openfast.EventPageview, Visitor: &v})
	if err != nil || n != 1 {
		t.Fatalf("deleted %d (%v), want the visitor's pageview", n, err)
	}
	if ok, err := db.HasPageview(ctx, site, v); err != nil || ok {
		t.Fatalf("HasPageview after the deletion = %v, %v", ok, err)
	}
}

// TestFiltersAreBound: filter values with quotes, backslashes and question
// marks are values, not SQL.
func TestFiltersAreBound(t *testing.T) {
	db := openTemp(t)
	site := openfast.NewID()
	odd := []string{`it's`, `a\b`, `?`, `'); DROP TABLE events; --`, `\'`, "é?\x00"}
	var events []openfast.Event
	for i, p := range odd {
		e := storetest.SampleEvent(site, i)
		e.Path = "/" + p
		events = append(events, e)
	}
	must(t, db.InsertEvents(ctx, events))
	for _, p := range odd {
		for _, op := range []analytics.Op{analytics.OpIs, analytics.OpContains} {
			f := analytics.Filter{Dimension: analytics.DimPage, Op: op, Values: []string{"/" + p}}
			tot, err := db.Totals(ctx, analytics.Request{WebsiteID: site, Range: analytics.Range{All: true}, Filters: []analytics.Filter{f}})
			if err != nil || tot.Visitors != 1 {
				t.Errorf("page %s %q: %d visitors (%v), want 1", op, p, tot.Visitors, err)
			}
		}
	}
	if n, _ := db.CountEvents(ctx, site); n != int64(len(odd)) {
		t.Fatalf("%d events, want %d", n, len(odd))
	}
}

// TestOpenHidesPassword: the error of a malformed URL says what is wrong
// and does not repeat the password it carries.
func TestOpenHidesPassword(t *testing.T) {
	for _, u := range []string{"clickhouse://u:secretpw@127.0.0.1:1/x?dial_timeout=abc", "clickhouse://u:secretpw@127.0.0.1:bad/x"} {
		_, err := Open(ctx, u)
		if err == nil || strings.Contains(err.Error(), "secretpw") || !strings.Contains(err.Error(), "event database URL") {
			t.Errorf("Open(%q) error %v", u, err)
		}
	}
}

// TestTableBeforeCoordinates: Open adds the coordinates to an events table
// made before them; its events have unknown coordinates, new events keep
// theirs.
func TestTableBeforeCoordinates(t *testing.T) {
	u := testURL(t)
	db, err := Open(ctx, u)
	must(t, err)
	site := openfast.NewID()
	old, added := storetest.SampleEvent(site, 1), storetest.SampleEvent(site, 2)
	must(t, db.InsertEvents(ctx, []openfast.Event{old}))
	for _, c := range addedColumns {
		must(t, db.conn.Exec(ctx, "ALTER TABLE events DROP COLUMN "+c[0]))
	}
	must(t, db.Close())

	db, err = Open(ctx, u)
	must(t, err)
	defer db.Close()
	must(t, db.InsertEvents(ctx, []openfast.Event{added}))
	a, err := db.RealtimeActivity(ctx, site, old.Time, added.Time)
	must(t, err)
	if len(a.Visitors) != 2 {
		t.Fatalf("%d active visitors, want 2", len(a.Visitors))
	}
	// The latest first.
	if got := a.Visitors[0].Coordinates; got != added.Coordinates || !got.Known {
		t.Errorf("new event's coordinates %+v, want %+v", got, added.Coordinates)
	}
	if got := a.Visitors[1].Coordinates; got.Known {
		t.Errorf("older event's coordinates %+v, want unknown", got)
	}
}

// A database with a migration this binary does not know (made by a newer
// openfast) is refused with a message that says what to do.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	u := testURL(t)
	db, err := Open(ctx, u)
	must(t, err)
	must(t, db.insertRow(ctx, `INSERT INTO schema_migrations (name, applied_at)`, "from_the_future", time.Now().UTC()))
	must(t, db.Close())
	_, err = Open(ctx, u)
	var newer *migration.NewerError
	if !errors.As(err, &newer) || newer.Store != "event" || newer.Known != len(migrations) {
		t.Fatalf("Open = %v, want a newer-schema error", err)
	}
	if want := "this database was written by a newer openfast (event schema"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}
