package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/eventfile"
)

// Export limits.
const (
	// DefaultExportTimeout bounds one export: far longer than a read
	// (an export of years of a busy website streams gigabytes), yet it
	// ends a client that stopped reading.
	DefaultExportTimeout = 30 * time.Minute
	// MaxExports is how many exports run at once on a server; one
	// website has at most one running.
	MaxExports = 2
)

// exportEndpoint reads an export's parameters: startAt, endAt and
// timezone as the analytics reads have them (all time when startAt and
// endAt are omitted); no filters.
var exportEndpoint = analytics.Endpoint{Name: "export", Dates: true}

// ExportRequest is an export of a website's events.
type ExportRequest struct {
	Read
	Format string // csv, ndjson or parquet
}

// Export is an export ready to be written: its file name and media type,
// for the response's headers, then WriteTo.
type Export struct {
	FileName    string
	ContentType string

	store   any
	website string
	format  string
	start   time.Time
	end     time.Time
	release func()
	once    sync.Once
}

// exportGate admits MaxExports exports at once, one a website.
type exportGate struct {
	mu      sync.Mutex
	running map[string]bool
}

func newExportGate() *exportGate { return &exportGate{running: map[string]bool{}} }

func (g *exportGate) enter(id string) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[id] {
		return nil, &RetryError{Err: openfast.Errorf(openfast.ERATELIMIT, "An export of this website is running already (one at a time). Retry when it ends."), After: 10 * time.Second}
	}
	if len(g.running) >= MaxExports {
		return nil, &RetryError{Err: openfast.Errorf(openfast.ERATELIMIT, "Too many exports are running on this server (at most %d at once). Retry later.", MaxExports), After: 10 * time.Second}
	}
	g.running[id] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			delete(g.running, id)
			g.mu.Unlock()
		})
	}, nil
}

// StartExport authorizes and checks an export (analytics:read; not for a
// public dashboard: the rows carry visitor ids) and takes its place among
// the exports running. The caller must call WriteTo or Close.
func (a *App) StartExport(ctx context.Context, c Caller, in ExportRequest) (*Export, error) {
	id, err := authorize(c, ActReadAnalytics, in.WebsiteID)
	if err != nil {
		return nil, err
	}
	if err := refusePublic(c); err != nil {
		return nil, err
	}
	if !slices.Contains(eventfile.Formats, in.Format) {
		return nil, openfast.Errorf(openfast.EINVALID, "format must be one of %s.", strings.Join(eventfile.Formats, ", "))
	}
	if err := a.analyticsReady(); err != nil {
		return nil, err
	}
	store := a.exportStore()
	if _, ok := store.(openfast.EventStreamer); !ok {
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "This server's event store does not export events.")
	}
	if in.Format == "parquet" {
		if _, ok := store.(openfast.ParquetExporter); !ok {
			return nil, openfast.Errorf(openfast.EINVALID, "format=parquet needs the embedded event store (DuckDB); use csv or ndjson.")
		}
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	q, err := analytics.Parse(exportEndpoint, in.Params, site.Timezone, a.now())
	if err != nil {
		return nil, err
	}
	release, err := a.exports.enter(site.ID)
	if err != nil {
		return nil, err
	}
	x := &Export{store: store, website: site.ID, format: in.Format, release: release, ContentType: eventfile.ContentType(in.Format)}
	name := "all"
	if !q.Range.All {
		name = q.Range.Start.In(q.Location).Format("20060102") + "-" + q.Range.End.Add(-time.Microsecond).In(q.Location).Format("20060102")
	}
	// Like the analytics, an export starts at the retention cutoff: a day
	// the retention job is deleting is never exported half.
	a.clampToRetention(q, site.Website)
	if !q.Range.All {
		x.start, x.end = q.Range.Start, q.Range.End
	}
	x.FileName = fmt.Sprintf("openfast-%s-%s.%s", fileSafe(site.Domain), name, in.Format)
	return x, nil
}

// exportStore is the event store that exports: the server's, or the
// analytics store of a server that only reads.
func (a *App) exportStore() any {
	if a.eventStore != nil {
		return a.eventStore
	}
	return a.analytics.Store
}

// fileSafe keeps the characters of a domain that a file name takes.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// Close gives up an export that was not written.
func (x *Export) Close() { x.release() }

// WriteTo writes the export to w, under the export deadline, and ends it.
// An error after the first bytes cannot reach the client as an envelope:
// the caller ends the response instead.
func (x *Export) WriteTo(ctx context.Context, w io.Writer) error {
	defer x.release()
	ctx, cancel := context.WithTimeout(ctx, DefaultExportTimeout)
	defer cancel()
	var err error
	if x.format == "parquet" {
		err = x.store.(openfast.ParquetExporter).ExportParquet(ctx, x.website, x.start, x.end, w)
	} else {
		var fw *eventfile.Writer
		fw, err = eventfile.NewWriter(w, x.format)
		if err != nil {
			return err
		}
		err = x.store.(openfast.EventStreamer).StreamEvents(ctx, x.website, x.start, x.end, fw.Write)
		if err == nil {
			err = fw.Flush()
		}
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("export of %s stopped after %s: %w", x.website, DefaultExportTimeout, err)
	}
	return err
}

// Serve answers r with the export as a download (the API's and the
// dashboard's): its headers, then the file under the export's deadline,
// since the server's write timeout is for answers, not for years of
// events. A failure after the first bytes is logged and aborts the
// connection, so that a client never takes a cut file for a whole one.
func (x *Export) Serve(w http.ResponseWriter, r *http.Request, log *slog.Logger) error {
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(DefaultExportTimeout)); err != nil {
		x.Close()
		return err
	}
	h := w.Header()
	h.Set("Content-Type", x.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": x.FileName}))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		x.Close()
		return nil
	}
	if err := x.WriteTo(r.Context(), w); err != nil {
		log.LogAttrs(r.Context(), slog.LevelWarn, "export stopped", slog.String("website", x.website), slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	return nil
}
