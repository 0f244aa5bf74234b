//go:build unix

// Command authload measures what authentication costs the API under load:
// the throughput of authenticated requests against that of unauthenticated
// ones, in the same run, on loopback.
//
// It serves the real API (api.New over a fresh SQLite store in a temporary
// folder, rate limit on but set too high to refuse anything) with a real
// http.Server on 127.0.0.1, creates a user and a full account token in the
// store, a website and a df_ website key over HTTP, then runs -c keep-alive
// clients through interleaved phases of -d each:
//
//	unauth-401  GET /api/v1/analytics/metadata without credential (401)
//	healthz     GET /healthz (200)
//	auth        GET /api/v1/analytics/metadata with the df_ key (200)
//	auth-400    GET /api/v1/analytics/metadata?fields=none with the df_ key
//	            (400): authenticated, rate limited and authorized like auth,
//	            then refused by the handler's parameter check: the cost of an
//	            authenticated request answered with an error envelope.
//
// Each round runs every phase once, in a rotated order. The report shows
// the median round of each phase, with the process CPU time (client and
// server, user and system) per request, median over rounds; then, for the
// authenticated phase against each unauthenticated baseline (the goal is on
// auth), the median over rounds of the ratio of their throughputs within a
// round, and of the inverse ratio of their CPU time per request, which
// tells the capacity ratio more steadily when other work keeps the machine
// busy. It exits with status 1 when any response had an unexpected status.
// It runs on Unix systems (it reads getrusage).
//
// Usage:
//
//	go run ./bench/authload [-c 16] [-d 5s] [-warmup 1s] [-rounds 3] [-json]
//	go run ./bench/authload -phases auth -cpuprofile auth.prof   # profile one phase
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/bench/internal/loopback"
	"github.com/openfast/openfast/sqlite"
)

// goalRatio is the acceptance goal: authenticated throughput at least this
// fraction of the unauthenticated one.
const goalRatio = 0.90

const metadataPath = "/api/v1/analytics/metadata"

type options struct {
	clients    int
	duration   time.Duration
	warmup     time.Duration
	rounds     int
	jsonOut    bool
	logFormat  string
	cpuProfile string
	phases     string
}

func main() {
	var o options
	flag.IntVar(&o.clients, "c", 16, "concurrent keep-alive clients")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each measured phase")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up of each phase before the first round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every phase once and the median round is reported")
	flag.BoolVar(&o.jsonOut, "json", false, "also print the results as one JSON line")
	flag.StringVar(&o.logFormat, "log", "text", "server request log: text (formatted, then discarded, as a real server pays for it) or off")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured rounds (client and server) to this file")
	flag.StringVar(&o.phases, "phases", "", "comma-separated phases to run (default all): unauth-401, healthz, auth, auth-400")
	flag.Parse()
	if o.clients < 1 || o.duration <= 0 || o.warmup < 0 || o.rounds < 1 {
		fmt.Fprintln(os.Stderr, "authload: -c and -rounds must be at least 1, -d positive and -warmup not negative")
		os.Exit(2)
	}
	if o.logFormat != "text" && o.logFormat != "off" {
		fmt.Fprintln(os.Stderr, "authload: -log must be text or off")
		os.Exit(2)
	}
	unexpected, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authload:", err)
		os.Exit(1)
	}
	if unexpected > 0 {
		fmt.Fprintf(os.Stderr, "authload: %d requests failed or got an unexpected status\n", unexpected)
		os.Exit(1)
	}
}

// phase is one kind of request, sent by every client for a phase's duration.
type phase struct {
	name   string
	path   string
	bearer string // "" sends no Authorization header
	want   int    // the only acceptable status
}

// sample is what one run of a phase measured.
type sample struct {
	requests int64
	errors   int64
	elapsed  time.Duration
	p50, p99 time.Duration
	cpu      time.Duration // process CPU time, user and system
}

func (s sample) perSecond() float64 { return float64(s.requests) / s.elapsed.Seconds() }

func (s sample) cpuPerRequest() time.Duration {
	if s.requests == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.requests)
}

