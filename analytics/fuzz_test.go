package analytics

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// FuzzParse feeds a raw query string to every endpoint and checks that Parse
// never panics, fails only with EINVALID, and on success returns a Query
// within its bounds.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"fields=visitors,name&interval=day",
		"fields=visitors&interval=hour&startAt=2026-03-08&endAt=2026-03-08&timezone=America/New_York",
		"fields=visitors&interval=month&startAt=2026-05-01T00:00:00.000Z&endAt=2026-05-01T23:59:59.999Z&timezone=Europe/Paris",
		"startAt=2026-05-01T10:00:00+02:00&endAt=2026-05-01T12:00:00%2B0200",
		"startAt=2026-05-01&endAt=2026-04-30",
		"startAt=1969-12-31&endAt=9999-12-31",
		"timezone=../../etc/passwd",
		"limit=1000&offset=1000000",
		"limit=-1&offset=abc",
		"filter_country=is_not:France,US&filter_page=contains:/docs&filter_goal=checkout:done",
		"filter_hostname=www.Example.com&filter_device=Mobile&filter_foo=bar",
		"country=US&device=desktop&ref=ph",
		"visitedPage=/pricing&pageContains=/blog&completedGoal=Sign Up",
		"isCustomer=true&hasRevenue=false",
		"goal=signup&isCustomer=true",
		"filter_city=%ff%00&fields=%ff",
	} {
		f.Add(seed)
	}
	endpoints := []Endpoint{Overview, Timeseries, Realtime, Pages, Campaigns, Goals, Visitors}
	now := time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		for _, e := range endpoints {
			for _, tz := range []string{"America/New_York", ""} {
				query, err := Parse(e, q, tz, now)
				if err != nil {
					if code := openfast.ErrorCode(err); code != openfast.EINVALID {
						t.Fatalf("%s: %q: error %v has code %s", e.Name, raw, err, code)
					}
					if err.Error() == "" {
						t.Fatalf("%s: %q: empty error message", e.Name, raw)
					}
					continue
				}
				checkQuery(t, e, raw, query)
			}
		}
	})
}

func checkQuery(t *testing.T, e Endpoint, raw string, query *Query) {
	t.Helper()
	if query.Location == nil || query.Timezone == "" {
		t.Fatalf("%s: %q: no timezone", e.Name, raw)
	}
	if e.Paged {
		if query.Limit < 1 || query.Limit > e.MaxLimit || query.Offset < 0 || query.Offset > MaxOffset {
			t.Fatalf("%s: %q: Limit %d, Offset %d", e.Name, raw, query.Limit, query.Offset)
		}
	} else if query.Limit != 0 || query.Offset != 0 {
		t.Fatalf("%s: %q: Limit %d, Offset %d on an endpoint without paging", e.Name, raw, query.Limit, query.Offset)
	}
	r := query.Range
	if r.All {
		if e.Interval || !r.Start.IsZero() || !r.End.IsZero() {
			t.Fatalf("%s: %q: Range %+v", e.Name, raw, r)
		}
	} else if !r.Start.Before(r.End) || r.Start.Location() != time.UTC || r.End.Location() != time.UTC {
		t.Fatalf("%s: %q: Range %v .. %v", e.Name, raw, r.Start, r.End)
	}
	if len(e.Fields) > 0 && len(query.Fields) == 0 {
		t.Fatalf("%s: %q: no fields", e.Name, raw)
	}
	for i, f := range query.Fields {
		if !slices.Contains(e.Fields, f) || slices.Contains(query.Fields[:i], f) {
			t.Fatalf("%s: %q: field %q invalid or repeated", e.Name, raw, f)
		}
	}
	if e.Interval != slices.Contains(Intervals, query.Interval) {
		t.Fatalf("%s: %q: Interval %q", e.Name, raw, query.Interval)
	}
	if len(query.Filters) > MaxFilters || !e.Filters && len(query.Filters) > 0 {
		t.Fatalf("%s: %q: %d filters", e.Name, raw, len(query.Filters))
	}
	values := 0
	for _, f := range query.Filters {
		if values += len(f.Values); values > MaxFilterValues {
			t.Fatalf("%s: %q: more than %d filter values", e.Name, raw, MaxFilterValues)
		}
		if !slices.Contains(Dimensions, f.Dimension) || f.Op > OpDoesNotContain || len(f.Values) == 0 || len(f.Values) > MaxAnalyticsValues {
			t.Fatalf("%s: %q: filter %+v", e.Name, raw, f)
		}
		for _, v := range f.Values {
			if v == "" {
				t.Fatalf("%s: %q: empty value in %+v", e.Name, raw, f)
			}
		}
	}
	if query.Customer != nil && !e.VisitorFilters {
		t.Fatalf("%s: %q: Customer set", e.Name, raw)
	}
}
