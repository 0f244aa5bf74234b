// Command analytics measures the analytics reads of the Website API on a
// realistic data set: by default 10,000,000 events over 90 days for 20
// websites (one with 60% of the traffic, zipf-distributed paths and
// referrers, about 2.5M visitors; see bench/internal/dataset/gen.go),
// bulk-loaded into a data folder laid out as `openfast serve` lays it out
// (SQLite metadata, DuckDB events).
//
// It serves the API in the same process (api.New with the SQLite store and
// the DuckDB event store as Config.Analytics, on a loopback listener) and
// times each widget over real HTTP with a dft_ token: overview,
// timeseries (day), pages, referrers, countries and realtime, for the big
// site over its last 30 days and for the smallest site over its last 7
// days. A pass's figure for a widget is the median of -runs requests.
// The event store shares reads only among the dashboard page's panels
// (analytics.Request.Shared), never among the API's requests, so every
// request runs its queries.
// Each quiet pass also computes a funnel of 4 steps on the big site over
// the same 30 days (funnel.go), -runs times, through analytics.Service as
// the funnel route calls it, and reports its median (goal: 200 ms).
//
// With -ingest N (default 5,000) each quiet pass is followed by one while
// N tracker events per second are posted to POST /api/events (the big
// site's pageviews, through the ingest writer and its journal, as serve
// wires them), and it reports both. The load is open-loop: 32 senders each
// keep to a schedule and catch up after a slow answer, as independent
// visitors would, over raw keep-alive HTTP/1.1 connections. The next
// quiet pass waits until the events posted are loaded and indexed. It runs
// -rounds (default 3) rounds of the two passes in turn and reports each
// widget's median over the rounds, and each round's summary: the speed
// of this shared machine drifts by 20-30% within a minute, and passes
// taken in turn see it alike.
//
// Usage:
//
//	go run ./bench/analytics                          # 10M events in a temporary folder
//	go run ./bench/analytics -dir /tmp/of-10m         # keep the data: later runs skip the load
//	go run ./bench/analytics -events 1000000 -runs 3 -ingest 0
//	go run ./bench/analytics -events 1000000 -store clickhouse -clickhouse-url clickhouse://127.0.0.1:9000/openfast_bench
//
// With -store clickhouse the data set is copied into ClickHouse the way
// `openfast admin migrate` copies it (package migrate; a copy that stopped
// resumes), every analytics read is checked to give the same answer on both
// stores, and both are timed, side by side.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/bench/internal/dataset"
	"github.com/openfast/openfast/bench/internal/loopback"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/servergc"
	"github.com/openfast/openfast/wire"
)

type options struct {
	cfg           dataset.Config
	dir           string
	runs          int
	rounds        int
	ingest        int
	eventDBMemory string
	cpuprofile    string
	json          bool
	store         string
	clickhouseURL string
}

func main() {
	var o options
	data := dataset.AddFlags(flag.CommandLine)
	flag.StringVar(&o.dir, "dir", "", "data folder to load into, or to reuse when it holds the same data set (default: a temporary folder)")
	flag.IntVar(&o.runs, "runs", 5, "requests per widget in a pass; the median is the pass's figure")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of a quiet pass then a pass under ingest; each widget's figure is the median over the rounds")
	flag.IntVar(&o.ingest, "ingest", 5000, "events/s posted during the second pass (0 skips it)")
	flag.BoolVar(&o.json, "json", false, "also print the results as JSON")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the Go side of the pass under ingest to this file")
	flag.StringVar(&o.eventDBMemory, "event-db-memory", "", "DuckDB's memory cap while measuring (serve's --event-db-memory; default serve's default)")
	flag.StringVar(&o.store, "store", "duckdb", "event store: duckdb, or clickhouse to copy the data set into ClickHouse and measure both side by side")
	flag.StringVar(&o.clickhouseURL, "clickhouse-url", os.Getenv("OPENFAST_TEST_CLICKHOUSE_URL"), "ClickHouse server for -store clickhouse (clickhouse://host:port/database; the database is created)")
	flag.Parse()
	if o.store != "duckdb" && (o.store != "clickhouse" || o.clickhouseURL == "") {
		fmt.Fprintln(os.Stderr, "analytics: -store must be duckdb or clickhouse, and clickhouse needs -clickhouse-url (or OPENFAST_TEST_CLICKHOUSE_URL)")
		os.Exit(2)
	}
	cfg, err := data.Config()
	if err != nil || o.runs < 1 || o.rounds < 1 || o.ingest < 0 {
		fmt.Fprintln(os.Stderr, "analytics: -runs and -rounds 1 or more, -ingest 0 or more, "+dataset.FlagsUsage)
		os.Exit(2)
	}
	o.cfg = cfg
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "analytics:", err)
		os.Exit(1)
	}
}