func run(o options) (unexpected int64, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "openfast-authload-")
	if err != nil {
		return 0, fmt.Errorf("create temp folder: %w", err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer store.Close()

	logger := slog.New(slog.DiscardHandler)
	if o.logFormat == "text" {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := app.New(app.Config{Metadata: store, Logger: logger})
	if err != nil {
		return 0, err
	}
	srv, err := api.New(api.Config{App: a, Logger: logger, RateLimit: 1e9, RateBurst: 1e9})
	if err != nil {
		return 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("listen on loopback: %w", err)
	}
	httpServer := srv.HTTPServer()
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()
	bg, stopBackground := context.WithCancel(ctx)
	var bgDone sync.WaitGroup
	bgDone.Go(func() { a.Run(bg) })
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		httpServer.Shutdown(sctx)
		cancel()
		stopBackground()
		bgDone.Wait()
		if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("serve: %w", serr)
		}
	}()

	base := "http://" + ln.Addr().String()
	client := loopback.Client(o.clients)
	defer client.CloseIdleConnections()

	token, err := bootstrapToken(ctx, store)
	if err != nil {
		return 0, err
	}
	websiteID, key, err := createWebsiteKey(ctx, client, base, token)
	if err != nil {
		return 0, err
	}

	all := []phase{
		{name: "unauth-401", path: metadataPath, want: http.StatusUnauthorized},
		{name: "healthz", path: "/healthz", want: http.StatusOK},
		{name: "auth", path: metadataPath, bearer: key, want: http.StatusOK},
		{name: "auth-400", path: metadataPath + "?fields=none", bearer: key, want: http.StatusBadRequest},
	}
	phases, err := selectPhases(all, o.phases)
	if err != nil {
		return 0, err
	}
	for _, ph := range phases {
		if err := checkOnce(ctx, client, base, ph); err != nil {
			return 0, err
		}
	}

	fmt.Fprintf(os.Stderr, "authload: %s, website %s, key %s, GOMAXPROCS=%d, -c %d, -d %s, %d rounds\n",
		base, websiteID, auth.DisplayKey(key), runtime.GOMAXPROCS(0), o.clients, o.duration, o.rounds)
	if o.warmup > 0 {
		for _, ph := range phases {
			s := load(ctx, client, base, ph, o.clients, o.warmup)
			unexpected += s.errors
		}
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return unexpected, fmt.Errorf("create CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return unexpected, fmt.Errorf("start CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	samples := make(map[string][]sample, len(phases)) // by phase, in round order
	for r := range o.rounds {
		for i := range phases {
			ph := phases[(i+r)%len(phases)] // rotate the order so no phase always runs first
			s := load(ctx, client, base, ph, o.clients, o.duration)
			unexpected += s.errors
			samples[ph.name] = append(samples[ph.name], s)
			fmt.Fprintf(os.Stderr, "  round %d  %-10s  %9d req  %10.0f req/s  p50 %-9s p99 %-9s cpu/req %-8s errors %d\n",
				r+1, ph.name, s.requests, s.perSecond(), fmtDur(s.p50), fmtDur(s.p99), fmtDur(s.cpuPerRequest()), s.errors)
		}
	}

	res := results{
		Clients: o.clients, PhaseSeconds: o.duration.Seconds(), Rounds: o.rounds, GOMAXPROCS: runtime.GOMAXPROCS(0),
		Goal: goalRatio, Unexpected: unexpected,
	}
	for _, ph := range phases {
		rs := samples[ph.name]
		med := medianSample(rs)
		pr := phaseResult{
			Name: ph.name, Requests: med.requests, ReqPerSec: math.Round(med.perSecond()),
			P50Micros: micros(med.p50), P99Micros: micros(med.p99), CPUMicros: micros(medianCPU(rs)), Errors: sumErrors(rs),
		}
		for _, s := range rs {
			pr.RoundsReqPerSec = append(pr.RoundsReqPerSec, math.Round(s.perSecond()))
		}
		res.Phases = append(res.Phases, pr)
	}
	for _, rd := range ratioDefs {
		num, den := samples[rd.num], samples[rd.den]
		if len(num) == 0 || len(den) == 0 {
			continue
		}
		// The phases of a round run seconds apart: comparing them round by
		// round cancels most of what other work on the machine does to a
		// whole round.
		var byRate, byCPU []float64
		for r := range min(len(num), len(den)) {
			if num[r].requests == 0 || den[r].requests == 0 {
				continue
			}
			byRate = append(byRate, num[r].perSecond()/den[r].perSecond())
			if num[r].cpuPerRequest() > 0 {
				byCPU = append(byCPU, float64(den[r].cpuPerRequest())/float64(num[r].cpuPerRequest()))
			}
		}
		if len(byRate) == 0 {
			continue
		}
		res.Ratios = append(res.Ratios, ratioResult{
			Name: rd.num + " / " + rd.den, Goal: rd.goal, Note: rd.note,
			ReqPerSec: round3(median(byRate)), ByCPU: round3(median(byCPU)),
			RoundsReqPerSec: roundAll(byRate),
		})
	}

	printTable(os.Stdout, res)
	if o.jsonOut {
		b, err := json.Marshal(res)
		if err != nil {
			return unexpected, fmt.Errorf("encode JSON: %w", err)
		}
		fmt.Fprintln(os.Stdout, string(b))
	}
	return unexpected, nil
}

// results is the report, printed as a table and, with -json, as JSON.
type results struct {
	Clients      int           `json:"clients"`
	PhaseSeconds float64       `json:"phaseSeconds"`
	Rounds       int           `json:"rounds"`
	GOMAXPROCS   int           `json:"gomaxprocs"`
	Phases       []phaseResult `json:"phases"`
	Ratios       []ratioResult `json:"ratios"`
	Goal         float64       `json:"goalRatio"`
	Unexpected   int64         `json:"unexpectedResponses"`
}

// phaseResult is a phase's median round; CPUMicros is the median over
// rounds of the CPU time per request.
type phaseResult struct {
	Name            string    `json:"name"`
	Requests        int64     `json:"requests"`
	ReqPerSec       float64   `json:"reqPerSec"`
	P50Micros       float64   `json:"p50Micros"`
	P99Micros       float64   `json:"p99Micros"`
	CPUMicros       float64   `json:"cpuMicrosPerRequest"`
	Errors          int64     `json:"errors"`
	RoundsReqPerSec []float64 `json:"roundsReqPerSec"`
}

// ratioResult compares two phases round by round, and keeps the median
// over rounds: of their throughput ratio, and of the inverse ratio of their
// CPU time per request (the throughput ratio of a saturated CPU).
type ratioResult struct {
	Name            string    `json:"name"`
	ReqPerSec       float64   `json:"reqPerSec"`
	ByCPU           float64   `json:"byCPU"`
	Goal            bool      `json:"goal"`
	Note            string    `json:"note,omitempty"`
	RoundsReqPerSec []float64 `json:"roundsReqPerSec"`
}

// ratioDefs are the ratios reported when both of their phases ran. The goal
// applies to the authenticated route against its unauthenticated baselines.
var ratioDefs = []struct {
	num, den string
	goal     bool
	note     string
}{
	{num: "auth", den: "unauth-401", goal: true},
	{num: "auth", den: "healthz", goal: true},
	{num: "auth-400", den: "unauth-401", note: "an authenticated request refused by the handler (error envelope)"},
}

func printTable(w io.Writer, res results) {
	fmt.Fprintf(w, "\nauthload: %d clients, %gs per phase, %d rounds, median round of each phase, GOMAXPROCS=%d\n\n",
		res.Clients, res.PhaseSeconds, res.Rounds, res.GOMAXPROCS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\trequests\treq/s\tp50\tp99\tcpu/req\terrors\t")
	for _, p := range res.Phases {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0fµs\t%.0fµs\t%.1fµs\t%d\t\n",
			p.Name, p.Requests, p.ReqPerSec, p.P50Micros, p.P99Micros, p.CPUMicros, p.Errors)
	}
	tw.Flush()
	if len(res.Ratios) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ratio (median of rounds)\treq/s\tby cpu/req\t")
	for _, r := range res.Ratios {
		note := r.Note
		if r.Goal {
			note = verdict(r.ReqPerSec, res.Goal)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%s\n", r.Name, r.ReqPerSec, r.ByCPU, note)
	}
	tw.Flush()
}

// selectPhases returns the phases named in the comma-separated list, in
// their usual order; an empty list means all of them.
func selectPhases(all []phase, list string) ([]phase, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.ContainsFunc(all, func(p phase) bool { return p.name == name }) {
			return nil, fmt.Errorf("-phases: unknown phase %q", name)
		}
		want[name] = true
	}
	var out []phase
	for _, p := range all {
		if want[p.name] {
			out = append(out, p)
		}
	}
	return out, nil
}

// bootstrapToken creates a user and a full-access account token directly in
// the store, as "openfast admin bootstrap" does, and returns the raw token.
func bootstrapToken(ctx context.Context, store *sqlite.DB) (string, error) {
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		return "", err
	}
	raw, _, err := a.Bootstrap(ctx, "authload@example.com", "", "authload")
	return raw, err
}

// createWebsiteKey creates a website and a df_ key of it over HTTP.
func createWebsiteKey(ctx context.Context, client *http.Client, base, token string) (websiteID, key string, err error) {
	var sites []struct {
		WebsiteID string `json:"websiteId"`
	}
	if err := postJSON(ctx, client, base+"/api/v1/admin/websites", token,
		`{"domain":"authload.example.com","timezone":"UTC","name":"authload"}`, &sites); err != nil {
		return "", "", fmt.Errorf("create website: %w", err)
	}
	if len(sites) != 1 || sites[0].WebsiteID == "" {
		return "", "", errors.New("create website: no websiteId in the response")
	}
	var keys []struct {
		Key string `json:"key"`
	}
	if err := postJSON(ctx, client, base+"/api/v1/admin/websites/"+sites[0].WebsiteID+"/apikeys", token,
		`{"name":"authload"}`, &keys); err != nil {
		return "", "", fmt.Errorf("create api key: %w", err)
	}
	if len(keys) != 1 || auth.Parse(keys[0].Key) != auth.KindWebsiteKey {
		return "", "", errors.New("create api key: no valid df_ key in the response")
	}
	return sites[0].WebsiteID, keys[0].Key, nil
}

// postJSON posts body with the bearer token and decodes the data member of
// a 200 success envelope into data.
func postJSON(ctx context.Context, client *http.Client, url, token, body string, data any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	env := struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}{}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if env.Status != "success" {
		return fmt.Errorf("status %q in the response", env.Status)
	}
	return json.Unmarshal(env.Data, data)
}

