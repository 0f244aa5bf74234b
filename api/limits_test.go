package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// credentialReads counts the credential lookups that reach the store.
type credentialReads struct {
	openfast.MetadataStore
	n atomic.Int64
}

func (s *credentialReads) APIKeyByHash(ctx context.Context, hash []byte) (*openfast.APIKey, error) {
	s.n.Add(1)
	return s.MetadataStore.APIKeyByHash(ctx, hash)
}

func (s *credentialReads) AccessTokenByHash(ctx context.Context, hash []byte) (*openfast.AccessToken, error) {
	s.n.Add(1)
	return s.MetadataStore.AccessTokenByHash(ctx, hash)
}

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newCountedEnv is a test env whose server reads the store through a
// counter of credential lookups.
func newCountedEnv(t *testing.T, opts ...func(*testConfig)) (*testEnv, *credentialReads) {
	t.Helper()
	e := newTestEnv(t)
	reads := &credentialReads{MetadataStore: e.store}
	cfg := testConfig{Store: reads}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := cfg.server()
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return e, reads
}

// from sends a GET with a credential from the client address ip (through
// the trusted proxy that the test server's peer address is).
func (e *testEnv) from(ip, path, token string) *response {
	e.t.Helper()
	return e.fromMethod("GET", ip, path, token)
}

func (e *testEnv) fromMethod(method, ip, path, token string) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := &response{t: e.t, status: res.StatusCode, header: res.Header}
	if out.body, err = io.ReadAll(res.Body); err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(out.body, &out.json); err != nil {
		e.t.Fatalf("%s %s: not JSON: %s", method, path, out.body)
	}
	e.validateResponse(req, nil, out)
	return out
}