// widget is one timed request.
type widget struct {
	name  string
	path  string
	query url.Values
}

type scenario struct {
	name    string
	site    dataset.Site
	days    int
	widgets []widget
}

func scenarios(m dataset.Manifest) []scenario {
	big, small := m.BigAndSmall()
	end := m.Config.End
	mk := func(name string, s dataset.Site, days int) scenario {
		rng := url.Values{"startAt": {end.AddDate(0, 0, -days).Format(time.DateOnly)}, "endAt": {end.AddDate(0, 0, -1).Format(time.DateOnly)}, "timezone": {"UTC"}}
		with := func(extra url.Values) url.Values {
			q := url.Values{"websiteId": {s.ID}}
			for k, v := range rng {
				q[k] = v
			}
			for k, v := range extra {
				q[k] = v
			}
			return q
		}
		return scenario{name: name, site: s, days: days, widgets: []widget{
			{"overview", "/api/v1/analytics/overview", with(nil)},
			{"timeseries (day)", "/api/v1/analytics/timeseries", with(url.Values{"interval": {"day"}, "fields": {"name,visitors,sessions,revenue,payments,conversion_rate"}})},
			{"pages", "/api/v1/analytics/pages", with(url.Values{"limit": {"10"}})},
			{"referrers", "/api/v1/analytics/referrers", with(url.Values{"limit": {"10"}})},
			{"countries", "/api/v1/analytics/countries", with(url.Values{"limit": {"10"}})},
			{"realtime", "/api/v1/analytics/realtime", url.Values{"websiteId": {s.ID}}},
		}}
	}
	return []scenario{mk("big site, 30 days", big, 30), mk("small site, 7 days", small, 7)}
}

// result is one widget's timing.
type result struct {
	Scenario string  `json:"scenario"`
	Widget   string  `json:"widget"`
	Millis   float64 `json:"medianMillis"`
	Loaded   float64 `json:"medianMillisUnderIngest,omitempty"`
}

// eventStore is what a backend's server needs from its event store.
type eventStore interface {
	openfast.EventStore
	analytics.Store
}

// backend is one event store served over HTTP, with its results.
type backend struct {
	name   string
	events eventStore
	base   string                   // the server's URL
	writer *ingest.Writer           // its ingest writer
	quiet  map[string]time.Duration // medians over the rounds
	loaded map[string]time.Duration
	rate   float64 // ingested events/s during the passes under ingest
	// rounds are each round's figures (quiet, loaded), for the report.
	rounds [][2]map[string]time.Duration
	// funnelRounds are the funnel's figures (quiet), one per round, and
	// funnelResult its last answer.
	funnelRounds []time.Duration
	funnelResult *wire.FunnelResult
}

