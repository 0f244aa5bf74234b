package api

import (
	"sync/atomic"
	"testing"
	"time"
)

// setClock is a time that tests set to the millisecond.
type setClock struct{ ms atomic.Int64 }

func newSetClock(t time.Time) *setClock {
	c := &setClock{}
	c.Set(t)
	return c
}

func (c *setClock) Now() time.Time      { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *setClock) Set(t time.Time)     { c.ms.Store(t.UnixMilli()) }
func (c *setClock) Add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// newClockedEnv is a set-up server whose clock the test sets (from start,
// now to the second) and whose verifier caches for an hour.
func newClockedEnv(t *testing.T) (*testEnv, *setClock, time.Time) {
	start := time.Now().UTC().Truncate(time.Second)
	c := newSetClock(start)
	e := newTestEnv(t, func(cfg *testConfig) { cfg.Now, cfg.CacheTTL = c.Now, time.Hour })
	e.setup()
	return e, c, start
}

// TestCredentialExpiry: a key or token with expiresAt works until the
// instant before it and is refused with 401 from that instant on, even
// when the verifier has it cached; without expiresAt nothing changes.
func TestCredentialExpiry(t *testing.T) {
	e, c, start := newClockedEnv(t)
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	at := start.Add(30 * 24 * time.Hour)
	iso := at.Format("2006-01-02T15:04:05.000Z")

	key := e.do("POST", keys, e.admin, map[string]any{"name": "ci", "expiresAt": at.Format(time.RFC3339)}).first()
	if key["expiresAt"] != iso {
		t.Fatalf("created key expiresAt = %v, want %s", key["expiresAt"], iso)
	}
	tok := e.do("POST", "/api/v1/admin/access-tokens", e.admin, map[string]any{"expiresAt": at.Format(time.RFC3339Nano)}).first()
	if tok["expiresAt"] != iso {
		t.Fatalf("created token expiresAt = %v, want %s", tok["expiresAt"], iso)
	}
	never := e.do("POST", keys, e.admin, nil).first()
	if v, ok := never["expiresAt"]; !ok || v != nil {
		t.Fatalf("key without expiresAt: expiresAt = %v (present %v), want null", v, ok)
	}
	for _, k := range e.do("GET", keys, e.admin, nil).list() {
		if want := map[bool]any{true: iso, false: nil}[k["_id"] == key["_id"]]; k["expiresAt"] != want {
			t.Fatalf("listed key %v: expiresAt = %v, want %v", k["_id"], k["expiresAt"], want)
		}
	}
	listed := e.do("GET", "/api/v1/admin/access-tokens", e.admin, nil).list()
	for _, l := range listed {
		if want := map[bool]any{true: iso, false: nil}[l["_id"] == tok["_id"]]; l["expiresAt"] != want {
			t.Fatalf("listed token %v: expiresAt = %v, want %v", l["_id"], l["expiresAt"], want)
		}
	}

	rawKey, rawToken, rawNever := key["key"].(string), tok["key"].(string), never["key"].(string)
	// Cached while valid, one millisecond before the end.
	c.Set(at.Add(-time.Millisecond))
	e.do("GET", "/api/v1/analytics/metadata", rawKey, nil).ok()
	e.do("GET", "/api/v1/admin/websites", rawToken, nil).ok()
	// At the end, refused, though cached.
	c.Set(at)
	e.do("GET", "/api/v1/analytics/metadata", rawKey, nil).fails(401, "This API key expired at "+at.Format(time.RFC3339)+".")
	e.do("GET", "/api/v1/admin/websites", rawToken, nil).fails(401, "This access token expired at "+at.Format(time.RFC3339)+".")
	e.do("GET", "/api/v1/analytics/metadata", rawNever, nil).ok()
	// And afterwards, from the store too.
	e.srv.app.InvalidateCaches()
	c.Add(time.Hour)
	e.do("GET", "/api/v1/analytics/metadata", rawKey, nil).fails(401, "expired")
	e.do("GET", "/api/v1/admin/websites", rawToken, nil).fails(401, "expired")
	// A roll keeps the expiry.
	rolled := e.do("PUT", keys+"/"+key["_id"].(string), e.admin, nil).first()
	if rolled["expiresAt"] != iso {
		t.Fatalf("rolled key expiresAt = %v, want %s", rolled["expiresAt"], iso)
	}
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).fails(401, "expired")
}

