package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestBackupTo: the copy is a database at the same schema version, owner
// only, and an existing file is not overwritten.
func TestBackupTo(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDataDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(t.TempDir(), FileName)
	schema, err := db.BackupTo(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if schema < 1 {
		t.Errorf("schema = %d", schema)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy: %v %v", fi, err)
	}
	if _, err := db.BackupTo(ctx, path); err == nil {
		t.Error("a backup over an existing file was not refused")
	}
	cp, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var v int
	if err := cp.read.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != schema {
		t.Errorf("copy's schema %d (%v), want %d", v, err, schema)
	}
}
