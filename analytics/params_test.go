package analytics

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// testNow is a Wednesday afternoon in New York, 19:17 UTC.
var testNow = time.Date(2026, 5, 20, 19, 17, 42, 123456789, time.UTC)

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func parse(t *testing.T, e Endpoint, rawQuery, defaultTZ string) (*Query, error) {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", rawQuery, err)
	}
	return Parse(e, q, defaultTZ, testNow)
}

func mustParse(t *testing.T, e Endpoint, rawQuery, defaultTZ string) *Query {
	t.Helper()
	query, err := parse(t, e, rawQuery, defaultTZ)
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", e.Name, rawQuery, err)
	}
	return query
}

// wantInvalid checks that err is EINVALID and that its message holds each of
// the given parts (the parameter's name at least).
func wantInvalid(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want EINVALID mentioning %q", parts)
	}
	if code := openfast.ErrorCode(err); code != openfast.EINVALID {
		t.Fatalf("ErrorCode(%v) = %s, want %s", err, code, openfast.EINVALID)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestParse_DateRange(t *testing.T) {
	utc := time.UTC
	paris := mustLocation(t, "Europe/Paris")
	kolkata := mustLocation(t, "Asia/Kolkata")
	for _, tc := range []struct {
		name       string
		query, tz  string
		start, end time.Time
	}{
		{"OneDayUTC", "startAt=2026-05-01&endAt=2026-05-01", "UTC",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 2, 0, 0, 0, 0, utc)},
		{"MonthInTimezoneParam", "startAt=2026-05-01&endAt=2026-05-31&timezone=Asia/Kolkata", "UTC",
			time.Date(2026, 5, 1, 0, 0, 0, 0, kolkata), time.Date(2026, 6, 1, 0, 0, 0, 0, kolkata)},
		{"DefaultTimezone", "startAt=2026-01-31&endAt=2026-02-28", "America/New_York",
			time.Date(2026, 1, 31, 5, 0, 0, 0, utc), time.Date(2026, 3, 1, 5, 0, 0, 0, utc)},
		{"YearEnd", "startAt=2025-12-31&endAt=2025-12-31", "Europe/Paris",
			time.Date(2025, 12, 31, 0, 0, 0, 0, paris), time.Date(2026, 1, 1, 0, 0, 0, 0, paris)},
		{"SpringForwardNewYork", "startAt=2026-03-08&endAt=2026-03-08&timezone=America/New_York", "",
			time.Date(2026, 3, 8, 5, 0, 0, 0, utc), time.Date(2026, 3, 9, 4, 0, 0, 0, utc)},
		{"FallBackNewYork", "startAt=2026-11-01&endAt=2026-11-01&timezone=America/New_York", "",
			time.Date(2026, 11, 1, 4, 0, 0, 0, utc), time.Date(2026, 11, 2, 5, 0, 0, 0, utc)},
		{"SpringForwardParis", "startAt=2026-03-29&endAt=2026-03-29&timezone=Europe/Paris", "",
			time.Date(2026, 3, 28, 23, 0, 0, 0, utc), time.Date(2026, 3, 29, 22, 0, 0, 0, utc)},
		{"FallBackParis", "startAt=2026-10-25&endAt=2026-10-25&timezone=Europe/Paris", "",
			time.Date(2026, 10, 24, 22, 0, 0, 0, utc), time.Date(2026, 10, 25, 23, 0, 0, 0, utc)},
		{"WeekOverSpringForwardParis", "startAt=2026-03-27&endAt=2026-03-30&timezone=Europe/Paris", "",
			time.Date(2026, 3, 26, 23, 0, 0, 0, utc), time.Date(2026, 3, 30, 22, 0, 0, 0, utc)},
		{"InstantsZ", "startAt=2026-05-01T10:00:00Z&endAt=2026-05-01T12:30:00.5Z", "Europe/Paris",
			time.Date(2026, 5, 1, 10, 0, 0, 0, utc), time.Date(2026, 5, 1, 12, 30, 0, 500001000, utc)},
		{"InstantsOffset", "startAt=2026-05-01T10:00:00%2B02:00&endAt=2026-05-01T12:00:00-04:00", "UTC",
			time.Date(2026, 5, 1, 8, 0, 0, 0, utc), time.Date(2026, 5, 1, 16, 0, 0, 1000, utc)},
		{"EndAtNanosecondsTruncated", "startAt=2026-05-01T10:00:00Z&endAt=2026-05-01T10:00:00.123456789Z", "UTC",
			time.Date(2026, 5, 1, 10, 0, 0, 0, utc), time.Date(2026, 5, 1, 10, 0, 0, 123457000, utc)},
		{"SameInstant", "startAt=2026-05-01T10:00:00Z&endAt=2026-05-01T10:00:00Z", "UTC",
			time.Date(2026, 5, 1, 10, 0, 0, 0, utc), time.Date(2026, 5, 1, 10, 0, 0, 1000, utc)},
		{"UnencodedPlusOffset", "startAt=2026-05-01T10:00:00+02:00&endAt=2026-05-01T11:00:00+0200", "UTC",
			time.Date(2026, 5, 1, 8, 0, 0, 0, utc), time.Date(2026, 5, 1, 9, 0, 0, 1000, utc)},
		{"OtherISOForms", "startAt=2026-05-01t10:00z&endAt=2026-05-01T11:00:00.000-05", "UTC",
			time.Date(2026, 5, 1, 10, 0, 0, 0, utc), time.Date(2026, 5, 1, 16, 0, 0, 1000, utc)},
		{"DateThenInstant", "startAt=2026-05-01&endAt=2026-05-01T12:00:00Z&timezone=America/New_York", "",
			time.Date(2026, 5, 1, 4, 0, 0, 0, utc), time.Date(2026, 5, 1, 12, 0, 0, 1000, utc)},
		{"InstantThenDateSameDay", "startAt=2026-05-01T16:00:00Z&endAt=2026-05-01&timezone=America/New_York", "",
			time.Date(2026, 5, 1, 16, 0, 0, 0, utc), time.Date(2026, 5, 2, 4, 0, 0, 0, utc)},
		{"LegacyFullDayUTC", "startAt=2026-03-08T00:00:00.000Z&endAt=2026-03-08T23:59:59.999Z&timezone=America/New_York", "",
			time.Date(2026, 3, 8, 5, 0, 0, 0, utc), time.Date(2026, 3, 9, 4, 0, 0, 0, utc)},
		{"LegacyFullDaysUTCNoMillis", "startAt=2026-05-01T00:00:00Z&endAt=2026-05-07T23:59:59Z", "Asia/Kolkata",
			time.Date(2026, 5, 1, 0, 0, 0, 0, kolkata), time.Date(2026, 5, 8, 0, 0, 0, 0, kolkata)},
		{"LegacyFullDayPlusZeroOffset", "startAt=2026-05-01T00:00:00%2B00:00&endAt=2026-05-01T23:59:59.999%2B00:00", "Europe/Paris",
			time.Date(2026, 5, 1, 0, 0, 0, 0, paris), time.Date(2026, 5, 2, 0, 0, 0, 0, paris)},
		{"NotLegacyWhenEndIsNotDayEnd", "startAt=2026-05-01T00:00:00Z&endAt=2026-05-01T23:59:58Z", "Europe/Paris",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 1, 23, 59, 58, 1000, utc)},
		{"NotLegacyWhenOffset", "startAt=2026-05-01T00:00:00%2B02:00&endAt=2026-05-01T23:59:59%2B02:00", "UTC",
			time.Date(2026, 4, 30, 22, 0, 0, 0, utc), time.Date(2026, 5, 1, 21, 59, 59, 1000, utc)},
		{"NotLegacyWhenStartHasMillis", "startAt=2026-05-01T00:00:00.001Z&endAt=2026-05-01T23:59:59.999Z", "Europe/Paris",
			time.Date(2026, 5, 1, 0, 0, 0, 1000000, utc), time.Date(2026, 5, 1, 23, 59, 59, 999001000, utc)},
		{"SpacesTrimmed", "startAt=+2026-05-01+&endAt=2026-05-01", "UTC",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 2, 0, 0, 0, 0, utc)},
		{"Bounds", "startAt=1970-01-01&endAt=9999-12-31", "UTC",
			time.Date(1970, 1, 1, 0, 0, 0, 0, utc), time.Date(10000, 1, 1, 0, 0, 0, 0, utc)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range []Endpoint{Overview, Pages, Visitors} {
				query := mustParse(t, e, tc.query, tc.tz)
				want := Range{Start: tc.start.UTC(), End: tc.end.UTC()}
				if query.Range != want {
					t.Fatalf("%s: Range = %v .. %v, want %v .. %v", e.Name, query.Range.Start, query.Range.End, want.Start, want.End)
				}
				if query.Range.Start.Location() != time.UTC || query.Range.End.Location() != time.UTC {
					t.Fatalf("%s: range is not in UTC", e.Name)
				}
			}
		})
	}
}

