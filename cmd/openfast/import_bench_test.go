package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkImport imports a GoatCounter export of 50,000 rows (the
// fixture's rows repeated; 2 in 6 are skipped) offline, straight into the
// event store, and through a server's admin socket (upload, spool, the
// same import, the progress lines): ns/op is one whole import.
//
//	go test ./cmd/openfast -run '^$' -bench BenchmarkImport -benchtime 3x
func BenchmarkImport(b *testing.B) {
	fixture, err := os.ReadFile("testdata/import/goatcounter.csv")
	if err != nil {
		b.Fatal(err)
	}
	header, rows, _ := bytes.Cut(fixture, []byte("\n"))
	var file bytes.Buffer
	file.Write(header)
	file.WriteByte('\n')
	for file.Len() < 50_000/6*len(rows) {
		file.Write(rows)
	}
	path := filepath.Join(b.TempDir(), "goatcounter.csv")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("offline", func(b *testing.B) {
		ir := newTestImportRunner(b)
		site, _ := ir.website(ctx, liveSiteID)
		var events int64
		for b.Loop() {
			src, err := openImportSource(ctx, path, "goatcounter.csv", site)
			if err != nil {
				b.Fatal(err)
			}
			n, err := importEvents(ctx, ir.store, src.newImport(liveSiteID), src, func(int64, int64) {})
			src.Close()
			if err != nil {
				b.Fatal(err)
			}
			events += n
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("admin-socket", func(b *testing.B) {
		ir := newTestImportRunner(b)
		ir.maxBytes = maxImportUpload
		stop, err := listenAdmin(ir.dataDir, &backupRunner{}, ir, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer stop()
		var out bytes.Buffer
		var events int64
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			out.Reset()
			err = importThroughServer(ctx, ir.dataDir, liveSiteID, f, int64(file.Len()), &out, io.Discard)
			f.Close()
			if err != nil {
				b.Fatalf("%v: %s", err, out.Bytes())
			}
			m := importedLine.FindSubmatch(out.Bytes())
			if m == nil {
				b.Fatalf("no summary in %s", out.Bytes())
			}
			n, _ := strconv.ParseInt(string(m[1]), 10, 64)
			events += n
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
}
