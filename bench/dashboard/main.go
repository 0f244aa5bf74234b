// Command dashboard measures how fast the dashboard's analytics page
// (GET /websites/{id}) shows in a real browser, over the data set of
// bench/analytics (bench/internal/dataset: by default 10,000,000 events
// over 90 days for 20 websites, one with 60% of the traffic).
//
// It serves everything `openfast serve` serves, in the same process (the
// SQLite metadata store, the DuckDB event store, the app, the dashboard
// and the API, on a loopback listener), signs the owner of the websites in
// (app.SignIn) and gives the session's cookie to a headless Chromium. Then,
// -runs times, it opens the page in a fresh tab: the big site over the last
// 30 days of the data set, then the smallest site over its last 7 days;
// and then opens the same page again in that tab, as someone does who
// changes the period or a filter (a navigation in the tab they have open:
// the browser keeps its page process, and the scripts it has compiled).
// For each load it reads, from the page's own clock (the Performance API,
// from the start of the navigation):
//
//   - first paint and first contentful paint (performance.getEntriesByType("paint"));
//   - all panels: the moment no panel shows its loading placeholder and the
//     chart is drawn, the condition the browser tests of package web wait
//     for (every hx-trigger="load" panel has been swapped for its data).
//
// Each page is loaded (both ways) before the timed runs, so that the
// browser has the static files in its cache and the event store its
// blocks in memory, as for someone who uses the dashboard. The event store shares a read
// among the requests that ask for it until the next write (the chart and
// the key figures read one series, the four breakdowns one set of payers):
// before each timed load, and before each request of the panels alone, the
// benchmark stores and deletes an event of a website of its own, as a
// live website's traffic would, so that every load runs every panel's
// reads and none reuses the load before.
//
// The goals are a first paint under 500 ms and all panels under 1 s, for
// the big site's median, in a new tab and in the open tab. They are
// reported, not enforced: a shared machine's speed moves by 20-50%
// between runs. A panel that shows an error fails the run.
//
// Usage:
//
//	go run ./bench/dashboard                             # 10M events in a temporary folder
//	go run ./bench/dashboard -dir /tmp/of-10m            # keep the data (shared with bench/analytics)
//	go run ./bench/dashboard -events 200000 -runs 2      # a short pass, as CI runs it
//	go run ./bench/dashboard -dir /tmp/of-10m -alone     # each panel's request alone, no browser
//
// Each load also prints the server's CPU time for it (this process's user
// and system time), and when the page's HTML, its DOMContentLoaded and each
// panel's request started; after the loads, each panel of the big site is
// requested alone, one at a time, with its time and CPU time.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/bench/internal/dataset"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/internal/servergc"
	"github.com/openfast/openfast/web"
)

// Goals of the big site's medians.
const (
	paintGoal  = 500 * time.Millisecond
	panelsGoal = time.Second
)

// loadTimeout bounds one page load, from the navigation to the last panel.
const loadTimeout = time.Minute

type options struct {
	cfg  dataset.Config
	dir  string
	runs int
	// alone, when set, skips the browser: only each panel alone.
	alone bool
}

