package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/client"
	"github.com/openfast/openfast/sqlite"
)

func TestClient_ParseBaseURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://datafa.st/api/v1", "https://datafa.st"},
		{"https://datafa.st/api/v1/", "https://datafa.st"},
		{"https://example.com/analytics/", "https://example.com/analytics"},
	} {
		u, err := client.ParseBaseURL(tc.in)
		if err != nil {
			t.Errorf("ParseBaseURL(%q): %v", tc.in, err)
			continue
		}
		if u.String() != tc.want {
			t.Errorf("ParseBaseURL(%q) = %q, want %q", tc.in, u, tc.want)
		}
	}
	for _, bad := range []string{"", "ftp://example.com", "http://", "http://example.com/?a=b"} {
		if _, err := client.ParseBaseURL(bad); err == nil {
			t.Errorf("ParseBaseURL(%q) succeeded, want an error", bad)
		}
	}
}

func TestClient_Credentials(t *testing.T) {
	if !client.IsWebsiteKey("df_abc") || client.IsWebsiteKey("dft_abc") {
		t.Error("IsWebsiteKey does not tell df_ from dft_")
	}
	if !client.IsAccountToken("dft_abc") || client.IsAccountToken("df_abc") {
		t.Error("IsAccountToken does not tell dft_ from df_")
	}
	if got := client.DisplayKey("dft_abcdefghijklmnopqrstuvwxyz0123456789"); got != "dft_abc...6789" {
		t.Errorf("DisplayKey = %q", got)
	}
}

// fake answers every request with status and body, and records the last
// request.
type fake struct {
	status int
	body   string
	header http.Header
	last   *http.Request
	sent   string
}

