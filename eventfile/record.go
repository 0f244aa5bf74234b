// Package eventfile reads and writes files of events: the CSV and NDJSON
// exports of openfast (one row per event, the columns of
// openfast.ExportColumns), and the exports of other analytics tools that
// an import reads (GoatCounter's CSV, Plausible CE's zip of CSV files).
package eventfile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openfast/openfast"
)

// TimeLayout is how an export writes an event's time: UTC, to the
// microsecond that stores keep.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Record returns an event's values as text, in the order of
// openfast.ExportColumns. Unknown coordinates are empty.
func Record(e *openfast.Event, rec []string) []string {
	rec = rec[:0]
	var lat, lon string
	if e.Coordinates.Known {
		lat = strconv.FormatFloat(e.Coordinates.Latitude, 'f', -1, 64)
		lon = strconv.FormatFloat(e.Coordinates.Longitude, 'f', -1, 64)
	}
	return append(rec,
		e.WebsiteID, e.Time.UTC().Format(TimeLayout), e.Type.String(), e.VisitorID.String(), e.SessionID.String(),
		e.Hostname, e.Path, e.EntryPath, e.SessionReferrer, e.Referrer, e.ReferrerHost,
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via,
		e.CountryCode, e.Region, e.City, lat, lon, e.Browser, e.OS, e.Device,
		u16(e.ScreenWidth), u16(e.ScreenHeight), u16(e.ViewportWidth), u16(e.ViewportHeight), e.Language,
		e.Goal, e.Props, e.AdClickIDs, strconv.FormatInt(e.RevenueCents, 10), e.Currency, e.EventID, e.TransactionID,
	)
}

func u16(v uint16) string { return strconv.FormatUint(uint64(v), 10) }

// maxField bounds one text value of an imported row (the ingest's own
// bounds are smaller; this only stops a pathological file).
const maxField = 64 << 10

// columnIndex maps the export's columns to their positions in a header.
// Every column must be present; others are refused, so that a file of
// another kind is not read as ours.
func columnIndex(header []string) ([]int, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		if _, dup := pos[h]; dup {
			return nil, fmt.Errorf("column %q appears twice", h)
		}
		pos[h] = i
	}
	idx := make([]int, len(openfast.ExportColumns))
	for i, c := range openfast.ExportColumns {
		p, ok := pos[c]
		if !ok {
			return nil, fmt.Errorf("column %q is missing", c)
		}
		idx[i] = p
	}
	return idx, nil
}

// FromRecord reads an event from the values of openfast.ExportColumns, in
// order. Times may be RFC 3339 or DuckDB's "2006-01-02 15:04:05.999999".
func FromRecord(v []string) (openfast.Event, error) {
	var e openfast.Event
	if len(v) != len(openfast.ExportColumns) {
		return e, fmt.Errorf("%d values, want %d", len(v), len(openfast.ExportColumns))
	}
	for i, s := range v {
		if len(s) > maxField {
			return e, fmt.Errorf("%s: longer than %d bytes", openfast.ExportColumns[i], maxField)
		}
		if !utf8.ValidString(s) {
			return e, fmt.Errorf("%s: not UTF-8", openfast.ExportColumns[i])
		}
	}
	var err error
	e.WebsiteID = v[0]
	if e.Time, err = parseTime(v[1]); err != nil {
		return e, fmt.Errorf("timestamp: %w", err)
	}
	var ok bool
	if e.Type, ok = openfast.ParseEventTypeName(v[2]); !ok {
		return e, fmt.Errorf("type: unknown event type %q", clip(v[2]))
	}
	if e.VisitorID, ok = openfast.ParseUUID(v[3]); !ok {
		return e, fmt.Errorf("visitor_id: not a UUID")
	}
	if e.SessionID, ok = openfast.ParseUUID(v[4]); !ok {
		return e, fmt.Errorf("session_id: not a UUID")
	}
	e.Hostname, e.Path, e.EntryPath, e.SessionReferrer, e.Referrer, e.ReferrerHost = v[5], v[6], v[7], v[8], v[9], v[10]
	e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via = v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18]
	e.CountryCode, e.Region, e.City = v[19], v[20], v[21]
	if v[22] != "" || v[23] != "" {
		lat, err1 := strconv.ParseFloat(v[22], 64)
		lon, err2 := strconv.ParseFloat(v[23], 64)
		if err1 != nil || err2 != nil {
			return e, fmt.Errorf("latitude/longitude: not numbers")
		}
		e.Coordinates = openfast.CoordinatesOf(lat, lon)
	}
	e.Browser, e.OS, e.Device = v[24], v[25], v[26]
	for i, p := range []*uint16{&e.ScreenWidth, &e.ScreenHeight, &e.ViewportWidth, &e.ViewportHeight} {
		n, err := strconv.ParseUint(v[27+i], 10, 16)
		if err != nil {
			return e, fmt.Errorf("%s: not a number from 0 to 65535", openfast.ExportColumns[27+i])
		}
		*p = uint16(n)
	}
	e.Language, e.Goal, e.Props, e.AdClickIDs = v[31], v[32], v[33], v[34]
	if e.RevenueCents, err = strconv.ParseInt(v[35], 10, 64); err != nil {
		return e, fmt.Errorf("revenue_cents: not an integer")
	}
	e.Currency, e.EventID, e.TransactionID = v[36], v[37], v[38]
	return e, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999", "2006-01-02 15:04:05.999999Z07", "2006-01-02 15:04:05.999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("%q is out of range", clip(s))
			}
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", clip(s))
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 40 {
		r := []rune(s)
		if len(r) > 40 {
			return string(r[:40]) + "…"
		}
	}
	return s
}

// pick copies the values of rec at the positions idx into v, as valid
// UTF-8 (a negative position is an absent, optional column: ""). A row
// shorter than its header, or a value longer than maxField, is refused
// with the column's name from names.
func pick(rec []string, idx []int, names, v []string) error {
	for i, p := range idx {
		v[i] = ""
		if p < 0 {
			continue
		}
		if p >= len(rec) {
			return fmt.Errorf("%d values, the header has more", len(rec))
		}
		if len(rec[p]) > maxField {
			return fmt.Errorf("%s: longer than %d bytes", names[i], maxField)
		}
		v[i] = strings.ToValidUTF8(rec[p], "\uFFFD")
	}
	return nil
}