// TestCredentialExpiry_Invalid: an expiresAt that is not a future time
// within 5 years is a 400 in the envelope.
func TestCredentialExpiry_Invalid(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	c := newSetClock(start)
	e := newTestEnv(t, func(cfg *testConfig) { cfg.Now = c.Now })
	e.setup()
	for _, path := range []string{"/api/v1/admin/websites/" + e.site + "/apikeys", "/api/v1/admin/access-tokens"} {
		for body, msg := range map[string]string{
			`{"expiresAt":42}`:                                                   "expiresAt must be a string",
			`{"expiresAt":"tomorrow"}`:                                           "ISO 8601",
			`{"expiresAt":"2030-01-01"}`:                                         "ISO 8601",
			`{"expiresAt":"2030-01-01T00:00:00"}`:                                "ISO 8601",
			`{"expiresAt":"` + start.Format(time.RFC3339) + `"}`:                 "in the future",
			`{"expiresAt":"` + start.Add(-time.Hour).Format(time.RFC3339) + `"}`: "in the future",
			`{"expiresAt":"` + start.Add(5*365*24*time.Hour+time.Second).Format(time.RFC3339) + `"}`: "5 years",
		} {
			e.do("POST", path, e.admin, body).fails(400, msg)
		}
		// Null is never; the longest lifetime is accepted, with an offset.
		if d := e.do("POST", path, e.admin, `{"expiresAt":null}`).first(); d["expiresAt"] != nil {
			t.Fatalf("%s: expiresAt null gave %v", path, d["expiresAt"])
		}
		far := start.Add(5 * 365 * 24 * time.Hour).In(time.FixedZone("", 2*3600))
		if d := e.do("POST", path, e.admin, map[string]any{"expiresAt": far.Format(time.RFC3339)}).first(); d["expiresAt"] != far.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Fatalf("%s: expiresAt %s gave %v", path, far.Format(time.RFC3339), d["expiresAt"])
		}
	}
}

// TestAPIKeyService_RollGrace: with gracePeriodSeconds the previous value
// works until the grace ends, at the boundary exactly, and the list says
// until when; without it (or 0) a roll behaves as DataFast's; deleting the
// key ends both values.
func TestAPIKeyService_RollGrace(t *testing.T) {
	e, c, start := newClockedEnv(t)
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	k := e.do("POST", keys, e.admin, nil).first()
	id, old := k["_id"].(string), k["key"].(string)
	if v, ok := k["previousKeyExpiresAt"]; !ok || v != nil {
		t.Fatalf("new key previousKeyExpiresAt = %v (present %v)", v, ok)
	}
	e.do("GET", "/api/v1/analytics/metadata", old, nil).ok() // cached

	for body, msg := range map[string]string{
		`{"gracePeriodSeconds":-1}`: "gracePeriodSeconds", `{"gracePeriodSeconds":604801}`: "604800",
		`{"gracePeriodSeconds":1.5}`: "whole number", `{"gracePeriodSeconds":"60"}`: "whole number", `{"gracePeriodSeconds":null}`: "whole number",
	} {
		e.do("PUT", keys+"/"+id, e.admin, body).fails(400, msg)
	}
	e.do("GET", "/api/v1/analytics/metadata", old, nil).ok() // refused rolls changed nothing

	rolled := e.do("PUT", keys+"/"+id, e.admin, map[string]any{"gracePeriodSeconds": 3600}).first()
	until := start.Add(time.Hour)
	if rolled["previousKeyExpiresAt"] != until.Format("2006-01-02T15:04:05.000Z") {
		t.Fatalf("rolled previousKeyExpiresAt = %v", rolled["previousKeyExpiresAt"])
	}
	if l := e.do("GET", keys, e.admin, nil).list(); l[0]["previousKeyExpiresAt"] != rolled["previousKeyExpiresAt"] {
		t.Fatalf("listed previousKeyExpiresAt = %v", l[0]["previousKeyExpiresAt"])
	}
	current := rolled["key"].(string)
	c.Set(until.Add(-time.Millisecond))
	e.do("GET", "/api/v1/analytics/metadata", old, nil).ok()
	e.do("GET", "/api/v1/analytics/metadata", current, nil).ok()
	c.Set(until)
	e.do("GET", "/api/v1/analytics/metadata", old, nil).fails(401, "expired at "+until.Format(time.RFC3339))
	e.do("GET", "/api/v1/analytics/metadata", current, nil).ok()
	if l := e.do("GET", keys, e.admin, nil).list(); l[0]["previousKeyExpiresAt"] != nil {
		t.Fatalf("listed previousKeyExpiresAt after the grace = %v", l[0]["previousKeyExpiresAt"])
	}

	// A grace of 0 (or none) ends the previous value at once.
	for _, body := range []any{`{"gracePeriodSeconds":0}`, nil} {
		next := e.do("PUT", keys+"/"+id, e.admin, body).first()
		if next["previousKeyExpiresAt"] != nil {
			t.Fatalf("roll %v: previousKeyExpiresAt = %v", body, next["previousKeyExpiresAt"])
		}
		e.do("GET", "/api/v1/analytics/metadata", current, nil).fails(401, "Invalid or revoked")
		current = next["key"].(string)
		e.do("GET", "/api/v1/analytics/metadata", current, nil).ok()
	}

	// Deleting the key during a grace ends both values.
	rolled = e.do("PUT", keys+"/"+id, e.admin, map[string]any{"gracePeriodSeconds": 604800}).first()
	e.do("GET", "/api/v1/analytics/metadata", current, nil).ok()
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).ok()
	e.do("DELETE", keys+"/"+id, e.admin, nil).ok()
	e.do("GET", "/api/v1/analytics/metadata", current, nil).fails(401, "Invalid or revoked")
	e.do("GET", "/api/v1/analytics/metadata", rolled["key"].(string), nil).fails(401, "Invalid or revoked")
}
