package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// forwarded sends a request with body (JSON, or nil) and an
// X-Forwarded-For header (none when xff is ""), and validates the answer
// against openapi.yaml.
func (e *testEnv) forwarded(method, path, token, xff string, body any) *response {
	e.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return e.send(req, raw)
}

// allowedIPsOf is the allowedIps of a key or token as answered: nil for
// null, and fails when the member is missing.
func allowedIPsOf(t *testing.T, d map[string]any) []string {
	t.Helper()
	v, ok := d["allowedIps"]
	if !ok {
		t.Fatalf("no allowedIps in %v", d)
	}
	if v == nil {
		return nil
	}
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func wantAllowedIPs(t *testing.T, what string, d map[string]any, want ...string) {
	t.Helper()
	if got := allowedIPsOf(t, d); !slices.Equal(got, want) || (got == nil) != (want == nil) {
		t.Fatalf("%s: allowedIps = %q, want %q", what, got, want)
	}
}

// TestAllowedIPs: a key or token made with allowedIps works from those
// addresses (the test client is 127.0.0.1) and is refused with 403 from
// others, on the first request and when the verifier has it cached; the
// lists show the normalized list, null for keys and tokens without one;
// the refusals are counted by reason.
func TestAllowedIPs(t *testing.T) {
	e, _, _ := newClockedEnv(t)
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	tokens := "/api/v1/admin/access-tokens"

	here := e.do("POST", keys, e.admin, map[string]any{"name": "here", "allowedIps": []string{"10.1.2.3/8", "127.0.0.1", "::1"}}).first()
	wantAllowedIPs(t, "created key", here, "10.0.0.0/8", "127.0.0.1/32", "::1/128")
	elsewhere := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()
	anywhere := e.do("POST", keys, e.admin, nil).first()
	wantAllowedIPs(t, "key without allowedIps", anywhere)
	for _, k := range e.do("GET", keys, e.admin, nil).list() {
		switch k["_id"] {
		case here["_id"]:
			wantAllowedIPs(t, "listed key", k, "10.0.0.0/8", "127.0.0.1/32", "::1/128")
		case elsewhere["_id"]:
			wantAllowedIPs(t, "listed key", k, "203.0.113.0/24")
		default:
			wantAllowedIPs(t, "listed key", k)
		}
	}
	tokHere := e.do("POST", tokens, e.admin, map[string]any{"allowedIps": []string{"127.0.0.0/8"}}).first()
	wantAllowedIPs(t, "created token", tokHere, "127.0.0.0/8")
	tokElsewhere := e.do("POST", tokens, e.admin, map[string]any{"allowedIps": []string{"2001:db8::/32"}}).first()
	for _, l := range e.do("GET", tokens, e.admin, nil).list() {
		switch l["_id"] {
		case tokHere["_id"]:
			wantAllowedIPs(t, "listed token", l, "127.0.0.0/8")
		case tokElsewhere["_id"]:
			wantAllowedIPs(t, "listed token", l, "2001:db8::/32")
		default:
			wantAllowedIPs(t, "listed token", l)
		}
	}

	// Twice each: the second request finds the principal cached.
	for range 2 {
		e.do("GET", "/api/v1/analytics/metadata", here["key"].(string), nil).ok()
		e.do("GET", "/api/v1/analytics/metadata", anywhere["key"].(string), nil).ok()
		e.do("GET", "/api/v1/analytics/metadata", elsewhere["key"].(string), nil).fails(403, "This API key is not allowed from 127.0.0.1.")
		e.do("GET", "/api/v1/admin/websites", tokHere["key"].(string), nil).ok()
		e.do("GET", "/api/v1/admin/websites", tokElsewhere["key"].(string), nil).fails(403, "This access token is not allowed from 127.0.0.1.")
	}
	// Every route: an account route with the key, and a write.
	e.do("GET", "/api/v1/admin/account", elsewhere["key"].(string), nil).fails(403, "not allowed from 127.0.0.1")
	e.do("POST", keys, tokElsewhere["key"].(string), nil).fails(403, "not allowed from 127.0.0.1")
	if got := counterValue(t, e, `openfast_auth_failures_total{reason="ip_not_allowed"}`); got != "6" {
		t.Fatalf("ip_not_allowed refusals counted %q, want 6", got)
	}
	// A refused use is not a use.
	for _, k := range e.do("GET", keys, e.admin, nil).list() {
		if used := k["lastUsedAt"] != nil; used != (k["_id"] != elsewhere["_id"] && (k["_id"] == here["_id"] || k["_id"] == anywhere["_id"])) {
			t.Fatalf("key %v: lastUsedAt %v", k["_id"], k["lastUsedAt"])
		}
	}
	// A refused address is no failed authentication: the client's address
	// is not slowed down.
	for range 30 {
		e.do("GET", "/api/v1/analytics/metadata", elsewhere["key"].(string), nil).fails(403)
	}
	e.do("GET", "/api/v1/analytics/metadata", here["key"].(string), nil).ok()
}

// TestAllowedIPs_TrustedProxies: behind a --trusted-proxies peer the
// address checked is the one X-Forwarded-For gives, IPv4 or IPv6, an
// IPv4-mapped IPv6 address matching an IPv4 prefix; without the header,
// the proxy's own address is checked.
func TestAllowedIPs_TrustedProxies(t *testing.T) {
	e := newTestEnv(t, func(c *testConfig) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	e.setup()
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	v4 := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()["key"].(string)
	v6 := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"2001:db8::/32"}}).first()["key"].(string)
	mapped := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"::ffff:198.51.100.7"}}).first()
	wantAllowedIPs(t, "key from a mapped address", mapped, "198.51.100.7/32")
	tok := e.do("POST", "/api/v1/admin/access-tokens", e.admin, map[string]any{"allowedIps": []string{"203.0.113.7"}}).first()["key"].(string)

	const meta = "/api/v1/analytics/metadata"
	for range 2 {
		e.forwarded("GET", meta, v4, "203.0.113.7", nil).ok()
		e.forwarded("GET", meta, v4, "::ffff:203.0.113.7", nil).ok()
		e.forwarded("GET", meta, v4, "198.51.100.1", nil).fails(403, "This API key is not allowed from 198.51.100.1.")
		e.forwarded("GET", meta, v4, "", nil).fails(403, "This API key is not allowed from 127.0.0.1.")
		e.forwarded("GET", meta, v6, "2001:db8:0:1::5", nil).ok()
		e.forwarded("GET", meta, v6, "2001:db9::5", nil).fails(403, "This API key is not allowed from 2001:db9::5.")
		e.forwarded("GET", meta, v6, "203.0.113.7", nil).fails(403, "not allowed from 203.0.113.7")
		e.forwarded("GET", meta, mapped["key"].(string), "198.51.100.7", nil).ok()
		e.forwarded("GET", meta, mapped["key"].(string), "::ffff:198.51.100.7", nil).ok()
		e.forwarded("GET", "/api/v1/admin/websites", tok, "203.0.113.7", nil).ok()
		e.forwarded("GET", "/api/v1/admin/websites", tok, "203.0.113.8", nil).fails(403, "This access token is not allowed from 203.0.113.8.")
	}
}