func run(ctx context.Context, o options) error {
	dir, m, cleanup, err := dataset.Prepare(ctx, o.dir, o.cfg, "openfast-analytics-")
	if err != nil {
		return err
	}
	defer cleanup()
	meta, ddb, err := dataset.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer meta.Close()
	defer ddb.Close()
	if o.eventDBMemory != "" {
		if err := ddb.SetMemoryLimit(ctx, o.eventDBMemory); err != nil {
			return err
		}
	}
	backends := []*backend{{name: "DuckDB", events: ddb}}
	if o.store == "clickhouse" {
		ch, err := copyToClickHouse(ctx, o.clickhouseURL, dir, ddb, m)
		if err != nil {
			return err
		}
		defer ch.Close()
		backends = append(backends, &backend{name: "ClickHouse", events: ch})
	}

	owner, err := meta.UserByEmail(ctx, dataset.OwnerEmail)
	if err != nil {
		return fmt.Errorf("find the owner: %w", err)
	}
	secret, tok := auth.NewAccessToken(owner.ID, nil, []string{auth.PermAnalyticsRead}, nil)
	if err := meta.CreateAccessToken(ctx, tok, 1000, nil); err != nil {
		return fmt.Errorf("create a token: %w", err)
	}
	client := loopback.Client(64)
	get := func(base string, w widget) (time.Duration, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+w.path+"?"+w.query.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+secret.Raw)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(t0)
		if err != nil || res.StatusCode != http.StatusOK {
			return 0, nil, fmt.Errorf("%s: status %d: %s", w.path, res.StatusCode, b)
		}
		return d, b, nil
	}
	measure := func(base string) (map[string]time.Duration, error) {
		out := map[string]time.Duration{}
		for _, sc := range scenarios(m) {
			for _, w := range sc.widgets {
				var ds []time.Duration
				for range o.runs {
					d, _, err := get(base, w)
					if err != nil {
						return nil, err
					}
					ds = append(ds, d)
				}
				slices.Sort(ds)
				out[sc.name+"|"+w.name] = ds[len(ds)/2]
			}
		}
		return out, nil
	}

	// The file as it is now (a folder reused after runs with ingest holds
	// their events too), with the spill measured when it was loaded.
	st := dataset.MeasureStorage(dir)
	st.PeakSpillBytes, st.SpillMeasured = m.Storage.PeakSpillBytes, m.Storage.SpillMeasured
	stored := m.Events
	if err := ddb.SQL().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&stored); err != nil {
		return fmt.Errorf("count the stored events: %w", err)
	}
	fmt.Println(st.Report(stored))
	fmt.Printf("\nanalytics: %d events, %d sites, %d days ending %s; median of %d requests per widget over HTTP in a pass; median over %d rounds\n",
		m.Events, m.Config.Sites, m.Config.Days, m.Config.End.Format(time.DateOnly), o.runs, o.rounds)
	servergc.Tune() // as serve runs
	for i, b := range backends {
		// Each store gets its own server, ingest writer and journal, as
		// serve wires them.
		journal := filepath.Join(dir, ingest.JournalDir)
		if i > 0 {
			journal += "-" + strings.ToLower(b.name)
		}
		writer, err := ingest.OpenWriter(ctx, ingest.WriterConfig{Store: b.events, Dir: journal, QueueSize: 100_000, MaxBatch: 5000})
		if err != nil {
			return err
		}
		defer writer.Close()
		b.writer = writer
		now := m.Config.End // realtime: the last 10 minutes of the data set
		a, err := app.New(app.Config{
			Metadata: meta, Events: b.events, Writer: writer, Analytics: b.events,
			Now: func() time.Time { return now },
		})
		if err != nil {
			return err
		}
		h := ingest.NewHandler(ingest.Config{Writer: writer, Website: a.TrackedWebsite})
		srv, err := api.New(api.Config{App: a, Logger: slog.New(slog.DiscardHandler), Events: h.ServeEvent})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		httpServer := srv.HTTPServer()
		go httpServer.Serve(ln)
		defer httpServer.Close()
		b.base = "http://" + ln.Addr().String()
	}
	if len(backends) > 1 {
		n, err := compareAnswers(m, backends, func(base string, w widget) ([]byte, error) {
			_, b, err := get(base, w)
			return b, err
		})
		if err != nil {
			return err
		}
		fmt.Printf("%s and %s give the same answers to all %d requests (every breakdown, overview, timeseries, realtime, visitors)\n", backends[0].name, backends[1].name, n)
	}
	var site *openfast.Website
	if o.ingest > 0 {
		if site, err = meta.Website(ctx, m.Sites[0].ID); err != nil {
			return err
		}
	}
	// Rounds of a quiet pass then a pass under ingest, in turn, so that
	// both see the machine in the same state: on a shared machine its
	// speed drifts by 20-30% within a minute.
	for round := range o.rounds {
		for _, b := range backends {
			quiet, err := measure(b.base)
			if err != nil {
				return err
			}
			fd, res, err := measureFunnel(ctx, b.events, m, o.runs)
			if err != nil {
				return err
			}
			b.funnelRounds, b.funnelResult = append(b.funnelRounds, fd), res
			var loaded map[string]time.Duration
			if o.ingest > 0 {
				stop := make(chan struct{})
				var posted atomic.Int64
				var wg sync.WaitGroup
				var postErr atomic.Pointer[error]
				t0 := time.Now()
				wg.Go(func() { paceIngest(ctx, b.base, site, o.ingest, stop, &posted, &postErr) })
				time.Sleep(2 * time.Second) // the load settles
				profile := ""
				if round == 0 {
					profile = o.cpuprofile
				}
				stopProfile, perr := startProfile(profile)
				if perr != nil {
					close(stop)
					wg.Wait()
					return perr
				}
				loaded, err = measure(b.base)
				stopProfile()
				close(stop)
				wg.Wait()
				b.rate += float64(posted.Load()) / time.Since(t0).Seconds() / float64(o.rounds)
				if err != nil {
					return err
				}
				if p := postErr.Load(); p != nil {
					return fmt.Errorf("ingest during the measurement: %w", *p)
				}
				// The next quiet pass starts when the events posted are
				// loaded and indexed, not while the loader and the indexer
				// still catch up with them.
				if err := settle(ctx, b); err != nil {
					return err
				}
			}
			b.rounds = append(b.rounds, [2]map[string]time.Duration{quiet, loaded})
		}
	}
	for _, b := range backends {
		b.quiet, b.loaded = medianOver(b.rounds, 0), medianOver(b.rounds, 1)
	}
	for _, b := range backends {
		if len(backends) > 1 {
			fmt.Printf("\n%s\n", b.name)
		}
		report(os.Stdout, o, m, b.quiet, b.loaded, b.rate)
		funnelReport(os.Stdout, b.funnelRounds, b.funnelResult)
		if o.rounds > 1 {
			roundsReport(os.Stdout, m, b.rounds)
		}
	}
	if len(backends) > 1 {
		if err := sameFunnel(backends); err != nil {
			return err
		}
		fmt.Printf("\n%s and %s give the same funnel result\n", backends[0].name, backends[1].name)
		sideBySide(os.Stdout, m, backends)
	}
	fmt.Printf("\npeak RSS of this process (the server, the load generator and the data set's reader): %s\n", dataset.PeakRSS())
	return nil
}