func TestParse_DateRangeDSTLength(t *testing.T) {
	for _, tc := range []struct {
		tz, day string
		want    time.Duration
	}{
		{"America/New_York", "2026-03-08", 23 * time.Hour},
		{"America/New_York", "2026-11-01", 25 * time.Hour},
		{"America/New_York", "2026-03-09", 24 * time.Hour},
		{"Europe/Paris", "2026-03-29", 23 * time.Hour},
		{"Europe/Paris", "2026-10-25", 25 * time.Hour},
		{"UTC", "2026-03-29", 24 * time.Hour},
	} {
		query := mustParse(t, Overview, "startAt="+tc.day+"&endAt="+tc.day+"&timezone="+tc.tz, "")
		if got := query.Range.End.Sub(query.Range.Start); got != tc.want {
			t.Errorf("%s in %s lasts %v, want %v", tc.day, tc.tz, got, tc.want)
		}
	}
}

func TestParse_NoRange(t *testing.T) {
	for _, e := range []Endpoint{Overview, Pages, Goals, Visitors, Realtime} {
		query := mustParse(t, e, "", "UTC")
		if query.Range != (Range{All: true}) {
			t.Errorf("%s: Range = %+v, want all time", e.Name, query.Range)
		}
	}
	// Realtime ignores dates, even bad ones.
	query := mustParse(t, Realtime, "startAt=yesterday&timezone=Mars/Olympus", "Europe/Paris")
	if !query.Range.All || query.Timezone != "Europe/Paris" {
		t.Errorf("realtime: Range = %+v, Timezone = %q", query.Range, query.Timezone)
	}
	// Empty values count as absent.
	if query := mustParse(t, Overview, "startAt=&endAt=", "UTC"); !query.Range.All {
		t.Errorf("empty startAt/endAt: Range = %+v", query.Range)
	}
}

