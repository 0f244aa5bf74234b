// Command export measures the event export: the events of the biggest
// website of a generated data set (bench/internal/dataset), streamed as
// CSV, NDJSON and Parquet to a discarding writer, in events per second.
//
//	go run ./bench/export -events 2000000 -rounds 3
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/bench/internal/dataset"
	"github.com/openfast/openfast/eventfile"
)

func main() {
	fl := dataset.AddFlags(flag.CommandLine)
	dir := flag.String("dir", "", "data folder to reuse (default: a temporary one)")
	rounds := flag.Int("rounds", 3, "runs of each format")
	flag.Parse()
	cfg, err := fl.Config()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := run(*dir, cfg, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// countingDiscard counts the bytes it drops.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func run(dir string, cfg dataset.Config, rounds int) error {
	ctx := context.Background()
	dir, m, cleanup, err := dataset.Prepare(ctx, dir, cfg, "openfast-bench-export-")
	if err != nil {
		return err
	}
	defer cleanup()
	meta, events, err := dataset.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer meta.Close()
	defer events.Close()
	big, _ := m.BigAndSmall()
	n, err := events.CountEvents(ctx, big.ID)
	if err != nil {
		return err
	}
	fmt.Printf("export of %s: %d events (of %d)\n", big.Domain, n, m.Events)
	for _, format := range []string{"csv", "ndjson", "parquet"} {
		for r := 1; r <= rounds; r++ {
			out := &countingDiscard{}
			start := time.Now()
			if format == "parquet" {
				err = events.ExportParquet(ctx, big.ID, time.Time{}, time.Time{}, out)
			} else {
				var w *eventfile.Writer
				if w, err = eventfile.NewWriter(out, format); err != nil {
					return err
				}
				err = events.StreamEvents(ctx, big.ID, time.Time{}, time.Time{}, func(e *openfast.Event) error { return w.Write(e) })
				if err == nil {
					err = w.Flush()
				}
			}
			if err != nil {
				return err
			}
			d := time.Since(start)
			fmt.Printf("%-8s run %d: %8.0f events/s  %6.1f MB/s  (%d bytes in %s)\n", format, r,
				float64(n)/d.Seconds(), float64(out.n)/d.Seconds()/1e6, out.n, d.Round(time.Millisecond))
		}
	}
	return nil
}
