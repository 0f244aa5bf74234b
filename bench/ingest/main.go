//go:build unix

// Command ingest measures the POST /api/events hot path under load: -c
// concurrent keep-alive clients on loopback post realistic tracker events
// for -d, after an unmeasured warm-up of -warmup. It reports the
// acknowledged events per second, the latency percentiles, the memory of
// the process, and the number of stored events against the number of
// acknowledged ones, then checks them against the acceptance goal:
//
//	at least 20,000 events/s, p99 under 25 ms, RSS at most 300 MB,
//	stored = acknowledged
//
// on the machine the load generator also runs on.
//
// By default it serves the events in the same process, wired as `openfast
// serve` wires them: SQLite metadata (sqlite.OpenDataDir) and DuckDB events
// (duckdb.OpenDataDir) in a temporary data folder, the group-commit writer
// with its journal (ingest.OpenWriter with -queue and -batch, the defaults
// of serve), the API
// router (api.New with Config.Events, EventStore and EventWriter) and the
// ingest handler (ingest.NewHandler, websites found through
// srv.TrackedWebsite, which also registers the writer's metrics), served by
// an http.Server with serve's timeouts on a 127.0.0.1:0 listener. The
// request log is formatted as serve's text log and discarded (-log off
// skips it). One website with the domain example.com is created in the
// store. The only addition to the wiring is a thin wrapper around the event
// store that times each load of a journal segment, for the report. -store discard puts
// a store that only counts the events in DuckDB's place, to measure the
// HTTP and ingest path alone.
//
// With -smtp-fail the in-process server also has a mail server configured
// (a go-smtp server on loopback, internal/smtptest, that refuses every
// message with 550) and one enabled alert on each goal the load sends, so
// that the goal events (15% of the load) fire alerts: each is looked up in
// the alert cache and queued, and the worker groups the firings (one
// delivery attempt per alert per minute) and records each refusal as a
// failed history entry. The report adds the firings queued and the entries
// recorded. Without it the ingest handler still tells the app of each
// event, as serve does, and no website has alerts.
//
// With -url and -website it loads an `openfast serve` that is already
// running instead (give -pid for its memory). The website must accept the
// hostname example.com, or its events are answered 200 and not stored. The
// program cannot count that server's stored events: stop the server (it
// drains its queue) and count them in events.duckdb in its data folder.
//
// The clients are net/http clients sharing one Transport (-client std), or
// with -client raw a lighter generator that writes each request on its own
// connection and reads the answer with http.ReadResponse: the goal is for a
// load generator on the same machine, and the std client takes about as
// much CPU per event as the server's HTTP side.
//
// The events are ~80% pageviews, 15% custom goals with 1 to 3 parameters,
// and 5% identify, payment and external_link events, from a pool of
// -visitors visitors (version 4 UUIDs, each with an "s"-prefixed session id
// and one of 30 real desktop and mobile user agents; start-up fails if
// enrich.IsBot takes any of them for a bot). Paths follow a zipf law over
// 500 paths; referrers are direct (null), internal, search engines, x.com,
// news.ycombinator.com, other social sites and random domains; some URLs
// carry utm parameters or ad click ids. The -bodies request bodies are
// encoded before the run; a client only copies one and writes a visitor's
// ids into it. The client address is loopback, so there is no GeoIP lookup.
//
// A response counts as acknowledged when it is a 200 with "status":
// "success". A 503 saying that the queue is full is counted apart; any other
// status or a transport error is an error, and the program then exits with
// status 1, as it does when the stored count differs from the
// acknowledged one. The acknowledged count compared with the stored one
// includes the start-up check and the warm-up; events/s and latencies are
// those of the requests started in the measured window. RSS is read from
// /proc (VmHWM, the peak, and VmRSS; MB here is 2^20 bytes); in-process it
// includes the load generator. The report also gives the process CPU time
// per acknowledged event, the writer's commits (batch sizes and times),
// and the CPU that other processes used during the window (from
// /proc/stat): figures taken on a busy machine are pessimistic.
//
// Usage:
//
//	go run ./bench/ingest [-c 64] [-d 10s] [-warmup 1s] [-queue 100000] [-batch 5000] [-json]
//	go run ./bench/ingest -client raw                    # the lighter load generator
//	go run ./bench/ingest -store discard                 # the HTTP and ingest path without DuckDB
//	go run ./bench/ingest -cpuprofile ingest.prof        # then: go tool pprof -top ingest.prof
//	go run ./bench/ingest -url http://127.0.0.1:8080 -website dfid_... [-pid PID]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/bench/internal/loopback"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/servergc"
	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
	"github.com/openfast/openfast/sqlite"
	"github.com/prometheus/client_golang/prometheus"
)

// The acceptance goal.
const (
	goalEventsPerSec = 20_000
	goalP99          = 25 * time.Millisecond
	goalRSSBytes     = 300 << 20
)