func main() {
	var o options
	data := dataset.AddFlags(flag.CommandLine)
	flag.StringVar(&o.dir, "dir", "", "data folder to load into, or to reuse when it holds the same data set (default: a temporary folder)")
	flag.IntVar(&o.runs, "runs", 5, "page loads of each site; the median is the figure")
	flag.BoolVar(&o.alone, "alone", false, "skip the browser: only time each panel's request alone")
	flag.Parse()
	cfg, err := data.Config()
	if err != nil || o.runs < 1 {
		fmt.Fprintln(os.Stderr, "dashboard: -runs 1 or more, "+dataset.FlagsUsage)
		os.Exit(2)
	}
	o.cfg = cfg
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

// scenario is one page, loaded -runs times.
type scenario struct {
	name string
	path string // with its query
}

// The two loads of each run: in a new tab, then in that tab again.
var loadKinds = []string{"in a new tab", "again in the open tab"}

// timing is one page load's figures, from the start of the navigation.
type timing struct {
	paint, contentful, panels time.Duration
	// cpu is the CPU time the server (this process) used for the load:
	// the work of the page, which a loaded machine stretches out in time
	// but does not grow.
	cpu time.Duration
	// answers is when each panel's request had its answer, by panel.
	answers map[string]time.Duration
}

func run(ctx context.Context, o options) error {
	dir, m, cleanup, err := dataset.Prepare(ctx, o.dir, o.cfg, "openfast-dashboard-")
	if err != nil {
		return err
	}
	defer cleanup()
	meta, events, err := dataset.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer meta.Close()
	defer events.Close()

	// The server, wired as serve wires it.
	servergc.Tune()
	writer, err := ingest.OpenWriter(ctx, ingest.WriterConfig{Store: events, Dir: filepath.Join(dir, ingest.JournalDir), QueueSize: 100_000, MaxBatch: 5000})
	if err != nil {
		return err
	}
	defer writer.Close()
	now := m.Config.End // the data set's last 30 days are the page's
	a, err := app.New(app.Config{
		Metadata: meta, Events: events, Writer: writer, Analytics: events,
		Now: func() time.Time { return now },
	})
	if err != nil {
		return err
	}
	logger := slog.New(slog.DiscardHandler)
	var srv *api.Server
	dash, err := web.New(web.Config{App: a, Logger: logger, ClientIP: func(r *http.Request) string { return srv.ClientIP(r) }})
	if err != nil {
		return err
	}
	h := ingest.NewHandler(ingest.Config{Writer: writer, Website: a.TrackedWebsite})
	if srv, err = api.New(api.Config{App: a, Logger: logger, Events: h.ServeEvent, Dashboard: dash}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	httpServer := srv.HTTPServer()
	go httpServer.Serve(ln)
	defer httpServer.Close()
	base := "http://" + ln.Addr().String()

	// The owner signs in with a password, as on the sign-in page.
	password := auth.RandomBase62(24)
	if _, err := a.SetPasswordAsOperator(ctx, dataset.OwnerEmail, password, "bench"); err != nil {
		return fmt.Errorf("set the owner's password: %w", err)
	}
	cookie, _, err := a.SignIn(ctx, app.SignInInput{Email: dataset.OwnerEmail, Password: password, IP: "127.0.0.1", UserAgent: "bench"})
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}

	big, small := m.BigAndSmall()
	scenarios := []scenario{
		{"big site, 30 days", "/websites/" + big.ID + "?period=30d"},
		{"small site, 7 days", "/websites/" + small.ID + "?period=7d"},
	}
	// write comes before each timed load (dataset.Write).
	write := func() error { return dataset.Write(ctx, events, now) }
	if o.alone {
		return alone(ctx, base, cookie, scenarios[0], o.runs, write)
	}
	browser, cancelBrowser, err := browsertest.Start(ctx, func(attempt int, err error) {
		fmt.Fprintf(os.Stderr, "dashboard: start %s (try %d): %v\n", browsertest.Path(), attempt, err)
	})
	if err != nil {
		return fmt.Errorf("start %s: %w", browsertest.Path(), err)
	}
	defer cancelBrowser()
	if err := chromedp.Do(browser, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: "openfast_session", Value: cookie, URL: base + "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteLax,
		})
		return err
	})); err != nil {
		return fmt.Errorf("set the session cookie in %s: %w", browsertest.Path(), err)
	}

	fmt.Printf("\ndashboard: %d events, %d sites, %d days ending %s; the analytics page in headless Chromium, %d runs per site after one untimed, each a load in a new tab and one again in that tab\n",
		m.Events, m.Config.Sites, m.Config.Days, m.Config.End.Format(time.DateOnly), o.runs)
	// results[scenario][kind] are the loads of a scenario in a new tab
	// (kind 0) and again in the open tab (kind 1).
	results := make([][2][]timing, len(scenarios))
	for i, sc := range scenarios {
		if _, err := loads(browser, base+sc.path, nil); err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		for range o.runs {
			ts, err := loads(browser, base+sc.path, write)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			for k, t := range ts {
				results[i][k] = append(results[i][k], t)
			}
		}
	}
	for i, sc := range scenarios {
		for k, kind := range loadKinds {
			report(os.Stdout, sc, kind, results[i][k], i == 0)
		}
	}
	fmt.Printf("\npeak RSS of the server's process (Chromium runs apart): %s\n", dataset.PeakRSS())
	return alone(ctx, base, cookie, scenarios[0], o.runs, write)
}