// TestAuthFailureLimit: well-formed unknown credentials from one client
// address are refused with 401 until the address has failed 20 times in a
// minute; then every credential it presents, a valid one too, is refused
// with 429, Retry-After and the error envelope, without a store read,
// until its allowance refills (one failure every 3 s). Other addresses are
// not affected, and success never drains the allowance.
func TestAuthFailureLimit(t *testing.T) {
	clock := newTestClock()
	e, reads := newCountedEnv(t, func(c *testConfig) {
		c.Now = clock.Now
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	_, tok := e.user("owner@example.com", nil, nil)
	const path = "/api/v1/admin/account"
	const attacker, neighbour = "203.0.113.7", "198.51.100.4"

	for i := range 20 {
		kind := auth.KindAccountToken
		if i%2 == 1 {
			kind = auth.KindWebsiteKey
		}
		e.from(attacker, path, auth.Generate(kind)).fails(401, "Invalid or revoked")
	}
	if n := reads.n.Load(); n != 20 {
		t.Fatalf("%d store reads for 20 unknown credentials, want 20", n)
	}
	before := reads.n.Load()
	for _, cred := range []string{auth.Generate(auth.KindAccountToken), auth.Generate(auth.KindWebsiteKey), "dft_malformed", tok} {
		res := e.from(attacker, path, cred)
		res.fails(429, "Too many failed authentications from this address", "at most 20 per minute")
		if got := res.header.Get("Retry-After"); got != "3" {
			t.Fatalf("Retry-After %q, want 3", got)
		}
		if res.header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("rate-limit headers on a refused address")
		}
	}
	if n := reads.n.Load() - before; n != 0 {
		t.Fatalf("%d store reads from a refused address, want 0", n)
	}
	if got := counterValue(t, e, `openfast_auth_failures_total{reason="too_many_failures"}`); got != "4" {
		t.Fatalf("too_many_failures counter = %q, want 4", got)
	}

	// Another address is not affected, neither with a valid credential nor
	// with an unknown one.
	e.from(neighbour, path, tok).ok()
	e.from(neighbour, path, auth.Generate(auth.KindAccountToken)).fails(401)

	// 20 a minute: after 3 s the attacker may fail once more.
	clock.add(3 * time.Second)
	e.from(attacker, path, auth.Generate(auth.KindWebsiteKey)).fails(401)
	e.from(attacker, path, auth.Generate(auth.KindWebsiteKey)).fails(429)
	// And after 3 s more, a valid credential passes, as often as it likes:
	// success does not drain the allowance.
	clock.add(3 * time.Second)
	for range 30 {
		e.from(attacker, path, tok).ok()
	}
	e.from(attacker, path, auth.Generate(auth.KindAccountToken)).fails(401)
	e.from(attacker, path, tok).fails(429)
}

// TestAuthFailureLimit_ForwardedForIgnored: without trusted proxies the
// client address is the TCP peer, so an X-Forwarded-For that changes with
// each request does not escape the limit. A request without a credential
// is answered 401 (it costs no store read and guesses nothing).
func TestAuthFailureLimit_ForwardedForIgnored(t *testing.T) {
	e, reads := newCountedEnv(t, func(c *testConfig) { c.AuthFailureLimit = 5 })
	const path = "/api/v1/admin/account"
	for i := range 5 {
		e.from("192.0.2."+strconv.Itoa(i), path, auth.Generate(auth.KindAccountToken)).fails(401)
	}
	e.from("192.0.2.99", path, auth.Generate(auth.KindAccountToken)).fails(429, "at most 5 per minute")
	e.do("GET", path, "", nil).fails(401, "Missing API token")
	if n := reads.n.Load(); n != 5 {
		t.Fatalf("%d store reads, want 5", n)
	}
}

// TestAuthFailureLimit_Disabled: a negative limit turns it off.
func TestAuthFailureLimit_Disabled(t *testing.T) {
	e, _ := newCountedEnv(t, func(c *testConfig) { c.AuthFailureLimit = -1 })
	for range 50 {
		e.do("GET", "/api/v1/admin/account", auth.Generate(auth.KindWebsiteKey), nil).fails(401)
	}
}

// TestUnknownCredentialCache: a well-formed credential the store does not
// know, a revoked key included, costs one store read per 30 s, not one per
// request; creating a credential forgets the unknown ones at once.
func TestUnknownCredentialCache(t *testing.T) {
	clock := newTestClock()
	e, reads := newCountedEnv(t, func(c *testConfig) { c.Now = clock.Now; c.AuthFailureLimit = -1 })
	_, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	const path = "/api/v1/admin/account"

	unknown := auth.Generate(auth.KindAccountToken)
	count := func(f func()) int64 {
		t.Helper()
		before := reads.n.Load()
		f()
		return reads.n.Load() - before
	}
	if n := count(func() {
		for range 10 {
			e.do("GET", path, unknown, nil).fails(401, "Invalid or revoked")
		}
	}); n != 1 {
		t.Fatalf("%d store reads for 10 requests with one unknown token, want 1", n)
	}
	clock.add(30 * time.Second)
	if n := count(func() { e.do("GET", path, unknown, nil).fails(401) }); n != 1 {
		t.Fatalf("%d store reads after 30 s, want 1 (the entry expired)", n)
	}

	// A deleted key is refused at once, then from the cache.
	id, key := e.key(owner, site)
	keyPath := "/api/v1/admin/websites/" + site
	e.do("GET", keyPath, key, nil).ok()
	e.do("DELETE", "/api/v1/admin/websites/"+site+"/apikeys/"+id, owner, nil).ok()
	if n := count(func() {
		for range 5 {
			e.do("GET", keyPath, key, nil).fails(401)
		}
	}); n != 1 {
		t.Fatalf("%d store reads for 5 requests with a deleted key, want 1", n)
	}

	// Creating a key or a token through the API forgets what is unknown.
	for _, create := range []func(){
		func() { e.key(owner, site) },
		func() { e.do("POST", "/api/v1/admin/access-tokens", owner, map[string]any{"name": "ci"}).first() },
	} {
		e.do("GET", path, unknown, nil).fails(401)
		if n := count(func() { e.do("GET", path, unknown, nil).fails(401) }); n != 0 {
			t.Fatalf("%d store reads for a cached unknown token, want 0", n)
		}
		create()
		if n := count(func() { e.do("GET", path, unknown, nil).fails(401) }); n != 1 {
			t.Fatalf("%d store reads after a credential was created, want 1", n)
		}
	}
}

// TestRateLimit_PerUser: the tokens of one user share one quota, so 20
// tokens do not make 20 times the limit; other users are not affected.
func TestRateLimit_PerUser(t *testing.T) {
	clock := newTestClock()
	e := newTestEnv(t, func(c *testConfig) { c.RateLimit, c.RateBurst, c.Now = 60, 30, clock.Now })
	userID, first := e.user("owner@example.com", nil, nil)
	tokens := []string{first}
	for len(tokens) < openfast.MaxAccessTokensPerUser {
		tokens = append(tokens, e.token(userID, nil, nil))
	}
	_, other := e.user("other@example.com", nil, nil)
	const path = "/api/v1/admin/account"

	for i := range 30 {
		res := e.do("GET", path, tokens[i%len(tokens)], nil)
		res.ok()
		// The user's bucket is the more constrained: its count shows.
		if got := res.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(29-i) {
			t.Fatalf("request %d: X-RateLimit-Remaining %q, want %d", i, got, 29-i)
		}
	}
	for _, tok := range tokens {
		res := e.do("GET", path, tok, nil)
		res.fails(429, "at most 60 requests per minute for all access tokens of this user together")
		if res.header.Get("Retry-After") != "1" || res.header.Get("X-RateLimit-Remaining") != "0" || res.header.Get("X-RateLimit-Reset") != "30" {
			t.Fatalf("429 headers: %v", res.header)
		}
	}
	e.do("GET", path, other, nil).ok()
	clock.add(time.Second)
	e.do("GET", path, tokens[7], nil).ok()
	e.do("GET", path, tokens[8], nil).fails(429)
}

// TestRateLimit_PerWebsite: the keys of one website share one quota, so
// 10 keys do not make 10 times the limit. The tokens of the website's
// users, and the keys of other websites, draw from quotas of their own.
func TestRateLimit_PerWebsite(t *testing.T) {
	clock := newTestClock()
	e := newTestEnv(t, func(c *testConfig) { c.RateLimit, c.RateBurst, c.Now = 60, 30, clock.Now })
	_, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	otherSite := e.website(owner)
	var keys []string
	for range openfast.MaxAPIKeysPerWebsite {
		_, key := e.key(owner, site)
		keys = append(keys, key)
	}
	_, otherKey := e.key(owner, otherSite)
	path := "/api/v1/admin/websites/" + site

	for i := range 30 {
		e.do("GET", path, keys[i%len(keys)], nil).ok()
	}
	for _, key := range keys {
		e.do("GET", path, key, nil).fails(429, "at most 60 requests per minute for all API keys of this website together")
	}
	e.do("GET", "/api/v1/admin/websites/"+otherSite, otherKey, nil).ok()
	e.do("GET", path, owner, nil).ok() // the owner's token: the user's quota
	clock.add(time.Second)
	e.do("GET", path, keys[3], nil).ok()
	e.do("GET", path, keys[4], nil).fails(429)
}

// TestTrustedProxies_AuditIP: behind a trusted proxy, the audit log
// records the address X-Forwarded-For gives; from any other peer the
// header is ignored.
func TestTrustedProxies_AuditIP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"Trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.7"},
		{"NotTrusted", nil, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, func(c *testConfig) { c.TrustedProxies = tc.trusted })
			_, owner := e.user("owner@example.com", nil, nil)
			site := e.website(owner)
			e.fromMethod("POST", "203.0.113.7", "/api/v1/admin/websites/"+site+"/apikeys", owner).first()
			entries := e.do("GET", "/api/v1/admin/websites/"+site+"/audit-log", owner, nil).list()
			if entries[0]["action"] != "apikey.create" || entries[0]["ip"] != tc.want {
				t.Fatalf("newest audit entry %v, want apikey.create from %s", entries[0], tc.want)
			}
		})
	}
}
