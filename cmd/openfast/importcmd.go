package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/eventfile"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// importBatch is how many events an import stores per transaction.
const importBatch = 10_000

func newImportCommand() *cobra.Command {
	var website string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:   "import --website ID FILE",
		Short: "Import events from a file into a website (stop the server first)",
		Long: `Import the events of a file into a website of the data folder. The kind of
file is detected: an openfast export (CSV, NDJSON or Parquet, from
GET /api/v1/export or openfast export), a GoatCounter CSV export (plain or
gzipped), or a Plausible CE CSV export (the zip of imported_*.csv files).

Imported events are marked with the import's id: "openfast import list"
shows the imports, "openfast import delete ID" deletes one with all its
events. Events are stored in batches of 10000, each in one transaction; an
import that stops halfway is listed as incomplete, and can be deleted and
run again.

The events database opens in one process only: stop the server that uses
the data folder first (the command takes the folder's lock and says so
when a server holds it).`,
		Example: `  openfast import --website 665f0b3c4d2e1a0012345678 --data-dir /var/lib/openfast export.csv
  openfast import --website 665f0b3c4d2e1a0012345678 goatcounter-export.csv.gz
  openfast import --website 665f0b3c4d2e1a0012345678 plausible-export.zip`,
		Args:    cobra.ExactArgs(1),
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, args []string) error {
			if !openfast.ValidID(website) {
				return fmt.Errorf("--website must be a 24-character hex ObjectId")
			}
			return runImport(cmd.Context(), &stores, website, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&website, "website", "", "the website's _id (required)")
	cmd.Flags().StringVar(&stores.dataDir, "data-dir", "./openfast-data", "data folder")
	cmd.AddCommand(newImportListCommand(), newImportDeleteCommand())
	return cmd
}

