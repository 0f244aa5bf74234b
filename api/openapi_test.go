package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/sqlite"
)

// openAPITestServer returns a server over a fresh SQLite store.
func openAPITestServer(t *testing.T, cfg testConfig) (*Server, *sqlite.DB) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg.Store = store
	s, err := cfg.server()
	if err != nil {
		t.Fatal(err)
	}
	return s, store
}

// loadValidOpenAPI loads the embedded document and validates it.
func loadValidOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := LoadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml does not validate: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentValidates(t *testing.T) {
	doc := loadValidOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Error("the document is not read as OpenAPI 3.1")
	}
	if _, err := legacyrouter.NewRouter(doc); err != nil {
		t.Fatalf("legacy router: %v", err)
	}
	if doc.Components == nil || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Fatal("no bearerAuth security scheme")
	}
	if sc := doc.Components.SecuritySchemes["bearerAuth"].Value; sc.Type != "http" || sc.Scheme != "bearer" {
		t.Errorf("bearerAuth is %s/%s, want http/bearer", sc.Type, sc.Scheme)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("the default security requirement is %v, want bearerAuth", doc.Security)
	}
}

// openAPIPolicy is the x-openfast-policy extension of an operation.
type openAPIPolicy struct {
	Scope       string `json:"scope"`
	Permission  string `json:"permission"`
	MinRole     string `json:"minRole"`
	WebsiteKeys bool   `json:"websiteKeys"`
	OwnerOnly   bool   `json:"ownerOnly"`
	AllWebsites bool   `json:"allWebsites"`
}

func policyOfRoute(p auth.Policy) openAPIPolicy {
	scope := map[auth.Scope]string{
		auth.ScopeAccount: "account", auth.ScopeWebsitePath: "websitePath", auth.ScopeWebsiteQuery: "websiteQuery",
	}[p.Scope]
	return openAPIPolicy{
		Scope: scope, Permission: p.Permission, MinRole: string(p.MinRole),
		WebsiteKeys: p.AllowWebsiteKey && !p.OwnerOnly, OwnerOnly: p.OwnerOnly, AllWebsites: p.AllWebsites,
	}
}

func TestOpenAPIMatchesRouteTable(t *testing.T) {
	doc := loadValidOpenAPI(t)
	s, _ := openAPITestServer(t, testConfig{})

	inTable := map[string]bool{}
	for _, rt := range s.routes {
		inTable[rt.method+" "+rt.path] = true
		methods := []string{rt.method}
		if rt.method == http.MethodGet {
			methods = append(methods, http.MethodHead) // served by every GET route
		}
		for _, method := range methods {
			name := method + " " + rt.path
			item := doc.Paths.Value(rt.path)
			if item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s: served, not in openapi.yaml", name)
				continue
			}
			checkOperation(t, name, rt, item.GetOperation(method))
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if method == http.MethodPost && path == mcpPath {
				continue // served by the MCP server, apart from the route table: TestOpenAPIDescribesMCP
			}
			routeMethod := method
			if method == http.MethodHead {
				routeMethod = http.MethodGet
			}
			if !inTable[routeMethod+" "+path] {
				t.Errorf("%s %s: in openapi.yaml, not in the route table", method, path)
			}
		}
	}
}

