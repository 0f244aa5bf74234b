package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
)

// analyticsNow is the clock of the analytics tests: the fixture's events
// are on 9 and 10 March 2026.
var analyticsNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// analyticsEnv is the env with the DuckDB event store and the ingest
// writer, a website owned by Ann (signed in as owner) with the fixture's
// events.
type analyticsEnv struct {
	*env
	events *duckdb.DB
	owner  *http.Client
	site   string
}

func newAnalyticsEnv(t *testing.T, opts ...func(*app.Config)) *analyticsEnv {
	t.Helper()
	events, writer := eventStores(t)
	e := newEnv(t, func(ac *app.Config, _ *api.Config) {
		ac.Events, ac.Writer, ac.Analytics = events, writer, events
		for _, o := range opts {
			o(ac)
		}
	})
	e.now = analyticsNow
	a := &analyticsEnv{env: e, events: events, owner: e.client(t)}
	e.signUp(t, a.owner)
	res := do(t, a.owner, "POST", e.srv.URL+"/websites", url.Values{"domain": {"example.com"}, "timezone": {"UTC"}, "currency": {"USD"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("add website: %d\n%s", res.status, res.body)
	}
	a.site = strings.TrimSuffix(strings.TrimPrefix(res.location, "/websites/"), "/setup")
	if err := events.InsertEvents(context.Background(), fixture(a.site)); err != nil {
		t.Fatal(err)
	}
	return a
}

// eventStores opens a DuckDB event store and an ingest writer into it in
// a temporary folder, closed when the test ends.
func eventStores(t *testing.T) (*duckdb.DB, *ingest.Writer) {
	t.Helper()
	dir := t.TempDir()
	events, err := duckdb.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	writer, err := ingest.OpenWriter(context.Background(), ingest.WriterConfig{Store: events, Dir: filepath.Join(dir, ingest.JournalDir), QueueSize: 1000, MaxBatch: 100})
	if err != nil {
		events.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close(); events.Close() })
	return events, writer
}

// fixtureVisitor is the id of fixture visitor n.
func fixtureVisitor(n byte) openfast.UUID {
	u, _ := openfast.ParseUUID("00000000-0000-4000-8000-0000000000" + string("0123456789"[n/10]) + string("0123456789"[n%10]))
	return u
}

// fixture: three visitors of website site.
//
//	V1, 9 March 09:00 / then 09:05 /pricing, US, Chrome, desktop, referrer
//	   Google, utm_source newsletter; a payment of 49.99 USD at 09:07.
//	V2, 10 March 10:00 /, FR, Firefox, desktop, Direct/None.
//	V3, 10 March 08:00 /blog, DE, Mobile Safari, mobile, referrer X; goal
//	   signup at 08:02.
func fixture(site string) []openfast.Event {
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, time.UTC) }
	pv := func(t time.Time, v byte, path, country, browser, device, referrer string) openfast.Event {
		return openfast.Event{WebsiteID: site, Time: t, Type: openfast.EventPageview, VisitorID: fixtureVisitor(v), SessionID: fixtureVisitor(v + 10),
			Hostname: "example.com", Path: path, EntryPath: path, CountryCode: country, Browser: browser, Device: device, OS: "Linux",
			SessionReferrer: referrer, Referrer: referrer}
	}
	v1a, v1b := pv(at(9, 9, 0), 1, "/", "US", "Chrome", "desktop", "Google"), pv(at(9, 9, 5), 1, "/pricing", "US", "Chrome", "desktop", "Google")
	v1a.UTMSource, v1b.UTMSource, v1b.EntryPath = "newsletter", "newsletter", "/"
	v3 := pv(at(10, 8, 0), 3, "/blog", "DE", "Mobile Safari", "mobile", "X")
	goal := v3
	goal.Type, goal.Time, goal.Goal = openfast.EventCustom, at(10, 8, 2), "signup"
	return []openfast.Event{
		v1a, v1b,
		{WebsiteID: site, Time: at(9, 9, 7), Type: openfast.EventPayment, VisitorID: fixtureVisitor(1),
			RevenueCents: 4999, Currency: "USD", TransactionID: "tx_1", EventID: openfast.NewID()},
		pv(at(10, 10, 0), 2, "/", "FR", "Firefox", "desktop", "Direct/None"),
		v3, goal,
	}
}

// panel gets one panel of the analytics page as htmx does.
func (a *analyticsEnv) panel(t *testing.T, c *http.Client, path string) answer {
	t.Helper()
	return do(t, c, "GET", a.srv.URL+path, nil, "HX-Request", "true")
}

