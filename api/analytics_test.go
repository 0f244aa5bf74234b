package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// analyticsNow is the clock of the analytics tests: 13:00 in Paris, five
// minutes after the last pageview of the fixture.
var analyticsNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// analyticsEnv is a test server whose analytics read a real DuckDB event
// store loaded with analyticsFixture: website A (Europe/Paris, USD) of the
// owner e.admin, website B of another user.
type analyticsEnv struct {
	*testEnv
	events *duckdb.DB
	q      string // "?websiteId=<A>"
	siteB  string
	ownerB string // full dft_ token of website B's owner
	keyA   string // df_ key of website A
	keyB   string // df_ key of website B
}

func newAnalyticsEnv(t testing.TB, opts ...func(*testConfig)) *analyticsEnv {
	t.Helper()
	events, err := duckdb.OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	e := newTestEnv(t, append([]func(*testConfig){func(c *testConfig) {
		c.Analytics = events
		c.Now = func() time.Time { return analyticsNow }
	}}, opts...)...)
	e.setup()
	a := &analyticsEnv{testEnv: e, events: events, q: "?websiteId=" + e.site}
	_, a.ownerB = e.user("owner-b@example.com", nil, nil)
	a.siteB = e.website(a.ownerB)
	_, a.keyA = e.key(e.admin, e.site)
	_, a.keyB = e.key(a.ownerB, a.siteB)
	if err := events.InsertEvents(context.Background(), analyticsFixture(e.site, a.siteB)); err != nil {
		t.Fatal(err)
	}
	return a
}

// fixtureUUID returns the version 4 UUID ...-0000000000nn.
func fixtureUUID(n byte) openfast.UUID {
	u, ok := openfast.ParseUUID(fmt.Sprintf("00000000-0000-4000-8000-0000000000%02x", n))
	if !ok {
		panic("bad fixture uuid")
	}
	return u
}

