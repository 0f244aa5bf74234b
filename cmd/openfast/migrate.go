package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/migrate"
	"github.com/openfast/openfast/sqlite"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newMigrateCommand() *cobra.Command {
	var from string
	var to storeOptions
	cmd := &cobra.Command{
		Use:   "migrate --from-data-dir DIR --database-url URL --clickhouse-url URL",
		Short: "Copy an embedded installation into PostgreSQL and ClickHouse",
		Long: `Copy the metadata (SQLite) and the events (DuckDB) of a data folder into
PostgreSQL and ClickHouse, keeping every id, key and token.

Stop the server that uses the data folder first: the events database opens in
one process only. Events acknowledged but not yet loaded from the folder's
journal are loaded before the copy.

The copy can be interrupted and run again: metadata rows already copied are
skipped, and events are copied one UTC hour at a time, each hour exactly once.
A summary of the counts is printed at the end.`,
		Example: `  openfast admin migrate --from-data-dir ./openfast-data \
    --database-url postgres://openfast@db.internal/openfast \
    --clickhouse-url clickhouse://ch.internal:9000/openfast`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to.databaseURL == "" || to.clickhouseURL == "" {
				return errors.New("--from-data-dir, --database-url and --clickhouse-url are required")
			}
			return runMigrate(cmd.Context(), from, &to, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from-data-dir", "", "the data folder to copy (required)")
	f.StringVar(&to.databaseURL, "database-url", "", "PostgreSQL URL to copy the metadata to (required)")
	to.eventFlags(f)
	return cmd
}

func runMigrate(ctx context.Context, from string, to *storeOptions, out, errOut io.Writer) error {
	if _, err := os.Stat(filepath.Join(from, sqlite.FileName)); err != nil {
		return fmt.Errorf("--from-data-dir: no openfast data folder at %s (%w)", from, err)
	}
	srcMeta, err := sqlite.Open(ctx, filepath.Join(from, sqlite.FileName))
	if err != nil {
		return err
	}
	defer srcMeta.Close()
	srcEvents, err := duckdb.OpenDataDir(ctx, from)
	if err != nil {
		return fmt.Errorf("%w (is a server running on %s? stop it first)", err, from)
	}
	defer srcEvents.Close()
	journal := filepath.Join(from, ingest.JournalDir)
	id, err := ingest.JournalName(journal)
	if err != nil {
		return err
	}
	// Load what the journal holds, so that every acknowledged event is copied.
	w, err := ingest.OpenWriter(ctx, ingest.WriterConfig{Store: srcEvents, Dir: journal, QueueSize: 1, MaxBatch: 1})
	if err != nil {
		return err
	}
	w.Close()
	if n, err := ingest.JournalPending(journal); err != nil || n > 0 {
		return fmt.Errorf("the event journal of %s could not be loaded (%d segments left, %v): see the log of `openfast serve` on it", from, n, err)
	}

	dstMeta, err := to.openMetadata(ctx)
	if err != nil {
		return err
	}
	defer dstMeta.Close()
	dstEvents, err := to.openEvents(ctx)
	if err != nil {
		return err
	}
	defer dstEvents.Close()

	start := time.Now()
	var bar *progressbar.ProgressBar
	progress := func(done, total int64) {}
	if f, ok := errOut.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("events"),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetPredictTime(true),
					progressbar.OptionFullWidth())
			}
			bar.Set64(done)
		}
	}
	s, err := migrate.Run(ctx, migrate.Source{Metadata: srcMeta, Events: srcEvents, ID: id}, migrate.Target{Metadata: dstMeta, Events: dstEvents}, progress)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(errOut)
	}
	if s != nil {
		printSummary(out, s, time.Since(start))
	}
	return err
}

func printSummary(out io.Writer, s *migrate.Summary, took time.Duration) {
	tables := make([]string, 0, len(s.Metadata))
	for t := range s.Metadata {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	fmt.Fprintln(out, "Metadata rows in the source:")
	for _, t := range tables {
		fmt.Fprintf(out, "  %-14s %d\n", t, s.Metadata[t])
	}
	fmt.Fprintf(out, "  (%d rows copied by this run; the others were there already)\n", s.MetadataNew)
	fmt.Fprintf(out, "Events: %d in %d hours; %d copied by this run, %d hours copied before.\n", s.Events, s.Hours, s.EventsNew, s.HoursSkipped)
	fmt.Fprintf(out, "Done in %s.\n", took.Round(time.Millisecond))
}