// medianOver is each widget's median over the rounds of their figures of
// one kind (0 quiet, 1 under ingest), or nil when there are none.
func medianOver(rounds [][2]map[string]time.Duration, kind int) map[string]time.Duration {
	if len(rounds) == 0 || rounds[0][kind] == nil {
		return nil
	}
	out := map[string]time.Duration{}
	for k := range rounds[0][kind] {
		var ds []time.Duration
		for _, r := range rounds {
			ds = append(ds, r[kind][k])
		}
		slices.Sort(ds)
		out[k] = ds[len(ds)/2]
	}
	return out
}

// roundsReport prints each round's six big-site widgets together and its
// worst ratio under ingest, which the medians above summarize.
func roundsReport(w io.Writer, m dataset.Manifest, rounds [][2]map[string]time.Duration) {
	for i, r := range rounds {
		var six time.Duration
		worst := 0.0
		for _, sc := range scenarios(m) {
			for _, wd := range sc.widgets {
				k := sc.name + "|" + wd.name
				if strings.HasPrefix(sc.name, "big") {
					six += r[0][k]
				}
				if r[1] != nil {
					worst = max(worst, float64(r[1][k])/float64(r[0][k]))
				}
			}
		}
		fmt.Fprintf(w, "round %d: big site's six widgets %.1f ms quiet", i+1, ms(six))
		if r[1] != nil {
			fmt.Fprintf(w, ", worst ratio under ingest %.2f", worst)
		}
		fmt.Fprintln(w)
	}
}

// startProfile starts a CPU profile into path ("" for none) and returns
// what stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// poster posts tracker events on one keep-alive connection, writing
// HTTP/1.1 itself and reading the answer with http.ReadResponse: a load
// generator that takes little of the CPU it shares with the server (a
// net/http client costs about as much per request as the server's work).
type poster struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

// send posts body on the poster's keep-alive connection, written and read
// by hand (loopback.ReadResponseHead): the senders share the process and
// its two cores with the server whose reads are timed, and should take as
// little of them as a sender can.
func (p *poster) send(ctx context.Context, body []byte) error {
	if p.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.addr)
		if err != nil {
			return err
		}
		p.conn, p.br = conn, bufio.NewReader(conn)
	}
	r := append(p.req[:0], "POST /api/events HTTP/1.1\r\nHost: "...)
	r = append(r, p.addr...)
	r = append(r, "\r\nContent-Type: application/json\r\n"+
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"+
		"Content-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	p.req = r
	p.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := p.conn.Write(r); err != nil {
		p.close()
		return err
	}
	status, length, closing, err := loopback.ReadResponseHead(p.br)
	if err == nil {
		_, err = p.br.Discard(length)
	}
	if err != nil {
		p.close()
		return err
	}
	if closing {
		p.close()
	}
	if status != http.StatusOK {
		return fmt.Errorf("POST /api/events: status %d", status)
	}
	return nil
}

func (p *poster) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.br = nil, nil
	}
}