// TestOpenAPIDescribesMCP: POST /api/mcp, mounted apart from the route
// table, is in the document with the API's bearer security, and its
// answers match it.
func TestOpenAPIDescribesMCP(t *testing.T) {
	doc := loadValidOpenAPI(t)
	item := doc.Paths.Value(mcpPath)
	if item == nil || item.Post == nil || len(item.Operations()) != 1 {
		t.Fatalf("openapi.yaml does not describe POST %s alone", mcpPath)
	}
	if op := item.Post; op.OperationID == "" || op.Security != nil || op.RequestBody == nil {
		t.Fatalf("POST %s: operationId %q, security %v, body %v", mcpPath, op.OperationID, op.Security, op.RequestBody)
	}
	s, store := openAPITestServer(t, testConfig{})
	c := newOpenAPIChecker(t, doc, s.Handler())
	tok := openAPIUser(t, store, "mcp@example.com")
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	c.want(http.StatusOK, http.MethodPost, mcpPath, tok, initialize)
	c.want(http.StatusOK, http.MethodPost, mcpPath, tok, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	c.want(http.StatusAccepted, http.MethodPost, mcpPath, tok, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	c.want(http.StatusBadRequest, http.MethodPost, mcpPath, tok, `{"jsonrpc":`)
	c.want(http.StatusUnauthorized, http.MethodPost, mcpPath, "", initialize)
	c.want(http.StatusRequestEntityTooLarge, http.MethodPost, mcpPath, tok, `{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"x":"`+strings.Repeat("a", 1<<20)+`"}}`)
}

// checkOperation checks an operation's security, policy and statuses
// against its route.
func checkOperation(t *testing.T, name string, rt route, op *openapi3.Operation) {
	t.Helper()
	if op.OperationID == "" {
		t.Errorf("%s: no operationId", name)
	}
	statuses := map[int]bool{}
	for code := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil {
			t.Errorf("%s: response %q: use specific status codes", name, code)
			continue
		}
		statuses[n] = true
	}
	// Any path may answer 404: the server matches paths exactly, while
	// OpenAPI routers ignore a trailing slash.
	want := []int{http.StatusNotFound, http.StatusInternalServerError}
	raw, hasPolicy := op.Extensions["x-openfast-policy"]
	if rt.public {
		if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s: a public route needs security: []", name)
		}
		if hasPolicy {
			t.Errorf("%s: a public route has no x-openfast-policy", name)
		}
		for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests} {
			if statuses[code] {
				t.Errorf("%s: a public route cannot answer %d", name, code)
			}
		}
	} else {
		if op.Security != nil {
			t.Errorf("%s: an authenticated route uses the default bearer security", name)
		}
		want = append(want, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
		if rt.action.Policy.Scope != auth.ScopeAccount {
			want = append(want, http.StatusBadRequest, http.StatusNotFound)
		}
		var got openAPIPolicy
		if b, err := json.Marshal(raw); !hasPolicy || err != nil || json.Unmarshal(b, &got) != nil {
			t.Errorf("%s: no readable x-openfast-policy", name)
		} else if w := policyOfRoute(rt.action.Policy); got != w {
			t.Errorf("%s: x-openfast-policy = %+v, route table says %+v", name, got, w)
		}
		if rt.action.Policy.Permission != "" && !strings.Contains(op.Description, "`"+rt.action.Policy.Permission+"`") {
			t.Errorf("%s: the description does not name the permission %s", name, rt.action.Policy.Permission)
		}
	}
	if strings.Contains(name, "{") && !strings.Contains(name, "{websiteId}") {
		want = append(want, http.StatusBadRequest) // a malformed id of the path
	}
	if op.RequestBody != nil {
		want = append(want, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	for _, code := range want {
		if !statuses[code] {
			t.Errorf("%s: status %d is not declared", name, code)
		}
	}
}

func TestOpenAPIServedAsJSON(t *testing.T) {
	s, _ := openAPITestServer(t, testConfig{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if got.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", got.OpenAPI)
	}
	if !slices.ContainsFunc(s.routes, func(rt route) bool { return got.Paths[rt.path] != nil }) {
		t.Error("the served document has none of the routes")
	}
}

// openAPIChecker sends requests to a server's handler and validates every
// response against the document.
type openAPIChecker struct {
	t      *testing.T
	h      http.Handler
	router routers.Router
	seen   map[string]bool // "METHOD /path STATUS" of the routes exercised
}

func newOpenAPIChecker(t *testing.T, doc *openapi3.T, h http.Handler) *openAPIChecker {
	t.Helper()
	router, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &openAPIChecker{t: t, h: h, router: router, seen: map[string]bool{}}
}

// do sends a request, validates the response and returns its status and
// decoded JSON object (nil for other bodies).
func (c *openAPIChecker) do(method, target, token, body string) (int, map[string]any) {
	c.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if target == mcpPath {
		req.Header.Set("Accept", "application/json, text/event-stream") // the transport requires both
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s: no operation in openapi.yaml: %v", method, target, err)
	}
	c.seen[route.Method+" "+route.Path+" "+strconv.Itoa(res.StatusCode)] = true
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("%s %s: response %d does not match openapi.yaml: %v\n%s", method, target, res.StatusCode, err, rec.Body)
	}
	var out map[string]any
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %v", method, target, err)
		}
	}
	return res.StatusCode, out
}