// checkOnce sends one request of ph and checks its status.
func checkOnce(ctx context.Context, client *http.Client, base string, ph phase) error {
	req, err := newRequest(ctx, base, ph)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", ph.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != ph.want {
		return fmt.Errorf("%s: GET %s answered %d, want %d: %s", ph.name, ph.path, resp.StatusCode, ph.want, bytes.TrimSpace(b))
	}
	return nil
}

func newRequest(ctx context.Context, base string, ph phase) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+ph.path, nil)
	if err != nil {
		return nil, err
	}
	if ph.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+ph.bearer)
	}
	return req, nil
}

// load runs clients goroutines that send ph's request back to back for d,
// and returns the count, the errors and the latency percentiles. No request
// starts after d; a request still running after d plus the client timeout
// is canceled.
func load(ctx context.Context, client *http.Client, base string, ph phase, clients int, d time.Duration) sample {
	ctx, cancel := context.WithTimeout(ctx, d+client.Timeout)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errs     atomic.Int64
		reported atomic.Int64
		lats     = make([][]time.Duration, clients)
	)
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	for w := range clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1<<14)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				err := doOne(ctx, client, base, ph)
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs.Add(1)
					if reported.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "authload: %s: %v\n", ph.name, err)
					}
				}
			}
			lats[w] = lat
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0

	all := slices.Concat(lats...)
	slices.Sort(all)
	return sample{
		requests: int64(len(all)), errors: errs.Load(), elapsed: elapsed,
		p50: percentile(all, 0.50), p99: percentile(all, 0.99), cpu: cpu,
	}
}

