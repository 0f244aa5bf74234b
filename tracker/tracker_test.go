package tracker

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/internal/testskip"
	"github.com/openfast/openfast/tracker/internal/build"
)

// Size budget for the served (minified) script, gzipped. The goal is 3 KB;
// the ceiling stops growth, and the test reports any gap to the goal.
const (
	gzipGoal    = 3 << 10
	gzipCeiling = 3840
)

var etagPattern = regexp.MustCompile(`^"[0-9a-f]{16,64}"$`)

func do(t *testing.T, method string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/js/script.js", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip reader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestHandler_Get(t *testing.T) {
	rec := do(t, http.MethodGet, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	want := map[string]string{
		"Content-Type":     "application/javascript; charset=utf-8",
		"Cache-Control":    "public, max-age=3600",
		"Vary":             "Accept-Encoding",
		"Content-Encoding": "",
		"Content-Length":   strconv.Itoa(len(script)),
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if etag := rec.Header().Get("ETag"); !etagPattern.MatchString(etag) {
		t.Errorf("ETag = %q, want a quoted hex digest", etag)
	}
	if !bytes.Equal(rec.Body.Bytes(), script) {
		t.Errorf("body differs from script.min.js (%d bytes, want %d)", rec.Body.Len(), len(script))
	}
}

func TestHandler_Gzip(t *testing.T) {
	plain := do(t, http.MethodGet, nil)
	rec := do(t, http.MethodGet, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()); got != want {
		t.Errorf("Content-Length = %s, want %s", got, want)
	}
	etag := rec.Header().Get("ETag")
	if !etagPattern.MatchString(etag) || etag == plain.Header().Get("ETag") {
		t.Errorf("gzip ETag = %q, want a quoted hex digest distinct from the identity one %q", etag, plain.Header().Get("ETag"))
	}
	if !bytes.Equal(gunzip(t, rec.Body.Bytes()), script) {
		t.Error("gunzipped body differs from script.min.js")
	}
	if _, gz := Size(); rec.Body.Len() != gz {
		t.Errorf("gzip body is %d bytes, Size says %d", rec.Body.Len(), gz)
	}
}

func TestHandler_AcceptEncoding(t *testing.T) {
	for _, tc := range []struct {
		header string
		gzip   bool
	}{
		{"", false},
		{"identity", false},
		{"br", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"br;q=1, gzip;q=0.1", true},
		{"gzip;q=bogus", false},
	} {
		t.Run(tc.header, func(t *testing.T) {
			rec := do(t, http.MethodGet, map[string]string{"Accept-Encoding": tc.header})
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Errorf("gzip = %v, want %v", got, tc.gzip)
			}
		})
	}
}

func TestHandler_NotModified(t *testing.T) {
	for _, enc := range []string{"", "gzip"} {
		first := do(t, http.MethodGet, map[string]string{"Accept-Encoding": enc})
		etag := first.Header().Get("ETag")
		for _, tc := range []struct {
			name, ifNoneMatch string
			want              int
		}{
			{"Exact", etag, http.StatusNotModified},
			{"Star", "*", http.StatusNotModified},
			{"List", `"0000", ` + etag + `, "ffff"`, http.StatusNotModified},
			{"Weak", "W/" + etag, http.StatusNotModified},
			{"Other", `"0123456789abcdef0123456789abcdef"`, http.StatusOK},
			{"OtherList", `"a", "b"`, http.StatusOK},
		} {
			t.Run(enc+"/"+tc.name, func(t *testing.T) {
				rec := do(t, http.MethodGet, map[string]string{"Accept-Encoding": enc, "If-None-Match": tc.ifNoneMatch})
				if rec.Code != tc.want {
					t.Fatalf("status = %d, want %d", rec.Code, tc.want)
				}
				if tc.want != http.StatusNotModified {
					return
				}
				if rec.Body.Len() != 0 {
					t.Errorf("304 has a %d-byte body", rec.Body.Len())
				}
				if got := rec.Header().Get("ETag"); got != etag {
					t.Errorf("ETag = %q, want %q", got, etag)
				}
				if got := rec.Header().Get("Cache-Control"); got != "public, max-age=3600" {
					t.Errorf("Cache-Control = %q", got)
				}
			})
		}
	}
	t.Run("OtherEncodingsETag", func(t *testing.T) {
		gz := do(t, http.MethodGet, map[string]string{"Accept-Encoding": "gzip"}).Header().Get("ETag")
		if rec := do(t, http.MethodGet, map[string]string{"If-None-Match": gz}); rec.Code != http.StatusOK {
			t.Errorf("identity request with the gzip ETag: status = %d, want 200", rec.Code)
		}
	})
}

func TestETagListed(t *testing.T) {
	const etag = `"abc123"`
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"*", true},
		{` * `, true},
		{`"abc123"`, true},
		{`W/"abc123"`, true},
		{`"x", W/"abc123"`, true},
		{"\t\"x\",\"abc123\"", true},
		{`"a,b", "abc123"`, true},
		{`"x", *`, true},
		{`"abc12"`, false},
		{`"abc1234"`, false},
		{`abc123`, false},
		{`"abc123`, false},
		{`w/"abc123"`, false},
		{`"a,"abc123""`, false},
	} {
		if got := etagListed(tc.header, etag); got != tc.want {
			t.Errorf("etagListed(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestHandler_Head(t *testing.T) {
	for _, enc := range []string{"", "gzip"} {
		t.Run("Encoding="+enc, func(t *testing.T) {
			get := do(t, http.MethodGet, map[string]string{"Accept-Encoding": enc})
			rec := do(t, http.MethodHead, map[string]string{"Accept-Encoding": enc})
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if rec.Body.Len() != 0 {
				t.Errorf("HEAD has a %d-byte body", rec.Body.Len())
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "ETag", "Cache-Control", "Vary"} {
				if got, want := rec.Header().Get(k), get.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q as for GET", k, got, want)
				}
			}
		})
	}
}

func TestHandler_MethodNotAllowed(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		t.Run(m, func(t *testing.T) {
			rec := do(t, m, nil)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("status = %d, want 405", rec.Code)
			}
			if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("Allow = %q, want GET, HEAD", got)
			}
			if bytes.Contains(rec.Body.Bytes(), script[:64]) {
				t.Error("405 carries the script")
			}
		})
	}
}

