package eventfile

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/openfast/openfast"
)

// Formats are the export formats.
var Formats = []string{"csv", "ndjson", "parquet"}

// ContentType is the media type of an export format.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "ndjson":
		return "application/x-ndjson"
	case "parquet":
		return "application/vnd.apache.parquet"
	}
	return "application/octet-stream"
}

// Writer writes events as CSV (a header row, then RFC 4180 records) or
// NDJSON (one JSON object a line, keys in column order; numbers for the
// numeric columns, null for unknown coordinates). It buffers a little and
// writes through: memory does not grow with the number of events.
type Writer struct {
	format string
	buf    *bufio.Writer
	csv    *csv.Writer
	rec    []string
	line   []byte
	header bool
}

// NewWriter returns a writer of format "csv" or "ndjson".
func NewWriter(w io.Writer, format string) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "csv":
		return &Writer{format: format, buf: bw, csv: csv.NewWriter(bw)}, nil
	case "ndjson":
		return &Writer{format: format, buf: bw}, nil
	}
	return nil, fmt.Errorf("unknown export format %q", format)
}

// numeric columns are written as JSON numbers.
var numeric = func() []bool {
	n := make([]bool, len(openfast.ExportColumns))
	for i, c := range openfast.ExportColumns {
		switch c {
		case "latitude", "longitude", "screen_width", "screen_height", "viewport_width", "viewport_height", "revenue_cents":
			n[i] = true
		}
	}
	return n
}()

// Write writes one event.
func (w *Writer) Write(e *openfast.Event) error {
	if w.csv != nil && !w.header {
		w.header = true
		if err := w.csv.Write(openfast.ExportColumns); err != nil {
			return err
		}
	}
	w.rec = Record(e, w.rec)
	if w.csv != nil {
		return w.csv.Write(w.rec)
	}
	b := append(w.line[:0], '{')
	for i, c := range openfast.ExportColumns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, c...)
		b = append(b, '"', ':')
		switch v := w.rec[i]; {
		case numeric[i] && v == "":
			b = append(b, "null"...)
		case numeric[i]:
			b = append(b, v...)
		default:
			q, err := json.Marshal(v)
			if err != nil {
				return err
			}
			b = append(b, q...)
		}
	}
	b = append(b, '}', '\n')
	w.line = b
	_, err := w.buf.Write(b)
	return err
}

// Flush writes what is buffered (and a CSV export's header, when it has
// no rows).
func (w *Writer) Flush() error {
	if w.csv != nil {
		if !w.header {
			w.header = true
			if err := w.csv.Write(openfast.ExportColumns); err != nil {
				return err
			}
		}
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	return w.buf.Flush()
}
