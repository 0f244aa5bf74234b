package duckdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// TestBackupTo copies a database with events and a journal batch: the copy
// opens as an event store with the same events and batch.
func TestBackupTo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ev := openfast.Event{WebsiteID: "665f0b3c4d2e1a0012345678", Type: openfast.EventPageview, Time: time.Now().UTC(), Path: "/a", Hostname: "example.com"}
	if err := db.InsertBatch(ctx, "j1", 3, []openfast.Event{ev, ev}); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.duckdb")
	schema, err := db.BackupTo(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if schema < 1 {
		t.Errorf("schema = %d", schema)
	}
	if _, err := db.BackupTo(ctx, copyPath); err == nil {
		t.Error("a second backup over the copy was not refused")
	}
	cp, err := Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if n, err := cp.CountEvents(ctx, ev.WebsiteID); err != nil || n != 2 {
		t.Errorf("copy has %d events (%v), want 2", n, err)
	}
	if seq, err := cp.LastBatch(ctx, "j1"); err != nil || seq != 3 {
		t.Errorf("copy's last batch = %d (%v), want 3", seq, err)
	}
}
