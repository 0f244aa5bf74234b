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
	"sync"
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
		Short: "Import events from a file into a website, while the server runs or not",
		Long: `Import the events of a file into a website of the data folder. The kind of
file is detected: an openfast export (CSV, NDJSON or Parquet, from
GET /api/v1/export or openfast export), a GoatCounter CSV export (plain or
gzipped), or a Plausible CE CSV export (the zip of imported_*.csv files).

Imported events are marked with the import's id: "openfast import list"
shows the imports, "openfast import delete ID" deletes one with all its
events. Events are stored in batches of 10000, each in one transaction; an
import that stops halfway is listed as incomplete, and can be deleted and
run again.

With a server running on the data folder, the command sends the file to it
over the admin socket (admin.sock in the data folder, which only the folder's
owner can use) and the server imports it while it keeps serving and taking
events: the file is spooled into the data folder (removed afterwards; at
most 8 GiB, import larger files with the server stopped), one import runs at
a time, and interrupting the command stops the import (listed incomplete).
"import list" and "import delete" go through the server too. Without a
server, the command takes the data folder's lock and imports itself.

Imports need the embedded event store (DuckDB); a server on ClickHouse
(--clickhouse-url) refuses them.`,
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
			list, err := listImports(cmd.Context(), &stores, website)
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
			n, err := deleteImport(cmd.Context(), &stores, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted import %s: %d events.\n", args[0], n)
			return nil
		},
	}
	cmd.Flags().StringVar(&stores.dataDir, "data-dir", "./openfast-data", "data folder")
	return cmd
}

// listImports lists the imports of websiteID ("": all), through the
// server running on the data folder or, with none, from its event
// database.
func listImports(ctx context.Context, stores *storeOptions, websiteID string) ([]openfast.Import, error) {
	return serverOrStore(ctx, stores,
		func(dir string) ([]openfast.Import, error) { return importsThroughServer(ctx, dir, websiteID) },
		func(db *duckdb.DB) ([]openfast.Import, error) { return db.Imports(ctx, websiteID) })
}

// deleteImport deletes an import, through the server running on the data
// folder or, with none, in its event database.
func deleteImport(ctx context.Context, stores *storeOptions, id string) (int64, error) {
	return serverOrStore(ctx, stores,
		func(dir string) (int64, error) { return deleteImportThroughServer(ctx, dir, id) },
		func(db *duckdb.DB) (int64, error) { return db.DeleteImport(ctx, id) })
}

// serverOrStore asks the server running on the data folder (remote), or,
// when none answers, does it on the folder's event database (local).
func serverOrStore[T any](ctx context.Context, stores *storeOptions, remote func(dataDir string) (T, error), local func(*duckdb.DB) (T, error)) (T, error) {
	var v T
	dir, err := stores.operatorDataDir()
	if err != nil {
		return v, err
	}
	if v, err = remote(dir); !errors.Is(err, errNoServer) {
		return v, err
	}
	err = withImportStore(ctx, stores, func(db *duckdb.DB) error {
		v, err = local(db)
		return err
	})
	return v, err
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
		return fmt.Errorf("%w (and its admin socket does not answer: is it an older openfast, or is the data folder's path too long for a socket? stop it, or upgrade it)", err)
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

// runImport imports file into websiteID: through the server running on
// the data folder (over its admin socket), or, with none, itself under
// the folder's lock.
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
	dir, err := stores.operatorDataDir()
	if err != nil {
		return err
	}
	err = importThroughServer(ctx, dir, websiteID, f, info.Size(), out, errOut)
	if !errors.Is(err, errNoServer) {
		return err
	}
	f.Close()
	return importOffline(ctx, stores, dir, websiteID, file, out, errOut)
}

// importOffline imports file with no server running, holding the data
// folder's lock.
func importOffline(ctx context.Context, stores *storeOptions, dir, websiteID, file string, out, errOut io.Writer) error {
	meta, err := stores.openMetadata(ctx)
	if err != nil {
		return err
	}
	site, err := meta.Website(ctx, websiteID)
	meta.Close()
	if err != nil {
		return fmt.Errorf("website %s: %w", websiteID, err)
	}
	src, err := openImportSource(ctx, file, filepath.Base(file), site)
	if err != nil {
		return err
	}
	defer src.Close()
	return withImportStore(ctx, stores, func(db *duckdb.DB) error {
		im := src.newImport(websiteID)
		fmt.Fprintf(out, "Data folder: %s\nImporting %s (%s) into %s as import %s\n", dir, im.FileName, im.Source, site.Domain, im.ID)
		start := time.Now()
		size := src.size
		if src.counted == nil {
			size = 0 // no bar: the bytes read are not known
		}
		bar := newImportProgress(errOut, size, "importing")
		total, err := importEvents(ctx, db, im, src, bar.events)
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Imported %d events (%d rows skipped) in %s: import %s\n", total, src.Skipped(), time.Since(start).Round(time.Millisecond), im.ID)
		return nil
	})
}

// importSource is the events of a file being imported.
type importSource struct {
	eventfile.Source
	name string // the file's name, as the import records it
	kind string // the import's source: a Parquet file is an openfast export
	size int64
	// counted counts the bytes read, or is nil when the file is not read
	// in order (Plausible's zip, Parquet).
	counted *countingReader
	file    *os.File
	stop    func()
}