var hxGet = regexp.MustCompile(`hx-get="([^"]+)"`)

// panels returns the panel URLs a page loads.
func panels(body string) []string {
	var out []string
	for _, m := range hxGet.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// short is the start of a body, for failure messages.
func short(s string) string { return openfast.Truncate(s, 2000) }

// text is a fragment with its tags removed and its spaces collapsed.
func text(s string) string {
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func TestAnalyticsPage(t *testing.T) {
	a := newAnalyticsEnv(t)
	page := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site, nil)
	if page.status != 200 || !strings.Contains(page.body, "Last 30 days") || !strings.Contains(page.body, `/static/analytics.js`) {
		t.Fatalf("page: %d\n%s", page.status, page.body)
	}
	urls := panels(page.body)
	if len(urls) < 9 {
		t.Fatalf("the page loads %d panels: %v", len(urls), urls)
	}
	for _, u := range urls {
		if p := a.panel(t, a.owner, u); p.status != 200 || strings.Contains(p.body, "panel-error") {
			t.Errorf("panel %s: %d\n%s", u, p.status, short(p.body))
		}
	}
	base := "/websites/" + a.site + "/analytics/"
	for _, tc := range []struct{ panel, want string }{
		{"kpis", "Visitors 3"},
		{"kpis", "Sessions 3"},
		{"kpis", "Revenue 49.99 USD"},
		{"kpis", "Conversion rate 33.3%"},
		// Two of the three sessions have one pageview; V1's lasts 5 minutes.
		{"kpis", "Bounce rate 66.7%"},
		{"kpis", "Session duration 1m 40s"},
		{"kpis?period=today", "Visitors 2 Sessions 2 Bounce rate 100.0% Session duration 0m 00s Revenue 0.00 USD"},
		{"kpis?period=all", "Visitors 3 Sessions 3 Bounce rate 66.7% Session duration 1m 40s Revenue 49.99 USD"},
		{"referrers", "Google 1 49.99 USD"},
		{"referrers", "Direct/None 1 0.00 USD"},
		{"pages", "/ 2"},
		{"entry_pages", "/ 2 49.99 USD /blog 1 0.00 USD"},
		{"countries", "United States of America 1 49.99 USD"},
		{"browsers", "Firefox 1"},
		{"goals", "signup 1 1"},
		{"chart", "3 visitors and 49.99 USD of revenue, Last 30 days, by day."},
		{"chart", "9 Mar 1"},
		{"realtime", "online now"},
		{"visitors", "example.com/"},
	} {
		if got := text(a.panel(t, a.owner, base+tc.panel).body); !strings.Contains(got, tc.want) {
			t.Errorf("%s lacks %q:\n%s", tc.panel, tc.want, got)
		}
	}
	// The comparison: the previous 30 days had nobody.
	if got := text(a.panel(t, a.owner, base+"kpis?compare=previous").body); !strings.Contains(got, "Visitors 3 ▲ new") {
		t.Errorf("kpis with comparison:\n%s", got)
	}
	if got := text(a.panel(t, a.owner, base+"kpis?period=today&compare=previous").body); !strings.Contains(got, "Visitors 2 ▲ +100.0%") {
		t.Errorf("today against yesterday:\n%s", got)
	}
	// Details page through the rows.
	if d := do(t, a.owner, "GET", a.srv.URL+base+"pages/details", nil); d.status != 200 || !strings.Contains(text(d.body), "Rows 1 to 3 of 3") {
		t.Errorf("details: %d\n%s", d.status, text(d.body))
	}
	// One visitor's journey.
	v := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site+"/visitors/"+fixtureVisitor(1).String(), nil)
	if v.status != 200 || !strings.Contains(v.body, "example.com/pricing") {
		t.Errorf("journey: %d\n%s", v.status, v.body)
	}
}