func (f *fake) start(t *testing.T) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.last = r
		b, _ := io.ReadAll(r.Body)
		f.sent = string(b)
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/api/v1", "dft_token", client.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient_Envelopes(t *testing.T) {
	ctx := context.Background()
	t.Run("ErrorEnvelope", func(t *testing.T) {
		f := &fake{status: 403, body: `{"status":"error","error":{"code":403,"message":"This token lacks the api-keys:read permission."}}`}
		c := f.start(t)
		_, _, err := c.AccessTokens(ctx)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("error %v is not an *APIError", err)
		}
		if apiErr.StatusCode != 403 || apiErr.Message != "This token lacks the api-keys:read permission." {
			t.Errorf("APIError = %+v", apiErr)
		}
		if !client.IsStatus(err, http.StatusForbidden) {
			t.Error("IsStatus(err, 403) = false")
		}
		if got := f.last.Header.Get("Authorization"); got != "Bearer dft_token" {
			t.Errorf("Authorization = %q", got)
		}
		if f.last.URL.Path != "/api/v1/admin/access-tokens" {
			t.Errorf("path = %q (a base URL ending in /api/v1 must not double it)", f.last.URL.Path)
		}
	})
	t.Run("NotAnEnvelope", func(t *testing.T) {
		f := &fake{status: 502, body: `<html>Bad Gateway</html>`}
		_, _, err := f.start(t).Account(ctx)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || apiErr.Message != "Bad Gateway" {
			t.Fatalf("error = %v (%+v)", err, apiErr)
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		f := &fake{status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"status":"error","error":{"code":429,"message":"Rate limit exceeded."}}`}
		_, _, err := f.start(t).Websites(ctx)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != 7*time.Second {
			t.Fatalf("error = %v (%+v), want RetryAfter 7s", err, apiErr)
		}
	})
	t.Run("PaymentWithoutEnvelope", func(t *testing.T) {
		f := &fake{status: 200, body: `{"message":"Payment recorded and attributed successfully","transaction_id":"pi_1"}`}
		p, resp, err := f.start(t).CreatePayment(ctx, "665f0b3c4d2e1a0012345678", client.PaymentParams{Amount: 29.99, Currency: "USD", TransactionID: "pi_1"})
		if err != nil {
			t.Fatal(err)
		}
		if p.TransactionID != "pi_1" || string(resp.Data) != f.body {
			t.Errorf("payment = %+v, data %s", p, resp.Data)
		}
		if got := f.last.URL.Query().Get("websiteId"); got != "665f0b3c4d2e1a0012345678" {
			t.Errorf("websiteId = %q", got)
		}
		if !strings.Contains(f.sent, `"amount":29.99`) || !strings.Contains(f.sent, `"transaction_id":"pi_1"`) {
			t.Errorf("body sent = %s", f.sent)
		}
	})
	t.Run("BreakdownQuery", func(t *testing.T) {
		f := &fake{status: 200, body: `{"status":"success","data":[{"path":"/","visitors":3}],"pagination":{"limit":10,"offset":0,"total":1}}`}
		rows, resp, err := f.start(t).Breakdown(ctx, "", "pages", client.Query{
			StartAt: "2026-05-01", EndAt: "2026-05-31", Limit: 10, Fields: []string{"path", "visitors"},
			Filters: []client.Filter{{Dimension: "country", Op: client.OpIsNot, Values: []string{"FR", "DE"}}, {Dimension: "device", Values: []string{"mobile"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := url.Values{
			"startAt": {"2026-05-01"}, "endAt": {"2026-05-31"}, "limit": {"10"}, "fields": {"path,visitors"},
			"filter_country": {"is_not:FR,DE"}, "filter_device": {"mobile"},
		}
		if got := f.last.URL.Query(); got.Encode() != want.Encode() {
			t.Errorf("query = %s, want %s (no websiteId for a df_ key)", got.Encode(), want.Encode())
		}
		if len(rows) != 1 || rows[0]["path"] != "/" || resp.Pagination == nil || *resp.Pagination.Total != 1 {
			t.Errorf("rows = %v, pagination %+v", rows, resp.Pagination)
		}
	})
	t.Run("ErrorEnvelopeWith200", func(t *testing.T) {
		f := &fake{status: 200, body: `{"status":"error","error":{"code":400,"message":"Bad."}}`}
		if _, _, err := f.start(t).Account(ctx); err == nil {
			t.Fatal("an error envelope was taken for a success")
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		c, err := client.New("http://127.0.0.1:1", "dft_x", client.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Account(ctx)
		var apiErr *client.APIError
		if err == nil || errors.As(err, &apiErr) {
			t.Fatalf("error = %v, want a network error that is not an *APIError", err)
		}
	})
}

// TestClient_AgainstServer runs the client against the real API router over
// a fresh SQLite store.
func TestClient_AgainstServer(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "openfast.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{App: a})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	token, _, err := a.Bootstrap(ctx, "owner@example.com", "Owner", "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(hs.URL, token)
	if err != nil {
		t.Fatal(err)
	}

	acct, _, err := c.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Email != "owner@example.com" || acct.Credential.Type == "" {
		t.Errorf("account = %+v", acct)
	}
	name := "Shop"
	site, _, err := c.CreateWebsite(ctx, client.CreateWebsiteParams{Domain: "shop.example.com", Timezone: "Europe/Paris", Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if site.WebsiteID == "" || !strings.HasPrefix(site.TrackingID, "dfid_") {
		t.Errorf("created website = %+v", site)
	}
	w, _, err := c.UpdateWebsite(ctx, site.WebsiteID, map[string]any{"currency": "EUR", "excludedPaths": []string{"/admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Currency != "EUR" || len(w.ExcludedPaths) != 1 || w.Name == nil || *w.Name != "Shop" {
		t.Errorf("updated website = %+v", w)
	}

	key, resp, err := c.CreateAPIKey(ctx, site.WebsiteID, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !client.IsWebsiteKey(key.Key) || !strings.Contains(string(resp.Data), key.Key) {
		t.Fatalf("created key = %+v", key)
	}
	kc, err := client.New(hs.URL, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyAcct, _, err := kc.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if keyAcct.WebsiteID != site.WebsiteID {
		t.Errorf("a df_ key's account names website %q, want %q", keyAcct.WebsiteID, site.WebsiteID)
	}
	if _, _, err := kc.AccessTokens(ctx); !client.IsStatus(err, http.StatusForbidden) {
		t.Errorf("access tokens with a df_ key: %v, want a 403", err)
	}

	rolled, _, err := c.RollAPIKey(ctx, site.WebsiteID, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rolled.ID != key.ID || rolled.Key == key.Key {
		t.Errorf("rolled key = %+v", rolled)
	}
	if _, _, err := kc.Account(ctx); !client.IsStatus(err, http.StatusUnauthorized) {
		t.Errorf("the old key after a roll: %v, want a 401", err)
	}
	keys, _, err := c.APIKeys(ctx, site.WebsiteID)
	if err != nil || len(keys) != 1 || keys[0].Key != "" {
		t.Errorf("keys = %+v (%v), want one masked key", keys, err)
	}
	if d, _, err := c.DeleteAPIKey(ctx, site.WebsiteID, key.ID); err != nil || !d.Deleted {
		t.Errorf("delete key = %+v, %v", d, err)
	}

	tk, _, err := c.CreateAccessToken(ctx, client.CreateAccessTokenParams{Permissions: []string{"analytics:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if !client.IsAccountToken(tk.Key) || len(tk.Permissions) != 1 {
		t.Errorf("token = %+v", tk)
	}
	if _, _, err := c.DeleteAccessToken(ctx, tk.ID); err != nil {
		t.Error(err)
	}
	if _, _, err := c.AuditLog(ctx, site.WebsiteID, client.Page{Limit: 5}); err != nil {
		t.Error(err)
	}
	if _, _, err := c.Overview(ctx, site.WebsiteID, client.Query{}); !client.IsStatus(err, http.StatusServiceUnavailable) {
		t.Errorf("overview without an analytics store: %v, want a 503", err)
	}
}