func TestParse_DateRangeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, query, param string
	}{
		{"OnlyStart", "startAt=2026-05-01", "startAt and endAt must be given together"},
		{"OnlyEnd", "endAt=2026-05-01", "startAt and endAt must be given together"},
		{"OnlyEndWithEmptyStart", "startAt=&endAt=2026-05-01", "startAt and endAt"},
		{"StartAfterEnd", "startAt=2026-05-02&endAt=2026-05-01", "startAt must not be after endAt"},
		{"StartInstantAfterEndInstant", "startAt=2026-05-01T10:00:00.000001Z&endAt=2026-05-01T10:00:00Z", "startAt must not be after endAt"},
		{"StartInstantAfterEndInstantByNanos", "startAt=2026-05-01T10:00:00.0000009Z&endAt=2026-05-01T10:00:00.0000001Z", "startAt must not be after endAt"},
		{"StartInstantAfterEndDay", "startAt=2026-05-02T04:00:00Z&endAt=2026-05-01", "startAt must not be after endAt"},
		{"StartDayAfterEndInstant", "startAt=2026-05-02&endAt=2026-05-01T23:00:00Z", "startAt must not be after endAt"},
		{"NoZone", "startAt=2026-05-01T10:00:00&endAt=2026-05-01T11:00:00", "startAt"},
		{"BadEndNoZone", "startAt=2026-05-01&endAt=2026-05-01T11:00:00", "endAt"},
		{"Words", "startAt=yesterday&endAt=today", "startAt"},
		{"BadDay", "startAt=2026-02-30&endAt=2026-03-01", "startAt"},
		{"BadMonth", "startAt=2026-01-01&endAt=2026-13-01", "endAt"},
		{"ShortDate", "startAt=2026-5-1&endAt=2026-05-01", "startAt"},
		{"SlashDate", "startAt=2026/05/01&endAt=2026/05/01", "startAt"},
		{"UnixSeconds", "startAt=1746057600&endAt=1746144000", "startAt"},
		{"SpaceSeparator", "startAt=2026-05-01 10:00:00Z&endAt=2026-05-01T11:00:00Z", "startAt"},
		{"Hour24", "startAt=2026-05-01T24:00:00Z&endAt=2026-05-02T01:00:00Z", "startAt"},
		{"YearBefore1970", "startAt=1969-12-31&endAt=2026-01-01", "startAt must be in the years 1970 to 9999"},
		{"YearZero", "startAt=2026-01-01&endAt=0000-01-01T00:00:00Z", "endAt must be in the years 1970 to 9999"},
		{"YearFiveDigits", "startAt=2026-01-01&endAt=10000-01-01", "endAt"},
		{"TooLong", "startAt=2026-05-01T10:00:00." + strings.Repeat("0", 80) + "Z&endAt=2026-05-02", "startAt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range []Endpoint{Overview, Timeseries, Visitors} {
				query := tc.query
				if e.Interval {
					query += "&interval=day&fields=visitors"
				}
				_, err := parse(t, e, query, "America/New_York")
				wantInvalid(t, err, tc.param)
			}
		})
	}
}

func TestParse_Timezone(t *testing.T) {
	for _, tc := range []struct {
		name, query, def, want string
	}{
		{"Given", "timezone=Europe/Paris", "UTC", "Europe/Paris"},
		{"GivenWithSpaces", "timezone=%20Asia/Kolkata%20", "UTC", "Asia/Kolkata"},
		{"Default", "", "America/New_York", "America/New_York"},
		{"EmptyMeansDefault", "timezone=", "America/New_York", "America/New_York"},
		{"NoDefault", "", "", "UTC"},
		{"InvalidDefault", "", "Nowhere/Special", "UTC"},
		{"PathDefault", "", "../../etc/passwd", "UTC"},
		{"LocalDefault", "", "Local", "UTC"},
		{"UTC", "timezone=UTC", "Europe/Paris", "UTC"},
		{"EtcOffset", "timezone=Etc/GMT%2B5", "UTC", "Etc/GMT+5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := mustParse(t, Overview, tc.query, tc.def)
			if query.Timezone != tc.want || query.Location.String() != tc.want {
				t.Fatalf("Timezone = %q, Location = %v; want %q", query.Timezone, query.Location, tc.want)
			}
		})
	}
	for _, bad := range []string{
		"Mars/Olympus", "America/New York", "../../../../etc/passwd", "/usr/share/zoneinfo/UTC", "America/..",
		"Local", "Europe/Paris\x00", strings.Repeat("A", 65), "Europe\\Paris", "europe/paris%", "Europe/Paris/",
	} {
		t.Run("Reject/"+bad, func(t *testing.T) {
			_, err := Parse(Overview, url.Values{"timezone": {bad}}, "UTC", testNow)
			wantInvalid(t, err, "timezone")
		})
	}
}