// want sends a request and fails unless it answers status. It returns
// data[0] of a success envelope.
func (c *openAPIChecker) want(status int, method, target, token, body string) map[string]any {
	c.t.Helper()
	got, out := c.do(method, target, token, body)
	if got != status {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, target, got, status, out)
	}
	if data, ok := out["data"].([]any); ok && len(data) > 0 {
		first, _ := data[0].(map[string]any)
		return first
	}
	return nil
}

// openAPIUser creates a user and a full-access token in the store.
func openAPIUser(t *testing.T, store *sqlite.DB, email string) string {
	t.Helper()
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := a.Bootstrap(context.Background(), email, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestOpenAPIDescribesResponses exercises every operation, on its success
// path and on typical failures, and validates each response.
func TestOpenAPIDescribesResponses(t *testing.T) {
	doc := loadValidOpenAPI(t)
	s, store := openAPITestServer(t, testConfig{})
	c := newOpenAPIChecker(t, doc, s.Handler())
	const admin = "/api/v1/admin"
	const badID = "not-an-id"
	unknownID := openfast.NewID()

	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/js/script.js", "/js/script.cookieless.js"} {
		c.want(http.StatusOK, http.MethodGet, p, "", "")
	}

	// Without an ingest path configured, events answer 503.
	c.want(http.StatusServiceUnavailable, http.MethodPost, "/api/events", "", `{"websiteId":"dfid_x","href":"https://example.com/","type":"pageview"}`)
	c.want(http.StatusNoContent, http.MethodOptions, "/api/events", "", "")

	owner := openAPIUser(t, store, "owner@example.com")
	guest := openAPIUser(t, store, "guest@example.com")

	c.want(http.StatusNotFound, http.MethodGet, "/healthz/", "", "")
	c.want(http.StatusNotFound, http.MethodGet, admin+"/websites/", owner, "")
	c.want(http.StatusOK, http.MethodHead, admin+"/account", owner, "")

	c.want(http.StatusUnauthorized, http.MethodGet, admin+"/account", "", "")
	c.want(http.StatusUnauthorized, http.MethodGet, admin+"/account", "dft_nope", "")
	c.want(http.StatusOK, http.MethodGet, admin+"/account", owner, "")
	c.want(http.StatusOK, http.MethodPut, admin+"/account", owner, `{"name":"Ada"}`)
	c.want(http.StatusBadRequest, http.MethodPut, admin+"/account", owner, `{}`)
	c.want(http.StatusRequestEntityTooLarge, http.MethodPut, admin+"/account", owner, `{"name":"`+strings.Repeat("a", maxBodyBytes)+`"}`)

	c.want(http.StatusOK, http.MethodGet, admin+"/access-tokens", owner, "")
	tok := c.want(http.StatusOK, http.MethodPost, admin+"/access-tokens", owner, "")
	c.want(http.StatusOK, http.MethodPost, admin+"/access-tokens", owner, `{"name":"ci","permissions":["analytics:read"]}`)
	c.want(http.StatusBadRequest, http.MethodPost, admin+"/access-tokens", owner, `{"permissions":["nope"]}`)
	c.want(http.StatusOK, http.MethodGet, admin+"/access-tokens/"+tok["_id"].(string)+"/usage", owner, "")
	c.want(http.StatusOK, http.MethodHead, admin+"/access-tokens/"+tok["_id"].(string)+"/usage?days=7", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, admin+"/access-tokens/"+tok["_id"].(string)+"/usage?days=91", owner, "")
	c.want(http.StatusNotFound, http.MethodGet, admin+"/access-tokens/"+unknownID+"/usage", owner, "")
	c.want(http.StatusOK, http.MethodDelete, admin+"/access-tokens/"+tok["_id"].(string), owner, "")
	c.want(http.StatusBadRequest, http.MethodDelete, admin+"/access-tokens/"+badID, owner, "")
	c.want(http.StatusNotFound, http.MethodDelete, admin+"/access-tokens/"+unknownID, owner, "")

	site := c.want(http.StatusOK, http.MethodPost, admin+"/websites", owner, `{"domain":"example.com","timezone":"Europe/Paris"}`)["websiteId"].(string)
	c.want(http.StatusConflict, http.MethodPost, admin+"/websites", owner, `{"domain":"example.com","timezone":"UTC"}`)
	siteURL := admin + "/websites/" + site
	c.want(http.StatusOK, http.MethodGet, admin+"/websites", owner, "")
	c.want(http.StatusOK, http.MethodGet, siteURL, owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, admin+"/websites/"+badID, owner, "")
	c.want(http.StatusForbidden, http.MethodGet, admin+"/websites/"+unknownID, owner, "")
	c.want(http.StatusForbidden, http.MethodGet, siteURL, guest, "")
	goalsURL := siteURL + "/goals/customizations"
	c.want(http.StatusBadRequest, http.MethodPut, siteURL, owner, `{"kpi":"signup"}`)
	c.want(http.StatusOK, http.MethodPatch, goalsURL, owner, `{"goalName":"signup","displayName":"Sign-up","color":"#EF4444"}`)
	c.want(http.StatusOK, http.MethodPatch, goalsURL, owner, `{"goalName":"signup","description":null}`)
	c.want(http.StatusBadRequest, http.MethodPatch, goalsURL, owner, `{"goalName":"signup","color":"#123456"}`)
	c.want(http.StatusRequestEntityTooLarge, http.MethodPatch, goalsURL, owner, `{"goalName":"signup","description":"`+strings.Repeat("a", 5000)+`"}`)
	c.want(http.StatusForbidden, http.MethodPatch, goalsURL, guest, `{"goalName":"signup","color":null}`)
	c.want(http.StatusOK, http.MethodGet, goalsURL, owner, "")
	c.want(http.StatusOK, http.MethodGet, goalsURL+"?goalName=signup", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, goalsURL+"?goalName=Not%20ok!", owner, "")
	c.want(http.StatusOK, http.MethodPut, siteURL, owner, `{"name":"Example","currency":"eur","kpi":"signup",
		"kpiColorScheme":"teal","revenueMetric":"revenue","isCookieless":true,"excludedCountries":["fr"],"excludedIps":["10.0.0.0/8"]}`)
	c.want(http.StatusForbidden, http.MethodDelete, siteURL, owner, "")

	key := c.want(http.StatusOK, http.MethodPost, siteURL+"/apikeys", owner, "")
	c.want(http.StatusOK, http.MethodPost, siteURL+"/apikeys", owner, `{"name":"server"}`)
	c.want(http.StatusOK, http.MethodGet, siteURL+"/apikeys", owner, "")
	keyURL := siteURL + "/apikeys/" + key["_id"].(string)
	dfKey := c.want(http.StatusOK, http.MethodPut, keyURL, owner, "")["key"].(string)
	c.want(http.StatusOK, http.MethodGet, keyURL+"/usage?days=30", owner, "")
	c.want(http.StatusOK, http.MethodHead, keyURL+"/usage", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, keyURL+"/usage?days=0", owner, "")
	c.want(http.StatusNotFound, http.MethodGet, siteURL+"/apikeys/"+unknownID+"/usage", owner, "")
	c.want(http.StatusForbidden, http.MethodGet, keyURL+"/usage", guest, "")
	c.want(http.StatusBadRequest, http.MethodPut, siteURL+"/apikeys/"+badID, owner, "")
	c.want(http.StatusNotFound, http.MethodDelete, siteURL+"/apikeys/"+unknownID, owner, "")
	c.want(http.StatusOK, http.MethodGet, admin+"/account", dfKey, "")
	c.want(http.StatusForbidden, http.MethodGet, admin+"/websites", dfKey, "")
	c.want(http.StatusOK, http.MethodGet, "/api/v1/analytics/metadata", dfKey, "")
	c.want(http.StatusOK, http.MethodGet, "/api/v1/analytics/metadata?websiteId="+site+"&fields=logo,kpi", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, "/api/v1/analytics/metadata", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, "/api/v1/analytics/metadata?websiteId="+site+"&fields=nope", owner, "")
	// The analytics reads without an analytics store (their 200s are
	// validated by the tests in analytics_test.go).
	for _, p := range []string{"overview", "timeseries", "realtime", "pages", "referrers", "countries", "regions", "cities", "browsers", "operating-systems", "devices", "campaigns", "goals", "hostnames"} {
		c.want(http.StatusServiceUnavailable, http.MethodGet, "/api/v1/analytics/"+p+"?websiteId="+site, owner, "")
	}
	for _, p := range []string{"/api/v1/analytics/realtime/map", "/api/v1/visitors", "/api/v1/visitors/a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"} {
		c.want(http.StatusServiceUnavailable, http.MethodGet, p+"?websiteId="+site, owner, "")
	}
	c.want(http.StatusServiceUnavailable, http.MethodGet, "/api/v1/export?format=csv&websiteId="+site, owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, "/api/v1/export?format=xml&websiteId="+site, owner, "")
	alert := c.want(http.StatusOK, http.MethodPost, siteURL+"/alerts", owner, `{"name":"Signups","trigger":{"goalName":"Signup"},"template":{"message":"{{visitor}} signed up from {{country}}"}}`)
	c.want(http.StatusBadRequest, http.MethodPost, siteURL+"/alerts", owner, `{"name":"x","trigger":{"goalName":"signup"},"template":{"message":"short"}}`)
	c.want(http.StatusOK, http.MethodGet, siteURL+"/alerts", owner, "")
	c.want(http.StatusOK, http.MethodPut, siteURL+"/alerts/"+alert["_id"].(string), owner, `{"isEnabled":false,"template":{"subject":"New {{goal}}"}}`)
	c.want(http.StatusNotFound, http.MethodPut, siteURL+"/alerts/"+unknownID, owner, `{"isEnabled":false}`)
	c.want(http.StatusOK, http.MethodGet, siteURL+"/alerts/history?limit=10", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, siteURL+"/alerts/history?alertId=nope", owner, "")
	c.want(http.StatusOK, http.MethodDelete, siteURL+"/alerts/"+alert["_id"].(string), owner, "")
	c.want(http.StatusNotFound, http.MethodDelete, siteURL+"/alerts/"+alert["_id"].(string), owner, "")
	c.want(http.StatusOK, http.MethodDelete, keyURL, owner, "")

	// Without payment providers configured, connecting one is refused
	// (the successes are validated by integrations_test.go).
	c.want(http.StatusOK, http.MethodGet, siteURL+"/integrations", owner, "")
	for _, p := range []string{"stripe", "lemonsqueezy", "polar", "paddle"} {
		c.want(http.StatusBadRequest, http.MethodPost, siteURL+"/integrations/"+p, owner, `{}`)
		c.want(http.StatusNotFound, http.MethodDelete, siteURL+"/integrations/"+p, owner, "")
	}
	c.want(http.StatusNotFound, http.MethodPost, "/api/webhooks/stripe/"+site, "", `{}`)

	funnelBody := `{"name":"Signup funnel","windowDays":3,"steps":[{"name":"Landing","type":"pageview","url":"/"},{"name":"Signup","type":"goal","goalName":"signup"}]}`
	funnel := c.want(http.StatusOK, http.MethodPost, siteURL+"/funnels", owner, funnelBody)
	c.want(http.StatusConflict, http.MethodPost, siteURL+"/funnels", owner, funnelBody)
	c.want(http.StatusBadRequest, http.MethodPost, siteURL+"/funnels", owner, `{"name":"x","steps":[]}`)
	c.want(http.StatusOK, http.MethodGet, siteURL+"/funnels", owner, "")
	funnelURL := siteURL + "/funnels/" + funnel["_id"].(string)
	c.want(http.StatusOK, http.MethodPut, funnelURL, owner, `{"name":"Renamed"}`)
	c.want(http.StatusBadRequest, http.MethodPut, siteURL+"/funnels/"+badID, owner, `{"name":"x"}`)
	c.want(http.StatusNotFound, http.MethodPut, siteURL+"/funnels/"+unknownID, owner, `{"name":"x"}`)
	c.want(http.StatusServiceUnavailable, http.MethodGet, "/api/v1/analytics/funnels/"+funnel["_id"].(string)+"?websiteId="+site, owner, "")
	c.want(http.StatusOK, http.MethodDelete, funnelURL, owner, "")
	c.want(http.StatusNotFound, http.MethodDelete, funnelURL, owner, "")

	inv := c.want(http.StatusOK, http.MethodPost, siteURL+"/team", owner, `{"email":"guest@example.com","role":"member"}`)
	c.want(http.StatusConflict, http.MethodPost, siteURL+"/team", owner, `{"email":"guest@example.com"}`)
	c.want(http.StatusOK, http.MethodGet, admin+"/invitations", guest, "")
	c.want(http.StatusNotFound, http.MethodPost, admin+"/invitations/"+inv["invitationId"].(string)+"/accept", owner, "")
	member := c.want(http.StatusOK, http.MethodPost, admin+"/invitations/"+inv["invitationId"].(string)+"/accept", guest, "")
	c.want(http.StatusBadRequest, http.MethodPost, admin+"/invitations/"+badID+"/accept", guest, "")
	team := c.want(http.StatusOK, http.MethodGet, siteURL+"/team", guest, "")
	c.want(http.StatusForbidden, http.MethodPost, siteURL+"/team", guest, `{"email":"x@example.com"}`)
	c.want(http.StatusOK, http.MethodGet, siteURL+"/audit-log?limit=2&offset=1", owner, "")
	c.want(http.StatusBadRequest, http.MethodGet, siteURL+"/audit-log?limit=0", owner, "")
	c.want(http.StatusOK, http.MethodGet, admin+"/audit-log", owner, "")
	// Without an event store configured, the server-side writes answer 503.
	for _, op := range [][2]string{{http.MethodPost, "/api/v1/goals"}, {http.MethodDelete, "/api/v1/goals"}, {http.MethodPost, "/api/v1/payments"}, {http.MethodDelete, "/api/v1/payments"}, {http.MethodPost, "/api/v1/identify"}} {
		c.want(http.StatusServiceUnavailable, op[0], op[1]+"?websiteId="+site, owner, `{}`)
	}
	if member["websiteId"] != site || team == nil {
		t.Fatalf("accept answered %v", member)
	}
	var guestID string
	_, body := c.do(http.MethodGet, siteURL+"/team", owner, "")
	for _, m := range body["data"].([]any) {
		if m := m.(map[string]any); m["email"] == "guest@example.com" {
			guestID = m["userId"].(string)
		}
	}
	c.want(http.StatusOK, http.MethodDelete, siteURL+"/team", owner, `{"userId":"`+guestID+`"}`)
	c.want(http.StatusNotFound, http.MethodDelete, siteURL+"/team", owner, `{"userId":"`+guestID+`"}`)

	// Every operation was exercised on a status it declares.
	var missing []string
	for _, rt := range s.routes {
		found := false
		for k := range c.seen {
			if strings.HasPrefix(k, rt.method+" "+rt.path+" ") {
				found = true
			}
		}
		if !found {
			missing = append(missing, rt.method+" "+rt.path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations not exercised: %v", missing)
	}
}

func TestOpenAPIDescribesRateLimitAndUnavailable(t *testing.T) {
	doc := loadValidOpenAPI(t)
	s, store := openAPITestServer(t, testConfig{RateLimit: 1, RateBurst: 1})
	c := newOpenAPIChecker(t, doc, s.Handler())
	tok := openAPIUser(t, store, "limited@example.com")
	c.want(http.StatusOK, http.MethodGet, "/api/v1/admin/account", tok, "")
	c.want(http.StatusTooManyRequests, http.MethodGet, "/api/v1/admin/account", tok, "")
	store.Close()
	c.want(http.StatusServiceUnavailable, http.MethodGet, "/readyz", "", "")
}
