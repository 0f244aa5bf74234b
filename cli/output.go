package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Output of the client commands: aligned tables by default, the API's data
// as indented JSON with --json.

// textTable writes aligned columns.
type textTable struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, headers ...string) *textTable {
	t := &textTable{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(headers) > 0 {
		t.row(headers...)
	}
	return t
}

// row writes one row; tabs and newlines inside cells become spaces so that
// they cannot break the alignment.
func (t *textTable) row(cells ...string) {
	clean := make([]string, len(cells))
	for i, c := range cells {
		clean[i] = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, c)
	}
	fmt.Fprintln(t.tw, strings.Join(clean, "\t"))
}

func (t *textTable) flush() error { return t.tw.Flush() }

// keyValues writes a two-column table of labels and values.
func keyValues(w io.Writer, pairs [][2]string) error {
	t := newTable(w)
	for _, p := range pairs {
		t.row(p[0], p[1])
	}
	return t.flush()
}

// writeJSON writes raw JSON indented by two spaces.
func writeJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(raw), "", "  "); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// dash shows an absent value.
const dash = "-"

func str(s string) string {
	if s == "" {
		return dash
	}
	return s
}

func strPtr(s *string) string {
	if s == nil {
		return dash
	}
	return str(*s)
}

func joinList(items []string, empty string) string {
	if len(items) == 0 {
		return empty
	}
	return strings.Join(items, ",")
}

// when shows an ISO 8601 time of the API in UTC, to the second.
func when(s string) string {
	if s == "" {
		return dash
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	return s
}

// looksLikeTime reports whether s is an ISO 8601 instant such as
// 2026-05-21T10:00:00.000Z.
func looksLikeTime(s string) bool {
	if len(s) < 20 || s[10] != 'T' {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func whenPtr(s *string) string {
	if s == nil {
		return dash
	}
	return when(*s)
}

// jsonMember is one member of a JSON object, in the order of the answer.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// orderedObject is a JSON object whose members keep their order, with
// nested objects flattened to "parent.child" keys.
type orderedObject []jsonMember

func (o orderedObject) get(key string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.key == key {
			return f.value, true
		}
	}
	return nil, false
}

// decodeObjects reads a JSON array of objects (or one object) keeping the
// order of members.
func decodeObjects(raw json.RawMessage) ([]orderedObject, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		o, err := decodeObject(raw, "")
		if err != nil {
			return nil, err
		}
		return []orderedObject{o}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("the answer's data is not a list of objects: %w", err)
	}
	out := make([]orderedObject, 0, len(items))
	for _, item := range items {
		o, err := decodeObject(item, "")
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func decodeObject(raw json.RawMessage, prefix string) (orderedObject, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, fmt.Errorf("expected a JSON object, got %s", raw)
	}
	var out orderedObject
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		key := prefix + tok.(string)
		var value json.RawMessage
		if err := d.Decode(&value); err != nil {
			return nil, err
		}
		value = bytes.TrimSpace(value)
		if len(value) > 0 && value[0] == '{' {
			nested, err := decodeObject(value, key+".")
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
			continue
		}
		out = append(out, jsonMember{key, value})
	}
	return out, nil
}

// cell shows one JSON value: strings unquoted, null as a dash, arrays
// joined by commas.
func cell(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return dash
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			if looksLikeTime(s) {
				return when(s)
			}
			return str(s)
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil {
			parts := make([]string, len(items))
			for i, item := range items {
				parts[i] = cell(item)
			}
			if len(parts) == 0 {
				return dash
			}
			return strings.Join(parts, ",")
		}
	}
	return string(v)
}

// header turns a JSON key into a column title: bounce_rate → BOUNCE RATE,
// campaign.utm_source → UTM SOURCE.
func header(key string) string {
	parts := strings.Split(key, ".")
	key = parts[len(parts)-1]
	if len(parts) > 1 && (key == "name" || key == "type") {
		key = parts[len(parts)-2] // system.browser.name → BROWSER
	}
	key = strings.ReplaceAll(key, "_", " ")
	// camelCase → CAMEL CASE
	var b strings.Builder
	for i, r := range key {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// columns orders the keys of rows: first those of preferred that occur,
// then the others in their order of first appearance. Keys in skip are left
// out.
func columns(rows []orderedObject, preferred, skip []string) []string {
	seen := map[string]bool{}
	var all []string
	for _, r := range rows {
		for _, f := range r {
			if !seen[f.key] {
				seen[f.key] = true
				all = append(all, f.key)
			}
		}
	}
	var out []string
	matches := func(pref, key string) bool {
		return key == pref || strings.HasSuffix(key, "."+pref)
	}
	for _, p := range preferred {
		for _, k := range all {
			if matches(p, k) && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	for _, k := range all {
		if !slices.Contains(out, k) && !slices.Contains(skip, k) {
			out = append(out, k)
		}
	}
	return slices.DeleteFunc(out, func(k string) bool { return slices.Contains(skip, k) })
}

// rowsTable writes rows as a table of the given columns. extra rows (such
// as totals) are written last with their label in the first column.
func rowsTable(w io.Writer, rows []orderedObject, cols []string) *textTable {
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = header(c)
	}
	t := newTable(w, heads...)
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			v, ok := r.get(c)
			if !ok {
				cells[i] = dash
				continue
			}
			cells[i] = cell(v)
		}
		t.row(cells...)
	}
	return t
}

// verticalTable writes one object as a two-column table of its members.
func verticalTable(w io.Writer, o orderedObject, order []string, headLeft, headRight string) error {
	t := newTable(w, headLeft, headRight)
	for _, k := range columns([]orderedObject{o}, order, nil) {
		v, _ := o.get(k)
		t.row(strings.ReplaceAll(k, ".", " "), cell(v))
	}
	return t.flush()
}
