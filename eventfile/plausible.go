package eventfile

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/enrich"
)

// Plausible CE's CSV export is a zip of daily aggregates, one CSV file a
// table, named imported_<table>_<YYYYMMDD>_<YYYYMMDD>.csv. The columns
// read (by name, so that columns added by later versions do not matter):
//
//	imported_visitors:          date, visitors, pageviews, bounces, visits, visit_duration
//	imported_pages:             date, hostname, page, pageviews
//	imported_sources:           date, source, utm_source, utm_medium, utm_campaign, utm_content, utm_term, visitors, visits
//	imported_locations:         date, country, visitors
//	imported_devices:           date, device, visitors
//	imported_browsers:          date, browser, visitors
//	imported_operating_systems: date, operating_system, visitors
//
// imported_visitors is required; the others are optional, and
// imported_entry_pages, imported_exit_pages and imported_custom_events are
// not read. Each day becomes synthetic events that reproduce its totals;
// see NewPlausibleReader.

var plausibleName = regexp.MustCompile(`^imported_([a-z_]+?)(_\d{8}_\d{8})?\.csv$`)

// Bounds of a Plausible import: rows of one table, bytes of one file
// uncompressed, and days.
const (
	maxPlausibleRows  = 1 << 20
	maxPlausibleBytes = 1 << 30
	maxPlausibleDays  = 100 * 366
	// maxDayPageviews bounds the events one day makes.
	maxDayPageviews = 50_000_000
)

type weighted struct {
	names []string
	extra [][]string // per name: more values (sources: the UTM columns)
	cum   []int64    // cumulative weights
}

func (w *weighted) add(name string, weight int64, extra ...string) {
	if weight <= 0 {
		return
	}
	var last int64
	if n := len(w.cum); n > 0 {
		last = w.cum[n-1]
	}
	w.names = append(w.names, name)
	w.extra = append(w.extra, extra)
	w.cum = append(w.cum, last+weight)
}

// at returns the name at position i of the list expanded by weights (""
// past its end).
func (w *weighted) at(i int64) (string, []string) {
	k := sort.Search(len(w.cum), func(j int) bool { return w.cum[j] > i })
	if k == len(w.cum) {
		return "", nil
	}
	return w.names[k], w.extra[k]
}

type plausibleDay struct {
	date                                               time.Time // midnight, the website's timezone
	visitors, pageviews, bounces, visits, seconds      int64
	pages, sources, countries, devices, browsers, oses weighted
	hosts                                              []string // the page's hostname, by pages index
}