// TestAnalyticsFilter: a filter in the URL narrows every panel, and a row
// links to the page with its filter added.
func TestAnalyticsFilter(t *testing.T) {
	a := newAnalyticsEnv(t)
	base := "/websites/" + a.site
	refs := a.panel(t, a.owner, base+"/analytics/referrers")
	if !strings.Contains(refs.body, `href="`+base+`?filter_referrer=is%3AGoogle"`) {
		t.Fatalf("no filter link on the Google row:\n%s", refs.body)
	}
	q := "?filter_referrer=is%3AGoogle"
	page := do(t, a.owner, "GET", a.srv.URL+base+q, nil)
	if !strings.Contains(text(page.body), "Referrer is Google") {
		t.Fatalf("no chip:\n%s", text(page.body))
	}
	for _, tc := range []struct{ panel, want, not string }{
		{"kpis", "Visitors 1", "Visitors 3"},
		{"pages", "/pricing", "/blog"},
		{"countries", "United States", "Germany"},
		{"browsers", "Chrome", "Firefox"},
		{"chart", "1 visitors", "3 visitors"},
		{"visitors", "example.com/pricing", "example.com/blog"},
	} {
		got := text(a.panel(t, a.owner, base+"/analytics/"+tc.panel+q).body)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("%s with the filter: want %q and not %q:\n%s", tc.panel, tc.want, tc.not, got)
		}
	}
	// is_not, contains; the add-filter form redirects into the URL.
	if got := text(a.panel(t, a.owner, base+"/analytics/kpis?filter_referrer=is_not%3AGoogle").body); !strings.Contains(got, "Visitors 2") {
		t.Errorf("is_not:\n%s", got)
	}
	if got := text(a.panel(t, a.owner, base+"/analytics/kpis?filter_page=contains%3Ablo").body); !strings.Contains(got, "Visitors 1") {
		t.Errorf("contains:\n%s", got)
	}
	add := do(t, a.owner, "GET", a.srv.URL+base+"?period=7d&add_dim=country&add_op=does_not_contain&add_value=Germany", nil)
	if add.status != http.StatusSeeOther || add.location != base+"?filter_country=does_not_contain%3AGermany&period=7d" {
		t.Errorf("add filter: %d %s", add.status, add.location)
	}
}

