package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

// share turns the public dashboard of the env's website on or off.
func (a *analyticsEnv) share(t *testing.T, on bool) {
	t.Helper()
	if _, err := a.store.UpdateWebsite(context.Background(), a.site, func(w *openfast.Website) error {
		w.IsPublicDashboardEnabled = on
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	a.app.InvalidateCaches()
}

// TestSharePage: /share/{domain} shows the analytics of a website that
// shares them, to anyone, without settings, visitor identities or emails;
// a website that does not share them is not found.
func TestSharePage(t *testing.T) {
	a := newAnalyticsEnv(t)
	anyone := a.client(t)
	for _, path := range []string{"/share/example.com", "/share/example.com/analytics/kpis", "/share/nobody.example.com"} {
		if p := do(t, anyone, "GET", a.srv.URL+path, nil); p.status != 404 {
			t.Fatalf("%s not shared: %d", path, p.status)
		}
	}
	a.share(t, true)
	page := do(t, anyone, "GET", a.srv.URL+"/share/example.com", nil)
	if page.status != 200 || !strings.Contains(page.body, "public dashboard") {
		t.Fatalf("shared page: %d\n%s", page.status, short(page.body))
	}
	bodies := []string{page.body}
	for _, u := range panels(page.body) {
		if !strings.HasPrefix(u, "/share/example.com/analytics/") {
			t.Errorf("the shared page loads %s", u)
		}
		p := a.panel(t, anyone, u)
		if p.status != 200 {
			t.Errorf("shared panel %s: %d\n%s", u, p.status, short(p.body))
		}
		bodies = append(bodies, p.body)
	}
	all := strings.Join(bodies, "\n")
	for _, leak := range []string{"ann@example.com", "@example.com", "00000000-0000-4000-8000", "/visitors/", "/settings", "Sign out"} {
		if strings.Contains(all, leak) {
			t.Errorf("the shared page shows %q", leak)
		}
	}
	if got := text(a.panel(t, anyone, "/share/example.com/analytics/kpis").body); !strings.Contains(got, "Visitors 3") {
		t.Errorf("shared kpis:\n%s", got)
	}
	// Rows filter the shared page itself.
	refs := a.panel(t, anyone, "/share/example.com/analytics/referrers")
	if !strings.Contains(refs.body, `href="/share/example.com?filter_referrer=is%3AGoogle"`) {
		t.Errorf("shared referrers:\n%s", short(refs.body))
	}
	if got := text(a.panel(t, anyone, "/share/example.com/analytics/kpis?filter_referrer=is%3AGoogle").body); !strings.Contains(got, "Visitors 1") {
		t.Errorf("shared kpis with a filter:\n%s", got)
	}
	// No visitors, journeys or realtime feed.
	for _, path := range []string{"/share/example.com/analytics/visitors", "/share/example.com/analytics/visitors/details",
		"/share/example.com/visitors/" + fixtureVisitor(1).String()} {
		if p := a.panel(t, anyone, path); p.status != 403 && p.status != 404 {
			t.Errorf("%s: %d\n%s", path, p.status, short(p.body))
		}
	}
	if p := a.panel(t, anyone, "/share/example.com/analytics/realtime"); p.status != 200 || !strings.Contains(p.body, "Online now") || strings.Contains(p.body, "Recent") {
		t.Errorf("shared realtime: %d\n%s", p.status, short(p.body))
	}
	// Turned off, it is gone at once.
	a.share(t, false)
	if p := a.panel(t, anyone, "/share/example.com/analytics/kpis"); p.status != 404 {
		t.Errorf("after unsharing: %d", p.status)
	}
}

var assetRef = regexp.MustCompile(`<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="(/static/[^"]+)"`)

// TestStaticVersions: the pages name each script and style sheet with the
// version of its content, which a browser may keep for a year; any other
// address of it (none, or an earlier version) must be checked again, so
// an upgrade never leaves a browser on the previous scripts.
func TestStaticVersions(t *testing.T) {
	a := newAnalyticsEnv(t)
	page := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site, nil)
	refs := assetRef.FindAllStringSubmatch(page.body, -1)
	if len(refs) < 5 {
		t.Fatalf("the page references %d assets", len(refs))
	}
	for _, m := range refs {
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		asset := do(t, a.owner, "GET", a.srv.URL+m[1], nil)
		sum := sha256.Sum256([]byte(asset.body))
		if v := u.Query().Get("v"); asset.status != http.StatusOK || v != hex.EncodeToString(sum[:6]) {
			t.Errorf("%s: %d, version %q, content's %x", m[1], asset.status, v, sum[:6])
		}
		if got := asset.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", m[1], got)
		}
		for _, other := range []string{u.Path, u.Path + "?v=000000000000"} {
			again := do(t, a.owner, "GET", a.srv.URL+other, nil)
			if again.status != http.StatusOK || again.body != asset.body || again.header.Get("Cache-Control") != "no-cache" {
				t.Errorf("%s: %d, Cache-Control %q", other, again.status, again.header.Get("Cache-Control"))
			}
		}
	}
}

// TestAnalyticsPageWeight: all the JavaScript and CSS of the analytics
// page weigh at most 60 KB gzipped.
func TestAnalyticsPageWeight(t *testing.T) {
	const budget = 60 << 10
	a := newAnalyticsEnv(t)
	page := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site, nil)
	refs := assetRef.FindAllStringSubmatch(page.body, -1)
	if len(refs) < 5 {
		t.Fatalf("the page references %d assets", len(refs))
	}
	total := 0
	for _, m := range refs {
		asset := do(t, a.owner, "GET", a.srv.URL+m[1], nil)
		if asset.status != http.StatusOK {
			t.Fatalf("%s: %d", m[1], asset.status)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write([]byte(asset.body))
		zw.Close()
		t.Logf("%-28s %7d bytes, %6d gzipped", m[1], len(asset.body), buf.Len())
		total += buf.Len()
	}
	t.Logf("total %d bytes gzipped (budget %d)", total, budget)
	if total > budget {
		t.Errorf("the analytics page's JS and CSS weigh %d bytes gzipped, more than %d", total, budget)
	}
}