type options struct {
	clients    int
	duration   time.Duration
	warmup     time.Duration
	queue      int
	batch      int
	jsonOut    bool
	url        string
	website    string
	pid        int
	cpuProfile string
	memProfile string
	logFormat  string
	bodies     int
	visitors   int
	seed       uint64
	store      string
	client     string

	eventDBMemory string
	smtpFail      bool
}

func main() {
	var o options
	flag.IntVar(&o.clients, "c", 64, "concurrent keep-alive clients")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "measured duration")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before the measured duration")
	flag.IntVar(&o.queue, "queue", 100_000, "in-process: events that may wait for a commit before 503 (serve's --event-queue)")
	flag.IntVar(&o.batch, "batch", 5_000, "in-process: most events committed at once (serve's --event-batch)")
	flag.BoolVar(&o.jsonOut, "json", false, "also print the results as one JSON line")
	flag.StringVar(&o.url, "url", "", "load a running server at this base URL (http://127.0.0.1:PORT) instead of an in-process one")
	flag.StringVar(&o.website, "website", "", "with -url: the trackingId (dfid_...) of a website whose domain is example.com")
	flag.IntVar(&o.pid, "pid", 0, "with -url: process id of the server, to report its memory")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured window (client and, in-process, server) to this file")
	flag.StringVar(&o.memProfile, "memprofile", "", "write a profile of what the process allocated during the run (client and, in-process, server) to this file")
	flag.StringVar(&o.logFormat, "log", "text", "in-process request log: text (formatted as serve does, then discarded) or off")
	flag.IntVar(&o.bodies, "bodies", 4096, "distinct request bodies built before the run")
	flag.IntVar(&o.visitors, "visitors", 50_000, "visitors in the pool")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated traffic")
	flag.StringVar(&o.eventDBMemory, "event-db-memory", "", "in-process: DuckDB's memory cap (serve's --event-db-memory; default DuckDB's)")
	flag.StringVar(&o.client, "client", "std", "client: std (net/http, one shared Transport) or raw (HTTP/1.1 written on the connection: a lighter load generator)")
	flag.StringVar(&o.store, "store", "duckdb", "in-process event store: duckdb (as serve), or discard (count the events and drop them: the HTTP and ingest path alone)")
	flag.BoolVar(&o.smtpFail, "smtp-fail", false, "in-process: configure a mail server that refuses every message and an enabled alert on each goal of the load")
	flag.Parse()
	if o.clients < 1 || o.duration <= 0 || o.warmup < 0 || o.queue < 1 || o.batch < 1 || o.bodies < 10 || o.visitors < 1 {
		fail(2, "-c, -queue, -batch and -visitors must be at least 1, -bodies at least 10, -d positive and -warmup not negative")
	}
	if o.logFormat != "text" && o.logFormat != "off" {
		fail(2, "-log must be text or off")
	}
	if o.client != "std" && o.client != "raw" {
		fail(2, "-client must be std or raw")
	}
	if o.store != "duckdb" && o.store != "discard" {
		fail(2, "-store must be duckdb or discard")
	}
	if (o.url == "") != (o.website == "") {
		fail(2, "-url and -website go together")
	}
	if o.url != "" {
		if err := checkLoopbackURL(o.url); err != nil {
			fail(2, err.Error())
		}
	}
	res, err := run(o)
	if err != nil {
		fail(1, err.Error())
	}
	code := 0
	if res.Errors > 0 {
		fmt.Fprintf(os.Stderr, "ingest: %d requests failed or got an unexpected status\n", res.Errors)
		code = 1
	}
	if res.Stored != nil && *res.Stored != res.AckedTotal {
		fmt.Fprintf(os.Stderr, "ingest: %d events stored, %d acknowledged\n", *res.Stored, res.AckedTotal)
		code = 1
	}
	os.Exit(code)
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "ingest:", msg)
	os.Exit(code)
}

// checkLoopbackURL refuses a -url that is not http on a loopback address.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-url must be http://127.0.0.1:PORT, not %q", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url must be on a loopback address, not %q", host)
	}
	return nil
}

// target is the server under load.
type target struct {
	base      string
	websiteID string // the trackingId the events name
	// In-process only (nil otherwise):
	stop    func() error                             // stops the HTTP server, then drains the writer
	count   func(ctx context.Context) (int64, error) // the website's stored events
	commits *commitStats
	pid     int // whose memory to report; 0 for none
}