// NewPlausibleReader reads a Plausible CE CSV export (a zip). Each day of
// imported_visitors becomes its visitors, visits and pageviews exactly:
// V visitors (one id each, that day only), max(visits, V) sessions, of
// which min(bounces, sessions) have one pageview, and max(pageviews,
// sessions) pageviews; the non-bounce sessions last visit_duration /
// their number on average. The day's pageviews take their paths from
// imported_pages (by pageviews), sessions their source and UTM from
// imported_sources (by visits), visitors their country, device, browser
// and OS from the other tables (by visitors), each in the order of the
// file; the combinations of the tables are not Plausible's, and a day's
// breakdown short of its total leaves the rest empty ("/" for a path,
// Direct/None for a source). Sessions start spread over the day in loc.
func NewPlausibleReader(r io.ReaderAt, size int64, opt Options, loc *time.Location) (Source, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip file: %w", err)
	}
	if loc == nil {
		loc = time.UTC
	}
	days := map[string]*plausibleDay{}
	day := func(s string) (*plausibleDay, error) {
		if d, ok := days[s]; ok {
			return d, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil || t.Year() < 1970 || t.Year() > 9999 {
			return nil, fmt.Errorf("date %q is not YYYY-MM-DD", clip(s))
		}
		if len(days) >= maxPlausibleDays {
			return nil, fmt.Errorf("more than %d days", maxPlausibleDays)
		}
		d := &plausibleDay{date: t}
		days[s] = d
		return d, nil
	}
	var tables []string
	// imported_visitors first: the other tables only add to its days.
	files := slices.Clone(z.File)
	slices.SortStableFunc(files, func(a, b *zip.File) int {
		av, bv := strings.HasPrefix(path.Base(a.Name), "imported_visitors"), strings.HasPrefix(path.Base(b.Name), "imported_visitors")
		switch {
		case av && !bv:
			return -1
		case bv && !av:
			return 1
		}
		return 0
	})
	for _, f := range files {
		m := plausibleName.FindStringSubmatch(path.Base(f.Name))
		if m == nil || f.FileInfo().IsDir() {
			continue
		}
		table := m[1]
		var cols []string
		var apply func(d *plausibleDay, v []string, n func(int) (int64, error)) error
		switch table {
		case "visitors":
			cols = []string{"date", "visitors", "pageviews", "bounces", "visits", "visit_duration"}
			apply = func(d *plausibleDay, v []string, n func(int) (int64, error)) error {
				for i, p := range []*int64{&d.visitors, &d.pageviews, &d.bounces, &d.visits, &d.seconds} {
					x, err := n(i + 1)
					if err != nil {
						return err
					}
					*p += x
				}
				if d.pageviews > maxDayPageviews {
					return fmt.Errorf("more than %d pageviews in a day", maxDayPageviews)
				}
				return nil
			}
		case "pages":
			cols = []string{"date", "hostname", "page", "pageviews"}
			apply = func(d *plausibleDay, v []string, n func(int) (int64, error)) error {
				x, err := n(3)
				if err != nil {
					return err
				}
				page := v[2]
				if !strings.HasPrefix(page, "/") {
					page = "/" + page
				}
				if x > 0 {
					d.pages.add(page, x)
					d.hosts = append(d.hosts, v[1])
				}
				return nil
			}
		case "sources":
			cols = []string{"date", "source", "visitors", "visits", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"}
			apply = func(d *plausibleDay, v []string, n func(int) (int64, error)) error {
				x, err := n(3)
				if err != nil {
					return err
				}
				if x == 0 {
					if x, err = n(2); err != nil {
						return err
					}
				}
				d.sources.add(v[1], x, v[4:]...)
				return nil
			}
		case "locations":
			cols = []string{"date", "country", "visitors"}
			apply = byVisitors(func(d *plausibleDay) *weighted { return &d.countries })
		case "devices":
			cols = []string{"date", "device", "visitors"}
			apply = byVisitors(func(d *plausibleDay) *weighted { return &d.devices })
		case "browsers":
			cols = []string{"date", "browser", "visitors"}
			apply = byVisitors(func(d *plausibleDay) *weighted { return &d.browsers })
		case "operating_systems":
			cols = []string{"date", "operating_system", "visitors"}
			apply = byVisitors(func(d *plausibleDay) *weighted { return &d.oses })
		default:
			continue // entry and exit pages, custom events...: not read
		}
		if err := readPlausibleTable(f, table, cols, func(v []string, n func(int) (int64, error)) error {
			d, err := day(v[0])
			if err != nil {
				return err
			}
			return apply(d, v, n)
		}); err != nil {
			return nil, err
		}
		tables = append(tables, table)
	}
	if !slices.Contains(tables, "visitors") {
		return nil, fmt.Errorf("not a Plausible CSV export: the zip has no imported_visitors_*.csv")
	}
	out := &plausibleReader{opt: opt}
	for _, d := range days {
		if d.visitors > 0 || d.pageviews > 0 {
			out.days = append(out.days, d)
		}
	}
	slices.SortFunc(out.days, func(a, b *plausibleDay) int { return a.date.Compare(b.date) })
	return out, nil
}

func byVisitors(list func(*plausibleDay) *weighted) func(d *plausibleDay, v []string, n func(int) (int64, error)) error {
	return func(d *plausibleDay, v []string, n func(int) (int64, error)) error {
		x, err := n(2)
		if err != nil {
			return err
		}
		list(d).add(v[1], x)
		return nil
	}
}

// readPlausibleTable reads one CSV file of the zip, calling row with the
// values of cols (in that order) and a reader of a column as a count.
func readPlausibleTable(f *zip.File, table string, cols []string, row func(v []string, n func(int) (int64, error)) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	c := newCSV(io.LimitReader(rc, maxPlausibleBytes))
	header, err := c.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty (a CSV file needs its header)", f.Name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	pos := map[string]int{}
	for i, h := range header {
		pos[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	idx := make([]int, len(cols))
	for i, name := range cols {
		p, ok := pos[name]
		if !ok {
			if table == "sources" && (strings.HasPrefix(name, "utm_") || name == "visits") {
				idx[i] = -1 // older exports
				continue
			}
			return fmt.Errorf("%s: column %q is missing", f.Name, name)
		}
		idx[i] = p
	}
	v := make([]string, len(cols))
	for rows := 0; ; rows++ {
		rec, err := c.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		line, _ := c.FieldPos(0)
		if rows >= maxPlausibleRows {
			return fmt.Errorf("%s: more than %d rows", f.Name, maxPlausibleRows)
		}
		if err := pick(rec, idx, cols, v); err != nil {
			return fmt.Errorf("%s line %d: %w", f.Name, line, err)
		}
		n := func(i int) (int64, error) {
			if v[i] == "" {
				return 0, nil
			}
			x, err := strconv.ParseInt(v[i], 10, 64)
			if err != nil || x < 0 || x > maxDayPageviews {
				return 0, fmt.Errorf("%s line %d: %s must be a count from 0 to %d, not %q", f.Name, line, cols[i], maxDayPageviews, clip(v[i]))
			}
			return x, nil
		}
		if err := row(v, n); err != nil {
			return fmt.Errorf("%s line %d: %w", f.Name, line, err)
		}
	}
}

type plausibleReader struct {
	opt  Options
	days []*plausibleDay

	d                  int   // current day
	sessions, bounced  int64 // of the day
	session, pageviews int64 // current session; its pageviews
	pv, pvTotal        int64 // current pageview in the session; in the day
	perSession, spare  int64 // non-bounce sessions' pageviews
	start              time.Time
	duration           time.Duration
	entry              string
}

func (r *plausibleReader) Skipped() int64 { return 0 }

func (r *plausibleReader) Next() (openfast.Event, error) {
	for {
		if r.d >= len(r.days) {
			return openfast.Event{}, io.EOF
		}
		d := r.days[r.d]
		if r.pvTotal == 0 && r.pv == 0 && r.session == 0 {
			visitors := max(d.visitors, 1)
			r.sessions = max(d.visits, visitors)
			r.bounced = min(d.bounces, r.sessions)
			p := max(d.pageviews, r.sessions)
			if n := r.sessions - r.bounced; n > 0 {
				r.perSession, r.spare = (p-r.bounced)/n, (p-r.bounced)%n
			} else {
				r.perSession, r.spare = 1, p-r.sessions // onto the first session
			}
		}
		if r.session >= r.sessions {
			r.d++
			r.session, r.pv, r.pvTotal = 0, 0, 0
			continue
		}
		if r.pv == 0 {
			r.beginSession(d)
		}
		e := r.pageview(d)
		r.pv++
		r.pvTotal++
		if r.pv >= r.pageviews {
			r.session++
			r.pv = 0
		}
		return e, nil
	}
}

// beginSession sets up session r.session of day d.
func (r *plausibleReader) beginSession(d *plausibleDay) {
	j := r.session
	nonBounce := r.sessions - r.bounced
	switch {
	case j < r.bounced && nonBounce > 0:
		r.pageviews = 1
	case nonBounce > 0:
		r.pageviews = r.perSession
		if j-r.bounced < r.spare {
			r.pageviews++
		}
	default:
		r.pageviews = 1
		if j == 0 {
			r.pageviews += r.spare
		}
	}
	r.duration = 0
	if r.pageviews > 1 && nonBounce > 0 {
		r.duration = time.Duration(d.seconds/nonBounce) * time.Second
	}
	// Sessions start spread over the day, leaving room for their length.
	room := 24*time.Hour - r.duration - time.Minute
	r.start = d.date.Add(time.Duration(float64(max(room, 0)) * float64(j) / float64(r.sessions))).UTC().Truncate(time.Microsecond)
	r.entry = ""
}

func (r *plausibleReader) pageview(d *plausibleDay) openfast.Event {
	date := d.date.Format("2006-01-02")
	visitors := max(d.visitors, 1)
	vi := r.session % visitors
	e := openfast.Event{Type: openfast.EventPageview, Hostname: r.opt.Hostname}
	e.VisitorID = uuidOf("plausible", date, "visitor", strconv.FormatInt(vi, 10))
	e.SessionID = uuidOf("plausible", date, "session", strconv.FormatInt(r.session, 10))
	e.Time = r.start
	if r.pageviews > 1 {
		e.Time = r.start.Add(time.Duration(int64(r.duration) * r.pv / (r.pageviews - 1))).Truncate(time.Microsecond)
	}
	if page, _ := d.pages.at(r.pvTotal); page != "" {
		e.Path = page
		k := sort.Search(len(d.pages.cum), func(j int) bool { return d.pages.cum[j] > r.pvTotal })
		if host := d.hosts[k]; host != "" {
			e.Hostname = host
		}
	} else {
		e.Path = "/"
	}
	if r.pv == 0 {
		r.entry = e.Path
	}
	e.EntryPath = r.entry
	source, utm := d.sources.at(r.session)
	e.Referrer = enrich.ReferrerName(strings.TrimSpace(strings.ReplaceAll(source, "Direct / None", "")))
	if strings.Contains(source, ".") && !strings.Contains(source, " ") {
		e.ReferrerHost = strings.ToLower(strings.TrimPrefix(source, "www."))
	}
	if e.Referrer == "Direct/None" {
		e.ReferrerHost = ""
	}
	e.SessionReferrer = e.Referrer
	if len(utm) == 5 {
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMContent, e.UTMTerm = utm[0], utm[1], utm[2], utm[3], utm[4]
	}
	if c, _ := d.countries.at(vi); len(c) == 2 {
		e.CountryCode = strings.ToUpper(c)
	}
	dev, _ := d.devices.at(vi)
	e.Device = strings.ToLower(dev)
	switch e.Device {
	case "desktop", "mobile", "tablet":
	default:
		e.Device = "desktop"
	}
	e.Browser, _ = d.browsers.at(vi)
	e.OS, _ = d.oses.at(vi)
	if e.OS == "Mac" || e.OS == "macOS" {
		e.OS = "Mac OS"
	}
	return e
}