// TestAllowedIPs_UntrustedForwardedFor: without --trusted-proxies an
// X-Forwarded-For header is not believed; the peer's address is checked.
func TestAllowedIPs_UntrustedForwardedFor(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	key := e.do("POST", "/api/v1/admin/websites/"+e.site+"/apikeys", e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()["key"].(string)
	e.forwarded("GET", "/api/v1/analytics/metadata", key, "203.0.113.7", nil).fails(403, "This API key is not allowed from 127.0.0.1.")

	// Trusted proxies that do not include the peer: the same.
	e = newTestEnv(t, func(c *testConfig) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	e.setup()
	key = e.do("POST", "/api/v1/admin/websites/"+e.site+"/apikeys", e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()["key"].(string)
	e.forwarded("GET", "/api/v1/analytics/metadata", key, "203.0.113.7", nil).fails(403, "not allowed from 127.0.0.1.")
}

// TestAllowedIPs_Roll: a roll keeps the key's allowedIps unless the body
// sends new ones (null: any address), and the new list applies to the new
// value at once.
func TestAllowedIPs_Roll(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	k := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()
	path := keys + "/" + k["_id"].(string)
	rolled := e.do("PUT", path, e.admin, nil).first()
	wantAllowedIPs(t, "rolled key", rolled, "203.0.113.0/24")
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).fails(403, "not allowed from 127.0.0.1")
	rolled = e.do("PUT", path, e.admin, map[string]any{"gracePeriodSeconds": 0}).first()
	wantAllowedIPs(t, "rolled key with a body", rolled, "203.0.113.0/24")
	rolled = e.do("PUT", path, e.admin, map[string]any{"allowedIps": []string{"127.0.0.1", "192.0.2.0/24"}}).first()
	wantAllowedIPs(t, "rolled key with allowedIps", rolled, "127.0.0.1/32", "192.0.2.0/24")
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).ok()
	rolled = e.do("PUT", path, e.admin, map[string]any{"allowedIps": nil}).first()
	wantAllowedIPs(t, "rolled key with allowedIps null", rolled)
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).ok()
	for _, l := range e.do("GET", keys, e.admin, nil).list() {
		wantAllowedIPs(t, "listed key after the rolls", l)
	}
	e.do("PUT", path, e.admin, `{"allowedIps":[]}`).fails(400, "allowedIps must not be empty")
	e.do("PUT", path, e.admin, `{"allowedIps":["nope"]}`).fails(400, `"nope" is not an IP address`)
}

