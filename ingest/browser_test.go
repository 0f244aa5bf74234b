package ingest_test

// The real clients: openfast's tracker and the published datafast SDK, each
// loaded in a page of Debian's headless Chromium, send events to the real
// server, and the events must reach the event store as they were meant.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/browsertest"
)

// datafastSDKEnv names the folder of the datafast SDK (CI unpacks it);
// see browsertest for Chromium.
const datafastSDKEnv = "OPENFAST_DATAFAST_SDK_DIR"

// allowLocalPages makes pages served from 127.0.0.1 count for the website,
// whose domain stays example.com.
func allowLocalPages(w *openfast.Website) {
	w.AllowedHostnames = []string{"127.0.0.1"}
}

// browser is a headless Chromium that looks like a visitor's browser to
// the clients.
type browser struct {
	*browsertest.Browser
	ctx context.Context
}

// newBrowser starts Chromium with a desktop Chrome User-Agent and
// navigator.webdriver left false, as in a visitor's browser: both clients
// skip automated browsers.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := browsertest.New(t,
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		chromedp.UserAgent(chrome),
	)
	return &browser{Browser: b, ctx: b.Ctx}
}

// open loads url and checks that the page looks like a visitor's browser to
// the clients.
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	type look struct {
		UserAgent string `json:"userAgent"`
		WebDriver bool   `json:"webdriver"`
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[look](`({userAgent: navigator.userAgent, webdriver: navigator.webdriver === true})`))
	if err != nil {
		t.Fatalf("read navigator: %v", err)
	}
	if got.UserAgent != chrome || got.WebDriver {
		t.Fatalf("the page sees User-Agent %q and navigator.webdriver %v; the clients would skip tracking", got.UserAgent, got.WebDriver)
	}
}

// storedEvent is a row of the events table.
type storedEvent struct {
	WebsiteID string
	Type      openfast.EventType
	VisitorID string
	SessionID string
	Hostname  string
	Path      string
	Goal      string
	Props     map[string]string
}