func TestParse_Fields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		e     Endpoint
		query string
		want  []string
	}{
		{"OverviewDefault", Overview, "", Overview.Fields},
		{"OverviewOrderKept", Overview, "fields=revenue,visitors", []string{"revenue", "visitors"}},
		{"Deduplicated", Overview, "fields=visitors,sessions,visitors", []string{"visitors", "sessions"}},
		{"SpacesAndEmptyItems", Overview, "fields=%20visitors%20,,%20,bounce_rate,", []string{"visitors", "bounce_rate"}},
		{"OnlyEmptyItemsMeanDefault", Pages, "fields=,,", Pages.Fields},
		{"RepeatedParam", Pages, "fields=path&fields=visitors,path", []string{"path", "visitors"}},
		{"TimeseriesGiven", Timeseries, "fields=visitors,name&interval=day", []string{"visitors", "name"}},
		{"Realtime", Realtime, "fields=visitors", []string{"visitors"}},
		{"RealtimeDefault", Realtime, "", []string{"visitors"}},
		{"ReferrersPayments", Referrers, "fields=referrer,payments", []string{"referrer", "payments"}},
		{"PagesPaymentsInferred", Pages, "fields=payments", []string{"payments"}},
		{"GoalsName", Goals, "fields=name,completions", []string{"name", "completions"}},
		{"CampaignKeys", Campaigns, "fields=utm_source,utm_medium,utm_campaign", []string{"utm_source", "utm_medium", "utm_campaign"}},
		{"CountriesImage", Countries, "fields=country,image", []string{"country", "image"}},
		{"VisitorsHasNoFields", Visitors, "fields=anything", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := mustParse(t, tc.e, tc.query, "UTC")
			if !reflect.DeepEqual(query.Fields, tc.want) {
				t.Fatalf("Fields = %q, want %q", query.Fields, tc.want)
			}
		})
	}
	t.Run("DefaultIsACopy", func(t *testing.T) {
		query := mustParse(t, Overview, "", "UTC")
		query.Fields[0] = "changed"
		if Overview.Fields[0] != "visitors" {
			t.Fatal("Parse returned the endpoint's own slice")
		}
	})
	for _, tc := range []struct {
		name  string
		e     Endpoint
		query string
		msg   string
	}{
		{"Unknown", Overview, "fields=visitors,pageviews",
			"Invalid field: pageviews. Valid fields: visitors, sessions, bounce_rate, avg_session_duration, currency, revenue, payments, revenue_per_visitor, conversion_rate."},
		{"CaseSensitive", Pages, "fields=Visitors", "Invalid field: Visitors. Valid fields: hostname, path, visitors, revenue, payments."},
		{"RealtimeOnlyVisitors", Realtime, "fields=visitors,sessions", "Invalid field: sessions. Valid fields: visitors."},
		{"GoalsNoRevenue", Goals, "fields=revenue", "Invalid field: revenue. Valid fields: name, completions, visitors."},
		{"TimeseriesRequired", Timeseries, "interval=day", "fields is required. Valid fields: name, visitors, sessions, revenue, payments, conversion_rate."},
		{"TimeseriesRequiredEmpty", Timeseries, "interval=day&fields=,", "fields is required"},
		{"LongFieldQuotedShort", Overview, "fields=" + strings.Repeat("x", 500), "Invalid field: " + strings.Repeat("x", 64) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.e, tc.query, "UTC")
			wantInvalid(t, err, tc.msg)
		})
	}
}