// analyticsFixture is the data of every analytics test (times in UTC; Paris
// is UTC+1 in early March 2026):
//
//	V1, session S1, 9 March: 09:00 example.com/ then 09:05 /pricing, US
//	   (US-CA, San Francisco), Chrome, Mac OS, desktop, referrer Google,
//	   utm newsletter/email/spring; goal signup at 09:06; a server-side
//	   payment of 49.99 USD at 09:07.
//	V2, session S2, 9 March 10:00: example.com/ only, FR (FR-IDF, Paris),
//	   Firefox, Windows, desktop, Direct/None.
//	V2, session S3, 10 March 11:55: example.com/blog only, same attributes.
//	V3, session S4, 10 March: 08:00 app.example.com/ then 08:01:30 /blog, DE
//	   (DE-BE, Berlin), Mobile Safari, iOS, mobile, referrer X, ref
//	   producthunt; goal signup at 08:02 and again at 08:03.
//	V4, session S5, 10 March 09:30: example.com/pricing only, US (US-NY, New
//	   York), Chrome, Windows, desktop, referrer Google, utm_source twitter;
//	   goal newsletter at 09:31.
//	V5, website B, 10 March 09:00: one pageview (never seen from A).
//
// By hand, with the definitions of analytics/query.go (visitors and
// sessions: distinct ids of pageviews; bounce: a session with exactly one
// pageview; duration: first to last pageview; converted: a counted visitor
// with a goal or a payment in the range), all time on website A:
// visitors 4, sessions 5, bounces 3 (S2, S3, S5) = 60 %, durations
// 300 s + 90 s over 5 sessions = 78000 ms, 1 payment of 49.99, revenue per
// visitor 49.99 / 4 = 12.50, converted V1, V3, V4 = 75 %.
func analyticsFixture(siteA, siteB string) []openfast.Event {
	at := func(day, h, m, s int) time.Time { return time.Date(2026, 3, day, h, m, s, 0, time.UTC) }
	v1, v2, v3, v4, v5 := fixtureUUID(1), fixtureUUID(2), fixtureUUID(3), fixtureUUID(4), fixtureUUID(5)
	s1, s2, s3, s4, s5, s6 := fixtureUUID(0x11), fixtureUUID(0x12), fixtureUUID(0x13), fixtureUUID(0x14), fixtureUUID(0x15), fixtureUUID(0x16)

	pv := func(site string, t time.Time, v, s openfast.UUID, host, path, entry string) openfast.Event {
		return openfast.Event{WebsiteID: site, Time: t, Type: openfast.EventPageview, VisitorID: v, SessionID: s,
			Hostname: host, Path: path, EntryPath: entry}
	}
	us := func(ev openfast.Event, region, city string) openfast.Event {
		ev.CountryCode, ev.Region, ev.City = "US", region, city
		ev.SessionReferrer, ev.Referrer, ev.ReferrerHost = "Google", "Google", "google.com"
		ev.Browser, ev.Device = "Chrome", "desktop"
		return ev
	}
	v1pv := func(t time.Time, path string) openfast.Event {
		ev := us(pv(siteA, t, v1, s1, "example.com", path, "/"), "US-CA", "San Francisco")
		ev.OS, ev.UTMSource, ev.UTMMedium, ev.UTMCampaign = "Mac OS", "newsletter", "email", "spring"
		return ev
	}
	v2pv := func(t time.Time, s openfast.UUID, path string) openfast.Event {
		ev := pv(siteA, t, v2, s, "example.com", path, path)
		ev.CountryCode, ev.Region, ev.City = "FR", "FR-IDF", "Paris"
		ev.SessionReferrer, ev.Referrer = "Direct/None", "Direct/None"
		ev.Browser, ev.OS, ev.Device = "Firefox", "Windows", "desktop"
		return ev
	}
	v3pv := func(t time.Time, path string) openfast.Event {
		ev := pv(siteA, t, v3, s4, "app.example.com", path, "/")
		ev.CountryCode, ev.Region, ev.City = "DE", "DE-BE", "Berlin"
		ev.SessionReferrer, ev.Referrer, ev.ReferrerHost = "X", "X", "t.co"
		ev.Browser, ev.OS, ev.Device, ev.Ref = "Mobile Safari", "iOS", "mobile", "producthunt"
		return ev
	}
	goal := func(ev openfast.Event, t time.Time, name string) openfast.Event {
		ev.Type, ev.Time, ev.Goal = openfast.EventCustom, t, name
		return ev
	}
	v4pv := us(pv(siteA, at(10, 9, 30, 0), v4, s5, "example.com", "/pricing", "/pricing"), "US-NY", "New York")
	v4pv.OS, v4pv.UTMSource = "Windows", "twitter"

	return []openfast.Event{
		v1pv(at(9, 9, 0, 0), "/"),
		v1pv(at(9, 9, 5, 0), "/pricing"),
		goal(v1pv(at(9, 9, 5, 0), "/pricing"), at(9, 9, 6, 0), "signup"),
		{WebsiteID: siteA, Time: at(9, 9, 7, 0), Type: openfast.EventPayment, VisitorID: v1,
			RevenueCents: 4999, Currency: "USD", TransactionID: "tx_1", EventID: openfast.NewID()},
		v2pv(at(9, 10, 0, 0), s2, "/"),
		v2pv(at(10, 11, 55, 0), s3, "/blog"),
		v3pv(at(10, 8, 0, 0), "/"),
		v3pv(at(10, 8, 1, 30), "/blog"),
		goal(v3pv(at(10, 8, 1, 30), "/blog"), at(10, 8, 2, 0), "signup"),
		goal(v3pv(at(10, 8, 1, 30), "/blog"), at(10, 8, 3, 0), "signup"),
		v4pv,
		goal(v4pv, at(10, 9, 31, 0), "newsletter"),
		us(pv(siteB, at(10, 9, 0, 0), v5, s6, "b.example.org", "/", "/"), "US-CA", "San Francisco"),
	}
}

// get sends an authenticated GET and returns the response.
func (a *analyticsEnv) get(path, token string) *response {
	a.t.Helper()
	return a.do(http.MethodGet, path, token, nil)
}

// sameJSON fails unless got (a decoded JSON value) equals the JSON text want.
func sameJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation %s: %v", what, want, err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