func doOne(ctx context.Context, client *http.Client, base string, ph phase) error {
	req, err := newRequest(ctx, base, ph)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != ph.want {
		return fmt.Errorf("GET %s answered %d, want %d", ph.path, resp.StatusCode, ph.want)
	}
	return err
}

// percentile returns the p-quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// medianSample returns the round with the median throughput (the lower
// middle one for an even count).
func medianSample(rounds []sample) sample {
	s := slices.Clone(rounds)
	slices.SortFunc(s, func(a, b sample) int {
		switch x, y := a.perSecond(), b.perSecond(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return s[(len(s)-1)/2]
}

// median returns the median of xs (the lower middle one for an even
// count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = round3(x)
	}
	return out
}

// medianCPU returns the median over rounds of the CPU time per request.
func medianCPU(rounds []sample) time.Duration {
	c := make([]time.Duration, len(rounds))
	for i, s := range rounds {
		c[i] = s.cpuPerRequest()
	}
	slices.Sort(c)
	return c[(len(c)-1)/2]
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func sumErrors(rounds []sample) int64 {
	var n int64
	for _, s := range rounds {
		n += s.errors
	}
	return n
}

func verdict(ratio, goal float64) string {
	if ratio >= goal {
		return fmt.Sprintf("meets the goal (>= %.2f)", goal)
	}
	return fmt.Sprintf("BELOW the goal (>= %.2f)", goal)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}

func micros(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)*10) / 10 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
