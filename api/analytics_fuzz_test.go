package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// analyticsReadPaths are the analytics reads a fuzzed query string goes to
// (the last is the visitors list, at /api/v1/visitors).
var analyticsReadPaths = []string{"overview", "timeseries", "realtime", "pages", "referrers", "countries", "regions",
	"cities", "browsers", "operating-systems", "devices", "campaigns", "goals", "hostnames", "visitors"}

// fuzzQueryTimeout is the read deadline of the fuzzed reads: short, so
// that a read the fuzzer makes expensive ends in the documented 503.
const fuzzQueryTimeout = 250 * time.Millisecond

// FuzzAnalyticsQuery sends fuzzed query strings, filters above all, to
// every analytics read, through the router, the parser and real DuckDB
// queries over the fixture, with the read limits in force: no answer is a
// 5xx other than the 503 of a read stopped at its deadline, and every
// answer matches the OpenAPI document.
func FuzzAnalyticsQuery(f *testing.F) {
	a := newAnalyticsEnv(f, func(c *testConfig) { c.QueryTimeout = fuzzQueryTimeout })
	values := func(n int) string { return strings.TrimSuffix(strings.Repeat("/x,", n), ",") }
	for _, s := range []string{
		"", "startAt=2026-03-01&endAt=2026-03-10", "startAt=2026-03-09T10:00:00Z&endAt=2026-03-10T10:00:00%2B01:00",
		"interval=hour&fields=name,visitors,sessions,revenue,payments,conversion_rate&startAt=2026-03-09&endAt=2026-03-10",
		"interval=week&fields=visitors&timezone=Asia/Kolkata", "interval=month&fields=name&limit=1000&offset=3",
		"filter_country=is_not:France,US&filter_page=contains:/blog&filter_goal=does_not_contain:sign",
		"country=US&device=Mobile&ref=x&limit=0", "filter_referrer=google.com&filter_browser=Safari&fields=referrer,revenue",
		"timezone=../../etc/passwd", "startAt=9999-12-31&endAt=9999-12-31", "limit=-1&offset=99999999999999999999",
		"fields=utm_source,utm_medium&filter_utm_source=%00", "filter_hostname=%FF%FE&filter_foo=1",
		"filter_page=is:/,/pricing&filter_page=is_not:/blog&filter_country=contains:U,F&filter_device=does_not_contain:mob",
		"filter_page=does_not_contain:" + values(60) + "&filter_city=is_not:" + values(40),
		"filter_page=does_not_contain:" + values(60) + "&filter_city=is_not:" + values(41),
		"filter_page=IS_NOT:%20/a%20,,%20&filter_referrer=unknown:x:y&filter_goal=is:Sign%20Up",
		"visitedPage=/,/pricing&pageContains=blog&completedGoal=signup&isCustomer=true&city=" + values(50),
	} {
		for i := range analyticsReadPaths {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // not a query string a client can send
		}
		q.Set("websiteId", a.site)
		path := "/api/v1/analytics/" + analyticsReadPaths[int(which)%len(analyticsReadPaths)] + "?" + q.Encode()
		path = strings.Replace(path, "/analytics/visitors?", "/visitors?", 1)
		res := a.with(t).do(http.MethodGet, path, a.admin, nil)
		if res.status == http.StatusServiceUnavailable {
			res.fails(res.status, "The analytics read took longer than 250ms and was stopped.")
			return
		}
		if res.status >= 500 {
			t.Fatalf("GET %s: status %d: %s", path, res.status, res.body)
		}
		if res.status != http.StatusOK {
			res.fails(res.status)
		}
	})
}
