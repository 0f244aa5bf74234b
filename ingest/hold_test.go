package ingest

import (
	"context"
	"testing"

	"github.com/openfast/openfast/storetest"
)

// TestWriter_Hold: while Hold runs, events are still acknowledged but none
// is loaded; the journal's segments above the loaded batch hold them, and
// once Hold returns they are loaded.
func TestWriter_Hold(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	w := openWriter(t, store, dir, WriterConfig{SegmentEvents: 3})
	site := "665f0b3c4d2e1a0012345678"
	if err := w.Submit(ctx, storetest.SampleEvent(site, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	err := w.Hold(ctx, func(journal string, loaded uint64) error {
		if loaded == 0 {
			t.Errorf("loaded = 0 after a synced event")
		}
		for i := 1; i <= 10; i++ {
			if err := w.Submit(ctx, storetest.SampleEvent(site, i)); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, store, site); n != 1 {
			t.Errorf("%d events in the store during Hold, want 1", n)
		}
		if last, err := store.LastBatch(ctx, journal); err != nil || last != loaded {
			t.Errorf("last batch %d (%v) during Hold, want %d", last, err, loaded)
		}
		files, err := UnloadedSegments(dir, loaded)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 2 || files[0] != nameFile {
			t.Errorf("unloaded journal files %v: want the name and the segments of the 10 events", files)
		}
		for _, f := range files {
			if !IsJournalFile(f) {
				t.Errorf("%s is not a journal file", f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, store, site); n != 11 {
		t.Errorf("%d events after Hold, want 11", n)
	}
}
