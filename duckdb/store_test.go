package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
	"github.com/openfast/openfast/storetest"
)

// openTemp opens an event store, with its background indexer, in a
// temporary folder, closed when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestEventsConformance(t *testing.T) {
	storetest.Events(t, func(t *testing.T) openfast.EventStore { return openTemp(t) })
}

// TestReopen: events survive closing and reopening, and the file is
// owner-only.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	site := openfast.NewID()
	if err := db.InsertEvents(ctx, []openfast.Event{storetest.SampleEvent(site, 1), storetest.SampleEvent(site, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	db, err = OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountEvents(ctx, site); err != nil || n != 2 {
		t.Fatalf("%d events after reopening (%v), want 2", n, err)
	}
	var visitor string
	if err := db.db.QueryRow(`SELECT visitor_id::VARCHAR FROM events LIMIT 1`).Scan(&visitor); err != nil || visitor[:8] != "a3ab2331" {
		t.Fatalf("visitor_id %q (%v)", visitor, err)
	}
}

func TestSetMemoryLimit(t *testing.T) {
	db, err := OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetMemoryLimit(context.Background(), "96MB"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.SQL().QueryRow(`SELECT current_setting('memory_limit')`).Scan(&got); err != nil || !strings.Contains(got, "MiB") && !strings.Contains(got, "MB") {
		t.Fatalf("memory_limit = %q (%v)", got, err)
	}
	for _, bad := range []string{"", "MB", "0MB", "12mb", "1.5GB", "1GB'; DROP TABLE events; --", "-1GB", "12XB"} {
		if err := db.SetMemoryLimit(context.Background(), bad); err == nil {
			t.Errorf("memory limit %q accepted", bad)
		}
	}
}

// TestReleaseMemory: on the builds that link DuckDB's jemalloc (Linux
// x86-64), its freed memory can be handed back.
func TestReleaseMemory(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("DuckDB links jemalloc on Linux x86-64 only")
	}
	if !releaseMemory() {
		t.Fatal("no DuckDB allocator to purge")
	}
}

// TestAllocatorDecay: once a database is open, DuckDB's allocator keeps
// freed pages allocatorDecay, in the arenas in use and those to come.
func TestAllocatorDecay(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("DuckDB links jemalloc on Linux x86-64 only")
	}
	db, err := OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := allocatorDecay.Milliseconds()
	for _, name := range []string{"arenas.dirty_decay_ms", "arenas.muzzy_decay_ms", "arena.0.dirty_decay_ms", "arena.0.muzzy_decay_ms"} {
		if got := allocatorDecaySetting(name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	var background bool
	if err := db.db.QueryRow("SELECT current_setting('allocator_background_threads')").Scan(&background); err != nil || !background {
		t.Errorf("allocator_background_threads = %v (%v), want true", background, err)
	}
}

// TestOldJournalTable: a file made before journals had names keeps its last
// batch, under the legacy journal name.
func TestOldJournalTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ctx := context.Background()
	// A file made before numbered migrations (their first one is its
	// layout) and before journals had names.
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	layout, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		string(layout),
		`DROP TABLE ingest_journals`,
		`CREATE TABLE ingest_journal (id UTINYINT PRIMARY KEY, last_batch UBIGINT NOT NULL)`,
		`INSERT INTO ingest_journal VALUES (1, 42)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if last, err := db.LastBatch(ctx, legacyJournal); err != nil || last != 42 {
		t.Fatalf("legacy journal's last batch %d (%v), want 42", last, err)
	}
	if last, err := db.LastBatch(ctx, "0123456789abcdef"); err != nil || last != 0 {
		t.Fatalf("a new journal's last batch %d (%v), want 0", last, err)
	}
}

// TestMigrationsRecorded: a new file records every embedded migration, and
// opening it again applies none twice.
func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ctx := context.Background()
	for range 2 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var versions, distinct int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&versions, &distinct); err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(migrations, "migrations/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if versions != len(files) || distinct != len(files) {
			t.Fatalf("%d migrations recorded (%d distinct), want %d", versions, distinct, len(files))
		}
		db.Close()
	}
}

// TestFileBeforeCoordinates: a file made before migration 0004 opens; its
// events have unknown coordinates, and new events keep theirs.
func TestFileBeforeCoordinates(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ctx := context.Background()
	site := openfast.NewID()
	old := storetest.SampleEvent(site, 1)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertEvents(ctx, []openfast.Event{old}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The file as migrations 0001 to 0003 leave it.
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE events DROP COLUMN tech_changed`,
		`DELETE FROM schema_migrations WHERE version = 6`,
		`ALTER TABLE events DROP COLUMN import_id`,
		`DROP TABLE imports`,
		`DELETE FROM schema_migrations WHERE version = 5`,
		`ALTER TABLE events DROP COLUMN latitude`,
		`ALTER TABLE events DROP COLUMN longitude`,
		`DELETE FROM schema_migrations WHERE version = 4`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	added := storetest.SampleEvent(site, 2)
	if err := db.InsertEvents(ctx, []openfast.Event{added}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ExportEvents(ctx, old.Time.Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	old.Coordinates = openfast.Coordinates{}
	sort.Slice(got, func(i, j int) bool { return got[i].Time.Before(got[j].Time) })
	if !reflect.DeepEqual(got, []openfast.Event{old, added}) {
		t.Fatalf("events %+v", got)
	}
}

// A file that a newer openfast migrated further is refused, unchanged,
// with a message that says what to do.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err = Open(context.Background(), path)
	var newer *migration.NewerError
	if !errors.As(err, &newer) || newer.Found != 9999 || newer.Store != "event" {
		t.Fatalf("Open = %v, want a newer-schema error for version 9999", err)
	}
	if want := "this data folder was written by a newer openfast (event schema 9999, this binary knows up to"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}

// Each migration applied on open is reported to the context's reporter,
// once: a second open applies none.
func TestOpen_ReportsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var got []migration.Applied
	ctx := migration.WithReporter(context.Background(), func(a migration.Applied) { got = append(got, a) })
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	files, _ := migration.List(migrations, "migrations")
	if len(got) != len(files) || got[0].Store != "duckdb" || got[len(got)-1].Version != migration.Latest(files) {
		t.Fatalf("reported %+v, want the %d migrations", got, len(files))
	}
	got = nil
	if d, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if len(got) != 0 {
		t.Errorf("a second open reported %+v", got)
	}
}