// storedEvents returns every stored event, oldest first.
func (s *server) storedEvents(t *testing.T) []storedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.writer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.events.SQL().QueryContext(ctx, `SELECT website_id, type, visitor_id::VARCHAR, session_id::VARCHAR, hostname, path, goal, props
		FROM events ORDER BY ts`)
	if err != nil {
		t.Fatalf("query events: %v", err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		var typ int64
		var props string
		if err := rows.Scan(&e.WebsiteID, &typ, &e.VisitorID, &e.SessionID, &e.Hostname, &e.Path, &e.Goal, &props); err != nil {
			t.Fatalf("scan event: %v", err)
		}
		e.Type = openfast.EventType(typ)
		if props != "" {
			if err := json.Unmarshal([]byte(props), &e.Props); err != nil {
				t.Fatalf("props %q: %v", props, err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read events: %v", err)
	}
	return out
}

// waitEvents polls the event store until it holds n events, and returns
// them. It fails the test when more arrive, or when n have not arrived
// within 15 seconds.
func (s *server) waitEvents(t *testing.T, n int, what string) []storedEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		events := s.storedEvents(t)
		switch {
		case len(events) > n:
			t.Fatalf("after %s: %d events stored, want %d: %+v", what, len(events), n, events)
		case len(events) == n:
			return events
		case time.Now().After(deadline):
			t.Fatalf("waiting for %s: %d of %d events stored: %+v", what, len(events), n, events)
		}
		<-tick.C
	}
}

// checkEvent compares a stored event with what the client sent.
func checkEvent(t *testing.T, s *server, got storedEvent, typ openfast.EventType, visitor, path, goal string, props map[string]string) {
	t.Helper()
	if got.WebsiteID != s.site.ID {
		t.Errorf("%s event stored for website %q, want %q", typ, got.WebsiteID, s.site.ID)
	}
	if got.Type != typ {
		t.Errorf("event type %s, want %s: %+v", got.Type, typ, got)
	}
	if got.VisitorID != visitor {
		t.Errorf("%s event of visitor %q, want the client's %q", typ, got.VisitorID, visitor)
	}
	if got.Path != path {
		t.Errorf("%s event path %q, want %q", typ, got.Path, path)
	}
	if got.Goal != goal {
		t.Errorf("%s event goal %q, want %q", typ, got.Goal, goal)
	}
	for k, v := range props {
		if got.Props[k] != v {
			t.Errorf("%s event props %v: %s is %q, want %q", typ, got.Props, k, got.Props[k], v)
		}
	}
	if len(props) == 0 && len(got.Props) != 0 {
		t.Errorf("%s event props %v, want none", typ, got.Props)
	}
}

// trackerPage is a single-page app that loads the tracker from the openfast
// server, as the DataFast snippet does.
const trackerPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>App</title>
<script defer src="%s/js/script.js" data-website-id="%s" data-domain="example.com" data-allow-localhost="true" data-debug="true"></script>
</head><body>
<h1>App</h1>
<button id="signup" data-fast-goal="signup" data-fast-goal-plan="pro">Sign up</button>
</body></html>
`

// TestTrackerInChromium loads a page with the tracker snippet and records a
// pageview, an SPA navigation, a data-fast-goal click and an identify whose
// values hold "&" (an image URL with a query string).
func TestTrackerInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages)
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/app/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, trackerPage, s.http.URL, s.tracking)
	}))
	t.Cleanup(pages.Close)
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/")
	s.waitEvents(t, 1, "the pageview")

	if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`history.pushState({}, "", "/app/pricing")`)); err != nil {
		t.Fatalf("pushState: %v", err)
	}
	s.waitEvents(t, 2, "the SPA navigation")

	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("signup"))); err != nil {
		t.Fatalf("click: %v", err)
	}
	s.waitEvents(t, 3, "the goal click")
	if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`window.datafast("identify", {user_id: "u&1", name: "Ann & Bob", avatar: "https://img.example.com/a.png?w=64&h=64"})`)); err != nil {
		t.Fatalf("identify: %v", err)
	}
	events := s.waitEvents(t, 4, "the identify")

	visitor, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.cookie.match(/(?:^|; )datafast_visitor_id=([^;]+)/) || [])[1] || ""`))
	if err != nil || visitor == "" {
		t.Fatalf("the tracker's visitor cookie: %q %v (cookies: %v)", visitor, err, b.cookies(t))
	}
	checkEvent(t, s, events[0], openfast.EventPageview, visitor, "/app/", "", nil)
	checkEvent(t, s, events[1], openfast.EventPageview, visitor, "/app/pricing", "", nil)
	checkEvent(t, s, events[2], openfast.EventCustom, visitor, "/app/pricing", "signup", map[string]string{"plan": "pro"})
	checkEvent(t, s, events[3], openfast.EventIdentify, visitor, "/app/pricing", "",
		map[string]string{"user_id": "u&1", "name": "Ann & Bob", "avatar": "https://img.example.com/a.png?w=64&h=64"})
	for _, e := range events {
		if e.Hostname != "127.0.0.1" || e.SessionID != events[0].SessionID {
			t.Errorf("%s event on host %q in session %s, want 127.0.0.1 and the first event's %s", e.Type, e.Hostname, e.SessionID, events[0].SessionID)
		}
	}
}