func TestParse_Interval(t *testing.T) {
	utc := time.UTC
	ny := mustLocation(t, "America/New_York")
	kolkata := mustLocation(t, "Asia/Kolkata")
	for _, tc := range []struct {
		name, query, tz string
		now             time.Time
		interval        string
		start, end      time.Time
	}{
		// Default windows.
		{"HourDefault", "interval=hour", "UTC", testNow, "hour",
			time.Date(2026, 5, 19, 20, 0, 0, 0, utc), time.Date(2026, 5, 20, 20, 0, 0, 0, utc)},
		{"HourDefaultHalfHourZone", "interval=hour", "Asia/Kolkata", testNow, "hour", // 00:47 local on May 21
			time.Date(2026, 5, 20, 1, 0, 0, 0, kolkata), time.Date(2026, 5, 21, 1, 0, 0, 0, kolkata)},
		{"HourDefaultOnTheHour", "interval=hour", "UTC", time.Date(2026, 5, 20, 19, 0, 0, 0, utc), "hour",
			time.Date(2026, 5, 19, 20, 0, 0, 0, utc), time.Date(2026, 5, 20, 20, 0, 0, 0, utc)},
		{"DayDefault", "interval=day", "America/New_York", testNow, "day",
			time.Date(2026, 4, 21, 0, 0, 0, 0, ny), time.Date(2026, 5, 21, 0, 0, 0, 0, ny)},
		{"DayDefaultLocalDateDiffersFromUTC", "interval=day", "Asia/Kolkata", testNow, "day",
			time.Date(2026, 4, 22, 0, 0, 0, 0, kolkata), time.Date(2026, 5, 22, 0, 0, 0, 0, kolkata)},
		{"DayDefaultOverSpringForward", "interval=day", "America/New_York", time.Date(2026, 3, 20, 12, 0, 0, 0, utc), "day",
			time.Date(2026, 2, 19, 0, 0, 0, 0, ny), time.Date(2026, 3, 21, 0, 0, 0, 0, ny)},
		{"WeekDefault", "interval=week", "UTC", testNow, "week",
			time.Date(2026, 4, 21, 0, 0, 0, 0, utc), time.Date(2026, 5, 21, 0, 0, 0, 0, utc)},
		{"MonthDefault", "interval=month", "America/New_York", testNow, "month",
			time.Date(2025, 6, 1, 0, 0, 0, 0, ny), time.Date(2026, 6, 1, 0, 0, 0, 0, ny)},
		{"MonthDefaultJanuary", "interval=month", "UTC", time.Date(2026, 1, 15, 0, 0, 0, 0, utc), "month",
			time.Date(2025, 2, 1, 0, 0, 0, 0, utc), time.Date(2026, 2, 1, 0, 0, 0, 0, utc)},
		// The same-day upgrade.
		{"SameDayDayUpgraded", "interval=day&startAt=2026-05-01&endAt=2026-05-01", "UTC", testNow, "hour",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 2, 0, 0, 0, 0, utc)},
		{"SameDayWeekUpgraded", "interval=week&startAt=2026-03-08&endAt=2026-03-08&timezone=America/New_York", "", testNow, "hour",
			time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny)},
		{"SameDayMonthUpgradedInstants", "interval=month&startAt=2026-05-01T13:00:00Z&endAt=2026-05-01T15:00:00Z", "America/New_York", testNow, "hour",
			time.Date(2026, 5, 1, 13, 0, 0, 0, utc), time.Date(2026, 5, 1, 15, 0, 0, 1000, utc)},
		{"LegacyFullDayUpgraded", "interval=day&startAt=2026-05-01T00:00:00.000Z&endAt=2026-05-01T23:59:59.999Z", "Asia/Kolkata", testNow, "hour",
			time.Date(2026, 5, 1, 0, 0, 0, 0, kolkata), time.Date(2026, 5, 2, 0, 0, 0, 0, kolkata)},
		{"SameUTCDayButTwoLocalDaysKept", "interval=day&startAt=2026-05-01T02:00:00Z&endAt=2026-05-01T06:00:00Z", "America/New_York", testNow, "day",
			time.Date(2026, 5, 1, 2, 0, 0, 0, utc), time.Date(2026, 5, 1, 6, 0, 0, 1000, utc)},
		{"TwoDaysKept", "interval=day&startAt=2026-05-01&endAt=2026-05-02", "UTC", testNow, "day",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 3, 0, 0, 0, 0, utc)},
		{"HourStaysHour", "interval=hour&startAt=2026-05-01&endAt=2026-05-03", "UTC", testNow, "hour",
			time.Date(2026, 5, 1, 0, 0, 0, 0, utc), time.Date(2026, 5, 4, 0, 0, 0, 0, utc)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query + "&fields=visitors")
			if err != nil {
				t.Fatal(err)
			}
			query, err := Parse(Timeseries, q, tc.tz, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			want := Range{Start: tc.start.UTC(), End: tc.end.UTC()}
			if query.Interval != tc.interval || query.Range != want {
				t.Fatalf("Interval = %q, Range = %v .. %v (all %v); want %q, %v .. %v",
					query.Interval, query.Range.Start, query.Range.End, query.Range.All, tc.interval, want.Start, want.End)
			}
		})
	}
	for _, tc := range []struct{ name, query, msg string }{
		{"Missing", "fields=visitors", "interval is required and must be one of hour, day, week, month."},
		{"Empty", "fields=visitors&interval=", "interval is required"},
		{"Unknown", "fields=visitors&interval=year", "interval must be one of hour, day, week, month"},
		{"CaseSensitive", "fields=visitors&interval=Day", "interval must be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, Timeseries, tc.query, "UTC")
			wantInvalid(t, err, tc.msg)
		})
	}
	t.Run("IgnoredElsewhere", func(t *testing.T) {
		if query := mustParse(t, Overview, "interval=year", "UTC"); query.Interval != "" {
			t.Fatalf("Interval = %q", query.Interval)
		}
	})
}