// panelPaths are the requests of the analytics page's panels, after
// /analytics/ (analytics.html).
var panelPaths = []string{"kpis", "realtime?count=1", "chart", "pages", "referrers", "countries", "browsers", "goals", "realtime", "visitors"}

// alone requests each panel of sc by itself, one after another, runs
// times, each after write, and prints the median time to its answer: the
// work of each panel, without the others in its way.
func alone(ctx context.Context, base, cookie string, sc scenario, runs int, write func() error) error {
	path, query, _ := strings.Cut(sc.path, "?")
	var list []string
	for _, p := range panelPaths {
		name, extra, _ := strings.Cut(p, "?")
		u := base + path + "/analytics/" + name + "?" + query
		if extra != "" {
			u += "&" + extra
		}
		ds, cpus := make([]time.Duration, runs), make([]time.Duration, runs)
		for i := range ds {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			req.AddCookie(&http.Cookie{Name: "openfast_session", Value: cookie})
			if err := write(); err != nil {
				return err
			}
			start, cpu := time.Now(), processCPU()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				return fmt.Errorf("panel %s: %d %v", p, resp.StatusCode, err)
			}
			ds[i], cpus[i] = time.Since(start), processCPU()-cpu
		}
		slices.Sort(ds)
		slices.Sort(cpus)
		list = append(list, fmt.Sprintf("%s %.0f ms (CPU %.0f ms)", strings.Replace(p, "?count=1", " count", 1), ms(ds[len(ds)/2]), ms(cpus[len(cpus)/2])))
	}
	fmt.Printf("\n%s, each panel alone (one request at a time, median of %d; the server's CPU time): %s\n", sc.name, runs, strings.Join(list, "; "))
	return nil
}

// watchJS runs in the page before its own scripts: it resolves
// window.openfastSettled, once every panel of the analytics page has its
// data (no loading placeholder left and the chart drawn: the condition of
// package web's browser tests), to the time since the navigation started
// and the text of the panels that show an error.
const watchJS = `window.openfastSettled = new Promise(resolve => {
	const done = () => document.querySelector(".analytics") !== null &&
		document.querySelectorAll(".analytics .loading").length === 0 && document.querySelector(".uplot") !== null;
	const watch = new MutationObserver(() => {
		if (done()) {
			watch.disconnect();
			resolve({panels: performance.now(), errors: Array.from(document.querySelectorAll(".panel-error"), e => e.innerText)});
		}
	});
	watch.observe(document, {childList: true, subtree: true});
})`

// paintJS is the page's paint entries, by name, and when each panel's
// request had its answer, by the part of its path after /analytics/ (the
// live count of visitors: "realtime count").
const paintJS = `({
	paint: Object.fromEntries(performance.getEntriesByType("paint").map(e => [e.name, e.startTime])),
	answers: Object.fromEntries(performance.getEntriesByType("resource").filter(e => e.name.includes("/analytics/")).map(e => {
		const u = new URL(e.name);
		return [u.pathname.split("/analytics/").pop() + (u.searchParams.has("count") ? " count" : ""), e.responseEnd];
	}).concat(performance.getEntriesByType("resource").filter(e => e.name.includes("/analytics/")).map(e => {
		const u = new URL(e.name);
		return ["start " + u.pathname.split("/analytics/").pop() + (u.searchParams.has("count") ? " count" : ""), e.startTime];
	})).concat(performance.getEntriesByType("navigation").flatMap(e => [["page html", e.responseEnd], ["page ready", e.domContentLoadedEventEnd]]))),
})`