// startInProcess starts the server as `openfast serve` wires it, in a
// temporary data folder, with one website. cleanup closes the stores and
// removes the folder.
func startInProcess(ctx context.Context, o options) (t *target, cleanup func(), err error) {
	servergc.Tune()
	dir, err := os.MkdirTemp("", "openfast-ingest-")
	if err != nil {
		return nil, nil, fmt.Errorf("create temp folder: %w", err)
	}
	var closers []func()
	cleanup = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		os.RemoveAll(dir)
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()

	meta, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { meta.Close() })
	events, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { events.Close() })
	if o.eventDBMemory != "" {
		if err := events.SetMemoryLimit(ctx, o.eventDBMemory); err != nil {
			return nil, nil, err
		}
	}
	commits := &commitStats{}
	var eventStore openfast.EventStore = events
	if o.store == "discard" {
		eventStore = &discardStore{DB: events, counts: map[string]int64{}}
	}
	writer, err := ingest.OpenWriter(ctx, ingest.WriterConfig{
		Store: timedStore{eventStore, commits}, Dir: filepath.Join(dir, ingest.JournalDir), QueueSize: o.queue, MaxBatch: o.batch,
	})
	if err != nil {
		return nil, nil, err
	}

	logger := slog.New(slog.DiscardHandler)
	if o.logFormat == "text" {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var sender mail.Sender
	if o.smtpFail {
		smtp, err := smtptest.New(smtptest.Options{})
		if err != nil {
			return nil, nil, fmt.Errorf("start the SMTP server: %w", err)
		}
		closers = append(closers, func() { smtp.Close() })
		smtp.FailWith(550, "Mailbox unavailable")
		if sender, err = mail.NewSMTPSender(mail.SMTPConfig{URL: smtp.URL(), From: "alerts@example.com"}); err != nil {
			return nil, nil, err
		}
	}
	a, err := app.New(app.Config{Metadata: meta, Events: events, Writer: writer, CacheTTL: 5 * time.Second, Logger: logger, Mail: sender})
	if err != nil {
		return nil, nil, err
	}
	alertApp = a
	reg := prometheus.NewRegistry()
	h := ingest.NewHandler(ingest.Config{Writer: writer, Website: a.TrackedWebsite, Registerer: reg, Accepted: a.ObserveEvent})
	srv, err := api.New(api.Config{
		App: a, Logger: logger, RateLimit: 600, RateBurst: 100, Registry: reg,
		Events: h.ServeEvent,
	})
	if err != nil {
		return nil, nil, err
	}
	writerClosed := false
	closers = append(closers, func() {
		if !writerClosed {
			writer.Close()
		}
	})

	u := &openfast.User{ID: openfast.NewID(), Email: "ingest-bench@example.com"}
	if err := meta.CreateUser(ctx, u); err != nil {
		return nil, nil, fmt.Errorf("create user: %w", err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: u.ID,
		Domain: siteDomain, Timezone: "UTC", Currency: "USD"}
	if err := meta.CreateWebsite(ctx, site, nil); err != nil {
		return nil, nil, fmt.Errorf("create website: %w", err)
	}
	if o.smtpFail {
		for _, g := range goals {
			al := &openfast.Alert{ID: openfast.NewID(), WebsiteID: site.ID, Name: "On " + g, GoalName: g, Message: "{{visitor}} reached {{goal}} from {{country}}.", Enabled: true}
			if err := meta.CreateAlert(ctx, al, openfast.MaxAlertsPerWebsite, nil); err != nil {
				return nil, nil, fmt.Errorf("create alert: %w", err)
			}
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen on loopback: %w", err)
	}
	httpServer := srv.HTTPServer()
	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var bgDone sync.WaitGroup
	bgDone.Go(func() { a.Run(bg) })
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()

	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := httpServer.Shutdown(sctx)
		cancel()
		if err != nil {
			httpServer.Close()
		}
		writer.Close() // as serve does after the HTTP server: drains the queue
		writerClosed = true
		stopBackground()
		bgDone.Wait()
		if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("serve: %w", serr)
		}
		return err
	}
	closers = append(closers, func() { stop() })
	return &target{
		base: "http://" + ln.Addr().String(), websiteID: site.TrackingID, stop: stop,
		count: func(ctx context.Context) (int64, error) {
			if !writerClosed {
				if err := writer.Sync(ctx); err != nil {
					return 0, err
				}
			}
			return eventStore.CountEvents(ctx, site.ID)
		},
		commits: commits, pid: os.Getpid(),
	}, cleanup, nil
}

// timedStore is the event store with its batch commits timed.
type timedStore struct {
	openfast.EventStore
	stats *commitStats
}

// discardStore (-store discard) counts the events of each website instead
// of storing them, to measure the HTTP and ingest path without the event
// database. Its other methods are those of the DuckDB store.
type discardStore struct {
	*duckdb.DB
	mu     sync.Mutex
	counts map[string]int64
}

func (s *discardStore) InsertBatch(ctx context.Context, _ string, _ uint64, events []openfast.Event) error {
	return s.InsertEvents(ctx, events)
}

func (s *discardStore) InsertEvents(_ context.Context, events []openfast.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range events {
		s.counts[events[i].WebsiteID]++
	}
	return nil
}

func (s *discardStore) CountEvents(_ context.Context, websiteID string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[websiteID], nil
}

// commitStats are the writer's loads of journal segments into the store.
type commitStats struct {
	mu      sync.Mutex
	batches int64
	events  int64
	failed  int64
	busy    time.Duration
	longest time.Duration
	maxSize int
}