// TestAllowedIPs_NoEscalation: a credential limited to some addresses
// never issues a credential usable from elsewhere: omitted allowedIps
// takes the caller's, a list outside the caller's (or null, any address)
// is refused with 403 naming what is outside, and a roll needs the key's
// resulting list within the caller's.
func TestAllowedIPs_NoEscalation(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	tokens := "/api/v1/admin/access-tokens"

	// A df_ key limited to the loopback network.
	limited := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"127.0.0.0/8", "::1"}}).first()["key"].(string)
	inherited := e.do("POST", keys, limited, nil).first()
	wantAllowedIPs(t, "key made by a limited key", inherited, "127.0.0.0/8", "::1/128")
	inherited = e.do("POST", keys, limited, map[string]any{"allowedIps": nil}).first()
	wantAllowedIPs(t, "key made by a limited key with allowedIps null", inherited, "127.0.0.0/8", "::1/128")
	narrower := e.do("POST", keys, limited, map[string]any{"allowedIps": []string{"127.0.0.1"}}).first()
	wantAllowedIPs(t, "narrower key", narrower, "127.0.0.1/32")
	e.do("GET", "/api/v1/analytics/metadata", narrower["key"].(string), nil).ok()
	e.do("POST", keys, limited, map[string]any{"allowedIps": []string{"127.0.0.1", "10.0.0.0/8"}}).
		fails(403, "cannot create a key usable from 10.0.0.0/8", "the calling df_ key may be used only from 127.0.0.0/8, ::1/128")
	e.do("POST", keys, limited, map[string]any{"allowedIps": []string{"0.0.0.0/0"}}).fails(403, "usable from 0.0.0.0/0")

	// Rolls: an unrestricted key cannot be rolled by the limited key
	// unless the roll limits it; nor can a limited key be opened up.
	free := e.do("POST", keys, e.admin, nil).first()
	freePath := keys + "/" + free["_id"].(string)
	e.do("PUT", freePath, limited, nil).fails(403, "cannot roll a key usable from any address", "send allowedIps to replace the key's")
	e.do("PUT", freePath, limited, map[string]any{"allowedIps": nil}).fails(403, "usable from any address")
	e.do("PUT", freePath, limited, map[string]any{"allowedIps": []string{"192.0.2.1"}}).fails(403, "usable from 192.0.2.1/32")
	rolled := e.do("PUT", freePath, limited, map[string]any{"allowedIps": []string{"127.0.0.1"}}).first()
	wantAllowedIPs(t, "key rolled by a limited key", rolled, "127.0.0.1/32")
	e.do("PUT", freePath, limited, nil).ok() // within: kept
	// The refusals changed nothing.
	for _, l := range e.do("GET", keys, e.admin, nil).list() {
		if l["_id"] == free["_id"] {
			wantAllowedIPs(t, "rolled key", l, "127.0.0.1/32")
		}
	}

	// dft_ tokens: a limited token makes tokens and keys within its list.
	limitedTok := e.do("POST", tokens, e.admin, map[string]any{"allowedIps": []string{"127.0.0.0/8"}}).first()["key"].(string)
	tok := e.do("POST", tokens, limitedTok, nil).first()
	wantAllowedIPs(t, "token made by a limited token", tok, "127.0.0.0/8")
	e.do("GET", "/api/v1/admin/websites", tok["key"].(string), nil).ok()
	tok = e.do("POST", tokens, limitedTok, map[string]any{"allowedIps": []string{"127.0.0.1"}}).first()
	wantAllowedIPs(t, "narrower token", tok, "127.0.0.1/32")
	e.do("POST", tokens, limitedTok, map[string]any{"allowedIps": []string{"::1"}}).
		fails(403, "cannot create a token usable from ::1/128", "the calling dft_ token may be used only from 127.0.0.0/8")
	wantAllowedIPs(t, "key made by a limited token", e.do("POST", keys, limitedTok, nil).first(), "127.0.0.0/8")
}

