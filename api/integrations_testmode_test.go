package api

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/lemonsqueezy"
)

// TestIntegrations_LemonSqueezyTestMode: Lemon Squeezy's keys do not show
// their mode, its API does (GET /v1/users/me, meta.test_mode): a key of a
// test-mode account is refused with 400 naming --allow-test-payments, not
// taken for a provider that cannot be reached.
func TestIntegrations_LemonSqueezyTestMode(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := map[string]string{"/v1/users/me": "user_test_mode.json", "/v1/stores/7": "store.json"}[r.URL.Path]
		if name == "" {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile("../integrations/lemonsqueezy/testdata/" + name)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.Write(b)
	}))
	defer api.Close()
	e := newIntegrationsEnv(t, func(cfg *testConfig) {
		cfg.Providers = map[string]integrations.Provider{
			integrations.LemonSqueezy: lemonsqueezy.New(lemonsqueezy.Options{BaseURL: api.URL, HTTPClient: api.Client()}),
		}
	})
	e.do("POST", e.integrationsURL()+"/lemonsqueezy", e.admin, map[string]any{
		"lemonsqueezyApiKey": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZiJ9.c2lnbmF0dXJl", "lemonsqueezyStoreId": "7",
	}).fails(400, "--allow-test-payments")
	if list := e.do("GET", e.integrationsURL(), e.admin, nil).first(); list["lemonsqueezy"].(map[string]any)["connected"] != false {
		t.Fatalf("a refused test-mode account is connected: %v", list)
	}
}