func TestAnalyticsOverview(t *testing.T) {
	a := newAnalyticsEnv(t)
	const all = `{"visitors":4,"sessions":5,"bounce_rate":60,"avg_session_duration":78000,"currency":"USD",
		"revenue":49.99,"payments":1,"revenue_per_visitor":12.5,"conversion_rate":25}`
	for _, tc := range []struct {
		name, query, want string
	}{
		{"AllTime", "", all},
		{"RangeCoversAll", "&startAt=2026-03-01&endAt=2026-03-31", all},
		{"Fields", "&fields=payments,visitors,visitors", `{"visitors":4,"payments":1}`},
		// 9 March in Paris: V1 (S1, 300 s, goal and payment) and V2 (S2, a bounce).
		{"OneDay", "&startAt=2026-03-09&endAt=2026-03-09", `{"visitors":2,"sessions":2,"bounce_rate":50,
			"avg_session_duration":150000,"currency":"USD","revenue":49.99,"payments":1,"revenue_per_visitor":25,"conversion_rate":50}`},
		// 10 March: V2 (S3), V3 (S4, 90 s, goals), V4 (S5, goal); no payment.
		{"Instants", "&startAt=2026-03-09T23:00:00Z&endAt=2026-03-10T22:59:59.999Z", `{"visitors":3,"sessions":3,
			"bounce_rate":66.67,"avg_session_duration":30000,"currency":"USD","revenue":0,"payments":0,"revenue_per_visitor":0,"conversion_rate":0}`},
		// The same day in UTC, by legacy full-day bounds read as dates in UTC.
		{"FullDayUTC", "&timezone=UTC&startAt=2026-03-10T00:00:00.000Z&endAt=2026-03-10T23:59:59.999Z&fields=visitors,sessions", `{"visitors":3,"sessions":3}`},
		{"NoEvents", "&startAt=2026-01-01&endAt=2026-01-31", `{"visitors":0,"sessions":0,"bounce_rate":0,
			"avg_session_duration":0,"currency":"USD","revenue":0,"payments":0,"revenue_per_visitor":0,"conversion_rate":0}`},
		// US: V1 and V4; S5 bounces; V1's payment: V1 is a customer (V4's
		// goal does not convert).
		{"FilterCountryCode", "&filter_country=US&fields=visitors,sessions,bounce_rate,avg_session_duration,payments,revenue,conversion_rate",
			`{"visitors":2,"sessions":2,"bounce_rate":50,"avg_session_duration":150000,"payments":1,"revenue":49.99,"conversion_rate":50}`},
		{"FilterCountryNameIsNot", "&filter_country=is_not:United%20States%20of%20America&fields=visitors,sessions,payments,revenue",
			`{"visitors":2,"sessions":3,"payments":0,"revenue":0}`},
		{"FilterCountryLegacyName", "&country=fr&fields=visitors,sessions", `{"visitors":1,"sessions":2}`},
		{"FilterTwoValues", "&filter_country=DE,France&fields=visitors", `{"visitors":2}`},
		{"FilterAnd", "&filter_country=US&filter_os=Windows&fields=visitors,payments", `{"visitors":1,"payments":0}`},
		{"FilterGoal", "&filter_goal=signup&fields=visitors,sessions,conversion_rate", `{"visitors":2,"sessions":2,"conversion_rate":50}`},
		{"FilterGoalIsNot", "&filter_goal=is_not:signup,newsletter&fields=visitors,conversion_rate", `{"visitors":1,"conversion_rate":0}`},
		{"FilterReferrerDomain", "&filter_referrer=google.com&fields=visitors", `{"visitors":2}`},
		{"FilterBrowserSafari", "&filter_browser=Safari&fields=visitors", `{"visitors":1}`},
		{"FilterDeviceCase", "&filter_device=is_not:MOBILE&fields=visitors", `{"visitors":3}`},
		{"FilterHostname", "&filter_hostname=APP.example.com&fields=visitors", `{"visitors":1}`},
		{"FilterPageContains", "&filter_page=contains:/pri&fields=visitors", `{"visitors":2}`},
		{"FilterEntryPage", "&filter_entry_page=/&fields=visitors,sessions", `{"visitors":3,"sessions":3}`},
		{"FilterUTM", "&filter_utm_source=newsletter,twitter&fields=visitors", `{"visitors":2}`},
		{"FilterRef", "&filter_ref=producthunt&fields=visitors", `{"visitors":1}`},
		{"FilterNothing", "&filter_city=Tokyo&fields=visitors,conversion_rate", `{"visitors":0,"conversion_rate":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.with(t).do(http.MethodGet, "/api/v1/analytics/overview"+a.q+tc.query, a.admin, nil)
			data, ok := got.ok().([]any)
			if !ok || len(data) != 1 {
				t.Fatalf("data is not one object: %s", got.body)
			}
			sameJSON(t, tc.query, data[0], tc.want)
		})
	}
	// Website B sees its own visitor only.
	d := a.get("/api/v1/analytics/overview?websiteId="+a.siteB+"&fields=visitors,sessions", a.ownerB).first()
	sameJSON(t, "website B", d, `{"visitors":1,"sessions":1}`)
	// HEAD answers like GET, without a body.
	if res := a.do(http.MethodHead, "/api/v1/analytics/overview"+a.q, a.admin, nil); res.status != http.StatusOK || len(res.body) != 0 {
		t.Fatalf("HEAD: %d %q", res.status, res.body)
	}
}

func TestAnalyticsTimeseries(t *testing.T) {
	a := newAnalyticsEnv(t)
	const allFields = "&fields=name,visitors,sessions,revenue,payments,conversion_rate"
	res := a.get("/api/v1/analytics/timeseries"+a.q+allFields+"&interval=day&startAt=2026-03-09&endAt=2026-03-10", a.admin)
	res.ok()
	// 9 March: V1, V2; V1 paid (a customer). 10 March: V2, V3, V4; their
	// goals do not convert. Totals: the overview's.
	sameJSON(t, "day", res.json, `{"status":"success",
		"fields":["name","visitors","sessions","revenue","payments","conversion_rate"],
		"interval":"day","timezone":"Europe/Paris","currency":"USD",
		"totals":{"visitors":4,"sessions":5,"revenue":49.99,"revenueBreakdown":{"new":49.99,"renewal":0,"refund":0},"payments":1,"conversion_rate":25},
		"data":[
			{"name":"09 Mar","timestamp":"2026-03-09T00:00:00+01:00","visitors":2,"sessions":2,"revenue":49.99,"revenueBreakdown":{"new":49.99,"renewal":0,"refund":0},"payments":1,"conversion_rate":50},
			{"name":"10 Mar","timestamp":"2026-03-10T00:00:00+01:00","visitors":3,"sessions":3,"revenue":0,"revenueBreakdown":{"new":0,"renewal":0,"refund":0},"payments":0,"conversion_rate":0}],
		"pagination":{"limit":100,"offset":0,"total":2}}`)

	t.Run("Paging", func(t *testing.T) {
		res := a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors&interval=day&startAt=2026-03-08&endAt=2026-03-10&limit=1&offset=1", a.admin, nil)
		res.ok()
		sameJSON(t, "data", res.json["data"], `[{"name":"09 Mar","timestamp":"2026-03-09T00:00:00+01:00","visitors":2}]`)
		sameJSON(t, "totals", res.json["totals"], `{"visitors":4}`)
		sameJSON(t, "pagination", res.json["pagination"], `{"limit":1,"offset":1,"total":3}`)
		res = a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors&interval=day&startAt=2026-03-08&endAt=2026-03-10&offset=3", a.admin, nil)
		res.ok()
		sameJSON(t, "past the end", []any{res.json["data"], res.json["pagination"]}, `[[],{"limit":100,"offset":3,"total":3}]`)
	})
	t.Run("SameDayIsHourly", func(t *testing.T) {
		res := a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors,sessions&interval=day&startAt=2026-03-10&endAt=2026-03-10&limit=24", a.admin, nil)
		res.ok()
		if res.json["interval"] != "hour" {
			t.Fatalf("interval %v, want hour", res.json["interval"])
		}
		sameJSON(t, "pagination", res.json["pagination"], `{"limit":24,"offset":0,"total":24}`)
		// V3 at 09:00 Paris, V4 at 10:30, V2 at 12:55.
		nonZero := map[string]any{}
		for _, r := range res.json["data"].([]any) {
			if r := r.(map[string]any); r["visitors"] != float64(0) {
				nonZero[r["name"].(string)] = r
			}
		}
		sameJSON(t, "hours", nonZero, `{
			"10 Mar 09:00":{"name":"10 Mar 09:00","timestamp":"2026-03-10T09:00:00+01:00","visitors":1,"sessions":1},
			"10 Mar 10:00":{"name":"10 Mar 10:00","timestamp":"2026-03-10T10:00:00+01:00","visitors":1,"sessions":1},
			"10 Mar 12:00":{"name":"10 Mar 12:00","timestamp":"2026-03-10T12:00:00+01:00","visitors":1,"sessions":1}}`)
	})
	t.Run("WeekAndMonthInUTC", func(t *testing.T) {
		res := a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors,payments&interval=week&startAt=2026-03-01&endAt=2026-03-15&timezone=UTC", a.admin, nil)
		res.ok()
		// Weeks start on Monday: 23 Feb (holds 1 March), 2 March, 9 March.
		sameJSON(t, "weeks", res.json["data"], `[
			{"name":"23 Feb","timestamp":"2026-02-23T00:00:00Z","visitors":0,"payments":0},
			{"name":"02 Mar","timestamp":"2026-03-02T00:00:00Z","visitors":0,"payments":0},
			{"name":"09 Mar","timestamp":"2026-03-09T00:00:00Z","visitors":4,"payments":1}]`)
		res = a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors&interval=month&startAt=2026-02-01&endAt=2026-03-31&timezone=UTC", a.admin, nil)
		res.ok()
		sameJSON(t, "months", res.json["data"], `[
			{"name":"Feb 2026","timestamp":"2026-02-01T00:00:00Z","visitors":0},
			{"name":"Mar 2026","timestamp":"2026-03-01T00:00:00Z","visitors":4}]`)
	})
	t.Run("DefaultWindowAndFilter", func(t *testing.T) {
		// Without dates: the last 30 days, 9 February to 10 March.
		res := a.with(t).do(http.MethodGet, "/api/v1/analytics/timeseries"+a.q+"&fields=visitors&interval=day&filter_device=mobile", a.admin, nil)
		res.ok()
		data := res.json["data"].([]any)
		if len(data) != 30 || data[0].(map[string]any)["timestamp"] != "2026-02-09T00:00:00+01:00" {
			t.Fatalf("%d rows from %v", len(data), data[0])
		}
		sameJSON(t, "last", data[29], `{"name":"10 Mar","timestamp":"2026-03-10T00:00:00+01:00","visitors":1}`)
		sameJSON(t, "totals", res.json["totals"], `{"visitors":1}`)
	})
}

func TestAnalyticsRealtime(t *testing.T) {
	a := newAnalyticsEnv(t)
	// Only V2's pageview at 11:55 UTC is within 10 minutes of 12:00.
	sameJSON(t, "A", a.get("/api/v1/analytics/realtime"+a.q, a.admin).ok(), `[{"visitors":1}]`)
	sameJSON(t, "A by key, fields", a.get("/api/v1/analytics/realtime?fields=visitors", a.keyA).ok(), `[{"visitors":1}]`)
	// Dates and filters are ignored.
	sameJSON(t, "ignored", a.get("/api/v1/analytics/realtime"+a.q+"&startAt=2020-01-01&filter_foo=x&timezone=Nowhere", a.admin).ok(), `[{"visitors":1}]`)
	sameJSON(t, "B", a.get("/api/v1/analytics/realtime?websiteId="+a.siteB, a.ownerB).ok(), `[{"visitors":0}]`)
}

// breakdownCases are the breakdowns of the whole fixture, all fields, by
// hand. Revenue and payments are those of the row's visitors: V1's 49.99.
var breakdownCases = []struct {
	path, want string
	total      int
}{
	{"pages", `[
		{"hostname":"example.com","path":"/","visitors":2,"revenue":49.99,"payments":1},
		{"hostname":"example.com","path":"/pricing","visitors":2,"revenue":49.99,"payments":1},
		{"hostname":"app.example.com","path":"/","visitors":1,"revenue":0,"payments":0},
		{"hostname":"app.example.com","path":"/blog","visitors":1,"revenue":0,"payments":0},
		{"hostname":"example.com","path":"/blog","visitors":1,"revenue":0,"payments":0}]`, 5},
	{"referrers", `[
		{"referrer":"Google","visitors":2,"revenue":49.99,"payments":1},
		{"referrer":"Direct/None","visitors":1,"revenue":0,"payments":0},
		{"referrer":"X","visitors":1,"revenue":0,"payments":0}]`, 3},
	{"countries", `[
		{"country":"United States of America","image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/US.svg","visitors":2,"revenue":49.99,"payments":1},
		{"country":"Germany","image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/DE.svg","visitors":1,"revenue":0,"payments":0},
		{"country":"France","image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/FR.svg","visitors":1,"revenue":0,"payments":0}]`, 3},
	{"regions", `[
		{"region":"DE-BE","visitors":1,"revenue":0,"payments":0},
		{"region":"FR-IDF","visitors":1,"revenue":0,"payments":0},
		{"region":"US-CA","visitors":1,"revenue":49.99,"payments":1},
		{"region":"US-NY","visitors":1,"revenue":0,"payments":0}]`, 4},
	{"cities", `[
		{"city":"Berlin","visitors":1,"revenue":0,"payments":0},
		{"city":"New York","visitors":1,"revenue":0,"payments":0},
		{"city":"Paris","visitors":1,"revenue":0,"payments":0},
		{"city":"San Francisco","visitors":1,"revenue":49.99,"payments":1}]`, 4},
	{"browsers", `[
		{"browser":"Chrome","visitors":2,"revenue":49.99,"payments":1},
		{"browser":"Firefox","visitors":1,"revenue":0,"payments":0},
		{"browser":"Mobile Safari","visitors":1,"revenue":0,"payments":0}]`, 3},
	{"operating-systems", `[
		{"operating_system":"Windows","visitors":2,"revenue":0,"payments":0},
		{"operating_system":"Mac OS","visitors":1,"revenue":49.99,"payments":1},
		{"operating_system":"iOS","visitors":1,"revenue":0,"payments":0}]`, 3},
	{"devices", `[
		{"device":"desktop","visitors":3,"revenue":49.99,"payments":1},
		{"device":"mobile","visitors":1,"revenue":0,"payments":0}]`, 2},
	// V2 has no campaign parameter: left out. Keys sort with "" first.
	{"campaigns", `[
		{"campaign":{"utm_source":"","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"producthunt","source":"","via":""},"visitors":1,"revenue":0,"payments":0},
		{"campaign":{"utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring","utm_term":"","utm_content":"","ref":"","source":"","via":""},"visitors":1,"revenue":49.99,"payments":1},
		{"campaign":{"utm_source":"twitter","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"","source":"","via":""},"visitors":1,"revenue":0,"payments":0}]`, 3},
	// signup: V1 once, V3 twice.
	{"goals", `[
		{"goal":"signup","completions":3,"visitors":2},
		{"goal":"newsletter","completions":1,"visitors":1}]`, 2},
	{"hostnames", `[
		{"hostname":"example.com","visitors":3,"revenue":49.99,"payments":1},
		{"hostname":"app.example.com","visitors":1,"revenue":0,"payments":0}]`, 2},
}

func TestAnalyticsBreakdowns(t *testing.T) {
	a := newAnalyticsEnv(t)
	for _, tc := range breakdownCases {
		t.Run(tc.path, func(t *testing.T) {
			// A df_ key (no websiteId) and a dft_ token (with it) read the same.
			for _, target := range []struct{ query, token string }{{a.q, a.admin}, {"", a.keyA}, {"?websiteId=" + a.site, a.keyA}} {
				res := a.with(t).do(http.MethodGet, "/api/v1/analytics/"+tc.path+target.query, target.token, nil)
				res.ok()
				sameJSON(t, tc.path, res.json["data"], tc.want)
				sameJSON(t, tc.path+" pagination", res.json["pagination"], fmt.Sprintf(`{"limit":100,"offset":0,"total":%d}`, tc.total))
			}
			// Website B has its one visitor, or no goal.
			res := a.with(t).do(http.MethodGet, "/api/v1/analytics/"+tc.path+"?websiteId="+a.siteB+"&fields=visitors", a.ownerB, nil)
			want := `[{"visitors":1}]`
			switch tc.path {
			case "goals":
				want = `[]`
			case "campaigns", "operating-systems":
				want = `[]` // V5 has no campaign parameter and no OS
			}
			sameJSON(t, tc.path+" B", res.ok(), want)
		})
	}
	for _, tc := range []struct {
		name, target, want string
		total              int
	}{
		{"Fields", "pages?fields=path,visitors", `[{"path":"/","visitors":2},{"path":"/pricing","visitors":2},{"path":"/","visitors":1},{"path":"/blog","visitors":1},{"path":"/blog","visitors":1}]`, 5},
		{"Paging", "pages?fields=path&limit=2&offset=1", `[{"path":"/pricing"},{"path":"/"}]`, 5},
		{"PastTheEnd", "pages?offset=10", `[]`, 5},
		{"CountryFields", "countries?fields=image", `[{"image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/US.svg"},
			{"image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/DE.svg"},{"image":"https://purecatamphetamine.github.io/country-flag-icons/3x2/FR.svg"}]`, 3},
		{"CampaignKeys", "campaigns?fields=utm_source,visitors", `[{"campaign":{"utm_source":"newsletter"},"visitors":1},{"campaign":{"utm_source":"twitter"},"visitors":1}]`, 2},
		{"GoalName", "goals?fields=name", `[{"goal":"signup"},{"goal":"newsletter"}]`, 2},
		{"GoalsInRange", "goals?startAt=2026-03-10&endAt=2026-03-10", `[{"goal":"newsletter","completions":1,"visitors":1},{"goal":"signup","completions":2,"visitors":1}]`, 2},
		{"RangeOneDay", "countries?fields=country,visitors,revenue&startAt=2026-03-09&endAt=2026-03-09", `[{"country":"France","visitors":1,"revenue":0},{"country":"United States of America","visitors":1,"revenue":49.99}]`, 2},
		{"FilterDevice", "countries?fields=country,visitors&filter_device=mobile", `[{"country":"Germany","visitors":1}]`, 1},
		{"FilterCountryOnPages", "pages?fields=hostname,path,visitors&filter_country=FR", `[{"hostname":"example.com","path":"/","visitors":1},{"hostname":"example.com","path":"/blog","visitors":1}]`, 2},
		{"FilterGoalOnReferrers", "referrers?filter_goal=signup", `[{"referrer":"Google","visitors":1,"revenue":49.99,"payments":1},{"referrer":"X","visitors":1,"revenue":0,"payments":0}]`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sep := "&"
			if !strings.Contains(tc.target, "?") {
				sep = "?"
			}
			res := a.with(t).do(http.MethodGet, "/api/v1/analytics/"+tc.target+sep+"websiteId="+a.site, a.admin, nil)
			res.ok()
			sameJSON(t, tc.target, res.json["data"], tc.want)
			if total := res.json["pagination"].(map[string]any)["total"]; total != float64(tc.total) {
				t.Errorf("%s: total %v, want %d", tc.target, total, tc.total)
			}
		})
	}
}

// TestAnalyticsGolden compares one response body of each endpoint with
// testdata/golden/analytics_<name>.json; -update rewrites them.
func TestAnalyticsGolden(t *testing.T) {
	a := newAnalyticsEnv(t)
	targets := map[string]string{
		"overview":   "overview",
		"timeseries": "timeseries?fields=name,visitors,sessions,revenue,payments,conversion_rate&interval=day&startAt=2026-03-08&endAt=2026-03-10",
		"realtime":   "realtime",
	}
	for _, tc := range breakdownCases {
		targets[tc.path] = tc.path
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			res := a.with(t).do(http.MethodGet, "/api/v1/analytics/"+target+sep+"websiteId="+a.site, a.admin, nil)
			res.ok()
			checkGolden(t, res, "analytics_"+name)
		})
	}
}

// checkGolden compares a response body, pretty-printed, with
// testdata/golden/<name>.json; -update rewrites the file instead.
func checkGolden(t *testing.T, res *response, name string) {
	t.Helper()
	got := goldenJSON(t, res)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun the test with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the response differs from %s (rerun with -update if intended):\n%s", path, got)
	}
}

// goldenJSON pretty-prints a response body as sent (its key order kept),
// with the request id replaced should the body ever carry it.
func goldenJSON(t *testing.T, res *response) []byte {
	t.Helper()
	body := res.body
	if id := res.header.Get("X-Request-Id"); id != "" {
		body = bytes.ReplaceAll(body, []byte(id), []byte("<request-id>"))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(body), "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func TestAnalyticsErrors(t *testing.T) {
	a := newAnalyticsEnv(t)
	const ts = "/api/v1/analytics/timeseries"
	for _, tc := range []struct {
		target string
		msg    []string
	}{
		{"/api/v1/analytics/overview?startAt=2026-03-01&websiteId=", []string{"startAt and endAt must be given together"}},
		{"/api/v1/analytics/pages?endAt=2026-03-01&websiteId=", []string{"startAt and endAt must be given together"}},
		{"/api/v1/analytics/overview?startAt=2026-02-30&endAt=2026-03-01&websiteId=", []string{"startAt must be a date"}},
		{"/api/v1/analytics/countries?startAt=2026-03-01&endAt=yesterday&websiteId=", []string{"endAt must be a date", "yesterday"}},
		{"/api/v1/analytics/overview?startAt=2026-03-02&endAt=2026-03-01&websiteId=", []string{"startAt must not be after endAt"}},
		{"/api/v1/analytics/overview?timezone=Mars/Olympus&websiteId=", []string{"timezone must be an IANA time zone", "Mars/Olympus"}},
		{"/api/v1/analytics/overview?timezone=../../etc/passwd&websiteId=", []string{"timezone"}},
		{ts + "?fields=visitors&interval=fortnight&websiteId=", []string{"interval must be one of hour, day, week, month", "fortnight"}},
		{ts + "?fields=visitors&interval=hour&startAt=1970-01-01&endAt=9999-12-31&websiteId=", []string{"startAt to endAt holds about", "hour intervals"}},
		{ts + "?fields=visitors&websiteId=", []string{"interval is required"}},
		{ts + "?interval=day&websiteId=", []string{"fields is required"}},
		{ts + "?interval=day&fields=&websiteId=", []string{"fields is required"}},
		{ts + "?interval=day&fields=bounce_rate&websiteId=", []string{"Invalid field: bounce_rate"}},
		{"/api/v1/analytics/overview?fields=visitors,nope&websiteId=", []string{"Invalid field: nope", "Valid fields: visitors"}},
		{"/api/v1/analytics/goals?fields=revenue&websiteId=", []string{"Invalid field: revenue"}},
		{"/api/v1/analytics/realtime?fields=sessions&websiteId=", []string{"Invalid field: sessions"}},
		{"/api/v1/analytics/pages?limit=0&websiteId=", []string{"limit must be an integer from 1 to 1000"}},
		{"/api/v1/analytics/pages?limit=1001&websiteId=", []string{"limit must be an integer from 1 to 1000", "1001"}},
		{ts + "?fields=visitors&interval=day&limit=ten&websiteId=", []string{"limit must be an integer", "ten"}},
		{"/api/v1/analytics/referrers?offset=-1&websiteId=", []string{"offset must be an integer from 0 to"}},
		{"/api/v1/analytics/overview?filter_foo=x&websiteId=", []string{"Unknown filter: filter_foo"}},
		{"/api/v1/analytics/cities?filter_country=is:&websiteId=", []string{"filter_country needs at least one value"}},
		{"/api/v1/analytics/overview", []string{"websiteId"}}, // dft_ without websiteId
		{"/api/v1/analytics/overview?websiteId=not-an-id", []string{"websiteId"}},
	} {
		target := tc.target
		if strings.HasSuffix(target, "websiteId=") {
			target += a.site
		}
		t.Run(target, func(t *testing.T) {
			a.with(t).do(http.MethodGet, target, a.admin, nil).fails(http.StatusBadRequest, tc.msg...)
		})
	}
	// The error envelope, exactly.
	res := a.get("/api/v1/analytics/pages?limit=0&websiteId="+a.site, a.admin)
	sameJSON(t, "envelope", res.json, `{"status":"error","error":{"code":400,"message":"limit must be an integer from 1 to 1000; got 0."}}`)
}

func TestAnalyticsAuthorization(t *testing.T) {
	a := newAnalyticsEnv(t)
	const overview = "/api/v1/analytics/overview"
	a.get(overview+a.q, "").fails(http.StatusUnauthorized)
	a.get(overview+a.q, "dft_nope").fails(http.StatusUnauthorized)
	a.get(overview, "df_nope").fails(http.StatusUnauthorized)

	// A dft_ token without analytics:read.
	settingsOnly := a.token(a.adminID, []string{"websites:read", "settings:read"}, nil)
	for _, tc := range breakdownCases {
		a.get("/api/v1/analytics/"+tc.path+a.q, settingsOnly).fails(http.StatusForbidden, "analytics:read")
	}
	a.get("/api/v1/analytics/timeseries"+a.q+"&fields=visitors&interval=day", settingsOnly).fails(http.StatusForbidden, "analytics:read")
	a.get("/api/v1/analytics/realtime"+a.q, settingsOnly).fails(http.StatusForbidden, "analytics:read")
	readOnly := a.token(a.adminID, []string{"analytics:read"}, nil)
	want := a.get(overview+a.q, readOnly).first()

	// df_ key without websiteId, with its own websiteId, and a dft_ token
	// with websiteId: the same answer.
	sameJSON(t, "df_ implied", a.get(overview, a.keyA).first(), mustJSON(t, want))
	sameJSON(t, "df_ explicit", a.get(overview+a.q, a.keyA).first(), mustJSON(t, want))
	if want["visitors"] != float64(4) {
		t.Fatalf("overview %v", want)
	}

	// A df_ key of website A cannot read website B, even naming it.
	for _, path := range []string{overview, "/api/v1/analytics/pages", "/api/v1/analytics/realtime"} {
		a.get(path+"?websiteId="+a.siteB, a.keyA).fails(http.StatusForbidden)
		a.get(path+a.q, a.keyB).fails(http.StatusForbidden)
	}
	// Nor can A's owner (no role on B), nor a token limited to website A.
	a.get(overview+"?websiteId="+a.siteB, a.admin).fails(http.StatusForbidden)
	onlyA := a.token(a.adminID, []string{"analytics:read"}, []string{a.site})
	a.get(overview+"?websiteId="+a.siteB, onlyA).fails(http.StatusForbidden)
	a.get(overview+a.q, onlyA).ok()

	// A viewer of A reads it.
	_, viewer := a.user("viewer@example.com", nil, nil)
	a.join(a.admin, a.site, "viewer@example.com", viewer, openfast.RoleViewer)
	sameJSON(t, "viewer", a.get(overview+a.q, viewer).first(), mustJSON(t, want))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAnalyticsUnavailable: without an analytics store every read answers
// 503, after authorization.
func TestAnalyticsUnavailable(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	targets := []string{"overview", "timeseries?fields=visitors&interval=day", "realtime"}
	for _, tc := range breakdownCases {
		targets = append(targets, tc.path)
	}
	for _, target := range targets {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		e.do(http.MethodGet, "/api/v1/analytics/"+target+sep+"websiteId="+e.site, e.admin, nil).fails(http.StatusServiceUnavailable, "Analytics are not enabled")
	}
	e.do(http.MethodGet, "/api/v1/analytics/overview", "", nil).fails(http.StatusUnauthorized)
}
