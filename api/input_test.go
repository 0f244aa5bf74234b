package api

import (
	"strings"
	"testing"
	"time"
)

// TestUnsafeInputRefused: NUL, control and bidirectional override
// characters are refused with 400 in every stored string of the API, the
// identify route takes only property names of the goal-parameter rules,
// and a payment's timestamp must be a plausible one.
func TestUnsafeInputRefused(t *testing.T) {
	e := newEventsEnv(t)
	site := "/api/v1/admin/websites/" + e.site
	for _, bad := range []string{"nul\x00", "bell\x07", "rlo\u202eexe.txt", "isolate\u2066x\u2069"} {
		e.do("PUT", site, e.admin, map[string]any{"name": bad}).fails(400, "control characters")
		e.do("PUT", site, e.admin, map[string]any{"excludedPaths": []string{"/a" + bad}}).fails(400, "excludedPaths")
		e.do("POST", site+"/apikeys", e.admin, map[string]any{"name": bad}).fails(400, "control characters")
		e.do("POST", "/api/v1/admin/access-tokens", e.admin, map[string]any{"name": bad}).fails(400, "control characters")
		e.do("PUT", "/api/v1/admin/account", e.admin, map[string]any{"name": bad}).fails(400, "control characters")
		e.do("POST", "/api/v1/admin/websites", e.admin, map[string]any{"domain": "other.example.com", "timezone": "UTC", "name": bad}).fails(400, "control characters")
		e.do("POST", "/api/v1/payments"+e.path, e.admin, map[string]any{"amount": 1, "currency": "USD", "transaction_id": "tx" + bad}).fails(400, "transaction_id")
		e.do("POST", "/api/v1/payments"+e.path, e.admin, map[string]any{"amount": 1, "currency": "USD", "transaction_id": "tx_ok", "name": bad}).fails(400, "control characters")
		e.do("POST", "/api/v1/goals"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "name": "signup", "metadata": map[string]string{"plan": bad}}).fails(400, "control characters")
		e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "user_id": "u" + bad}).fails(400, "control characters")
		e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "user_id": "u1", "plan": bad}).fails(400, "control characters")
	}

	// Identify: property names follow the goal-parameter rules, so two
	// 400 KB names cannot be stored.
	huge := strings.Repeat("k", 400_000)
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "user_id": "u1", huge: "v"}).fails(400, "Profile property")
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "user_id": "u1", "bad key": "v"}).fails(400, "Profile property")
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "user_id": "u1", "Plan": "pro"}).ok()

	// Payments: not before 2000, not more than a day ahead.
	for _, ts := range []string{"1999-12-31T23:59:59Z", time.Now().Add(49 * time.Hour).UTC().Format(time.RFC3339)} {
		e.do("POST", "/api/v1/payments"+e.path, e.admin, map[string]any{"amount": 1, "currency": "USD", "transaction_id": "tx_" + ts, "timestamp": ts}).fails(400, "timestamp")
	}
	if res := e.do("POST", "/api/v1/payments"+e.path, e.admin, map[string]any{"amount": 1, "currency": "USD", "transaction_id": "tx_2001", "timestamp": "2001-02-03T04:05:06Z"}); res.status != 200 {
		t.Fatalf("a payment of 2001: %d %s", res.status, res.body)
	}
}
