package api

import (
	"context"
	"net/http"
	"testing"
)

// fuzzBody sends fuzzed bodies to one route through the real router and
// checks that no input yields a 5xx, that every answer is a DataFast
// envelope valid against openapi.yaml, and (through check) that a refused
// request changed nothing.
func fuzzBody(f *testing.F, method string, seeds []string, path func(e *testEnv) string, check func(t *testing.T, e *testEnv, status int)) {
	e := newTestEnv(f)
	for _, s := range append(seeds, "", "{}", "null", "[]", `{"a":`, "\x00", `{"name":"\u0000"}`) {
		f.Add([]byte(s))
	}
	p := path(e)
	f.Fuzz(func(t *testing.T, body []byte) {
		te := e.with(t)
		res := te.do(method, p, te.admin, body)
		if res.status >= 500 {
			t.Fatalf("status %d for %q: %s", res.status, body, res.body)
		}
		if res.status != http.StatusOK {
			res.fails(res.status)
		}
		if check != nil {
			check(t, te, res.status)
		}
	})
}

func FuzzCreateAPIKeyBody(f *testing.F) {
	var site string
	fuzzBody(f, "POST", []string{`{"name":"Production backend"}`, `{"name":null}`, `{"name":42}`, `{"name":"` + string(make([]byte, 200)) + `"}`,
		`{"expiresAt":"2030-01-01T00:00:00Z"}`, `{"expiresAt":null}`, `{"expiresAt":"2000-01-01T00:00:00+02:00"}`, `{"expiresAt":"9999-12-31T23:59:59.999999999Z"}`, `{"expiresAt":1}`,
		`{"allowedIps":["10.0.0.0/8","2001:db8::1"]}`, `{"allowedIps":[]}`, `{"allowedIps":null}`, `{"allowedIps":["::ffff:1.2.3.4/120"]}`, `{"allowedIps":["1.2.3.4/33"]}`},
		func(e *testEnv) string {
			e.setup()
			site = e.site
			return "/api/v1/admin/websites/" + site + "/apikeys"
		},
		func(t *testing.T, e *testEnv, status int) {
			keys, err := e.store.APIKeys(context.Background(), site)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusOK && len(keys) != 0 {
				t.Fatalf("a refused request left %d keys", len(keys))
			}
			for _, k := range keys { // keep the website under its key limit
				if err := e.store.DeleteAPIKey(context.Background(), site, k.ID, nil); err != nil {
					t.Fatal(err)
				}
			}
		})
}

func FuzzCreateAccessTokenBody(f *testing.F) {
	fuzzBody(f, "POST", []string{`{"name":"Agent","permissions":["analytics:read","websites:read"],"websiteIds":[]}`,
		`{"permissions":["*"]}`, `{"permissions":"*"}`, `{"websiteIds":["0123456789abcdef01234567"]}`, `{"permissions":[1,2]}`,
		`{"expiresAt":"2030-01-01T00:00:00.5-05:00"}`, `{"expiresAt":"2030-13-01T00:00:00Z"}`, `{"expiresAt":null,"name":"x"}`,
		`{"allowedIps":["127.0.0.1"]}`, `{"allowedIps":"127.0.0.1"}`, `{"allowedIps":["fe80::1%lo"]}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/access-tokens" },
		func(t *testing.T, e *testEnv, status int) {
			tokens, err := e.store.AccessTokens(context.Background(), e.adminID)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusOK && len(tokens) != 1 {
				t.Fatalf("a refused request left %d tokens", len(tokens))
			}
			for _, tok := range tokens { // keep only the admin's own token
				if tok.DisplayKey != e.adminDisplay {
					if err := e.store.DeleteAccessToken(context.Background(), e.adminID, tok.ID, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
}

func FuzzCreateWebsiteBody(f *testing.F) {
	fuzzBody(f, "POST", []string{`{"domain":"example.org","timezone":"Europe/Paris","name":"Example"}`,
		`{"domain":"https://x.com","timezone":"UTC"}`, `{"domain":"x.com","timezone":"Nowhere/City"}`, `{"domain":"x.com","timezone":5}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites" }, nil)
}

func FuzzUpdateWebsiteBody(f *testing.F) {
	fuzzBody(f, "PUT", []string{`{"name":null,"currency":"eur","kpiColorScheme":"teal","isCookieless":true}`,
		`{"excludedIps":["10.0.0.0/8","::1"],"excludedPaths":["/admin"],"excludedCountries":["fr"]}`,
		`{"allowedHostnames":["App.Example.com"],"isAllHostnamesAllowed":false}`, `{"timezone":"Asia/Kolkata","revenueMetric":"mrr"}`,
		`{"domain":"other.example.com"}`, `{"kpi":"signup"}`, `{"retentionDays":90}`, `{"retentionDays":null}`, `{"retentionDays":1e400}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites/" + e.site }, nil)
}

func FuzzUpdateAccountBody(f *testing.F) {
	fuzzBody(f, "PUT", []string{`{"name":"Ann"}`, `{"name":""}`, `{"name":null}`, `{"name":["a"]}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/account" }, nil)
}

func FuzzInviteMemberBody(f *testing.F) {
	fuzzBody(f, "POST", []string{`{"email":"bob@example.com","role":"member"}`, `{"email":"bob@example.com","role":"owner"}`,
		`{"email":"not an email"}`, `{"email":"owner@example.com"}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites/" + e.site + "/team" }, nil)
}

func FuzzRemoveMemberBody(f *testing.F) {
	fuzzBody(f, "DELETE", []string{`{"userId":"0123456789abcdef01234567"}`, `{"userId":""}`, `{"userId":7}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites/" + e.site + "/team" }, nil)
}

func FuzzCreateFunnelBody(f *testing.F) {
	fuzzBody(f, "POST", []string{`{"name":"Signup","steps":[{"name":"Landing","type":"pageview","url":"/"},{"name":"Signup","type":"goal","goalName":"signup"}]}`,
		`{"name":"x","steps":[{"name":"a","type":"pageview","url":"/blog/*"},{"name":"a","type":"pageview","url":"/a*b"}],"windowDays":91}`,
		`{"name":"x","steps":[]}`, `{"name":"x","steps":[{"type":"goal"}]}`, `{"steps":"all"}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites/" + e.site + "/funnels" }, nil)
}

func FuzzCreateAlertBody(f *testing.F) {
	fuzzBody(f, "POST", []string{`{"name":"Signups","trigger":{"type":"goal","goalName":"Signup"},"template":{"subject":"{{goal}}","message":"{{visitor}} signed up from {{country}}"}}`,
		`{"name":"x","trigger":{"goalName":"a"},"template":{"message":"{{ .Foo }} is not a placeholder"}}`,
		`{"name":"x","trigger":{"goalName":"a"},"template":{"message":"short"},"isEnabled":"yes"}`, `{"destination":{"type":"sms"}}`},
		func(e *testEnv) string { e.setup(); return "/api/v1/admin/websites/" + e.site + "/alerts" }, nil)
}

func FuzzCustomizeGoalBody(f *testing.F) {
	fuzzBody(f, "PATCH", []string{`{"goalName":"signup","displayName":"Sign-ups","color":"#EF4444","description":null}`,
		`{"goalName":"signup","color":"#123456"}`, `{"goalName":"Bad Name!"}`, `{"goalName":"signup","displayName":null}`},
		func(e *testEnv) string {
			e.setup()
			return "/api/v1/admin/websites/" + e.site + "/goals/customizations"
		}, nil)
}
