package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// manyEvents returns n pageviews of website site, each of its own visitor
// and session, on long and different paths, spread over 9 and 10 March,
// all from a search engine (a breakdown that skips direct visits must
// still read every one of them).
func manyEvents(site string, n int) []openfast.Event {
	events := make([]openfast.Event, n)
	for i := range events {
		v := fmt.Sprintf("00000000-0000-4000-8000-%012x", 0x100000+i)
		visitor, _ := openfast.ParseUUID(v)
		session, _ := openfast.ParseUUID(fmt.Sprintf("00000000-0000-4000-9000-%012x", 0x100000+i))
		path := fmt.Sprintf("/docs/%d/%s", i, strings.Repeat("section-", 28))
		events[i] = openfast.Event{WebsiteID: site, Time: time.Date(2026, 3, 9, 0, 0, i%86400, 0, time.UTC),
			Type: openfast.EventPageview, VisitorID: visitor, SessionID: session, Hostname: "example.com",
			Path: path, EntryPath: path, CountryCode: "US", Browser: "Chrome", OS: "Windows", Device: "desktop",
			Referrer: "Google", ReferrerHost: "google.com", SessionReferrer: "Google"}
	}
	return events
}

// expensiveFilters is a query string of MaxFilterValues does_not_contain
// values that no path contains: every value is compared with every event.
func expensiveFilters() string {
	q := url.Values{}
	values := make([]string, 0, analytics.MaxAnalyticsValues)
	for i := range analytics.MaxFilterValues {
		values = append(values, fmt.Sprintf("%s%03d", strings.Repeat("never-seen-", 22), i))
	}
	q.Set("filter_page", "does_not_contain:"+strings.Join(values, ","))
	return q.Encode()
}

// TestAnalyticsReads_QueryTimeout: a read that outlives --query-timeout is
// stopped and answered 503 in the error envelope, and the event store
// answers the next query. The deadline is far shorter than the read (100
// contains comparisons of long strings for each of 20,000 events).
func TestAnalyticsReads_QueryTimeout(t *testing.T) {
	a := newAnalyticsEnv(t, func(c *testConfig) { c.QueryTimeout = 5 * time.Millisecond })
	ctx := context.Background()
	if err := a.events.InsertEvents(ctx, manyEvents(a.site, 20_000)); err != nil {
		t.Fatal(err)
	}
	for _, read := range []string{"overview", "timeseries", "pages", "referrers"} {
		t.Run(read, func(t *testing.T) {
			res := a.do(http.MethodGet, "/api/v1/analytics/"+read+a.q+"&interval=day&fields=visitors&"+expensiveFilters(), a.admin, nil)
			res.fails(http.StatusServiceUnavailable, "The analytics read took longer than 5ms and was stopped.")
		})
	}
	if _, err := a.events.Totals(ctx, analytics.Request{WebsiteID: a.site, Range: analytics.Range{All: true}}); err != nil {
		t.Fatalf("the event store after the stopped reads: %v", err)
	}
}

// TestAnalyticsReads_FilterValuesCap: 400 beyond 100 filter values in one
// request, whatever parameters they come in.
func TestAnalyticsReads_FilterValuesCap(t *testing.T) {
	a := newAnalyticsEnv(t)
	list := func(n int) string { return strings.TrimSuffix(strings.Repeat("x,", n), ",") }
	for _, q := range []string{
		"&filter_page=does_not_contain:" + list(60) + "&filter_city=is_not:" + list(41),
		strings.Repeat("&filter_page=does_not_contain:"+list(40), 3),
		"&country=" + list(50) + "&filter_browser=contains:" + list(51),
	} {
		a.do(http.MethodGet, "/api/v1/analytics/overview"+a.q+q, a.admin, nil).
			fails(http.StatusBadRequest, "at most 100 filter values may be given in one request")
	}
	a.do(http.MethodGet, "/api/v1/visitors"+a.q+"&visitedPage="+list(50)+"&city="+list(50)+"&filter_os=iOS", a.admin, nil).
		fails(http.StatusBadRequest, "at most 100 filter values")
	a.do(http.MethodGet, "/api/v1/analytics/overview"+a.q+"&filter_page=does_not_contain:"+list(60)+"&filter_city=is_not:"+list(40), a.admin, nil).
		ok()
}

// heldTotals is an analytics store whose Totals wait until release is
// closed (only the overview is read through it).
type heldTotals struct {
	analytics.Store
	entered chan struct{}
	release chan struct{}
}

func (s *heldTotals) Totals(ctx context.Context, _ analytics.Request) (analytics.Totals, error) {
	s.entered <- struct{}{}
	select {
	case <-s.release:
		return analytics.Totals{}, nil
	case <-ctx.Done():
		return analytics.Totals{}, ctx.Err()
	}
}

func (s *heldTotals) Revenue(context.Context, analytics.Request, *analytics.Schedule) ([]analytics.RevenueRow, error) {
	return nil, nil
}

// TestAnalyticsReads_TooMany: beyond the reads that may run at once for a
// website, a read is answered 429 with Retry-After.
func TestAnalyticsReads_TooMany(t *testing.T) {
	store := &heldTotals{entered: make(chan struct{}, 4), release: make(chan struct{})}
	e := newTestEnv(t, func(c *testConfig) { c.Analytics, c.MaxReadsPerWebsite, c.MaxReads = store, 1, 2 })
	e.setup()
	path := "/api/v1/analytics/overview?websiteId=" + e.site
	done := make(chan int)
	go func() { done <- e.do(http.MethodGet, path, e.admin, nil).status }()
	<-store.entered
	res := e.do(http.MethodGet, path, e.admin, nil)
	res.fails(http.StatusTooManyRequests, "Too many analytics reads of this website are running (at most 1 at once)")
	if got := res.header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After = %q, want 1", got)
	}
	close(store.release)
	if status := <-done; status != http.StatusOK {
		t.Fatalf("the admitted read: status %d", status)
	}
	e.do(http.MethodGet, path, e.admin, nil).ok()
}
