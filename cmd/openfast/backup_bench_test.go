package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/sqlite"
	"github.com/openfast/openfast/storetest"
)

// BenchmarkBackup writes a backup of a data folder holding N events (of
// one website, in batches of 5,000 as the journal loads them): ns/op is
// one whole backup; backup-MB is its size, db-MB the event database's.
//
//	go test ./cmd/openfast -run '^$' -bench BenchmarkBackup -benchtime 3x
func BenchmarkBackup(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			meta, err := sqlite.OpenDataDir(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			defer meta.Close()
			events, err := duckdb.OpenDataDir(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			defer events.Close()
			journal, err := ingest.JournalName(filepath.Join(dir, ingest.JournalDir))
			if err != nil {
				b.Fatal(err)
			}
			site := openfast.NewID()
			batch := make([]openfast.Event, 5_000)
			for done := 0; done < n; done += len(batch) {
				for i := range batch {
					batch[i] = storetest.SampleEvent(site, done+i)
				}
				if err := events.InsertEvents(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := events.SQL().ExecContext(ctx, "CHECKPOINT"); err != nil {
				b.Fatal(err)
			}
			src := backupSource{dataDir: dir, metadata: meta, events: events, keyNote: "not included",
				hold: func(ctx context.Context, fn func(string, uint64) error) error { return fn(journal, 0) }}
			var m *backupManifest
			b.ResetTimer()
			for i := range b.N {
				if m, err = runBackup(ctx, src, filepath.Join(b.TempDir(), fmt.Sprint(i))); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(backupSize(m))/1e6, "backup-MB")
			for _, f := range m.Files {
				if f.Path == duckdb.FileName {
					b.ReportMetric(float64(f.Size)/1e6, "events-MB")
				}
			}
		})
	}
}