func (s timedStore) InsertBatch(ctx context.Context, journal string, seq uint64, events []openfast.Event) error {
	t0 := time.Now()
	err := s.EventStore.InsertBatch(ctx, journal, seq, events)
	d := time.Since(t0)
	st := s.stats
	st.mu.Lock()
	st.batches++
	st.events += int64(len(events))
	if err != nil {
		st.failed++
	}
	st.busy += d
	st.longest = max(st.longest, d)
	st.maxSize = max(st.maxSize, len(events))
	st.mu.Unlock()
	return err
}

func (s *commitStats) snapshot() commitStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return commitStats{batches: s.batches, events: s.events, failed: s.failed, busy: s.busy, longest: s.longest, maxSize: s.maxSize}
}

func run(o options) (res results, err error) {
	ctx := context.Background()
	var t *target
	if o.url != "" {
		t = &target{base: strings.TrimRight(o.url, "/"), websiteID: o.website, pid: o.pid}
	} else {
		var cleanup func()
		t, cleanup, err = startInProcess(ctx, o)
		if err != nil {
			return res, err
		}
		defer cleanup()
	}

	w, err := buildWorkload(o.seed, o.bodies, o.visitors, t.websiteID)
	if err != nil {
		return res, err
	}

	client := loopback.Client(o.clients)
	defer client.CloseIdleConnections()
	eventsURL := t.base + "/api/events"

	// Start-up check: one event of each kind must be acknowledged (and,
	// in-process, stored).
	checked, err := checkKinds(ctx, o.client, client, eventsURL, w)
	if err != nil {
		return res, err
	}
	if t.count != nil {
		if n, err := t.count(ctx); err != nil {
			return res, err
		} else if n != checked {
			return res, fmt.Errorf("start-up check: %d events acknowledged, %d stored", checked, n)
		}
	}

	mode := "in-process server (openfast serve wiring)"
	if o.store == "discard" {
		mode = "in-process server (openfast serve wiring, events counted and DISCARDED)"
	}
	if t.stop == nil {
		mode = "running server"
	}
	fmt.Fprintf(os.Stderr, "ingest: %s at %s, website %s, GOMAXPROCS=%d, NumCPU=%d\n", mode, t.base, t.websiteID, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(os.Stderr, "ingest: -c %d, warm-up %s, measured %s, %d bodies (%d bytes on average), %d visitors\n",
		o.clients, o.warmup, o.duration, len(w.templates), meanBodySize(w), len(w.visitors))

	ls, err := load(ctx, client, eventsURL, w, o)
	if err != nil {
		return res, err
	}
	client.CloseIdleConnections()

	res = results{
		Mode: mode, Clients: o.clients, Client: o.client, GOMAXPROCS: runtime.GOMAXPROCS(0),
		Seconds: round3(ls.elapsed.Seconds()), WarmupSeconds: o.warmup.Seconds(),
		Requests: ls.requests, Acked: ls.acked, EventsPerSec: math.Round(float64(ls.acked) / ls.elapsed.Seconds()),
		MinSecondPerSec: ls.minSecond, MaxSecondPerSec: ls.maxSecond,
		P50Micros: micros(percentile(ls.lat, 0.50)), P99Micros: micros(percentile(ls.lat, 0.99)),
		P999Micros: micros(percentile(ls.lat, 0.999)), MaxMicros: micros(percentile(ls.lat, 1)),
		QueueFull: ls.full503, Errors: ls.errors,
		AckedTotal:        checked + ls.warmAcked + ls.acked,
		CPUMicrosPerEvent: micros(perEvent(ls.cpu, ls.acked)),
		OtherCores:        otherCores(ls),
		Mix:               map[string]int64{},
	}
	for k, n := range ls.byKind {
		res.Mix[kindNames[k]] = n
	}
	if t.pid != 0 {
		if m, err := readMemory(t.pid); err == nil {
			res.PeakRSSBytes, res.RSSBytes = &m.hwm, &m.rss
		} else {
			fmt.Fprintln(os.Stderr, "ingest: memory:", err)
		}
		res.RSSNote = "server process " + strconv.Itoa(t.pid)
		if t.pid == os.Getpid() {
			res.RSSNote = "server and load generator, one process"
		}
	}

	if t.stop != nil {
		res.Queue, res.Batch = o.queue, o.batch
		if err := t.stop(); err != nil {
			return res, fmt.Errorf("stop the server: %w", err)
		}
		n, err := t.count(ctx)
		if err != nil {
			return res, err
		}
		res.Stored = &n
		c := t.commits.snapshot()
		res.Commits = &commitReport{Batches: c.batches, Events: c.events, Failed: c.failed, BusySeconds: round3(c.busy.Seconds()),
			LongestMillis: round3(float64(c.longest) / 1e6), MaxBatch: c.maxSize}
		if c.batches > 0 {
			res.Commits.MeanBatch = math.Round(float64(c.events) / float64(c.batches))
			res.Commits.MeanMillis = round3(float64(c.busy) / float64(c.batches) / 1e6)
		}
	}

	printReport(os.Stdout, res)
	if o.jsonOut {
		b, err := json.Marshal(res)
		if err != nil {
			return res, fmt.Errorf("encode JSON: %w", err)
		}
		fmt.Fprintln(os.Stdout, string(b))
	}
	return res, nil
}

func meanBodySize(w *workload) int {
	n := 0
	for _, t := range w.templates {
		n += len(t.body)
	}
	return n / len(w.templates)
}

// checkKinds posts one event of each kind and fails unless each is
// acknowledged; it returns how many were.
func checkKinds(ctx context.Context, kind string, client *http.Client, eventsURL string, w *workload) (int64, error) {
	c := newSender(kind, client, eventsURL)
	defer c.close()
	var n int64
	for k := range numKinds {
		i := slices.IndexFunc(w.templates, func(t template) bool { return t.kind == k })
		if i < 0 {
			continue // a tiny -bodies may hold no event of a rare kind
		}
		t := &w.templates[i]
		v := &w.visitors[0]
		st, body, err := c.send(ctx, t.fill(v), v.ua)
		if err != nil {
			return n, fmt.Errorf("start-up check, %s event: %w", kindNames[k], err)
		}
		if st != outcomeAcked {
			return n, fmt.Errorf("start-up check, %s event: not acknowledged: %s\nbody: %s", kindNames[k], bytes.TrimSpace(body), t.fill(v))
		}
		n++
	}
	return n, nil
}

// outcome is what became of one request.
type outcome int

const (
	outcomeAcked     outcome = iota // 200 with "status":"success"
	outcomeQueueFull                // 503: the writer's queue is full
	outcomeOther                    // any other answer
)

var (
	successMarker   = []byte(`"status":"success"`)
	queueFullMarker = []byte("queue is full")
)

// sender posts events on one keep-alive connection; each client goroutine
// has its own.
type sender interface {
	// send posts body with the user agent ua and returns the outcome and
	// the response body (valid until the next send).
	send(ctx context.Context, body []byte, ua string) (outcome, []byte, error)
	close()
}

// newSender returns a sender of the -client kind.
func newSender(kind string, client *http.Client, eventsURL string) sender {
	if kind == "raw" {
		u, _ := url.Parse(eventsURL) // checked at start-up
		return &rawSender{addr: u.Host, path: u.Path}
	}
	return &stdSender{client: client, url: eventsURL}
}

// classify turns a response into an outcome.
func classify(status int, b []byte) (outcome, []byte, error) {
	switch {
	case status == http.StatusOK && bytes.Contains(b, successMarker):
		return outcomeAcked, b, nil
	case status == http.StatusServiceUnavailable && bytes.Contains(b, queueFullMarker):
		return outcomeQueueFull, b, nil
	}
	return outcomeOther, b, fmt.Errorf("status %d: %s", status, bytes.TrimSpace(b))
}

// stdSender sends through the shared net/http client, as a Go program
// would (-client std).
type stdSender struct {
	client *http.Client
	url    string
	buf    bytes.Buffer
}

// Header values a browser's fetch() sends with the tracker's POST.
var (
	hContentType    = []string{"application/json"}
	hAccept         = []string{"*/*"}
	hAcceptLanguage = []string{"en-US,en;q=0.9"}
	hAcceptEncoding = []string{"gzip, deflate, br, zstd"}
	hOrigin         = []string{"https://" + siteDomain}
	hReferer        = []string{"https://" + siteDomain + "/"}
	hSecFetchDest   = []string{"empty"}
	hSecFetchMode   = []string{"cors"}
	hSecFetchSite   = []string{"cross-site"}
)

func (s *stdSender) send(ctx context.Context, body []byte, ua string) (outcome, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return outcomeOther, nil, err
	}
	req.Header = http.Header{
		"Content-Type": hContentType, "User-Agent": []string{ua}, "Accept": hAccept,
		"Accept-Language": hAcceptLanguage, "Accept-Encoding": hAcceptEncoding, "Origin": hOrigin, "Referer": hReferer,
		"Sec-Fetch-Dest": hSecFetchDest, "Sec-Fetch-Mode": hSecFetchMode, "Sec-Fetch-Site": hSecFetchSite,
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return outcomeOther, nil, err
	}
	s.buf.Reset()
	_, err = s.buf.ReadFrom(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		return outcomeOther, nil, fmt.Errorf("read response: %w", err)
	}
	return classify(resp.StatusCode, s.buf.Bytes())
}