func TestParse_Paging(t *testing.T) {
	for _, tc := range []struct {
		name          string
		e             Endpoint
		query         string
		limit, offset int
	}{
		{"BreakdownDefault", Pages, "", 100, 0},
		{"TimeseriesDefault", Timeseries, "fields=visitors&interval=day", 100, 0},
		{"VisitorsDefault", Visitors, "", 100, 0},
		{"Given", Referrers, "limit=10&offset=20", 10, 20},
		{"Max", Cities, "limit=1000&offset=1000000", 1000, 1000000},
		{"VisitorsMax", Visitors, "limit=250", 250, 0},
		{"Min", Devices, "limit=1&offset=0", 1, 0},
		{"Spaces", Devices, "limit=%205%20", 5, 0},
		{"EmptyMeansDefault", Devices, "limit=&offset=", 100, 0},
		{"NotPagedIgnored", Overview, "limit=abc&offset=-1", 0, 0},
		{"RealtimeIgnored", Realtime, "limit=5000", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := mustParse(t, tc.e, tc.query, "UTC")
			if query.Limit != tc.limit || query.Offset != tc.offset {
				t.Fatalf("Limit, Offset = %d, %d; want %d, %d", query.Limit, query.Offset, tc.limit, tc.offset)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		e     Endpoint
		query string
		msg   string
	}{
		{"LimitZero", Pages, "limit=0", "limit must be an integer from 1 to 1000"},
		{"LimitTooBig", Pages, "limit=1001", "limit must be an integer from 1 to 1000"},
		{"VisitorsLimitTooBig", Visitors, "limit=251", "limit must be an integer from 1 to 250"},
		{"LimitNegative", Pages, "limit=-5", "limit"},
		{"LimitWord", Pages, "limit=ten", "limit"},
		{"LimitFloat", Pages, "limit=10.5", "limit"},
		{"LimitHuge", Pages, "limit=99999999999999999999999", "limit"},
		{"OffsetNegative", Goals, "offset=-1", "offset must be an integer from 0 to 1000000"},
		{"OffsetTooBig", Goals, "offset=1000001", "offset"},
		{"OffsetWord", Visitors, "offset=x", "offset"},
		{"TimeseriesLimit", Timeseries, "fields=visitors&interval=day&limit=0", "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.e, tc.query, "UTC")
			wantInvalid(t, err, tc.msg)
		})
	}
}

func TestParse_Filters(t *testing.T) {
	for _, tc := range []struct {
		name  string
		e     Endpoint
		query string
		want  []Filter
	}{
		{"None", Pages, "", nil},
		{"DefaultIs", Pages, "filter_device=mobile", []Filter{{DimDevice, OpIs, []string{"mobile"}}}},
		{"IsNot", Pages, "filter_device=is_not:Mobile", []Filter{{DimDevice, OpIsNot, []string{"mobile"}}}},
		{"Contains", Overview, "filter_page=contains:/docs", []Filter{{DimPage, OpContains, []string{"/docs"}}}},
		{"DoesNotContain", Overview, "filter_entry_page=does_not_contain:/blog,/news", []Filter{{DimEntryPage, OpDoesNotContain, []string{"/blog", "/news"}}}},
		{"OperatorCaseAndSpaces", Overview, "filter_page=%20IS_NOT%20:/a", []Filter{{DimPage, OpIsNot, []string{"/a"}}}},
		{"ExplicitIs", Overview, "filter_referrer=is:google.com,facebook.com", []Filter{{DimReferrer, OpIs, []string{"google.com", "facebook.com"}}}},
		{"ColonInValue", Overview, "filter_goal=checkout:done", []Filter{{DimGoal, OpIs, []string{"checkout:done"}}}},
		{"ColonInValueAfterOperator", Overview, "filter_goal=is_not:checkout:done", []Filter{{DimGoal, OpIsNot, []string{"checkout:done"}}}},
		{"ColonInURLValue", Overview, "filter_referrer=https://x.com/a", []Filter{{DimReferrer, OpIs, []string{"https://x.com/a"}}}},
		{"TrimAndDropEmpty", Overview, "filter_browser=%20Chrome%20,,%20,Safari,", []Filter{{DimBrowser, OpIs, []string{"Chrome", "Safari"}}}},
		{"RepeatedParamIsTwoFilters", Overview, "filter_country=US&filter_country=FR",
			[]Filter{{DimCountry, OpIs, []string{"US"}}, {DimCountry, OpIs, []string{"FR"}}}},
		{"SeveralDimensionsSortedByName", Overview, "filter_utm_source=newsletter&filter_city=Paris&filter_os=iOS",
			[]Filter{{DimCity, OpIs, []string{"Paris"}}, {DimOS, OpIs, []string{"iOS"}}, {DimUTMSource, OpIs, []string{"newsletter"}}}},
		{"CountryNamesAndCodes", Overview, "filter_country=United States,canada,fr,France,Atlantis",
			[]Filter{{DimCountry, OpIs, []string{"US", "CA", "FR", "FR", "Atlantis"}}}},
		{"CountryIsNotName", Overview, "filter_country=is_not:France", []Filter{{DimCountry, OpIsNot, []string{"FR"}}}},
		{"Goal", Overview, "filter_goal=Sign Up,newsletter_signup", []Filter{{DimGoal, OpIs, []string{"sign_up", "newsletter_signup"}}}},
		{"Hostname", Overview, "filter_hostname=WWW.Example.com,app.example.com,www.com", []Filter{{DimHostname, OpIs, []string{"www.example.com", "app.example.com", "www.com"}}}},
		{"RegionAsGiven", Overview, "filter_region=US-CA,California", []Filter{{DimRegion, OpIs, []string{"US-CA", "California"}}}},
		{"OtherValuesAsGiven", Overview, "filter_utm_campaign=Spring Sale&filter_ref=ProductHunt&filter_source=X&filter_via=Alice&filter_utm_medium=Email&filter_utm_term=Go&filter_utm_content=Hero",
			[]Filter{{DimRef, OpIs, []string{"ProductHunt"}}, {DimSource, OpIs, []string{"X"}}, {DimUTMCampaign, OpIs, []string{"Spring Sale"}},
				{DimUTMContent, OpIs, []string{"Hero"}}, {DimUTMMedium, OpIs, []string{"Email"}}, {DimUTMTerm, OpIs, []string{"Go"}}, {DimVia, OpIs, []string{"Alice"}}}},
		{"LegacyUnprefixed", Timeseries, "fields=visitors&interval=day&country=US&device=Desktop&page=contains:/docs&ref=ph",
			[]Filter{{DimCountry, OpIs, []string{"US"}}, {DimDevice, OpIs, []string{"desktop"}}, {DimPage, OpContains, []string{"/docs"}}, {DimRef, OpIs, []string{"ph"}}}},
		{"PrefixedAndLegacyBoth", Pages, "country=US&filter_country=FR",
			[]Filter{{DimCountry, OpIs, []string{"US"}}, {DimCountry, OpIs, []string{"FR"}}}},
		{"UnknownParamsIgnored", Pages, "websiteId=665f0b3c4d2e1a0012345678&foo=bar&Filter_country=US&_=1", nil},
		{"RealtimeIgnoresFilters", Realtime, "filter_country=US&filter_foo=x", nil},
		{"ValueOf255Bytes", Overview, "filter_page=/" + strings.Repeat("a", 254), []Filter{{DimPage, OpIs, []string{"/" + strings.Repeat("a", 254)}}}},
		{"Unicode", Overview, "filter_city=São Paulo,Zürich", []Filter{{DimCity, OpIs, []string{"São Paulo", "Zürich"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := mustParse(t, tc.e, tc.query, "UTC")
			if !reflect.DeepEqual(query.Filters, tc.want) {
				t.Fatalf("Filters = %+v\nwant      %+v", query.Filters, tc.want)
			}
		})
	}
	t.Run("HundredValues", func(t *testing.T) {
		values := strings.TrimSuffix(strings.Repeat("a,", 100), ",")
		query := mustParse(t, Overview, "filter_browser="+values, "UTC")
		if len(query.Filters) != 1 || len(query.Filters[0].Values) != 100 {
			t.Fatalf("Filters = %+v", query.Filters)
		}
	})
	t.Run("HundredFilters", func(t *testing.T) {
		query := mustParse(t, Overview, strings.Repeat("filter_browser=a&", 100), "UTC")
		if len(query.Filters) != 100 {
			t.Fatalf("%d filters", len(query.Filters))
		}
	})
	for _, tc := range []struct {
		name  string
		e     Endpoint
		query string
		msg   string
	}{
		{"UnknownDimension", Overview, "filter_foo=bar", "Unknown filter: filter_foo. Valid filters: filter_country, filter_region,"},
		{"EmptyDimension", Pages, "filter_=x", "Unknown filter: filter_."},
		{"NoValue", Overview, "filter_country=", "filter_country needs at least one value"},
		{"OnlyCommas", Overview, "filter_country=%20,%20,", "filter_country needs at least one value"},
		{"OperatorOnly", Overview, "filter_page=contains:", "filter_page needs at least one value"},
		{"LegacyNoValue", Pages, "device=", "device needs at least one value"},
		{"TooLong", Overview, "filter_page=/" + strings.Repeat("a", 255), "filter_page values must be at most 255 bytes"},
		{"TooManyValues", Overview, "filter_browser=" + strings.TrimSuffix(strings.Repeat("a,", 101), ","), "filter_browser accepts at most 100"},
		{"TooManyFilters", Overview, strings.Repeat("filter_browser=a&", 101), "filter_browser: at most 100 filter parameters"},
		{"InvalidUTF8", Overview, "filter_city=%ff%fe", "filter_city values must be valid UTF-8"},
		{"NUL", Overview, "filter_city=a%00b", "filter_city values must be valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.e, tc.query, "UTC")
			wantInvalid(t, err, tc.msg)
		})
	}
}

func TestParse_VisitorFilters(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name     string
		query    string
		want     []Filter
		customer *bool
	}{
		{"VisitedPage", "visitedPage=/pricing,/docs", []Filter{{DimPage, OpIs, []string{"/pricing", "/docs"}}}, nil},
		{"PageAlias", "page=/pricing", []Filter{{DimPage, OpIs, []string{"/pricing"}}}, nil},
		{"PageTakesNoOperator", "page=contains:/x", []Filter{{DimPage, OpIs, []string{"contains:/x"}}}, nil},
		{"VisitedPageContains", "visitedPageContains=/blog", []Filter{{DimPage, OpContains, []string{"/blog"}}}, nil},
		{"PageContainsAlias", "pageContains=/blog", []Filter{{DimPage, OpContains, []string{"/blog"}}}, nil},
		{"CompletedGoal", "completedGoal=Sign Up", []Filter{{DimGoal, OpIs, []string{"sign_up"}}}, nil},
		{"GoalAlias", "goal=checkout:done", []Filter{{DimGoal, OpIs, []string{"checkout:done"}}}, nil},
		{"Dimensions", "country=France,us&device=Mobile&hostname=www.example.com&utm_source=x",
			[]Filter{{DimCountry, OpIs, []string{"FR", "US"}}, {DimDevice, OpIs, []string{"mobile"}},
				{DimHostname, OpIs, []string{"www.example.com"}}, {DimUTMSource, OpIs, []string{"x"}}}, nil},
		{"PrefixedToo", "filter_browser=Safari", []Filter{{DimBrowser, OpIs, []string{"Safari"}}}, nil},
		{"IsCustomerTrue", "isCustomer=true", nil, &yes},
		{"HasRevenueFalse", "hasRevenue=FALSE", nil, &no},
		{"BothAgree", "isCustomer=true&hasRevenue=true", nil, &yes},
		{"EmptyIgnored", "isCustomer=", nil, nil},
		{"CustomerWithPage", "isCustomer=true&visitedPage=/x", []Filter{{DimPage, OpIs, []string{"/x"}}}, &yes},
		{"FiftyValues", "country=" + strings.TrimSuffix(strings.Repeat("US,", 50), ","), []Filter{{DimCountry, OpIs, strings.Fields(strings.Repeat("US ", 50))}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := mustParse(t, Visitors, tc.query, "UTC")
			if !reflect.DeepEqual(query.Filters, tc.want) {
				t.Fatalf("Filters = %+v\nwant      %+v", query.Filters, tc.want)
			}
			if (query.Customer == nil) != (tc.customer == nil) || query.Customer != nil && *query.Customer != *tc.customer {
				t.Fatalf("Customer = %v, want %v", query.Customer, tc.customer)
			}
		})
	}
	t.Run("AliasesOnlyOnVisitors", func(t *testing.T) {
		query := mustParse(t, Pages, "visitedPage=/x&completedGoal=a&isCustomer=maybe", "UTC")
		if query.Filters != nil || query.Customer != nil {
			t.Fatalf("Filters = %+v, Customer = %v", query.Filters, query.Customer)
		}
	})
	for _, tc := range []struct{ name, query, msg string }{
		{"BadBool", "isCustomer=yes", "isCustomer must be true or false"},
		{"BadBoolAlias", "hasRevenue=1", "hasRevenue must be true or false"},
		{"Contradiction", "isCustomer=true&hasRevenue=false", "isCustomer and hasRevenue"},
		{"GoalWithCustomer", "completedGoal=signup&isCustomer=true", "completedGoal cannot be combined with isCustomer or hasRevenue"},
		{"GoalAliasWithRevenue", "goal=signup&hasRevenue=false", "completedGoal cannot be combined"},
		{"FiftyOneValues", "city=" + strings.TrimSuffix(strings.Repeat("a,", 51), ","), "city accepts at most 50"},
		{"NoValue", "visitedPage=,", "visitedPage needs at least one value"},
		{"Unknown", "filter_bogus=1", "Unknown filter: filter_bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, Visitors, tc.query, "UTC")
			wantInvalid(t, err, tc.msg)
		})
	}
}

