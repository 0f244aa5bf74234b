package eventfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/openfast/openfast"
)

// The kinds of file an import reads.
const (
	KindOpenfast    = "openfast"    // our CSV or NDJSON export
	KindParquet     = "parquet"     // our Parquet export (read through the event store's engine)
	KindGoatCounter = "goatcounter" // GoatCounter's CSV export, plain or gzipped
	KindPlausible   = "plausible"   // Plausible CE's zip of CSV files
)

// Source yields the events of a file, one at a time.
type Source interface {
	// Next returns the next event, or io.EOF at the end. An error names
	// the line or the row it is about.
	Next() (openfast.Event, error)
	// Skipped is how many rows were left out (bots, custom events of
	// GoatCounter).
	Skipped() int64
}

// Options are what an import adds to the events of a file.
type Options struct {
	// Hostname is the website's domain: the hostname of the pageviews of
	// files that have none (GoatCounter's paths, Plausible's pages without
	// hostname).
	Hostname string
}

// Detect tells the kind of a file from its first bytes: a zip is a
// Plausible export, "PAR1" a Parquet file, gzip a GoatCounter export
// (whose CSV header starts "2Path"), "{" our NDJSON, and a CSV whose first
// column ends with "Path" GoatCounter's, any other CSV ours.
func Detect(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return KindPlausible
	case bytes.HasPrefix(head, []byte("PAR1")):
		return KindParquet
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return KindGoatCounter
	}
	line := bytes.TrimPrefix(head, []byte("\ufeff"))
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if first, _, _ := bytes.Cut(line, []byte(",")); isGoatCounterPath(string(bytes.TrimSpace(first))) {
		return KindGoatCounter
	}
	return KindOpenfast
}

// isGoatCounterPath reports whether a header's first column is
// GoatCounter's: the export's version number, then "Path".
func isGoatCounterPath(s string) bool {
	s = trimQuotes(s)
	if len(s) < 5 || s[len(s)-4:] != "Path" {
		return false
	}
	for _, c := range s[:len(s)-4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// ErrEmpty is the error of a file without a header.
var ErrEmpty = errors.New("the file is empty")

// NewExportReader reads our CSV or NDJSON export (told apart by the first
// byte: "{" is NDJSON).
func NewExportReader(r io.Reader) (Source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(1)
	if len(head) == 0 {
		return nil, ErrEmpty
	}
	if head[0] == '{' {
		return &ndjsonReader{dec: json.NewDecoder(br)}, nil
	}
	c := newCSV(br)
	header, err := c.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("read the header: %w", err)
	}
	idx, err := columnIndex(header)
	if err != nil {
		return nil, fmt.Errorf("not an openfast export (CSV with the export's header, NDJSON, Parquet), a GoatCounter CSV export or a Plausible CSV zip: %w", err)
	}
	return &csvReader{c: c, idx: idx, vals: make([]string, len(idx))}, nil
}

func newCSV(r io.Reader) *csv.Reader {
	c := csv.NewReader(r)
	c.ReuseRecord = true
	c.FieldsPerRecord = -1
	return c
}

type csvReader struct {
	c    *csv.Reader
	idx  []int
	vals []string
}

func (r *csvReader) Skipped() int64 { return 0 }

func (r *csvReader) Next() (openfast.Event, error) {
	rec, err := r.c.Read()
	if err != nil {
		if err == io.EOF {
			return openfast.Event{}, err
		}
		return openfast.Event{}, fmt.Errorf("read CSV: %w", err)
	}
	line, _ := r.c.FieldPos(0)
	for i, p := range r.idx {
		if p >= len(rec) {
			return openfast.Event{}, fmt.Errorf("line %d: %d values, the header has more", line, len(rec))
		}
		r.vals[i] = rec[p]
	}
	e, err := FromRecord(r.vals)
	if err != nil {
		return e, fmt.Errorf("line %d: %w", line, err)
	}
	return e, nil
}

type ndjsonReader struct {
	dec  *json.Decoder
	line int
	vals []string
}

func (r *ndjsonReader) Skipped() int64 { return 0 }

func (r *ndjsonReader) Next() (openfast.Event, error) {
	var obj map[string]json.RawMessage
	err := r.dec.Decode(&obj)
	if err == io.EOF {
		return openfast.Event{}, err
	}
	r.line++
	if err != nil {
		return openfast.Event{}, fmt.Errorf("object %d: not JSON: %w", r.line, err)
	}
	if len(obj) > 2*len(openfast.ExportColumns) {
		return openfast.Event{}, fmt.Errorf("object %d: too many keys", r.line)
	}
	r.vals = r.vals[:0]
	for _, c := range openfast.ExportColumns {
		raw, ok := obj[c]
		if !ok {
			return openfast.Event{}, fmt.Errorf("object %d: %q is missing", r.line, c)
		}
		var s string
		switch {
		case string(raw) == "null":
		case len(raw) > 0 && raw[0] == '"':
			if err := json.Unmarshal(raw, &s); err != nil {
				return openfast.Event{}, fmt.Errorf("object %d: %s: %w", r.line, c, err)
			}
		default:
			var n json.Number
			if err := json.Unmarshal(raw, &n); err != nil {
				return openfast.Event{}, fmt.Errorf("object %d: %s must be a string or a number", r.line, c)
			}
			s = n.String()
		}
		r.vals = append(r.vals, s)
	}
	e, err := FromRecord(r.vals)
	if err != nil {
		return e, fmt.Errorf("object %d: %w", r.line, err)
	}
	return e, nil
}

// uuidOf makes a stable UUID (version 8 layout) from a string that is not
// one: the same input gives the same id.
func uuidOf(parts ...string) openfast.UUID {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	var u openfast.UUID
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return u
}

// maybeGunzip returns a reader of r's content, unzipping it when it is
// gzipped.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(2)
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		return z, nil
	}
	return br, nil
}
