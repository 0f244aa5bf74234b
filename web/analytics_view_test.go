package web

import (
	"net/url"
	"testing"
	"time"
)

// TestView: the periods, their comparison, interval and stepping, and the
// URL that reproduces a view.
func TestView(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC) // 00:30 on 11 March in Paris
	for _, tc := range []struct {
		query                string
		start, end           string // API startAt, endAt
		cmpStart, cmpEnd     string
		interval, prev, next string
		label                string
	}{
		{"", "2026-02-10", "2026-03-11", "", "", "day", "?from=2026-01-11&period=custom&to=2026-02-09", "", "Last 30 days"},
		{"period=today&compare=previous", "2026-03-11", "2026-03-11", "2026-03-10", "2026-03-10", "hour", "?compare=previous&from=2026-03-10&period=custom&to=2026-03-10", "", "Today"},
		{"period=lastmonth&compare=year", "2026-02-01", "2026-02-28", "2025-02-01", "2025-02-28", "day", "?compare=year&from=2026-01-01&period=custom&to=2026-01-31", "?compare=year&from=2026-03-01&period=custom&to=2026-03-31", "Last month"},
		{"period=12m&interval=month", "2025-04-01", "2026-03-31", "", "", "month", "?from=2024-04-01&interval=month&period=custom&to=2025-03-31", "", "Last 12 months"},
		{"period=24h", "2026-03-09T23:31:00Z", "2026-03-10T23:30:59.999999Z", "", "", "hour", "", "", "Last 24 hours"},
		{"period=all&compare=previous", "", "", "", "", "month", "", "", "All time"},
		{"period=custom&from=2026-03-02&to=2026-03-08", "2026-03-02", "2026-03-08", "", "", "day", "?from=2026-02-23&period=custom&to=2026-03-01", "?from=2026-03-09&period=custom&to=2026-03-15", "2026-03-02 to 2026-03-08"},
		{"period=custom&from=2026-03-08&to=2026-03-02", "2026-02-10", "2026-03-11", "", "", "day", "?from=2026-01-11&period=custom&to=2026-02-09", "", "Last 30 days"},
	} {
		q, _ := url.ParseQuery(tc.query)
		v := parseView(q, paris, now)
		cur, cmp := v.params(false), v.params(true)
		if v.Compare == "" {
			cmp = url.Values{}
		}
		if cur.Get("startAt") != tc.start || cur.Get("endAt") != tc.end || cmp.Get("startAt") != tc.cmpStart || cmp.Get("endAt") != tc.cmpEnd {
			t.Errorf("%q: range %s..%s compare %s..%s", tc.query, cur.Get("startAt"), cur.Get("endAt"), cmp.Get("startAt"), cmp.Get("endAt"))
		}
		if v.interval() != tc.interval || v.stepped(-1) != tc.prev || v.stepped(1) != tc.next || v.Label() != tc.label {
			t.Errorf("%q: interval %s, prev %q, next %q, label %q", tc.query, v.interval(), v.stepped(-1), v.stepped(1), v.Label())
		}
		// The URL of the view gives the same view.
		again, _ := url.ParseQuery(v.Query()[min(1, len(v.Query())):])
		if w := parseView(again, paris, now); w.Query() != v.Query() {
			t.Errorf("%q: %q reads back as %q", tc.query, v.Query(), w.Query())
		}
	}
	// Filters keep their operator; a value without one is "is".
	q, _ := url.ParseQuery("filter_country=is_not:France&filter_page=/pricing&filter_nope=is:x&filter_city=contains:")
	v := parseView(q, time.UTC, now)
	if len(v.Filters) != 2 || v.Filters[0].raw() != "is_not:France" || v.Filters[1].raw() != "is:/pricing" {
		t.Errorf("filters %+v", v.Filters)
	}
}

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "1234567.50": "1,234,567.50", "-12345.5": "-12,345.5", "-999.00": "-999.00"} {
		if got := grouped(in); got != want {
			t.Errorf("grouped(%s) = %s, want %s", in, got, want)
		}
	}
}