func TestEndpoints(t *testing.T) {
	all := append([]Endpoint{Overview, Timeseries, Realtime, Visitors}, Breakdowns...)
	if len(Breakdowns) != 11 {
		t.Fatalf("%d breakdowns, want 11", len(Breakdowns))
	}
	names := map[string]bool{}
	for _, e := range all {
		if e.Name == "" || names[e.Name] {
			t.Errorf("endpoint name %q empty or repeated", e.Name)
		}
		names[e.Name] = true
		if e.Paged && (e.DefaultLimit < 1 || e.DefaultLimit > e.MaxLimit) {
			t.Errorf("%s: DefaultLimit %d, MaxLimit %d", e.Name, e.DefaultLimit, e.MaxLimit)
		}
		seen := map[string]bool{}
		for _, f := range e.Fields {
			if seen[f] {
				t.Errorf("%s: field %q repeated", e.Name, f)
			}
			seen[f] = true
		}
		// Every endpoint parses an empty query (timeseries needs its two).
		raw := ""
		if e.Interval {
			raw = "fields=visitors&interval=day"
		}
		if _, err := parse(t, e, raw, "UTC"); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
	for _, e := range Breakdowns {
		if !e.Paged || e.MaxLimit != MaxAnalyticsLimit || !e.Filters || !e.Dates || e.Interval || e.FieldsRequired {
			t.Errorf("%s: %+v", e.Name, e)
		}
		if e.Name != "goals" && !containsString(e.Fields, "payments") {
			t.Errorf("%s: no payments field", e.Name)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestOpString(t *testing.T) {
	for op, want := range map[Op]string{OpIs: "is", OpIsNot: "is_not", OpContains: "contains", OpDoesNotContain: "does_not_contain", Op(9): "Op(9)"} {
		if got := op.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", op, got, want)
		}
	}
}

// TestParse_FilterValuesCap: the filter values of one request, every
// filter parameter and comma list together, are at most MaxFilterValues.
func TestParse_FilterValuesCap(t *testing.T) {
	list := func(n int, prefix string) string {
		v := make([]string, n)
		for i := range v {
			v[i] = prefix + strconv.Itoa(i)
		}
		return strings.Join(v, ",")
	}
	t.Run("AtTheCap", func(t *testing.T) {
		q := mustParse(t, Overview, "filter_page=does_not_contain:"+list(60, "/a")+"&filter_city=is_not:"+list(40, "c"), "UTC")
		if n := len(q.Filters[0].Values) + len(q.Filters[1].Values); n != MaxFilterValues {
			t.Fatalf("values = %d, want %d", n, MaxFilterValues)
		}
	})
	for _, tc := range []struct{ name, query string }{
		{"TwoLists", "filter_page=does_not_contain:" + list(60, "/a") + "&filter_city=is_not:" + list(41, "c")},
		{"RepeatedParameter", strings.Repeat("filter_page=does_not_contain:"+list(40, "/a")+"&", 3)},
		{"LegacyNames", "page=" + list(50, "/a") + "&filter_browser=" + list(51, "b")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, Overview, tc.query, "UTC")
			wantInvalid(t, err, "at most 100 filter values may be given in one request")
		})
	}
	t.Run("Visitors", func(t *testing.T) {
		_, err := parse(t, Visitors, "visitedPage="+list(50, "/a")+"&city="+list(50, "c")+"&filter_browser=Safari", "UTC")
		wantInvalid(t, err, "at most 100 filter values")
	})
}