// TestAllowedIPs_Invalid: a malformed allowedIps is a 400 in the envelope
// naming the entry, on both create routes and the roll.
func TestAllowedIPs_Invalid(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	tooMany := make([]string, 33)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("10.0.0.%d", i)
	}
	many, _ := json.Marshal(map[string]any{"allowedIps": tooMany})
	_, key := e.key(e.admin, e.site)
	keyID := e.do("GET", "/api/v1/admin/websites/"+e.site+"/apikeys", e.admin, nil).list()[0]["_id"].(string)
	for _, path := range []string{"/api/v1/admin/websites/" + e.site + "/apikeys", "/api/v1/admin/access-tokens"} {
		for body, msg := range map[string]string{
			`{"allowedIps":"10.0.0.0/8"}`:               "allowedIps must be an array of strings",
			`{"allowedIps":[1]}`:                        "allowedIps must be an array of strings",
			`{"allowedIps":[]}`:                         "allowedIps must not be empty",
			`{"allowedIps":["10.0.0.300"]}`:             `allowedIps: "10.0.0.300" is not an IP address or CIDR prefix`,
			`{"allowedIps":["10.0.0.1","10.0.0.0/33"]}`: `"10.0.0.0/33"`,
			`{"allowedIps":["fe80::1%eth0"]}`:           `"fe80::1%eth0"`,
			`{"allowedIps":["example.com"]}`:            `"example.com"`,
			string(many):                                "allowedIps can have at most 32 items",
		} {
			e.do("POST", path, e.admin, body).fails(400, msg)
		}
	}
	e.do("PUT", "/api/v1/admin/websites/"+e.site+"/apikeys/"+keyID, e.admin, string(many)).fails(400, "at most 32")
	// 32 entries are accepted, and nothing was left by the refusals.
	d := e.do("POST", "/api/v1/admin/access-tokens", e.admin, map[string]any{"allowedIps": tooMany[:32]}).first()
	if got := allowedIPsOf(t, d); len(got) != 32 {
		t.Fatalf("32 entries gave %d", len(got))
	}
	if n := len(e.do("GET", "/api/v1/admin/access-tokens", e.admin, nil).list()); n != 2 {
		t.Fatalf("%d tokens after the refusals, want 2", n)
	}
	e.do("GET", "/api/v1/analytics/metadata", key, nil).ok()
}

// TestAllowedIPs_MCP: the MCP endpoint authenticates through the same
// wrap: a key used from outside its allowedIps is refused with 403 before
// any tool runs, and one used from inside works.
func TestAllowedIPs_MCP(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	elsewhere := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"203.0.113.0/24"}}).first()["key"].(string)
	here := e.do("POST", keys, e.admin, map[string]any{"allowedIps": []string{"127.0.0.1"}}).first()["key"].(string)
	e.validate = false // /api/mcp is not a REST route of openapi.yaml
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	req, _ := http.NewRequest("POST", e.http.URL+"/api/mcp", strings.NewReader(init))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+elsewhere)
	e.send(req, []byte(init)).fails(http.StatusForbidden, "This API key is not allowed from 127.0.0.1.")
	cs := e.mcpSession(here)
	if res, _ := mcpCall(t, cs, "account_get", nil); res.IsError {
		t.Fatalf("account_get from an allowed address: %+v", res)
	}
}
