package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
)

// setCookieless switches the website's isCookieless through the API, as
// its owner would.
func (s *server) setCookieless(t *testing.T, on bool) {
	t.Helper()
	if status, out := s.do(t, "PUT", "/api/v1/admin/websites/"+s.site.ID, map[string]any{"isCookieless": on}); status != 200 {
		t.Fatalf("PUT isCookieless=%v: %d %v", on, status, out)
	}
}

// TestEventsHTTP_CookielessAnswer: the answer to an event says whether the
// website is cookieless, from the moment the setting changes, for stored
// and filtered events alike, and names the derived visitor of a stored one.
func TestEventsHTTP_CookielessAnswer(t *testing.T) {
	s := newServer(t, func(w *openfast.Website) { w.ExcludedPaths = []string{"/admin/*"} })
	if _, out := s.post(t, pageview(s.tracking, "/")); out["cookieless"] != nil || out["visitorId"] != nil {
		t.Fatalf("website with cookies: answer %v, want neither cookieless nor visitorId", out)
	}
	s.setCookieless(t, true)
	_, out := s.post(t, pageview(s.tracking, "/"))
	if out["cookieless"] != true || out["visitorId"] == nil || out["visitorId"] == "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd" {
		t.Fatalf("cookieless website: answer %v, want cookieless and the derived visitorId", out)
	}
	if _, out := s.post(t, pageview(s.tracking, "/admin/users")); out["cookieless"] != true || out["visitorId"] != nil {
		t.Fatalf("filtered event of a cookieless website: answer %v, want cookieless and no visitorId", out)
	}
	if _, out := s.post(t, pageview("dfid_unknown", "/")); len(out) != 1 {
		t.Fatalf("unknown website: answer %v, want the status only", out)
	}
	s.setCookieless(t, false)
	if _, out := s.post(t, pageview(s.tracking, "/")); out["cookieless"] != nil {
		t.Fatalf("website switched back: answer %v", out)
	}
	body := `{"websiteId":"dfid_http","href":"https://example.com/","type":"pageview","cookieless":true}`
	if _, out := s.post(t, body); out["cookieless"] != true || out["visitorId"] == nil {
		t.Fatalf("an event that says cookieless: answer %v", out)
	}
}

// cookielessPage loads the tracker script named by the third argument.
const cookielessPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>App</title>
<script defer src="%s/js/%s" data-website-id="%s" data-domain="example.com" data-allow-localhost="true" data-debug="true"></script>
</head><body><h1>App</h1></body></html>
`

// storage is what the page can see of what it stored.
const storageExpr = `JSON.stringify([document.cookie, Object.keys(localStorage), Object.keys(sessionStorage)])`

// pageServer serves cookielessPage for every /app/ path, with script as the
// tracker's file name.
func pageServer(t *testing.T, s *server, script string) *httptest.Server {
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/app/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, cookielessPage, s.http.URL, script, s.tracking)
	}))
	t.Cleanup(pages.Close)
	return pages
}

// eval runs a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// settle gives the page time to handle the answers to what it sent.
func settle() { time.Sleep(500 * time.Millisecond) }

// TestTrackerCookielessInChromium: on a cookieless website, script.js
// stores nothing (no cookie, localStorage or sessionStorage) through two
// page loads and an SPA navigation, and the server counts one visitor, the
// daily-salted id of the client's address and User-Agent.
func TestTrackerCookielessInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages, func(w *openfast.Website) { w.IsCookieless = true })
	pages := pageServer(t, s, "script.js")
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/")
	s.waitEvents(t, 1, "the first pageview")
	chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`history.pushState({}, "", "/app/pricing")`))
	s.waitEvents(t, 2, "the SPA navigation")
	settle()
	if got := eval[string](t, b, storageExpr); got != `["",[],[]]` {
		t.Fatalf("after two events, the page stored %s", got)
	}
	b.open(t, pages.URL+"/app/docs")
	events := s.waitEvents(t, 3, "the second page load")
	settle()
	if got := eval[string](t, b, storageExpr); got != `["",[],[]]` {
		t.Fatalf("after the second page load, the page stored %s", got)
	}
	for _, e := range events {
		if e.VisitorID != events[0].VisitorID || e.SessionID != events[0].SessionID {
			t.Errorf("%s %s: visitor %s session %s, want one visitor in one session (%s, %s)", e.Type, e.Path, e.VisitorID, e.SessionID, events[0].VisitorID, events[0].SessionID)
		}
	}
}

// TestCookielessScriptInChromium: script.cookieless.js stores nothing even
// on a website that allows cookies, and its visitor is still one visitor
// through two page loads.
func TestCookielessScriptInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages)
	pages := pageServer(t, s, "script.cookieless.js")
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/")
	s.waitEvents(t, 1, "the first pageview")
	b.open(t, pages.URL+"/app/pricing")
	events := s.waitEvents(t, 2, "the second page load")
	settle()
	if got := eval[string](t, b, storageExpr); got != `["",[],[]]` {
		t.Fatalf("the cookieless script stored %s", got)
	}
	if events[0].VisitorID != events[1].VisitorID || events[0].VisitorID == "" {
		t.Errorf("visitors %s and %s, want one", events[0].VisitorID, events[1].VisitorID)
	}
}

// TestTrackerSwitchedToCookielessInChromium: script.js stores its cookies
// on a website with cookies; once the website is switched to cookieless,
// the next answer makes it delete them and store nothing more.
func TestTrackerSwitchedToCookielessInChromium(t *testing.T) {
	s := newServer(t, allowLocalPages)
	pages := pageServer(t, s, "script.js")
	b := newBrowser(t)

	b.open(t, pages.URL+"/app/")
	s.waitEvents(t, 1, "the pageview")
	visitor, err := chromedp.Run(b.ctx, chromedp.Poll[string](`(document.cookie.match(/(?:^|; )datafast_visitor_id=([^;]+)/) || [])[1]`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("the visitor cookie after the first answer: %v (cookies: %s)", err, b.cookies(t))
	}
	if events := s.storedEvents(t); events[0].VisitorID != visitor {
		t.Fatalf("stored visitor %s, cookie %s", events[0].VisitorID, visitor)
	}

	s.setCookieless(t, true)
	chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`history.pushState({}, "", "/app/pricing")`))
	s.waitEvents(t, 2, "the SPA navigation")
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.cookie === ""`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the cookies after a cookieless answer: %v (cookies: %s)", err, b.cookies(t))
	}
	chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`window.datafast("signup")`))
	events := s.waitEvents(t, 3, "a goal")
	settle()
	if got := eval[string](t, b, storageExpr); got != `["",[],[]]` {
		t.Fatalf("after the switch, the page stored %s", got)
	}
	if events[2].VisitorID == visitor || events[2].VisitorID != events[1].VisitorID {
		t.Errorf("visitors %s %s %s: want the cookie's, then the derived one twice", events[0].VisitorID, events[1].VisitorID, events[2].VisitorID)
	}
}