// openImportSource opens the file at path, detects its kind and reads its
// events for site. name is the file's name in messages and in the import.
func openImportSource(ctx context.Context, path, name string, site *openfast.Website) (*importSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if info.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a folder, not a file", name)
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	kind := eventfile.Detect(head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	loc, err := time.LoadLocation(site.Timezone)
	if err != nil {
		loc = time.UTC
	}
	opt := eventfile.Options{Hostname: site.Domain}
	s := &importSource{name: name, kind: kind, size: info.Size(), file: f, stop: func() {}}
	// The reader of the file, which counts the bytes read for the progress.
	counted := &countingReader{r: f}
	switch kind {
	case eventfile.KindPlausible:
		s.Source, err = eventfile.NewPlausibleReader(f, info.Size(), opt, loc)
	case eventfile.KindGoatCounter:
		s.Source, err = eventfile.NewGoatCounterReader(counted, opt)
		s.counted = counted
	case eventfile.KindParquet:
		var p *parquetReader
		p, err = parquetSource(ctx, path)
		s.Source, s.stop, s.kind = p, p.cancel, eventfile.KindOpenfast
	default:
		s.Source, err = eventfile.NewExportReader(counted)
		s.counted = counted
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// Close stops reading the file.
func (s *importSource) Close() {
	s.stop()
	s.file.Close()
}

// bytesRead is how far in the file the import is, or -1 when unknown.
func (s *importSource) bytesRead() int64 {
	if s.counted == nil {
		return -1
	}
	return s.counted.n
}

// newImport is the record of a new import of the source into websiteID.
func (s *importSource) newImport(websiteID string) openfast.Import {
	return openfast.Import{ID: newImportID(), WebsiteID: websiteID, Source: s.kind, FileName: s.name, Created: time.Now()}
}

// importEvents records im and stores the events of src under it, in
// batches of importBatch, each in one transaction, then marks it complete.
// progress is called after each batch with the events stored so far and
// the bytes of the file read (-1: unknown). An import that stops halfway
// stays recorded, incomplete; the error says so.
func importEvents(ctx context.Context, db openfast.ImportStore, im openfast.Import, src *importSource, progress func(events, bytes int64)) (int64, error) {
	if err := db.CreateImport(ctx, im); err != nil {
		return 0, err
	}
	var total int64
	batch := make([]openfast.Event, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := db.InsertImported(ctx, im.ID, batch); err != nil {
			return fmt.Errorf("%w (import %s stopped after %d events: delete it with openfast import delete %s)", err, im.ID, total, im.ID)
		}
		total += int64(len(batch))
		batch = batch[:0]
		progress(total, src.bytesRead())
		return nil
	}
	for {
		e, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, fmt.Errorf("%s: %w (import %s stopped after %d events: delete it with openfast import delete %s)", im.FileName, err, im.ID, total+int64(len(batch)), im.ID)
		}
		e.WebsiteID = im.WebsiteID
		batch = append(batch, e)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if err := flush(); err != nil {
		return total, err
	}
	if err := db.CompleteImport(ctx, im.ID); err != nil {
		return total, err
	}
	return total, nil
}

// importProgress shows how far an import or its upload went: a bar of the
// bytes on a terminal, else a line every two seconds.
type importProgress struct {
	w           io.Writer
	mu          sync.Mutex
	bar         *progressbar.ProgressBar
	size        int64 // 0: unknown
	start, last time.Time
}

// newImportProgress shows a bar of size bytes (none when size is 0)
// described as what when errOut is a terminal.
func newImportProgress(errOut io.Writer, size int64, what string) *importProgress {
	p := &importProgress{w: errOut, size: size, start: time.Now(), last: time.Now()}
	if ef, ok := errOut.(*os.File); ok && size > 0 && term.IsTerminal(int(ef.Fd())) {
		p.bar = progressbar.DefaultBytes(size, what)
	}
	return p
}

// due says whether a line is due, and if so starts the next period.
func (p *importProgress) due() bool {
	if time.Since(p.last) < 2*time.Second {
		return false
	}
	p.last = time.Now()
	return true
}

// events reports the events stored and the bytes of the file read (-1:
// unknown).
func (p *importProgress) events(n, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.bar != nil && bytes >= 0:
		p.bar.Set64(bytes)
	case !p.due():
	case bytes >= 0 && p.size > 0:
		fmt.Fprintf(p.w, "%d events, %.0f%%, %.0f events/s\n", n, 100*float64(bytes)/float64(p.size), float64(n)/time.Since(p.start).Seconds())
	default:
		fmt.Fprintf(p.w, "%d events, %.0f events/s\n", n, float64(n)/time.Since(p.start).Seconds())
	}
}

// sent reports the bytes of the file sent to the server.
func (p *importProgress) sent(bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.bar != nil:
		p.bar.Set64(bytes)
	case p.due() && p.size > 0:
		fmt.Fprintf(p.w, "sent %d of %d bytes, %.0f%%\n", bytes, p.size, 100*float64(bytes)/float64(p.size))
	}
}

// stop ends the bar where it is.
func (p *importProgress) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Exit()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

// finish ends the bar, complete.
func (p *importProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
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
func parquetSource(ctx context.Context, path string) (*parquetReader, error) {
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
