package sqlite

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
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