func (b *browser) cookies(t *testing.T) string {
	t.Helper()
	c, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.cookie`))
	if err != nil {
		return err.Error()
	}
	return c
}

// datafastSDK finds the web build of the datafast npm package, 3.x, in the
// folder named by OPENFAST_DATAFAST_SDK_DIR: the folder where the tarball of
// `npm pack datafast@3` was unpacked (it holds package/), or package/ itself.
func datafastSDK(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(datafastSDKEnv)
	if dir == "" {
		browsertest.Unavailable(t, "the datafast SDK", "set "+datafastSDKEnv,
			"%s is not set (unpack `npm pack datafast@3.0.18` and name the folder)", datafastSDKEnv)
	}
	for _, pkg := range []string{filepath.Join(dir, "package"), dir} {
		build := filepath.Join(pkg, "dist", "web", "index.mjs")
		if _, err := os.Stat(build); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(pkg, "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		var manifest struct{ Name, Version string }
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatalf("%s: %v", filepath.Join(pkg, "package.json"), err)
		}
		if manifest.Name != "datafast" || !strings.HasPrefix(manifest.Version, "3.") {
			t.Fatalf("%s holds %s %s, want datafast 3.x", pkg, manifest.Name, manifest.Version)
		}
		t.Logf("datafast %s", manifest.Version)
		return build
	}
	browsertest.Unavailable(t, "the datafast SDK", "set "+datafastSDKEnv,
		"no dist/web/index.mjs of the datafast package under %s (%s)", dir, datafastSDKEnv)
	return ""
}

// sdkPage imports the SDK's web build and sends one event of each kind to
// the openfast server, then flushes the SDK's queue. The timer and size
// flushes are pushed out of the way so that the explicit flush sends all
// four. window.sdkResult says which visitor the SDK used, or what failed.
const sdkPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout</title></head><body>
<h1>Checkout</h1>
<script type="module">
import { initDataFast } from "/datafast/index.mjs";
(async () => {
  try {
    const datafast = await initDataFast({
      websiteId: %q,
      domain: "example.com",
      apiUrl: %q,
      allowLocalhost: true,
      debug: true,
      flushInterval: 600000,
      maxQueueSize: 100,
    });
    if (!datafast.isInitialized()) {
      window.sdkResult = { error: "the SDK did not start: it took the page for a bot, localhost or an iframe" };
      return;
    }
    await datafast.trackPageview();
    await datafast.track("signup", { plan: "pro" });
    await datafast.identify("user_1", { name: "Ann" });
    await datafast.trackPayment({ email: "a@example.com" });
    await datafast.flush();
    window.sdkResult = { visitorId: datafast.getVisitorId() || "" };
  } catch (e) {
    window.sdkResult = { error: String((e && e.stack) || e) };
  }
})();
</script>
</body></html>
`

// TestDatafastSDKInChromium drives the published datafast SDK, with apiUrl
// pointed at the server, to send a pageview, a goal, an identify and a
// payment.
func TestDatafastSDKInChromium(t *testing.T) {
	build := datafastSDK(t)
	s := newServer(t, allowLocalPages)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /datafast/index.mjs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, build)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, sdkPage, s.tracking, s.http.URL+"/api/events")
	})
	pages := httptest.NewServer(mux)
	t.Cleanup(pages.Close)
	b := newBrowser(t)

	b.open(t, pages.URL+"/checkout")
	type result struct {
		VisitorID string `json:"visitorId"`
		Error     string `json:"error"`
	}
	res, err := chromedp.Run(b.ctx, chromedp.Poll[result](`window.sdkResult`, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the SDK: %v", err)
	}
	if res.Error != "" || res.VisitorID == "" {
		t.Fatalf("SDK: %+v", res)
	}
	events := s.waitEvents(t, 4, "the SDK's four events")

	byType := map[openfast.EventType]storedEvent{}
	for _, e := range events {
		byType[e.Type] = e
	}
	checkEvent(t, s, byType[openfast.EventPageview], openfast.EventPageview, res.VisitorID, "/checkout", "", nil)
	checkEvent(t, s, byType[openfast.EventCustom], openfast.EventCustom, res.VisitorID, "/checkout", "signup", map[string]string{"plan": "pro"})
	checkEvent(t, s, byType[openfast.EventIdentify], openfast.EventIdentify, res.VisitorID, "/checkout", "", map[string]string{"user_id": "user_1", "name": "Ann"})
	checkEvent(t, s, byType[openfast.EventPaymentHint], openfast.EventPaymentHint, res.VisitorID, "/checkout", "", map[string]string{"email": "a@example.com"})
	for _, e := range events {
		if e.SessionID != events[0].SessionID {
			t.Errorf("%s event in session %s, want the first event's %s", e.Type, e.SessionID, events[0].SessionID)
		}
	}
}