// TestHandler_Mounted serves the script through a mux and a real HTTP client,
// which asks for gzip and decompresses transparently.
func TestHandler_Mounted(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/js/script.js", Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/js/script.js")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !resp.Uncompressed || !bytes.Equal(body, script) {
		t.Errorf("status %d, uncompressed %v, body equal %v; want 200, true, true", resp.StatusCode, resp.Uncompressed, bytes.Equal(body, script))
	}
}

func TestSize(t *testing.T) {
	raw, gz := Size()
	if raw != len(script) {
		t.Errorf("raw = %d, want %d", raw, len(script))
	}
	if gz <= 0 || gz >= raw {
		t.Errorf("gzipped = %d, want between 0 and %d", gz, raw)
	}
	if gz >= gzipCeiling {
		t.Errorf("script.min.js is %d bytes gzipped, over the %d-byte ceiling (goal %d)", gz, gzipCeiling, gzipGoal)
	}
	if gz >= gzipGoal {
		t.Logf("script.min.js: %d bytes, %d gzipped; %d bytes over the %d-byte goal", raw, gz, gz-gzipGoal, gzipGoal)
	} else {
		t.Logf("script.min.js: %d bytes, %d gzipped", raw, gz)
	}
}

// source reads script.js, the script as written.
func source(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("script.js")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGenerated builds the minified scripts from script.js again and
// compares them with the committed files: run go generate ./tracker after
// changing script.js.
func TestGenerated(t *testing.T) {
	outs, err := build.Scripts([]byte(source(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 2 {
		t.Fatalf("%d outputs, want 2", len(outs))
	}
	for _, o := range outs {
		committed, err := os.ReadFile(o.Name)
		if err != nil {
			t.Fatalf("%v (run go generate ./tracker)", err)
		}
		if !bytes.Equal(committed, o.Body) {
			t.Errorf("%s is not script.js minified: run go generate ./tracker", o.Name)
		}
	}
	if !bytes.Equal(script, outs[0].Body) {
		t.Error("the served script is not script.min.js as built")
	}
	if bytes.Equal(outs[0].Body, outs[1].Body) {
		t.Error("the cookieless variant is the same as the default script")
	}
}

func TestScriptContent(t *testing.T) {
	src := source(t)
	for _, s := range []string{
		// The POST /api/events payload and its identity cookies.
		"websiteId", "domain", "href", "referrer", "viewport", "width", "height", "visitorId", "sessionId",
		"type", "extraData", "adClickIds", "eventName", `"/api/events"`, "datafast_visitor_id", "datafast_session_id",
		"gclid", "gclsrc", "wbraid", "gbraid", "li_fat_id", "fbclid", "msclkid", "ttclid", "twclid",
		`"pageview"`, `"custom"`, `"identify"`, `"payment"`, `"external_link"`,
		// The snippet's attributes and the page's markup hooks.
		`"website-id"`, `"api-url"`, `"allow-localhost"`, `"allow-file-protocol"`, `"debug"`,
		"data-fast-goal", "data-fast-scroll", "-threshold", "-delay", "scroll_percentage", "datafast_ignore",
		"keepalive", `credentials: "omit"`, "sendBeacon", "XMLHttpRequest",
		// Cookieless answers and checkout ids.
		"cookieless", "onlyCookieless", "max-age=0", "sessionStorage", "datafast_checkouts",
		"stripe_session_id", "session_id", "cs_", "polar_checkout_id", "checkout_id", "lemonsqueezy_order_id", "order_id",
		// Opt-in features.
		`"hash-routing"`, "hashRouting", "hashchange", `"track-downloads"`, "file_download", "pdf",
	} {
		if !strings.Contains(src, s) {
			t.Errorf("script.js lacks %s", s)
		}
	}
	// Syntax newer than ES2017 that node --check would accept, in the
	// source and in what the minifier made of it.
	for _, src := range []string{src, string(script)} {
		noNewerSyntax(t, src)
	}
}

func noNewerSyntax(t *testing.T, src string) {
	t.Helper()
	for _, re := range []string{`\?\.[^\d]`, `\?\?`, `catch\s*\{`, `\{\s*\.\.\.`, `\(\?<[=!]`, `\bimport\b`, `\bexport\b`} {
		if loc := regexp.MustCompile(re).FindStringIndex(src); loc != nil {
			t.Errorf("script.js uses syntax newer than ES2017 (%s): %q", re, src[max(0, loc[0]-20):min(len(src), loc[1]+20)])
		}
	}
}

func node(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		// CI sets OPENFAST_REQUIRE_BROWSER=1 (the browser tests, and these
		// checks of the script, must run there) and installs node.
		if os.Getenv("OPENFAST_REQUIRE_BROWSER") == "1" {
			t.Fatal("node is not on PATH, and OPENFAST_REQUIRE_BROWSER=1 says the JavaScript checks must run")
		}
		testskip.Skip(t, "Node.js", "install node", "node is not on PATH: skipping the JavaScript checks (install Node.js to run them)")
	}
	return path
}

func runNode(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if testing.Verbose() {
		t.Logf("node %s:\n%s", strings.Join(args, " "), out)
	}
}

// TestScriptSyntax checks that script.js and the minified scripts parse as
// JavaScript.
func TestScriptSyntax(t *testing.T) {
	for _, f := range []string{"script.js", "script.min.js", "script.cookieless.min.js"} {
		runNode(t, "--check", f)
	}
}

// TestScriptInDOM runs script.js, and the served minified script, in a fake
// browser (testdata/dom_check.mjs): pageviews, SPA navigation, goals,
// identify, payment, external links, scroll goals, the queue, cookies, and
// the cases where nothing is sent.
func TestScriptInDOM(t *testing.T) {
	if _, err := os.Stat("testdata/dom_check.mjs"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"script.js", "script.min.js"} {
		t.Run(f, func(t *testing.T) { runNode(t, "testdata/dom_check.mjs", f, "script.cookieless.min.js") })
	}
}

// TestCookielessHandler serves script.cookieless.min.js, in both encodings,
// with its own validators.
func TestCookielessHandler(t *testing.T) {
	get := func(enc string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/js/script.cookieless.js", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec := httptest.NewRecorder()
		CookielessHandler().ServeHTTP(rec, req)
		return rec
	}
	plain, gz := get(""), get("gzip")
	if plain.Code != http.StatusOK || !bytes.Equal(plain.Body.Bytes(), cookielessScript) {
		t.Fatalf("status %d, body equal %v; want 200 and script.cookieless.min.js", plain.Code, bytes.Equal(plain.Body.Bytes(), cookielessScript))
	}
	if gz.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz.Body.Bytes()), cookielessScript) {
		t.Error("the gzip body is not script.cookieless.min.js")
	}
	if etag := plain.Header().Get("ETag"); etag == do(t, http.MethodGet, nil).Header().Get("ETag") || !etagPattern.MatchString(etag) {
		t.Errorf("ETag %q: want a digest of its own", etag)
	}
}