func newImportListCommand() *cobra.Command {
	var website string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:     "list [--website ID]",
		Short:   "List the imports of a website (all websites without --website)",
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withImportStore(cmd.Context(), &stores, func(db *duckdb.DB) error {
				list, err := db.Imports(cmd.Context(), website)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tWEBSITE\tSOURCE\tFILE\tROWS\tCREATED\tSTATUS")
				for _, im := range list {
					status := "complete"
					if !im.Complete {
						status = "incomplete"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", im.ID, im.WebsiteID, im.Source, im.FileName, im.Rows, im.Created.Format(time.RFC3339), status)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&website, "website", "", "the website's _id")
	cmd.Flags().StringVar(&stores.dataDir, "data-dir", "./openfast-data", "data folder")
	return cmd
}

func newImportDeleteCommand() *cobra.Command {
	var stores storeOptions
	cmd := &cobra.Command{
		Use:     "delete IMPORT_ID",
		Short:   "Delete an import and every event it stored",
		Args:    cobra.ExactArgs(1),
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, args []string) error {
			return withImportStore(cmd.Context(), &stores, func(db *duckdb.DB) error {
				n, err := db.DeleteImport(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted import %s: %d events.\n", args[0], n)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&stores.dataDir, "data-dir", "./openfast-data", "data folder")
	return cmd
}

// withImportStore opens the data folder's event database under the
// folder's lock.
func withImportStore(ctx context.Context, stores *storeOptions, fn func(*duckdb.DB) error) error {
	dir, err := stores.operatorDataDir()
	if err != nil {
		return err
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return fmt.Errorf("%w: stop the server first", err)
	}
	defer unlock()
	db, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func newImportID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func runImport(ctx context.Context, stores *storeOptions, websiteID, file string, out, errOut io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a folder, not a file", file)
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	kind := eventfile.Detect(head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}

	dir, err := stores.operatorDataDir()
	if err != nil {
		return err
	}
	meta, err := stores.openMetadata(ctx)
	if err != nil {
		return err
	}
	site, err := meta.Website(ctx, websiteID)
	meta.Close()
	if err != nil {
		return fmt.Errorf("website %s: %w", websiteID, err)
	}
	loc, err := time.LoadLocation(site.Timezone)
	if err != nil {
		loc = time.UTC
	}
	opt := eventfile.Options{Hostname: site.Domain}

	// The reader of the file, which counts the bytes read for the progress.
	counted := &countingReader{r: f}
	var src eventfile.Source
	switch kind {
	case eventfile.KindPlausible:
		src, err = eventfile.NewPlausibleReader(f, info.Size(), opt, loc)
		counted = nil
	case eventfile.KindGoatCounter:
		src, err = eventfile.NewGoatCounterReader(counted, opt)
	case eventfile.KindParquet:
		src, err = parquetSource(ctx, file)
		counted = nil
	default:
		src, err = eventfile.NewExportReader(counted)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(file), err)
	}

	return withImportStore(ctx, stores, func(db *duckdb.DB) error {
		im := openfast.Import{ID: newImportID(), WebsiteID: websiteID, Source: kind, FileName: filepath.Base(file), Created: time.Now()}
		if kind == eventfile.KindParquet {
			im.Source = eventfile.KindOpenfast
		}
		fmt.Fprintf(out, "Data folder: %s\nImporting %s (%s) into %s as import %s\n", dir, im.FileName, im.Source, site.Domain, im.ID)
		if err := db.CreateImport(ctx, im); err != nil {
			return err
		}
		start := time.Now()
		var bar *progressbar.ProgressBar
		if ef, ok := errOut.(*os.File); ok && term.IsTerminal(int(ef.Fd())) && counted != nil {
			bar = progressbar.DefaultBytes(info.Size(), "importing")
		}
		lastLine := time.Now()
		var total int64
		batch := make([]openfast.Event, 0, importBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := db.InsertImported(ctx, im.ID, batch); err != nil {
				return err
			}
			total += int64(len(batch))
			batch = batch[:0]
			switch {
			case bar != nil:
				bar.Set64(counted.n)
			case time.Since(lastLine) >= 2*time.Second:
				lastLine = time.Now()
				rate := float64(total) / time.Since(start).Seconds()
				if counted != nil && info.Size() > 0 {
					fmt.Fprintf(errOut, "%d events, %.0f%%, %.0f events/s\n", total, 100*float64(counted.n)/float64(info.Size()), rate)
				} else {
					fmt.Fprintf(errOut, "%d events, %.0f events/s\n", total, rate)
				}
			}
			return nil
		}
		for {
			e, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w (import %s stopped after %d events: delete it with openfast import delete %s)", im.FileName, err, im.ID, total+int64(len(batch)), im.ID)
			}
			e.WebsiteID = websiteID
			batch = append(batch, e)
			if len(batch) == importBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if bar != nil {
			bar.Finish()
			fmt.Fprintln(errOut)
		}
		if err := db.CompleteImport(ctx, im.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "Imported %d events (%d rows skipped) in %s: import %s\n", total, src.Skipped(), time.Since(start).Round(time.Millisecond), im.ID)
		return nil
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// parquetSource reads our Parquet export through an in-memory DuckDB. The
// rows are read ahead into a channel by a goroutine, so that the file is
// read once, as the import goes.
func parquetSource(ctx context.Context, path string) (eventfile.Source, error) {
	ctx, cancel := context.WithCancel(ctx)
	rows := make(chan parquetRow, 1024)
	go func() {
		defer close(rows)
		err := duckdb.ReadParquet(ctx, path, func(v []string) error {
			e, err := eventfile.FromRecord(v)
			select {
			case rows <- parquetRow{e: e, err: err}:
			case <-ctx.Done():
				return ctx.Err()
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			rows <- parquetRow{err: err}
		}
	}()
	return &parquetReader{rows: rows, cancel: cancel}, nil
}

type parquetRow struct {
	e   openfast.Event
	err error
}

type parquetReader struct {
	rows   chan parquetRow
	cancel context.CancelFunc
	row    int
}

func (r *parquetReader) Skipped() int64 { return 0 }

func (r *parquetReader) Next() (openfast.Event, error) {
	row, ok := <-r.rows
	if !ok {
		r.cancel()
		return openfast.Event{}, io.EOF
	}
	r.row++
	if row.err != nil {
		r.cancel()
		return openfast.Event{}, fmt.Errorf("row %d: %w", r.row, row.err)
	}
	return row.e, nil
}
