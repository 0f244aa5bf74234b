package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/sqlite"
)

// testEnv is a real server over a real SQLite file, reached over real HTTP.
// Every response it receives is validated against api/openapi.yaml.
type testEnv struct {
	t      testing.TB
	store  *sqlite.DB
	srv    *Server
	http   *httptest.Server
	client *http.Client
	// validate is false for tests that swap handlers for probes.
	validate bool

	// Set by setup: an owner with a full token and one website.
	adminID, admin, adminDisplay, site string
}

// setup creates an owner with a full token and a website.
func (e *testEnv) setup() {
	e.t.Helper()
	e.adminID, e.admin = e.user("owner@example.com", nil, nil)
	e.adminDisplay = auth.DisplayKey(e.admin)
	e.site = e.website(e.admin)
}

var (
	openAPIRouterOnce sync.Once
	openAPIRouter     routers.Router
	openAPIRouterErr  error
)

func specRouter(t testing.TB) routers.Router {
	openAPIRouterOnce.Do(func() {
		doc, err := LoadOpenAPI()
		if err != nil {
			openAPIRouterErr = err
			return
		}
		openAPIRouter, openAPIRouterErr = legacyrouter.NewRouter(doc)
	})
	if openAPIRouterErr != nil {
		t.Fatalf("openapi router: %v", openAPIRouterErr)
	}
	return openAPIRouter
}

func newTestEnv(t testing.TB, opts ...func(*testConfig)) *testEnv {
	t.Helper()
	cfg := testConfig{RateLimit: 0}
	for _, o := range opts {
		o(&cfg)
	}
	store, _ := cfg.Store.(*sqlite.DB)
	if store == nil {
		var err error
		if store, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "openfast.db")); err != nil {
			t.Fatal(err)
		}
		cfg.Store = store
	}
	srv, err := cfg.server()
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, store: store, srv: srv, validate: true}
	e.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.srv.handler.ServeHTTP(w, r)
	}))
	e.client = e.http.Client()
	t.Cleanup(func() {
		e.http.Close()
		store.Close()
	})
	return e
}

// with returns a copy of e that reports to t (for fuzz iterations).
func (e *testEnv) with(t testing.TB) *testEnv {
	c := *e
	c.t = t
	return &c
}

// response is a received HTTP response with its decoded JSON body.
type response struct {
	t      testing.TB
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends a request. body may be nil, a string (sent as is) or any value
// (sent as JSON).
func (e *testEnv) do(method, path, token string, body any) *response {
	e.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req, raw)
}

// send sends a request whose body is raw, and validates the response.
func (e *testEnv) send(req *http.Request, raw []byte) *response {
	e.t.Helper()
	method, path := req.Method, req.URL.Path
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out := &response{t: e.t, status: res.StatusCode, header: res.Header}
	if out.body, err = io.ReadAll(res.Body); err != nil {
		e.t.Fatal(err)
	}
	if method != http.MethodHead && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(out.body, &out.json); err != nil {
			e.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, out.body)
		}
	}
	if e.validate {
		e.validateResponse(req, raw, out)
	}
	return out
}

// validateResponse checks a response against the OpenAPI document. Only
// requests to paths the API does not serve are let through.
func (e *testEnv) validateResponse(req *http.Request, body []byte, res *response) {
	e.t.Helper()
	req = req.Clone(context.Background())
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := specRouter(e.t).FindRoute(req)
	if err != nil {
		if res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed {
			return // a path or method the API does not serve
		}
		e.t.Fatalf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Fatalf("%s %s: response %d does not match openapi.yaml: %v\n%s", req.Method, req.URL.Path, res.status, err, res.body)
	}
}

// ok asserts a 200 success envelope and returns its data.
func (r *response) ok() any {
	r.t.Helper()
	if r.status != http.StatusOK || r.json["status"] != "success" {
		r.t.Fatalf("status %d, want 200 success: %s", r.status, r.body)
	}
	return r.json["data"]
}

// first returns data[0] of a success envelope.
func (r *response) first() map[string]any {
	r.t.Helper()
	data, ok := r.ok().([]any)
	if !ok || len(data) == 0 {
		r.t.Fatalf("data is not a non-empty array: %s", r.body)
	}
	return data[0].(map[string]any)
}

// list returns data of a success envelope as an array of objects.
func (r *response) list() []map[string]any {
	r.t.Helper()
	data, ok := r.ok().([]any)
	if !ok {
		r.t.Fatalf("data is not an array: %s", r.body)
	}
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i] = d.(map[string]any)
	}
	return out
}

// fails asserts the error envelope with status and a message containing
// each of msgParts.
func (r *response) fails(status int, msgParts ...string) {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if r.json["status"] != "error" {
		r.t.Fatalf("not an error envelope: %s", r.body)
	}
	e, _ := r.json["error"].(map[string]any)
	if code, _ := e["code"].(float64); int(code) != status {
		r.t.Fatalf("error.code = %v, want %d: %s", e["code"], status, r.body)
	}
	msg, _ := e["message"].(string)
	if msg == "" {
		r.t.Fatalf("empty error message: %s", r.body)
	}
	for _, p := range msgParts {
		if !strings.Contains(msg, p) {
			r.t.Fatalf("message %q does not contain %q", msg, p)
		}
	}
}

// user creates a user and a token directly in the store, as the admin
// bootstrap command does.
func (e *testEnv) user(email string, perms []string, sites []string) (userID, token string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, email)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		u = &openfast.User{ID: openfast.NewID(), Email: email}
		err = e.store.CreateUser(ctx, u)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, e.token(u.ID, perms, sites)
}

// token creates another token for a user directly in the store.
func (e *testEnv) token(userID string, perms []string, sites []string) string {
	e.t.Helper()
	if perms == nil {
		perms = []string{auth.PermAll}
	}
	secret, tok := auth.NewAccessToken(userID, nil, perms, sites)
	if err := e.store.CreateAccessToken(context.Background(), tok, 1_000_000, nil); err != nil {
		e.t.Fatal(err)
	}
	return secret.Raw
}

var domainSeq struct {
	sync.Mutex
	n int
}

// website creates a website over HTTP and returns its _id.
func (e *testEnv) website(token string) string {
	e.t.Helper()
	domainSeq.Lock()
	domainSeq.n++
	domain := fmt.Sprintf("site%d.example.com", domainSeq.n)
	domainSeq.Unlock()
	d := e.do("POST", "/api/v1/admin/websites", token, map[string]any{"domain": domain, "timezone": "Europe/Paris"}).first()
	return d["websiteId"].(string)
}

// key creates a website key over HTTP and returns its _id and raw value.
func (e *testEnv) key(token, websiteID string) (id, raw string) {
	e.t.Helper()
	d := e.do("POST", "/api/v1/admin/websites/"+websiteID+"/apikeys", token, nil).first()
	return d["_id"].(string), d["key"].(string)
}

// join makes the user of memberToken a member of a website with role, by
// invitation and acceptance over HTTP.
func (e *testEnv) join(ownerToken, websiteID, email, memberToken string, role openfast.Role) {
	e.t.Helper()
	inv := e.do("POST", "/api/v1/admin/websites/"+websiteID+"/team", ownerToken, map[string]any{"email": email, "role": string(role)}).first()
	e.do("POST", "/api/v1/admin/invitations/"+inv["invitationId"].(string)+"/accept", memberToken, nil).ok()
}

func init() {
	// The tracker script is JavaScript: validate it as plain text.
	openapi3filter.RegisterBodyDecoder("application/javascript", openapi3filter.PlainBodyDecoder)
}
