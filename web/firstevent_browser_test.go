package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/browsertest"
)

// desktopChrome is the User-Agent of the browser tests that load the
// tracker: it skips automated browsers, as it should for real visitors.
const desktopChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

// TestFirstEventInBrowser: in headless Chromium, the first account adds a
// website, copies nothing by hand but the snippet the page shows, puts it
// on a page of the site, and the waiting panel turns green when that
// page's first event arrives.
func TestFirstEventInBrowser(t *testing.T) {
	b := browsertest.New(t, chromedp.Flag("disable-blink-features", "AutomationControlled"), chromedp.UserAgent(desktopChrome))
	events, writer := eventStores(t)
	var a *app.App
	e := newEnv(t, func(ac *app.Config, sc *api.Config) {
		ac.Events, ac.Writer, ac.Analytics = events, writer, events
		h := ingest.NewHandler(ingest.Config{Writer: writer, Website: func(ctx context.Context, id string) (*openfast.Website, error) {
			return a.TrackedWebsite(ctx, id)
		}})
		sc.Events = h.ServeEvent
	})
	a = e.app
	shots := os.Getenv(screenshotsEnv)
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	n := 100
	owner := tab{t: t, ctx: b.Ctx, base: e.srv.URL, dir: shots, n: &n}

	owner.do("open", chromedp.Navigate(e.srv.URL+"/"))
	owner.waitFor("the first-run form", `!!document.querySelector('form[action="/setup"]')`)
	owner.shot("first-run")
	owner.submit(`form[action="/setup"]`, map[string]string{"email": "ann@example.com", "name": "Ann", "password": password})
	owner.waitFor("the new website form", `location.pathname === "/websites/new"`)
	owner.shot("add-website")
	owner.submit(`form[action="/websites"]`, map[string]string{"domain": "shop.example.com", "timezone": "UTC", "currency": "USD"})
	owner.waitFor("the snippet page", `location.pathname.endsWith("/setup") && !!document.querySelector("#first-event .waiting")`)
	owner.shot("snippet-waiting")
	snippet := owner.text("#snippet")
	if !strings.Contains(snippet, `src="`+e.srv.URL+`/js/script.js"`) || !strings.Contains(snippet, `data-domain="shop.example.com"`) {
		t.Fatalf("snippet %q", snippet)
	}
	setup, _ := chromedp.Run(b.Ctx, chromedp.Location())

	// The test site is served from 127.0.0.1: General settings allow it.
	settings := strings.TrimSuffix(setup, "/setup") + "/settings"
	owner.do("open the settings", chromedp.Navigate(settings))
	owner.waitFor("the general settings", `!!document.querySelector('form.settings-form')`)
	owner.submit(`form.settings-form`, map[string]string{"allowedHostnames": "127.0.0.1"})
	owner.waitFor("the saved settings", `!!document.querySelector('p.notice') && document.querySelector('textarea[name="allowedHostnames"]').value.trim() === "127.0.0.1"`)

	// The site: a page of 127.0.0.1 with the snippet as shown (the tracker
	// skips localhost unless told).
	page := strings.Replace(snippet, "<script ", `<script data-allow-localhost="true" `, 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><title>Shop</title>%s</head><body><h1>Shop</h1></body></html>", page)
	}))
	defer site.Close()
	owner.do("visit the site", chromedp.Navigate(site.URL+"/pricing"))
	owner.waitFor("the tracker's cookie", `document.cookie.includes("datafast_visitor_id")`)

	owner.do("back to the snippet page", chromedp.Navigate(setup))
	owner.waitFor("the first event", `!!document.querySelector("#first-event.arrived")`)
	if got := owner.text("#first-event"); !strings.Contains(got, "Events are arriving: 1 visitor") {
		t.Fatalf("first event panel: %q", got)
	}
	owner.shot("first-event-arrived")
}