// loads opens page in a new tab of the browser, then again in that tab,
// and times both loads (loadKinds); write, unless nil, runs before each.
func loads(browser context.Context, page string, write func() error) ([2]timing, error) {
	var ts [2]timing
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: watchJS})
		return err
	})); err != nil {
		return ts, err
	}
	for k := range ts {
		if write != nil {
			if err := write(); err != nil {
				return ts, err
			}
		}
		t, err := load(tab, page)
		if err != nil {
			return ts, fmt.Errorf("%s: %w", loadKinds[k], err)
		}
		ts[k] = t
	}
	return ts, nil
}

// load navigates tab, which runs watchJS in each page, to page and times
// the load.
func load(tab context.Context, page string) (timing, error) {
	cpu := processCPU()
	ctx, cancelTimeout := context.WithTimeout(tab, loadTimeout)
	defer cancelTimeout()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		return timing{}, err
	}
	settled, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Panels float64  `json:"panels"`
		Errors []string `json:"errors"`
	}]("window.openfastSettled", chromedp.EvalAwaitPromise))
	if err != nil {
		loc, _ := chromedp.Run(tab, chromedp.Location())
		return timing{}, fmt.Errorf("wait for the panels at %s: %w", loc, err)
	}
	cpu = processCPU() - cpu
	if len(settled.Errors) > 0 {
		return timing{}, fmt.Errorf("%d panels show an error: %q", len(settled.Errors), settled.Errors)
	}
	entries, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Paint   map[string]float64 `json:"paint"`
		Answers map[string]float64 `json:"answers"`
	}](paintJS))
	if err != nil {
		return timing{}, err
	}
	fp, ok1 := entries.Paint["first-paint"]
	fcp, ok2 := entries.Paint["first-contentful-paint"]
	if !ok1 || !ok2 {
		return timing{}, errors.New("the browser recorded no first paint")
	}
	t := timing{paint: millis(fp), contentful: millis(fcp), panels: millis(settled.Panels), cpu: cpu, answers: map[string]time.Duration{}}
	for name, end := range entries.Answers {
		t.answers[name] = millis(end)
	}
	return t, nil
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// report prints a scenario's loads of one kind (loadKinds), their medians
// and, for the big site, the goals.
func report(w io.Writer, sc scenario, kind string, ts []timing, goals bool) {
	fmt.Fprintf(w, "\n%s, %s\n", sc.name, kind)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tfirst paint\tfirst contentful paint\tall panels\tserver CPU\t")
	for i, t := range ts {
		fmt.Fprintf(tw, "%d\t%.0f ms\t%.0f ms\t%.0f ms\t%.0f ms\t\n", i+1, ms(t.paint), ms(t.contentful), ms(t.panels), ms(t.cpu))
	}
	med := func(f func(timing) time.Duration) time.Duration {
		ds := make([]time.Duration, len(ts))
		for i, t := range ts {
			ds[i] = f(t)
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	var names []string
	for name := range ts[0].answers {
		names = append(names, name)
	}
	answers := map[string]time.Duration{}
	for _, name := range names {
		answers[name] = med(func(t timing) time.Duration { return t.answers[name] })
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(answers[b], answers[a]) })
	paint := med(func(t timing) time.Duration { return t.paint })
	contentful := med(func(t timing) time.Duration { return t.contentful })
	panels := med(func(t timing) time.Duration { return t.panels })
	cpu := med(func(t timing) time.Duration { return t.cpu })
	fmt.Fprintf(tw, "median\t%.0f ms\t%.0f ms\t%.0f ms\t%.0f ms\t\n", ms(paint), ms(contentful), ms(panels), ms(cpu))
	tw.Flush()
	list := make([]string, len(names))
	for i, name := range names {
		list[i] = fmt.Sprintf("%s %.0f ms", name, ms(answers[name]))
	}
	fmt.Fprintf(w, "panels' answers, median from the navigation, latest first: %s\n", strings.Join(list, "; "))
	if goals {
		fmt.Fprintf(w, "goals: first paint %s (< %v), all panels %s (< %v)\n",
			verdict(paint, paintGoal), paintGoal, verdict(panels, panelsGoal), panelsGoal)
	}
}

func verdict(d, goal time.Duration) string {
	if d < goal {
		return "meets"
	}
	return "MISSES"
}