func (s *stdSender) close() {}

// rawSender (-client raw) writes each request, the same headers as
// stdSender's, with one write on its own connection and reads the answer
// with loopback.ReadResponseHead: no transport goroutines, no request or response
// objects, so that the load generator takes less of the CPU it shares with
// the server.
type rawSender struct {
	addr, path string
	conn       net.Conn
	br         *bufio.Reader
	req        []byte
	buf        bytes.Buffer
}

func (s *rawSender) send(ctx context.Context, body []byte, ua string) (outcome, []byte, error) {
	if s.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return outcomeOther, nil, err
		}
		s.conn, s.br = conn, bufio.NewReaderSize(conn, 4096)
	}
	r := append(s.req[:0], "POST "...)
	r = append(r, s.path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, s.addr...)
	r = append(r, "\r\nUser-Agent: "...)
	r = append(r, ua...)
	r = append(r, "\r\nContent-Type: application/json\r\nAccept: */*\r\nAccept-Language: en-US,en;q=0.9\r\n"+
		"Accept-Encoding: gzip, deflate, br, zstd\r\nOrigin: https://"+siteDomain+"\r\nReferer: https://"+siteDomain+"/\r\n"+
		"Sec-Fetch-Dest: empty\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Site: cross-site\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	s.req = r
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	s.conn.SetDeadline(deadline)
	if _, err := s.conn.Write(r); err != nil {
		s.close()
		return outcomeOther, nil, err
	}
	status, length, closing, err := loopback.ReadResponseHead(s.br)
	if err != nil {
		s.close()
		return outcomeOther, nil, err
	}
	s.buf.Reset()
	s.buf.Grow(length)
	b := s.buf.AvailableBuffer()[:length]
	if _, err := io.ReadFull(s.br, b); err != nil {
		s.close()
		return outcomeOther, nil, fmt.Errorf("read response: %w", err)
	}
	if closing {
		s.close()
	}
	return classify(status, b)
}

