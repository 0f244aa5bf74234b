package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
	"github.com/openfast/openfast/storetest"
)

func openTemp(t *testing.T) openfast.MetadataStore {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMetadataConformance(t *testing.T) {
	storetest.Metadata(t, openTemp)
}

func TestOpenDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	fi, err = os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	var mode string
	if err := db.read.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v)", mode, err)
	}
	var fk int
	if err := db.write.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys %d (%v)", fk, err)
	}
}

// TestMigrateTwice: reopening applies nothing again, and two processes'
// worth of opens on one file agree.
func TestMigrateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	a, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	var n int
	if err := b.read.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(files) || n < 2 {
		t.Fatalf("%d migrations recorded (%v), want one per file (%d)", n, err, len(files))
	}
}

func TestMetadataCopy(t *testing.T) {
	storetest.MetadataCopy(t, func(t *testing.T) storetest.CopyStore {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// A file that a newer openfast migrated further is refused, unchanged,
// with a message that says what to do; each migration applied is reported
// once.
func TestOpen_NewerSchemaAndReports(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var got []migration.Applied
	ctx := migration.WithReporter(context.Background(), func(a migration.Applied) { got = append(got, a) })
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := migration.List(migrations, "migrations")
	if len(got) != len(files) || got[0].Store != "sqlite" || got[len(got)-1].Version != migration.Latest(files) {
		t.Errorf("reported %+v, want the %d migrations", got, len(files))
	}
	if _, err := db.write.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	got = nil
	_, err = Open(ctx, path)
	var newer *migration.NewerError
	if !errors.As(err, &newer) || newer.Found != 9999 || newer.Known != migration.Latest(files) {
		t.Fatalf("Open = %v, want a newer-schema error for version 9999", err)
	}
	if want := fmt.Sprintf("this data folder was written by a newer openfast (metadata schema 9999, this binary knows up to %d); use a newer binary or restore a backup", migration.Latest(files)); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if len(got) != 0 {
		t.Errorf("a refused open reported %+v", got)
	}
}