// TestAnalyticsAccess: a viewer reads, a non-member and a stranger do not.
func TestAnalyticsAccess(t *testing.T) {
	a := newAnalyticsEnv(t)
	ctx := context.Background()
	signIn := func(email string) *http.Client {
		if _, err := a.app.SetPasswordAsOperator(ctx, email, password, "test"); err != nil {
			t.Fatal(err)
		}
		c := a.client(t)
		if r := do(t, c, "POST", a.srv.URL+"/login", url.Values{"email": {email}, "password": {password}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in %s: %d", email, r.status)
		}
		return c
	}
	viewer, outsider := signIn("viewer@example.com"), signIn("outsider@example.com")
	inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: a.site, Email: "viewer@example.com", Role: openfast.RoleViewer, InvitedBy: mustUser(t, a.env, "ann@example.com")}
	if err := a.store.CreateInvitation(ctx, inv, time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	u, _ := a.store.UserByEmail(ctx, "viewer@example.com")
	if _, err := a.store.AcceptInvitation(ctx, inv.ID, u, time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	base := "/websites/" + a.site
	if p := do(t, viewer, "GET", a.srv.URL+base, nil); p.status != 200 {
		t.Fatalf("viewer page: %d", p.status)
	}
	if got := text(a.panel(t, viewer, base+"/analytics/kpis").body); !strings.Contains(got, "Visitors 3") {
		t.Errorf("viewer kpis:\n%s", got)
	}
	for _, path := range []string{base, base + "/analytics/kpis", base + "/analytics/pages/details", base + "/visitors/" + fixtureVisitor(1).String(), "/websites/000000000000000000000000"} {
		if p := do(t, outsider, "GET", a.srv.URL+path, nil); p.status != 404 || strings.Contains(p.body, "example.com/") {
			t.Errorf("outsider %s: %d\n%s", path, p.status, short(p.body))
		}
	}
	if p := do(t, a.client(t), "GET", a.srv.URL+base, nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("stranger: %d %s", p.status, p.location)
	}
}

// TestAnalyticsPanelError: a panel whose read fails shows its own error,
// rendered by the server, and the others load.
func TestAnalyticsPanelError(t *testing.T) {
	a := newAnalyticsEnv(t)
	base := "/websites/" + a.site + "/analytics/"
	chart := a.panel(t, a.owner, base+"chart?period=12m&interval=hour")
	if chart.status != 400 || !strings.Contains(chart.body, `class="panel-error"`) || !strings.Contains(chart.body, "choose a longer interval") {
		t.Errorf("chart by hour over 12 months: %d\n%s", chart.status, short(chart.body))
	}
	// The key figures, which come with the chart's series, are those of
	// the overview.
	if p := a.panel(t, a.owner, base+"kpis?period=12m&interval=hour"); p.status != 200 || !strings.Contains(text(p.body), "Visitors 3 Sessions 3 Bounce rate 66.7% Session duration 1m 40s Revenue 49.99 USD") {
		t.Errorf("kpis beside it: %d\n%s", p.status, short(p.body))
	}
	long := url.QueryEscape("is:" + strings.Repeat("x", 300))
	if p := a.panel(t, a.owner, base+"pages?filter_page="+long); p.status != 400 || !strings.Contains(p.body, "at most 255 bytes") {
		t.Errorf("too long a filter: %d\n%s", p.status, short(p.body))
	}
	if p := a.panel(t, a.owner, base+"nope"); p.status != 404 || !strings.Contains(p.body, "panel-error") {
		t.Errorf("unknown panel: %d\n%s", p.status, short(p.body))
	}
}

// TestAnalyticsRealtime: the realtime panel counts the visitors active now
// and lists their recent events, with a link to the visitor's journey.
func TestAnalyticsRealtime(t *testing.T) {
	a := newAnalyticsEnv(t)
	live := openfast.Event{WebsiteID: a.site, Time: analyticsNow.Add(-2 * time.Minute), Type: openfast.EventPageview,
		VisitorID: fixtureVisitor(7), SessionID: fixtureVisitor(17), Hostname: "example.com", Path: "/live", EntryPath: "/live",
		CountryCode: "NL", SessionReferrer: "Direct/None", Referrer: "Direct/None"}
	if err := a.events.InsertEvents(context.Background(), []openfast.Event{live}); err != nil {
		t.Fatal(err)
	}
	base := "/websites/" + a.site + "/analytics/realtime"
	p := a.panel(t, a.owner, base)
	if got := text(p.body); !strings.Contains(got, "1 online now") || !strings.Contains(got, "pageview /live · NL 2m ago") ||
		!strings.Contains(p.body, "/visitors/"+fixtureVisitor(7).String()) {
		t.Errorf("realtime:\n%s", got)
	}
	if got := text(a.panel(t, a.owner, base+"?count=1").body); got != "Online now 1" {
		t.Errorf("live count: %q", got)
	}
}

// TestAnalyticsDetailsAndRanges: the details view pages with offset, and a
// custom range or a period in the URL sets what every panel reads.
func TestAnalyticsDetailsAndRanges(t *testing.T) {
	a := newAnalyticsEnv(t)
	base := "/websites/" + a.site
	d := do(t, a.owner, "GET", a.srv.URL+base+"/analytics/pages/details?offset=2", nil)
	if got := text(d.body); d.status != 200 || !strings.Contains(got, "Rows 3 to 3 of 3") || !strings.Contains(d.body, `rel="prev"`) || strings.Contains(d.body, `rel="next"`) {
		t.Errorf("details from offset 2: %d\n%s", d.status, got)
	}
	for _, tc := range []struct{ query, want string }{
		{"?period=custom&from=2026-03-09&to=2026-03-09", "Visitors 1"},
		{"?period=today", "Visitors 2"},
		{"?period=yesterday", "Visitors 1"},
		{"?period=lastmonth", "Visitors 0"},
		{"?period=all", "Visitors 3"},
	} {
		if got := text(a.panel(t, a.owner, base+"/analytics/kpis"+tc.query).body); !strings.Contains(got, tc.want) {
			t.Errorf("%s: want %q:\n%s", tc.query, tc.want, got)
		}
	}
	// The page's links keep the view: the period menu, the steps and the
	// panels it loads.
	page := do(t, a.owner, "GET", a.srv.URL+base+"?period=7d&compare=year&filter_device=is%3Amobile", nil)
	for _, want := range []string{
		`href="` + base + `?compare=year&amp;filter_device=is%3Amobile&amp;period=today"`,
		`hx-get="` + base + `/analytics/kpis?compare=year&amp;filter_device=is%3Amobile&amp;period=7d"`,
		`href="` + base + `?compare=year&amp;filter_device=is%3Amobile&amp;from=2026-02-25&amp;period=custom&amp;to=2026-03-03"`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestAnalyticsSlowReads: reads that outlive the server's deadline end
// each panel with its own message, and the page itself still loads.
func TestAnalyticsSlowReads(t *testing.T) {
	a := newAnalyticsEnv(t, func(c *app.Config) { c.QueryTimeout = time.Nanosecond })
	page := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site, nil)
	if page.status != 200 {
		t.Fatalf("page: %d", page.status)
	}
	for _, u := range panels(page.body) {
		p := a.panel(t, a.owner, u)
		if p.status != 503 || !strings.Contains(p.body, `class="panel-error"`) || !strings.Contains(p.body, "took longer than") {
			t.Errorf("panel %s: %d\n%s", u, p.status, short(p.body))
		}
	}
}