func (s *rawSender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.br = nil, nil
	}
}

// loadStats is what the clients measured. Latencies, acked, byKind,
// full503 and errors are those of the requests started in the measured
// window; warmAcked those acknowledged before it.
type loadStats struct {
	lat       []uint32 // microseconds, sorted
	requests  int64
	acked     int64
	warmAcked int64
	byKind    [numKinds]int64
	full503   int64
	errors    int64
	elapsed   time.Duration
	cpu       time.Duration
	// othersCores is the CPU that other processes used during the
	// window, in cores on average (when /proc/stat could be read).
	othersCores float64
	othersKnown bool
	minSecond   float64 // slowest and fastest whole second of the measured window, acknowledged events
	maxSecond   float64
}

// clientStats is one client goroutine's share, merged at the end.
type clientStats struct {
	// lat holds the latencies in microseconds: half the memory of
	// time.Durations, which the in-process server's RSS counts too.
	lat       []uint32
	acked     int64
	warmAcked int64
	byKind    [numKinds]int64
	full503   int64
	errors    int64
}

// load runs the clients for the warm-up and the measured window. No
// request starts after the window; one still running 10 s (the client
// timeout) after it is canceled.
func load(ctx context.Context, client *http.Client, eventsURL string, w *workload, o options) (loadStats, error) {
	ctx, cancel := context.WithTimeout(ctx, o.warmup+o.duration+client.Timeout)
	defer cancel()
	var (
		wg       sync.WaitGroup
		ackedAll atomic.Int64 // every acknowledgement, for the per-second rates
		reported atomic.Int64
		stats    = make([]clientStats, o.clients)
	)
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	for i := range o.clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(o.seed, uint64(i)+1))
			s := newSender(o.client, client, eventsURL)
			defer s.close()
			st := &stats[i]
			st.lat = make([]uint32, 0, 1<<14)
			for {
				v := &w.visitors[rng.IntN(len(w.visitors))]
				pool := w.desktop
				if v.mobile {
					pool = w.mobile
				}
				t := &w.templates[pool[rng.IntN(len(pool))]]
				body := t.fill(v)
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					break
				}
				out, _, err := s.send(ctx, body, v.ua)
				d := time.Since(t0)
				measured := !t0.Before(measureFrom)
				switch out {
				case outcomeAcked:
					ackedAll.Add(1)
					if measured {
						st.acked++
						st.byKind[t.kind]++
					} else {
						st.warmAcked++
					}
				case outcomeQueueFull:
					if measured {
						st.full503++
					}
				default:
					st.errors++ // warm-up errors count too
					if reported.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "ingest: %v\n", err)
					}
				}
				if measured {
					st.lat = append(st.lat, uint32(min(d.Microseconds(), math.MaxUint32)))
				}
			}
		})
	}

	var ls loadStats
	time.Sleep(time.Until(measureFrom))
	stopProfile, err := startProfile(o.cpuProfile)
	if err != nil {
		cancel()
		wg.Wait()
		return ls, err
	}
	cpu0 := processCPU()
	sys0, sysErr := machineCPU()
	// Per-second rates over the whole seconds of the window.
	prev := ackedAll.Load()
	var perSecond []float64
	for tick := measureFrom.Add(time.Second); !tick.After(end); tick = tick.Add(time.Second) {
		time.Sleep(time.Until(tick))
		n := ackedAll.Load()
		perSecond = append(perSecond, float64(n-prev))
		prev = n
	}
	wg.Wait()
	ls.elapsed = time.Since(measureFrom)
	ls.cpu = processCPU() - cpu0
	if sys1, err := machineCPU(); err == nil && sysErr == nil {
		// CPU time that other processes used, as cores on average.
		ls.othersCores = max(0, (sys1-sys0-ls.cpu).Seconds()/ls.elapsed.Seconds())
		ls.othersKnown = true
	}
	stopProfile()
	if err := writeAllocs(o.memProfile); err != nil {
		return ls, err
	}

	var all [][]uint32
	for i := range stats {
		st := &stats[i]
		all = append(all, st.lat)
		ls.acked += st.acked
		ls.warmAcked += st.warmAcked
		ls.full503 += st.full503
		ls.errors += st.errors
		for k := range st.byKind {
			ls.byKind[k] += st.byKind[k]
		}
	}
	ls.lat = slices.Concat(all...)
	for i := range stats {
		stats[i].lat = nil
	}
	slices.Sort(ls.lat)
	ls.requests = int64(len(ls.lat))
	if len(perSecond) > 0 {
		ls.minSecond, ls.maxSecond = slices.Min(perSecond), slices.Max(perSecond)
	}
	return ls, nil
}

