package eventfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/enrich"
)

// GoatCounter's CSV export (format version 2): one row per pageview or
// event, with the columns
//
//	2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date
//
// (the first column's name carries the format version). Rows are read by
// column name, so added columns do not matter.
var goatCounterColumns = []string{"Path", "Event", "UserAgent", "Browser", "System", "Session", "Bot", "Referrer", "Referrer scheme", "Screen size", "Location", "Date"}

// maxSessions bounds the sessions whose entry page a GoatCounter import
// remembers; past it the table starts again (a session then gets its
// entry page from its next pageview).
const maxSessions = 1 << 20

// NewGoatCounterReader reads a GoatCounter CSV export, plain or gzipped.
// Rows flagged as bots and event rows (GoatCounter's events are not
// pageviews) are skipped; every other row is a pageview.
func NewGoatCounterReader(r io.Reader, opt Options) (Source, error) {
	plain, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	c := newCSV(plain)
	header, err := c.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("read the header: %w", err)
	}
	if len(header) == 0 || !isGoatCounterPath(strings.TrimPrefix(header[0], "\ufeff")) {
		return nil, fmt.Errorf("not a GoatCounter CSV export: the header must start with the format version and Path (2Path)")
	}
	if v := strings.TrimSuffix(strings.TrimPrefix(header[0], "\ufeff"), "Path"); v != "2" {
		return nil, fmt.Errorf("GoatCounter export format %s is not supported (only 2)", clip(v))
	}
	pos := map[string]int{"Path": 0}
	for i, h := range header[1:] {
		pos[strings.TrimSpace(h)] = i + 1
	}
	idx := make([]int, len(goatCounterColumns))
	for i, name := range goatCounterColumns {
		p, ok := pos[name]
		if !ok {
			return nil, fmt.Errorf("not a GoatCounter CSV export: column %q is missing", name)
		}
		idx[i] = p
	}
	return &goatCounterReader{c: c, idx: idx, opt: opt, sessions: make(map[string]session)}, nil
}

type session struct{ entry, referrer string }

type goatCounterReader struct {
	c        *csv.Reader
	idx      []int
	opt      Options
	skipped  int64
	sessions map[string]session
}

func (r *goatCounterReader) Skipped() int64 { return r.skipped }

func (r *goatCounterReader) Next() (openfast.Event, error) {
	for {
		rec, err := r.c.Read()
		if err != nil {
			if err == io.EOF {
				return openfast.Event{}, err
			}
			return openfast.Event{}, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := r.c.FieldPos(0)
		v := make([]string, len(r.idx))
		if err := pick(rec, r.idx, goatCounterColumns, v); err != nil {
			return openfast.Event{}, fmt.Errorf("line %d: %w", line, err)
		}
		path, event, ua, browser, system, sess, bot, ref, refScheme, screen, location, date := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]
		if bot != "" && bot != "0" {
			r.skipped++
			continue
		}
		if event == "true" || event == "1" {
			r.skipped++
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, date)
		if err != nil || t.Year() < 1970 || t.Year() > 9999 {
			return openfast.Event{}, fmt.Errorf("line %d: Date %q is not an RFC 3339 time", line, clip(date))
		}
		if path == "" {
			return openfast.Event{}, fmt.Errorf("line %d: Path is empty", line)
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		e := openfast.Event{Type: openfast.EventPageview, Time: t.UTC().Truncate(time.Microsecond), Hostname: r.opt.Hostname, Path: path}
		// GoatCounter has sessions, not visitors: a session is the visitor.
		id, ok := openfast.ParseUUID(sess)
		if !ok {
			id = uuidOf("goatcounter", sess)
		}
		if sess == "" {
			id = uuidOf("goatcounter-row", strconv.Itoa(line))
		}
		e.VisitorID, e.SessionID = id, id
		switch {
		case ref == "":
			e.Referrer = enrich.ReferrerName("")
		case refScheme == "h" || refScheme == "o" || refScheme == "":
			u := ref
			if !strings.Contains(u, "://") {
				u = "https://" + u
			}
			e.Referrer, e.ReferrerHost = enrich.Referrer(u, r.opt.Hostname, r.opt.Hostname)
		default: // "g" (generated: a name such as "Google"), "c" (a campaign)
			e.Referrer = enrich.ReferrerName(ref)
		}
		if ua != "" {
			p := enrich.ParseUserAgent(ua)
			e.Browser, e.OS, e.Device = p.Browser, p.OS, p.Device
		} else {
			e.Browser, e.OS = withoutVersion(browser), withoutVersion(system)
		}
		if w, h, ok := screenSize(screen); ok {
			e.ScreenWidth, e.ScreenHeight = w, h
			if e.Device == "" {
				e.Device = deviceOf(w)
			}
		}
		if country, _, _ := strings.Cut(location, "-"); len(country) == 2 {
			e.CountryCode = strings.ToUpper(country)
		}
		s, seen := r.sessions[sess]
		if !seen || sess == "" {
			if len(r.sessions) >= maxSessions {
				clear(r.sessions)
			}
			s = session{entry: e.Path, referrer: e.Referrer}
			if sess != "" {
				r.sessions[sess] = s
			}
		}
		e.EntryPath, e.SessionReferrer = s.entry, s.referrer
		return e, nil
	}
}

// withoutVersion drops a trailing version from "Chrome 120" or "macOS 14".
func withoutVersion(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ' '); i > 0 && s[i+1:] != "" && strings.Trim(s[i+1:], "0123456789.") == "" {
		return s[:i]
	}
	return s
}

// screenSize reads "1440,900,2" (width, height, pixel ratio).
func screenSize(s string) (w, h uint16, ok bool) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 16)
	b, err2 := strconv.ParseUint(strings.TrimSpace(parts[1]), 10, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint16(a), uint16(b), true
}

// deviceOf guesses the device from the screen's width in CSS pixels.
func deviceOf(width uint16) string {
	switch {
	case width == 0:
		return "desktop"
	case width < 768:
		return "mobile"
	case width < 1024:
		return "tablet"
	}
	return "desktop"
}
