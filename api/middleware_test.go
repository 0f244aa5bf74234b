package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

func TestAuthentication(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	const path = "/api/v1/admin/account"
	valid := auth.Generate(auth.KindAccountToken) // well formed, never stored
	for name, header := range map[string]string{
		"missing":        "",
		"not bearer":     "Basic " + tok,
		"empty bearer":   "Bearer ",
		"bad checksum":   "Bearer " + tok[:len(tok)-1] + flipChar(tok[len(tok)-1]),
		"wrong prefix":   "Bearer xx_" + tok[4:],
		"unknown token":  "Bearer " + valid,
		"truncated":      "Bearer " + tok[:20],
		"lower bearer":   "bearer " + valid,
		"garbage":        "Bearer dft_\xff\xfe",
		"spaces":         "Bearer    ",
		"two tokens":     "Bearer " + tok + " " + tok,
		"token in query": "",
	} {
		req, _ := http.NewRequest("GET", e.http.URL+path+"?token="+tok, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("%s: status %d, want 401", name, res.StatusCode)
		}
		if res.Header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: rate limit headers on an unauthenticated response", name)
		}
	}
	e.do("GET", path, "", nil).fails(401, "Missing API token")
	e.do("GET", path, valid, nil).fails(401, "Invalid or revoked")
	// Case-insensitive scheme.
	req, _ := http.NewRequest("GET", e.http.URL+path, nil)
	req.Header.Set("Authorization", "bearer "+tok)
	res, err := e.client.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("lower-case bearer: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
}

func flipChar(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestRouting(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	e.do("GET", "/nope", "", nil).fails(404, "No route for GET /nope")
	e.do("GET", "/api/v1/admin/websites/", tok, nil).fails(404)
	res := e.do("PATCH", "/api/v1/admin/account", tok, nil)
	res.fails(405, "Method not allowed")
	if allow := res.header.Get("Allow"); allow != "GET, HEAD, PUT" {
		t.Errorf("Allow = %q", allow)
	}
	e.do("POST", "/healthz", "", nil).fails(405)
	if res := e.do("GET", "/healthz", "", nil); res.status != 200 || res.json["status"] != "ok" {
		t.Fatalf("healthz %d %s", res.status, res.body)
	}
	if res := e.do("GET", "/readyz", "", nil); res.status != 200 || res.json["status"] != "ready" {
		t.Fatalf("readyz %d %s", res.status, res.body)
	}
	if res := e.do("HEAD", "/api/v1/admin/account", tok, nil); res.status != 200 {
		t.Fatalf("HEAD %d", res.status)
	}
	res = e.do("GET", "/api/v1/openapi.json", "", nil)
	if res.status != 200 || res.json["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json %d", res.status)
	}
	if id := res.header.Get("X-Request-Id"); len(id) != 16 {
		t.Fatalf("X-Request-Id %q", id)
	}
}

func TestReadyz_StoreDown(t *testing.T) {
	e := newTestEnv(t)
	e.store.Close()
	e.do("GET", "/readyz", "", nil).fails(503, "not reachable")
	e.do("GET", "/healthz", "", nil).ok2()
}

