package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/rates"
	"github.com/openfast/openfast/sqlite"
	"github.com/openfast/openfast/web"
)

// env is the dashboard behind the real API router, over a fresh SQLite
// store, with a clock the test moves.
type env struct {
	srv   *httptest.Server
	app   *app.App
	store *sqlite.DB
	mu    sync.Mutex
	now   time.Time
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// newEnv starts the env; opts change its app's configuration (and may
// set its API's event handler).
func newEnv(t *testing.T, opts ...func(*app.Config, *api.Config)) *env {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{store: store, now: time.Now().UTC()}
	ac, sc := app.Config{Metadata: store, Now: e.clock, Rates: rates.New()}, api.Config{}
	for _, o := range opts {
		o(&ac, &sc)
	}
	e.app, err = app.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	dash, err := web.New(web.Config{App: e.app})
	if err != nil {
		t.Fatal(err)
	}
	sc.App, sc.Dashboard = e.app, dash
	srv, err := api.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// client is a browser-like client: a cookie jar, no redirects followed.
func (e *env) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status   int
	location string
	body     string
	header   http.Header
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, headers ...string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), header: res.Header}
}

const password = "correct horse battery"

// signUp creates the first user through the first-run form.
func (e *env) signUp(t *testing.T, c *http.Client) {
	t.Helper()
	a := do(t, c, "POST", e.srv.URL+"/setup", url.Values{"email": {"ann@example.com"}, "name": {"Ann"}, "password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/websites/new" {
		t.Fatalf("setup: %d %s\n%s", a.status, a.location, a.body)
	}
}

func TestFirstRunAndSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	home := do(t, c, "GET", e.srv.URL+"/", nil)
	if home.status != 200 || !strings.Contains(home.body, "Welcome to openfast") || !strings.Contains(home.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("first run: %d\n%s", home.status, home.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/setup", url.Values{"email": {"ann@example.com"}, "password": {"short"}}); a.status != 400 || !strings.Contains(a.body, "at least 10 characters") || !strings.Contains(a.body, `value="ann@example.com"`) {
		t.Fatalf("short password: %d\n%s", a.status, a.body)
	}
	e.signUp(t, c)
	cookie := c.Jar.Cookies(mustURL(t, e.srv.URL))
	if len(cookie) != 1 || cookie[0].Name != "openfast_session" {
		t.Fatalf("cookies %v", cookie)
	}
	if a := do(t, c, "GET", e.srv.URL+"/", nil); a.status != 200 || !strings.Contains(a.body, "No website yet") {
		t.Fatalf("home after setup: %d\n%s", a.status, a.body)
	}
	// First run is closed for good, for everyone.
	other := e.client(t)
	if a := do(t, other, "GET", e.srv.URL+"/", nil); a.status != http.StatusSeeOther || a.location != "/login" {
		t.Fatalf("home for a stranger: %d %s", a.status, a.location)
	}
	if a := do(t, other, "POST", e.srv.URL+"/setup", url.Values{"email": {"eve@example.com"}, "password": {password}}); a.status != 403 {
		t.Fatalf("second setup: %d\n%s", a.status, a.body)
	}

	// Sign out, then in; a wrong password and an unknown email get one
	// message.
	if a := do(t, c, "POST", e.srv.URL+"/logout", nil); a.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", a.status)
	}
	if a := do(t, c, "GET", e.srv.URL+"/websites/new", nil); a.status != http.StatusSeeOther || a.location != "/login?next=%2Fwebsites%2Fnew" {
		t.Fatalf("after logout: %d %s", a.status, a.location)
	}
	for _, f := range []url.Values{
		{"email": {"ann@example.com"}, "password": {"wrong password"}},
		{"email": {"nobody@example.com"}, "password": {password}},
	} {
		a := do(t, c, "POST", e.srv.URL+"/login", f)
		if a.status != 401 || !strings.Contains(a.body, "Wrong email or password.") {
			t.Fatalf("wrong sign-in: %d\n%s", a.status, a.body)
		}
	}
	a := do(t, c, "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {"/websites/new"}})
	if a.status != http.StatusSeeOther || a.location != "/websites/new" {
		t.Fatalf("sign-in: %d %s\n%s", a.status, a.location, a.body)
	}
	// next never leads off the site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		a := do(t, e.client(t), "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {next}})
		if a.status != http.StatusSeeOther || a.location != "/" {
			t.Errorf("next %q: %d %s", next, a.status, a.location)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	a := do(t, c, "POST", e.srv.URL+"/setup", url.Values{"email": {"ann@example.com"}, "password": {password}})
	set := a.header.Get("Set-Cookie")
	for _, want := range []string{"openfast_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Secure over plain HTTP without a public URL: %q", set)
	}

	// With an https public URL, cookies are Secure.
	store, _ := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	defer store.Close()
	a2, _ := app.New(app.Config{Metadata: store})
	dash, err := web.New(web.Config{App: a2, PublicURL: mustURL(t, "https://analytics.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/setup", strings.NewReader(url.Values{"email": {"ann@example.com"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	dash.ServeHTTP(rec, req)
	if set := rec.Header().Get("Set-Cookie"); !strings.Contains(set, "Secure") {
		t.Errorf("https public URL, Set-Cookie %q", set)
	}
}

// TestCrossOriginRefused: a state-changing request from another site is
// refused, whatever cookie it carries.
func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signUp(t, c)
	form := url.Values{"domain": {"evil.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Origin", "https://evil.example"},
	} {
		if a := do(t, c, "POST", e.srv.URL+"/websites", form, h...); a.status != 403 || !strings.Contains(a.body, "came from another site") {
			t.Fatalf("cross-origin %v: %d\n%s", h, a.status, a.body)
		}
	}
	if a := do(t, c, "POST", e.srv.URL+"/logout", nil, "Sec-Fetch-Site", "cross-site"); a.status != 403 {
		t.Fatalf("cross-site logout: %d", a.status)
	}
	if a := do(t, c, "GET", e.srv.URL+"/", nil); !strings.Contains(a.body, "No website yet") {
		t.Fatalf("a refused request changed something:\n%s", a.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/websites", form, "Sec-Fetch-Site", "same-origin"); a.status != http.StatusSeeOther {
		t.Fatalf("same-origin: %d\n%s", a.status, a.body)
	}
}

// TestExpiredSession: a session idle past its timeout is refused and its
// cookie cleared.
func TestExpiredSession(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signUp(t, c)
	e.advance(openfast.SessionIdleTimeout + time.Hour)
	a := do(t, c, "GET", e.srv.URL+"/websites/new", nil)
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/login") {
		t.Fatalf("expired session: %d %s", a.status, a.location)
	}
	if !strings.Contains(a.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("cookie not cleared: %q", a.header.Get("Set-Cookie"))
	}
}

// TestSignInRateLimited: failed sign-ins from one address are limited,
// with 429 and Retry-After, and the message does not say which part was
// wrong.
func TestSignInRateLimited(t *testing.T) {
	e := newEnv(t)
	e.signUp(t, e.client(t))
	c := e.client(t)
	for range app.SignInFailuresPerAddress {
		if a := do(t, c, "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {"guess guess"}}); a.status != 401 {
			t.Fatalf("failure: %d", a.status)
		}
	}
	a := do(t, c, "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {password}})
	if a.status != 429 || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, "Too many failed sign-ins") {
		t.Fatalf("after the limit: %d %q\n%s", a.status, a.header.Get("Retry-After"), a.body)
	}
}

func TestAddWebsite(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signUp(t, c)
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"domain": {"not a domain"}, "timezone": {"UTC"}, "currency": {"USD"}}, "domain"},
		{url.Values{"domain": {"shop.example.com"}, "timezone": {"Mars/Olympus"}, "currency": {"USD"}}, "timezone"},
		{url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"ZZZ"}}, "currency"},
	} {
		if a := do(t, c, "POST", e.srv.URL+"/websites", tc.form); a.status != 400 || !strings.Contains(a.body, tc.msg) {
			t.Errorf("%v: %d\n%s", tc.form, a.status, a.body)
		}
	}
	a := do(t, c, "POST", e.srv.URL+"/websites", url.Values{"domain": {"Shop.Example.com"}, "timezone": {"Europe/Paris"}, "currency": {"eur"}})
	if a.status != http.StatusSeeOther || !strings.HasSuffix(a.location, "/setup") {
		t.Fatalf("add: %d %s\n%s", a.status, a.location, a.body)
	}
	page := do(t, c, "GET", e.srv.URL+a.location, nil)
	if page.status != 200 || !strings.Contains(page.body, `data-domain=&#34;shop.example.com&#34;`) || !strings.Contains(page.body, e.srv.URL+"/js/script.js") {
		t.Fatalf("snippet page: %d\n%s", page.status, page.body)
	}
	sites, err := e.store.WebsitesForUser(context.Background(), mustUser(t, e, "ann@example.com"))
	if err != nil || len(sites) != 1 || sites[0].Currency != "EUR" || sites[0].Timezone != "Europe/Paris" {
		t.Fatalf("stored website %+v %v", sites, err)
	}
	if a := do(t, c, "POST", e.srv.URL+"/websites", url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}}); a.status != 409 {
		t.Fatalf("the same domain again: %d", a.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustUser(t *testing.T, e *env, email string) string {
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