// startProfile starts a CPU profile into path ("" for none) and returns
// what stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeAllocs writes the allocation profile of the run so far into path
// ("" for none): go tool pprof -sample_index=alloc_space.
func writeAllocs(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create allocation profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("write allocation profile: %w", err)
	}
	return nil
}

// machineCPU returns the CPU time all processors spent busy since boot
// (every state of the cpu line of /proc/stat but idle and iowait).
func machineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, errors.New("no cpu line in /proc/stat")
	}
	var busy int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // steal is not this machine's work; guest is already in user
			break
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/stat: %w", err)
		}
		busy += n
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(busy) * time.Second / ticksPerSecond, nil
}

// memory is a process's resident set: peak and current.
type memory struct{ hwm, rss int64 }

// readMemory reads VmHWM and VmRSS from /proc/PID/status.
func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}, fmt.Errorf("read process status: %w", err)
	}
	var m memory
	found := 0
	for line := range strings.Lines(string(b)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("parse %s: %w", name, err)
		}
		if name == "VmHWM" {
			m.hwm = kb << 10
		} else {
			m.rss = kb << 10
		}
		found++
	}
	if found != 2 {
		return memory{}, errors.New("no VmHWM and VmRSS in the process status")
	}
	return m, nil
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// results is the report, printed as a table and, with -json, as JSON.
type results struct {
	Mode              string           `json:"mode"`
	Clients           int              `json:"clients"`
	Client            string           `json:"client"`
	Seconds           float64          `json:"seconds"`
	WarmupSeconds     float64          `json:"warmupSeconds"`
	GOMAXPROCS        int              `json:"gomaxprocs"`
	Queue             int              `json:"queue,omitempty"`
	Batch             int              `json:"batch,omitempty"`
	Requests          int64            `json:"requests"`
	Acked             int64            `json:"acked"`
	EventsPerSec      float64          `json:"eventsPerSec"`
	MinSecondPerSec   float64          `json:"slowestSecond"`
	MaxSecondPerSec   float64          `json:"fastestSecond"`
	P50Micros         float64          `json:"p50Micros"`
	P99Micros         float64          `json:"p99Micros"`
	P999Micros        float64          `json:"p999Micros"`
	MaxMicros         float64          `json:"maxMicros"`
	QueueFull         int64            `json:"queueFull503"`
	Errors            int64            `json:"errors"`
	CPUMicrosPerEvent float64          `json:"cpuMicrosPerEvent"`
	OtherCores        *float64         `json:"otherProcessesCores"`
	Mix               map[string]int64 `json:"mix"`
	AckedTotal        int64            `json:"ackedTotal"`
	Stored            *int64           `json:"stored"`
	PeakRSSBytes      *int64           `json:"peakRSSBytes"`
	RSSBytes          *int64           `json:"rssBytes"`
	RSSNote           string           `json:"rssNote,omitempty"`
	Commits           *commitReport    `json:"commits,omitempty"`
}

// commitReport is the writer's loads of journal segments into the event
// store over the whole run (the acknowledging commits go to the journal).
type commitReport struct {
	Batches       int64   `json:"batches"`
	Events        int64   `json:"events"`
	Failed        int64   `json:"failed"`
	MeanBatch     float64 `json:"meanBatch"`
	MaxBatch      int     `json:"maxBatch"`
	MeanMillis    float64 `json:"meanMillis"`
	LongestMillis float64 `json:"longestMillis"`
	BusySeconds   float64 `json:"busySeconds"`
}

// alertApp is the in-process server's app, for its alert counts.
var alertApp *app.App