func (r *response) ok2() {
	r.t.Helper()
	if r.status != 200 {
		r.t.Fatalf("status %d: %s", r.status, r.body)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newTestEnv(t, func(c *testConfig) { c.RateLimit, c.RateBurst, c.Now = 600, 100, clock })
	_, tok := e.user("owner@example.com", nil, nil)
	_, other := e.user("other@example.com", nil, nil)

	for i := range 100 {
		res := e.do("GET", "/api/v1/admin/account", tok, nil)
		res.ok()
		if res.header.Get("X-RateLimit-Limit") != "600" || res.header.Get("X-RateLimit-Remaining") != strconv.Itoa(99-i) {
			t.Fatalf("request %d: limit %q remaining %q", i, res.header.Get("X-RateLimit-Limit"), res.header.Get("X-RateLimit-Remaining"))
		}
	}
	res := e.do("GET", "/api/v1/admin/account", tok, nil)
	res.fails(429, "Rate limit exceeded")
	if res.header.Get("Retry-After") != "1" || res.header.Get("X-RateLimit-Remaining") != "0" || res.header.Get("X-RateLimit-Reset") != "10" {
		t.Fatalf("429 headers: %v", res.header)
	}
	// Per credential, not per IP: another token from the same address passes.
	e.do("GET", "/api/v1/admin/account", other, nil).ok()
	// Client-supplied addresses change nothing.
	req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/admin/account", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	r, _ := e.client.Do(req)
	r.Body.Close()
	if r.StatusCode != 429 {
		t.Fatalf("X-Forwarded-For bypassed the limit: %d", r.StatusCode)
	}
	// 600/min refills one request every 100 ms.
	mu.Lock()
	now = now.Add(100 * time.Millisecond)
	mu.Unlock()
	e.do("GET", "/api/v1/admin/account", tok, nil).ok()
	e.do("GET", "/api/v1/admin/account", tok, nil).fails(429)
	if got := counterValue(t, e, `openfast_rate_limited_requests_total`); got != "3" {
		t.Fatalf("rate-limited counter = %s, want 3", got)
	}
}

func counterValue(t *testing.T, e *testEnv, prefix string) string {
	t.Helper()
	res := e.do("GET", "/metrics", "", nil)
	for _, line := range strings.Split(string(res.body), "\n") {
		if strings.HasPrefix(line, prefix+" ") {
			return strings.TrimPrefix(line, prefix+" ")
		}
	}
	return ""
}

func TestMetricsAndLogs(t *testing.T) {
	var buf syncBuffer
	e := newTestEnv(t, func(c *testConfig) { c.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	_, tok := e.user("owner@example.com", nil, nil)
	e.do("GET", "/api/v1/admin/account", tok, nil).ok()
	e.do("GET", "/api/v1/admin/account", "", nil).fails(401)
	e.do("GET", "/api/v1/admin/account", auth.Generate(auth.KindWebsiteKey), nil).fails(401)
	e.do("GET", "/api/v1/admin/access-tokens", e.token(mustUserID(t, e, "owner@example.com"), []string{"websites:read"}, nil), nil).fails(403)

	res := e.do("GET", "/metrics", "", nil)
	body := string(res.body)
	for _, want := range []string{
		`openfast_http_requests_total{method="GET",route="/api/v1/admin/account",status="200"} 1`,
		`openfast_http_requests_total{method="GET",route="/api/v1/admin/account",status="401"} 2`,
		`openfast_http_request_duration_seconds_bucket{method="GET",route="/api/v1/admin/account"`,
		`openfast_auth_failures_total{reason="missing"} 1`,
		`openfast_auth_failures_total{reason="unknown"} 1`,
		`openfast_auth_failures_total{reason="permission"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	logs := buf.String()
	if strings.Contains(logs, tok) {
		t.Fatal("a raw token is in the log")
	}
	if !strings.Contains(logs, `"credential":"`+auth.DisplayKey(tok)+`"`) || !strings.Contains(logs, `"route":"/api/v1/admin/account"`) ||
		!strings.Contains(logs, `"request_id":"`) || !strings.Contains(logs, `"duration_ms":`) || !strings.Contains(logs, `"status":401`) {
		t.Fatalf("log lines lack fields:\n%s", logs)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// failingStore injects a store fault that real SQLite would not produce on
// demand.
type failingStore struct {
	openfast.MetadataStore
}

func (failingStore) Website(ctx context.Context, id string) (*openfast.Website, error) {
	return nil, errors.New("disk on fire: SELECT * FROM websites")
}

func TestInternalErrorsAreGeneric(t *testing.T) {
	var buf syncBuffer
	e := newTestEnv(t, func(c *testConfig) { c.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	_, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)
	srv, err := testConfig{Store: failingStore{e.store}, Logger: slog.New(slog.NewTextHandler(&buf, nil))}.server()
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	res := e.do("GET", "/api/v1/admin/websites/"+site, tok, nil)
	res.fails(500, "internal error", "request id "+res.header.Get("X-Request-Id"))
	if strings.Contains(string(res.body), "SELECT") || strings.Contains(string(res.body), "disk") {
		t.Fatal("internal detail leaked to the client")
	}
	if !strings.Contains(buf.String(), "request_id="+res.header.Get("X-Request-Id")) || !strings.Contains(buf.String(), "disk on fire") {
		t.Fatalf("the log lacks the request id or the cause:\n%s", buf.String())
	}
}

func TestPanicRecovery(t *testing.T) {
	e := newTestEnv(t)
	e.validate = false
	for i := range e.srv.routes {
		if e.srv.routes[i].path == "/healthz" {
			e.srv.routes[i].handle = func(http.ResponseWriter, *http.Request, *authRequest) error { panic("boom") }
		}
	}
	e.srv.handler = e.srv.buildHandler()
	e.do("GET", "/healthz", "", nil).fails(500, "internal error")
	e.do("GET", "/readyz", "", nil).ok2()
}

func TestAuditLog(t *testing.T) {
	e := newTestEnv(t)
	_, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	id, key := e.key(owner, site)
	e.do("PUT", "/api/v1/admin/websites/"+site+"/apikeys/"+id, key, nil).ok()
	_, bob := e.user("bob@example.com", nil, nil)
	e.join(owner, site, "bob@example.com", bob, "member")
	e.do("PUT", "/api/v1/admin/websites/"+site, owner, map[string]any{"name": "x"}).ok()
	path := "/api/v1/admin/websites/" + site + "/audit-log"

	res := e.do("GET", path, owner, nil)
	entries := res.list()
	var actions []string
	for _, en := range entries {
		actions = append(actions, en["action"].(string))
		if en["ip"] != "127.0.0.1" || en["websiteId"] != site {
			t.Fatalf("entry %v", en)
		}
	}
	want := []string{"website.update", "team.accept", "team.invite", "apikey.roll", "apikey.create", "website.create"}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v, want %v", actions, want)
	}
	roll := entries[3]
	if roll["actor"].(map[string]any)["displayKey"] != auth.DisplayKey(key) {
		t.Fatalf("roll actor %v", roll["actor"])
	}
	if strings.Contains(string(res.body), key) || strings.Contains(string(res.body), owner) {
		t.Fatal("a raw credential is in the audit log")
	}
	p := res.json["pagination"].(map[string]any)
	if p["total"] != float64(6) || p["limit"] != float64(50) {
		t.Fatalf("pagination %v", p)
	}
	page := e.do("GET", path+"?limit=2&offset=1", owner, nil).list()
	if len(page) != 2 || page[0]["action"] != "team.accept" {
		t.Fatalf("page %v", page)
	}
	e.do("GET", path+"?limit=0", owner, nil).fails(400, "limit")
	e.do("GET", path+"?offset=-1", owner, nil).fails(400, "offset")
	e.do("GET", path+"?limit=abc", owner, nil).fails(400, "limit")
	_, viewer := e.user("viewer@example.com", nil, nil)
	e.join(owner, site, "viewer@example.com", viewer, "viewer")
	e.do("GET", path, viewer, nil).fails(403, "viewer")
	e.do("GET", path, bob, nil).ok()
}

func TestAccountAuditLog(t *testing.T) {
	e := newTestEnv(t)
	_, root := e.user("owner@example.com", nil, nil)
	d := e.do("POST", "/api/v1/admin/access-tokens", root, map[string]any{"name": "ci"}).first()
	e.do("DELETE", "/api/v1/admin/access-tokens/"+d["_id"].(string), root, nil).ok()
	e.do("PUT", "/api/v1/admin/account", root, map[string]any{"name": "Ann"}).ok()
	site := e.website(root)
	e.key(root, site) // a website-level entry: not in the account log

	res := e.do("GET", "/api/v1/admin/audit-log", root, nil)
	var actions []string
	for _, en := range res.list() {
		actions = append(actions, en["action"].(string))
		if en["websiteId"] != nil {
			t.Fatalf("website entry in the account log: %v", en)
		}
	}
	if strings.Join(actions, ",") != "account.update,access_token.delete,access_token.create" {
		t.Fatalf("account log %v", actions)
	}
	if strings.Contains(string(res.body), d["key"].(string)) {
		t.Fatal("a raw token is in the audit log")
	}
	_, other := e.user("other@example.com", nil, nil)
	if n := len(e.do("GET", "/api/v1/admin/audit-log", other, nil).list()); n != 0 {
		t.Fatalf("another user sees %d entries", n)
	}
}

// An accepted tracker event writes no request line (it would log every
// visitor's address), a refused one does, and a debug log has both.
func TestRequestLog_AcceptedEventsAtDebug(t *testing.T) {
	for _, debug := range []bool{false, true} {
		var buf syncBuffer
		opts := &slog.HandlerOptions{}
		if debug {
			opts.Level = slog.LevelDebug
		}
		logger := slog.New(slog.NewTextHandler(&buf, opts))
		e := newTestEnv(t, func(c *testConfig) {
			c.Logger = logger
			c.Events = func(w http.ResponseWriter, r *http.Request) error {
				if r.URL.Query().Get("bad") != "" {
					return openfast.Errorf(openfast.EINVALID, "A bad event.")
				}
				w.WriteHeader(http.StatusOK)
				return nil
			}
		})
		for _, path := range []string{"/api/events", "/api/events?bad=1"} {
			res, err := http.Post(e.http.URL+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		logs := buf.String()
		accepted := strings.Contains(logs, "route=/api/events status=200")
		if !strings.Contains(logs, "route=/api/events status=400") || accepted != debug {
			t.Errorf("debug %v: the log has the accepted event: %v, want %v; the refused one: want it:\n%s", debug, accepted, debug, logs)
		}
	}
}