// paceIngest posts rate pageviews per second of site until stop.
func paceIngest(ctx context.Context, base string, site *openfast.Website, rate int, stop chan struct{}, posted *atomic.Int64, failed *atomic.Pointer[error]) {
	const workers = 32
	per := time.Second * workers / time.Duration(rate)
	prefix := fmt.Sprintf(`{"websiteId":%q,"domain":%q,"href":"https://%s/p/`, site.TrackingID, site.Domain, site.Domain)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			post := &poster{addr: strings.TrimPrefix(base, "http://")}
			defer post.close()
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			var body []byte
			// Each worker keeps to its own schedule, catching up after a
			// slow response (a ticker would drop the ticks it missed).
			next := time.Now().Add(time.Duration(w) * per / workers)
			for {
				if wait := time.Until(next); wait > 0 {
					timer.Reset(wait)
					select {
					case <-stop:
						return
					case <-timer.C:
					}
				} else {
					select {
					case <-stop:
						return
					default:
					}
				}
				next = next.Add(per)
				body = append(body[:0], prefix...)
				body = strconv.AppendInt(body, int64(r.IntN(500)), 10)
				body = append(body, `","referrer":null,"viewport":{"width":1280,"height":720},"visitorId":"`...)
				body = appendUUID(body, r)
				body = append(body, `","sessionId":"s`...)
				body = appendUUID(body, r)
				body = append(body, `","type":"pageview"}`...)
				if err := post.send(ctx, body); err != nil {
					failed.CompareAndSwap(nil, &err)
					continue
				}
				posted.Add(1)
			}
		})
	}
	wg.Wait()
}

// appendUUID appends a random version 4 UUID.
func appendUUID(b []byte, r *rand.Rand) []byte {
	var u openfast.UUID
	for i := range u {
		u[i] = byte(r.Uint32())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return append(b, u.String()...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func report(w io.Writer, o options, m dataset.Manifest, quiet, loaded map[string]time.Duration, ingestRate float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "scenario\twidget\tmedian"
	if loaded != nil {
		header += fmt.Sprintf("\tunder ingest (%.0f ev/s)\tratio", ingestRate)
	}
	fmt.Fprintln(tw, header+"\tgoal\t")
	var results []result
	sums := map[string][2]time.Duration{}
	var worst float64
	for _, sc := range scenarios(m) {
		for _, wd := range sc.widgets {
			k := sc.name + "|" + wd.name
			goal := 100 * time.Millisecond
			if strings.HasPrefix(sc.name, "small") {
				goal = 10 * time.Millisecond
			}
			if wd.name == "realtime" {
				goal = 5 * time.Millisecond
			}
			res := result{Scenario: sc.name, Widget: wd.name, Millis: ms(quiet[k])}
			line := fmt.Sprintf("%s\t%s\t%.1f ms", sc.name, wd.name, ms(quiet[k]))
			if loaded != nil {
				res.Loaded = ms(loaded[k])
				ratio := float64(loaded[k]) / float64(quiet[k])
				worst = max(worst, ratio)
				line += fmt.Sprintf("\t%.1f ms\t%.2f", ms(loaded[k]), ratio)
			}
			verdict := "meets"
			if quiet[k] > goal || (loaded != nil && loaded[k] > 2*quiet[k]) {
				verdict = "MISSES"
			}
			fmt.Fprintf(tw, "%s\t<= %v: %s\t\n", line, goal, verdict)
			s := sums[sc.name]
			s[0] += quiet[k]
			s[1] += loaded[k]
			sums[sc.name] = s
			results = append(results, res)
		}
	}
	tw.Flush()
	big := sums["big site, 30 days"]
	verdict := "meets"
	if big[0] > 400*time.Millisecond {
		verdict = "MISSES"
	}
	fmt.Fprintf(w, "\nbig site, the six widgets together: %.1f ms (goal <= 400 ms: %s)", ms(big[0]), verdict)
	if loaded != nil {
		fmt.Fprintf(w, "; under ingest %.1f ms; worst ratio %.2f (goal <= 2)", ms(big[1]), worst)
	}
	fmt.Fprintln(w)
	if o.json {
		b, _ := json.Marshal(results)
		fmt.Fprintln(w, string(b))
	}
}

// settle waits, up to two minutes, until b's ingest writer has loaded
// every event it acknowledged and, on DuckDB, the indexer has indexed
// them.
func settle(ctx context.Context, b *backend) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	pending, _ := b.events.(interface {
		Pending(context.Context) (int64, error)
	})
	for {
		idle := b.writer.QueueLen() == 0 && b.writer.Unloaded() == 0
		if idle && pending != nil {
			n, err := pending.Pending(ctx)
			if err != nil {
				return fmt.Errorf("wait for the indexer: %w", err)
			}
			idle = n == 0
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: the ingested events were not loaded and indexed within two minutes", b.name)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
