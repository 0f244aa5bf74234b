package openfast

import (
	"context"
	"io"
	"time"
)

// EventStreamer is implemented by the event stores that export a
// website's events: StreamEvents calls fn with each event of the website
// whose time is in [start, end) (zero times: unbounded), in time order,
// reading them as it goes (memory does not grow with the number of
// events). It stops at fn's first error and returns it.
type EventStreamer interface {
	StreamEvents(ctx context.Context, websiteID string, start, end time.Time, fn func(*Event) error) error
}

// ParquetExporter is implemented by the event stores that write an
// export as a Parquet file themselves (DuckDB's COPY): the columns of
// ExportColumns, in that order.
type ParquetExporter interface {
	ExportParquet(ctx context.Context, websiteID string, start, end time.Time, w io.Writer) error
}

// ExportColumns are the columns of an event export, in order: every
// stored dimension of an event, named as the event store names it (ts is
// "timestamp", the type its tracker name).
var ExportColumns = []string{
	"website_id", "timestamp", "type", "visitor_id", "session_id",
	"hostname", "path", "entry_path", "session_referrer", "referrer", "referrer_host",
	"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via",
	"country", "region", "city", "latitude", "longitude", "browser", "os", "device",
	"screen_width", "screen_height", "viewport_width", "viewport_height", "language",
	"goal", "props", "ad_click_ids", "revenue_cents", "currency", "event_id", "transaction_id",
}

// Import is one import of events into a website: its events carry its id
// and are deleted with it.
type Import struct {
	ID        string
	WebsiteID string
	Source    string // "openfast", "goatcounter", "plausible"
	FileName  string
	Rows      int64 // events stored
	Created   time.Time
	Complete  bool // false while it runs, or when it stopped halfway
}

// ImportStore is implemented by the event stores that take imports.
type ImportStore interface {
	// CreateImport records a new import, not complete.
	CreateImport(ctx context.Context, im Import) error
	// InsertImported stores a batch of an import's events, all of them or
	// none, marked with the import's id, and adds them to its rows.
	InsertImported(ctx context.Context, importID string, events []Event) error
	// CompleteImport marks an import complete.
	CompleteImport(ctx context.Context, importID string) error
	// Imports lists a website's imports, oldest first ("" for every website).
	Imports(ctx context.Context, websiteID string) ([]Import, error)
	// DeleteImport deletes an import and every event it stored, and
	// returns how many events; ENOTFOUND when there is no such import.
	DeleteImport(ctx context.Context, importID string) (int64, error)
}

// ParseEventTypeName reads the name EventType.String gives, payment_hint
// included.
func ParseEventTypeName(s string) (EventType, bool) {
	for t, name := range eventTypeNames {
		if name != "" && name == s {
			return EventType(t), true
		}
	}
	return 0, false
}