func printReport(w io.Writer, r results) {
	fmt.Fprintf(w, "\ningest: %s, %d %s clients, %gs measured after %gs warm-up, GOMAXPROCS=%d",
		r.Mode, r.Clients, r.Client, r.Seconds, r.WarmupSeconds, r.GOMAXPROCS)
	if r.Commits != nil {
		fmt.Fprintf(w, ", queue %d, batch %d", r.Queue, r.Batch)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, value string) { fmt.Fprintf(tw, "%s\t%s\n", name, value) }
	row("clients", strconv.Itoa(r.Clients))
	row("duration", fmt.Sprintf("%.2fs", r.Seconds))
	row("events/s", fmt.Sprintf("%.0f (whole seconds: %.0f to %.0f)", r.EventsPerSec, r.MinSecondPerSec, r.MaxSecondPerSec))
	row("p50", fmtMicros(r.P50Micros))
	row("p99", fmtMicros(r.P99Micros))
	row("p99.9", fmtMicros(r.P999Micros))
	row("max", fmtMicros(r.MaxMicros))
	row("503 queue full", strconv.FormatInt(r.QueueFull, 10))
	row("errors", strconv.FormatInt(r.Errors, 10))
	row("acked (measured)", fmt.Sprintf("%d of %d requests; %s", r.Acked, r.Requests, mixString(r.Mix, r.Acked)))
	row("cpu/event", fmt.Sprintf("%s (process CPU, user+system, over acked events)", fmtMicros(r.CPUMicrosPerEvent)))
	if r.OtherCores != nil {
		note := ""
		if r.Commits == nil {
			note = " (the server included)"
		} else if *r.OtherCores >= 0.2 {
			note = "; the machine was NOT quiet: figures are pessimistic"
		}
		row("other processes", fmt.Sprintf("%.2f cores busy on average during the window%s", *r.OtherCores, note))
	}
	row("acked (total)", fmt.Sprintf("%d (start-up check, warm-up and measured)", r.AckedTotal))
	if r.Stored != nil {
		row("stored", strconv.FormatInt(*r.Stored, 10))
	} else {
		row("stored", "n/a: stop the server (it drains its queue), then count the website's events in events.duckdb in its data folder")
	}
	if r.PeakRSSBytes != nil {
		row("peak RSS", fmt.Sprintf("%s (VmHWM; %s)", fmtMB(*r.PeakRSSBytes), r.RSSNote))
		row("RSS at end", fmt.Sprintf("%s (VmRSS)", fmtMB(*r.RSSBytes)))
	} else {
		row("peak RSS", "n/a: give -pid of the server")
	}
	if alertApp != nil {
		st := alertApp.AlertStats()
		row("alerts", fmt.Sprintf("%d firings queued, %d history entries recorded", st.Queued, st.Recorded))
	}
	if c := r.Commits; c != nil {
		row("store loads", fmt.Sprintf("%d journal segments, mean %.0f events (max %d), mean %.2fms, longest %.2fms, busy %.2fs, %d failed",
			c.Batches, c.MeanBatch, c.MaxBatch, c.MeanMillis, c.LongestMillis, c.BusySeconds, c.Failed))
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "goal\tmeasured\t")
	check := func(goal, measured string, ok bool) {
		v := "meets"
		if !ok {
			v = "BELOW"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", goal, measured, v)
	}
	check("events/s >= 20,000", fmt.Sprintf("%.0f", r.EventsPerSec), r.EventsPerSec >= goalEventsPerSec)
	check("p99 < 25 ms", fmtMicros(r.P99Micros), r.P99Micros < micros(goalP99) && r.Requests > 0)
	if r.PeakRSSBytes != nil {
		check("RSS <= 300 MB", fmtMB(*r.PeakRSSBytes), *r.PeakRSSBytes <= goalRSSBytes)
	} else {
		fmt.Fprintf(tw, "RSS <= 300 MB\tn/a\tn/a\n")
	}
	if r.Stored != nil {
		verdict := "OK"
		if *r.Stored != r.AckedTotal {
			verdict = "MISMATCH"
		}
		check("stored = acked", fmt.Sprintf("%d = %d %s", *r.Stored, r.AckedTotal, verdict), *r.Stored == r.AckedTotal)
	} else {
		fmt.Fprintf(tw, "stored = acked\tn/a (acked %d)\tcount after stopping the server\n", r.AckedTotal)
	}
	tw.Flush()
}

func otherCores(ls loadStats) *float64 {
	if !ls.othersKnown {
		return nil
	}
	c := math.Round(ls.othersCores*100) / 100
	return &c
}

func mixString(mix map[string]int64, total int64) string {
	if total == 0 {
		return "no event"
	}
	var parts []string
	for _, k := range kindNames {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", k, 100*float64(mix[k])/float64(total)))
	}
	return strings.Join(parts, ", ")
}

// percentile returns the p-quantile of sorted (nearest rank).
func percentile(sorted []uint32, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return time.Duration(sorted[max(0, min(i, len(sorted)-1))]) * time.Microsecond
}

func perEvent(d time.Duration, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

func fmtMicros(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.1fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1000)
	}
	return fmt.Sprintf("%.2fs", us/1e6)
}

func fmtMB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

func micros(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)*10) / 10 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
