package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// usageOfKey reads GET .../apikeys/{id}/usage (query is "" or "?days=N").
func (e *testEnv) usageOf(t *testing.T, path, token string) (usage7d, total float64, days []map[string]any) {
	t.Helper()
	d, ok := e.do("GET", path, token, nil).ok().(map[string]any)
	if !ok {
		t.Fatalf("usage data is not an object")
	}
	for _, x := range d["days"].([]any) {
		days = append(days, x.(map[string]any))
	}
	return d["usage7d"].(float64), d["total"].(float64), days
}

// usage7dOf is the usage7d of the credential id in a list answer.
func usage7dOf(t *testing.T, list []map[string]any, id string) float64 {
	t.Helper()
	for _, x := range list {
		if x["_id"] == id {
			return x["usage7d"].(float64)
		}
	}
	t.Fatalf("%s is not in the list %v", id, list)
	return 0
}

func (e *testEnv) flushUsage(t *testing.T) {
	t.Helper()
	if err := e.srv.app.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// use makes n authenticated requests with a credential.
func (e *testEnv) use(t *testing.T, raw string, n int) {
	t.Helper()
	for range n {
		e.do("GET", "/api/v1/admin/account", raw, nil).ok()
	}
}

// TestCredentialUsage: every request authenticated with a key or a token
// is counted on its UTC day; the lists' usage7d and the usage routes show
// the counts before and after they are flushed to the store, over 90 days,
// and the counts of two processes sharing a store add up.
func TestCredentialUsage(t *testing.T) {
	e, c, _ := newClockedEnv(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c.Set(day.Add(23*time.Hour + 58*time.Minute)) // 2026-12-01 23:58 UTC
	keys := "/api/v1/admin/websites/" + e.site + "/apikeys"
	keyID, key := e.key(e.admin, e.site)
	usageURL := keys + "/" + keyID + "/usage"

	t.Run("CountsBeforeAndAfterFlush", func(t *testing.T) {
		e := e.with(t)
		if n := usage7dOf(t, e.do("GET", keys, e.admin, nil).list(), keyID); n != 0 {
			t.Fatalf("usage7d of an unused key = %v", n)
		}
		e.use(t, key, 5)
		if n := usage7dOf(t, e.do("GET", keys, e.admin, nil).list(), keyID); n != 5 {
			t.Fatalf("usage7d before the flush = %v, want 5", n)
		}
		e.flushUsage(t)
		stored, err := e.store.CredentialUsage(context.Background(), openfast.CredentialAPIKey, []string{keyID}, day)
		if err != nil || len(stored) != 1 || stored[0].Requests != 5 || !stored[0].Day.Equal(day) {
			t.Fatalf("stored usage = %+v, %v; want 5 on %s", stored, err, day.Format(time.DateOnly))
		}
		if n := usage7dOf(t, e.do("GET", keys, e.admin, nil).list(), keyID); n != 5 {
			t.Fatalf("usage7d after the flush = %v, want 5", n)
		}
		week, total, days := e.usageOf(t, usageURL, e.admin)
		if week != 5 || total != 5 || len(days) != openfast.UsageDays {
			t.Fatalf("usage = %v, %v, %d days; want 5, 5, 90 days", week, total, len(days))
		}
		if last := days[len(days)-1]; last["date"] != "2026-12-01" || last["requests"] != 5.0 {
			t.Fatalf("last day = %v, want 2026-12-01: 5", last)
		}
		if first := days[0]; first["date"] != day.AddDate(0, 0, -89).Format(time.DateOnly) || first["requests"] != 0.0 {
			t.Fatalf("first day = %v, want %s: 0", first, day.AddDate(0, 0, -89).Format(time.DateOnly))
		}
		// The same count through MCP's apikeys_list, which shares the shape.
		_, mcpKeys := mcpCall(t, e.mcpSession(e.admin), "apikeys_list", map[string]any{"websiteId": e.site})
		data, _ := mcpKeys["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["usage7d"] != 5.0 {
			t.Fatalf("MCP apikeys_list = %v, want usage7d 5", mcpKeys)
		}
	})

	t.Run("AcrossMidnight", func(t *testing.T) {
		e := e.with(t)
		e.use(t, key, 2)       // 23:58, the first day: 7 in all
		c.Add(3 * time.Minute) // 00:01 the next day
		e.use(t, key, 4)       // counted on 2026-12-02, not flushed yet
		_, _, days := e.usageOf(t, usageURL+"?days=2", e.admin)
		if len(days) != 2 || days[0]["date"] != "2026-12-01" || days[0]["requests"] != 7.0 || days[1]["date"] != "2026-12-02" || days[1]["requests"] != 4.0 {
			t.Fatalf("two days before the flush = %v", days)
		}
		e.flushUsage(t)
		week, total, days := e.usageOf(t, usageURL+"?days=2", e.admin)
		if week != 11 || total != 11 || days[0]["requests"] != 7.0 || days[1]["requests"] != 4.0 {
			t.Fatalf("two days after the flush = %v, %v, %v", week, total, days)
		}
	})

	t.Run("TwoProcessesAddUp", func(t *testing.T) {
		e := e.with(t)
		other, err := testConfig{Store: e.store, Now: c.Now, CacheTTL: time.Hour}.server()
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(other.handler)
		defer hs.Close()
		b := *e
		b.srv, b.http, b.client = other, hs, hs.Client()
		id2, key2 := e.key(e.admin, e.site)
		e.use(t, key2, 3)
		b.use(t, key2, 4)
		e.flushUsage(t)
		b.flushUsage(t)
		e.use(t, key2, 1) // not flushed: A shows it, B does not yet
		if n := usage7dOf(t, e.do("GET", keys, e.admin, nil).list(), id2); n != 8 {
			t.Fatalf("usage7d through A = %v, want 8", n)
		}
		if n := usage7dOf(t, b.do("GET", keys, e.admin, nil).list(), id2); n != 7 {
			t.Fatalf("usage7d through B = %v, want 7", n)
		}
	})

	t.Run("NinetyDays", func(t *testing.T) {
		e := e.with(t)
		today := openfast.UsageDay(c.Now()) // 2026-12-02
		if err := e.store.AddCredentialUsage(context.Background(), []openfast.CredentialUsage{
			{Kind: openfast.CredentialAPIKey, CredentialID: keyID, Day: today.AddDate(0, 0, -90), Requests: 1000}, // past keeping
			{Kind: openfast.CredentialAPIKey, CredentialID: keyID, Day: today.AddDate(0, 0, -89), Requests: 100},  // the oldest day kept
			{Kind: openfast.CredentialAPIKey, CredentialID: keyID, Day: today.AddDate(0, 0, -7), Requests: 10},    // just outside the week
			{Kind: openfast.CredentialAPIKey, CredentialID: keyID, Day: today.AddDate(0, 0, -6), Requests: 1},     // the week's first day
		}); err != nil {
			t.Fatal(err)
		}
		week, total, days := e.usageOf(t, usageURL, e.admin)
		if week != 12 || total != 122 || len(days) != 90 || days[0]["requests"] != 100.0 || days[0]["date"] != today.AddDate(0, 0, -89).Format(time.DateOnly) {
			t.Fatalf("90 days = %v, %v, first %v", week, total, days[0])
		}
		week, total, days = e.usageOf(t, usageURL+"?days=7", e.admin)
		if week != 12 || total != 12 || len(days) != 7 || days[0]["requests"] != 1.0 {
			t.Fatalf("7 days = %v, %v, %v", week, total, days)
		}
		_, total, _ = e.usageOf(t, usageURL+"?days=1", e.admin)
		if total != 4 {
			t.Fatalf("today = %v, want 4", total)
		}
		if n := usage7dOf(t, e.do("GET", keys, e.admin, nil).list(), keyID); n != 12 {
			t.Fatalf("usage7d = %v, want 12", n)
		}
		// The first flush of a day deletes the days past keeping.
		c.Add(24 * time.Hour)
		e.flushUsage(t)
		stored, err := e.store.CredentialUsage(context.Background(), openfast.CredentialAPIKey, []string{keyID}, today.AddDate(-1, 0, 0))
		if err != nil || len(stored) != 4 {
			t.Fatalf("stored after the day's first flush = %+v, %v; want the 4 days kept", stored, err)
		}
		for _, s := range stored {
			if s.Day.Before(today.AddDate(0, 0, -88)) {
				t.Fatalf("a day past keeping is stored: %+v", s)
			}
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		e := e.with(t)
		tok := e.token(e.adminID, nil, nil)
		e.use(t, tok, 3)
		list := e.do("GET", "/api/v1/admin/access-tokens", e.admin, nil).list()
		var tokID string
		for _, x := range list {
			if x["displayKey"] == auth.DisplayKey(tok) {
				tokID = x["_id"].(string)
			}
		}
		if n := usage7dOf(t, list, tokID); n != 3 {
			t.Fatalf("usage7d of the token = %v, want 3", n)
		}
		// A request that lists is counted too, before its answer.
		if n := usage7dOf(t, e.do("GET", "/api/v1/admin/access-tokens", tok, nil).list(), tokID); n != 4 {
			t.Fatalf("usage7d of the listing token = %v, want 4", n)
		}
		week, total, days := e.usageOf(t, "/api/v1/admin/access-tokens/"+tokID+"/usage?days=3", e.admin)
		if week != 4 || total != 4 || len(days) != 3 || days[2]["requests"] != 4.0 {
			t.Fatalf("token usage = %v, %v, %v", week, total, days)
		}
		e.flushUsage(t)
		if week, _, _ := e.usageOf(t, "/api/v1/admin/access-tokens/"+tokID+"/usage", tok); week != 5 {
			t.Fatalf("token usage after the flush, asked by itself = %v, want 5", week)
		}
		// Another user's token is not found; a token limited to some
		// websites and a website key may not read token usage.
		_, stranger := e.user("stranger@example.com", nil, nil)
		e.do("GET", "/api/v1/admin/access-tokens/"+tokID+"/usage", stranger, nil).fails(http.StatusNotFound)
		limited := e.token(e.adminID, nil, []string{e.site})
		e.do("GET", "/api/v1/admin/access-tokens/"+tokID+"/usage", limited, nil).fails(http.StatusForbidden)
		e.do("GET", "/api/v1/admin/access-tokens/"+tokID+"/usage", key, nil).fails(http.StatusForbidden)
		e.do("GET", "/api/v1/admin/access-tokens/not-an-id/usage", e.admin, nil).fails(http.StatusBadRequest)
	})

	t.Run("KeysOfOtherWebsites", func(t *testing.T) {
		e := e.with(t)
		other := e.website(e.admin)
		otherKeyID, _ := e.key(e.admin, other)
		e.do("GET", keys+"/"+otherKeyID+"/usage", e.admin, nil).fails(http.StatusNotFound, "API key not found")
		e.do("GET", keys+"/"+openfast.NewID()+"/usage", e.admin, nil).fails(http.StatusNotFound)
		// A key reads its own website's keys' usage, not another's.
		e.usageOf(t, usageURL, key)
		e.do("GET", "/api/v1/admin/websites/"+other+"/apikeys/"+otherKeyID+"/usage", key, nil).fails(http.StatusForbidden)
		// A viewer reads it; a user without the website does not.
		_, viewer := e.user("viewer@example.com", nil, nil)
		e.do("GET", usageURL, viewer, nil).fails(http.StatusForbidden)
		e.join(e.admin, e.site, "viewer@example.com", viewer, openfast.RoleViewer)
		e.usageOf(t, usageURL, viewer)
	})

	t.Run("BadDays", func(t *testing.T) {
		e := e.with(t)
		for _, q := range []string{"0", "91", "-1", "1.5", "abc", "%20", "99999999999999999999", "7d"} {
			e.do("GET", usageURL+"?days="+q, e.admin, nil).fails(http.StatusBadRequest, "days must be an integer from 1 to 90")
		}
		for _, n := range []int{1, 45, 90} {
			if _, _, days := e.usageOf(t, fmt.Sprintf("%s?days=%d", usageURL, n), e.admin); len(days) != n {
				t.Fatalf("days=%d listed %d days", n, len(days))
			}
		}
	})
}
