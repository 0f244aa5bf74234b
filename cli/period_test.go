package cli

import (
	"testing"
	"time"
)

func TestPeriodRange(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// 00:30 on March 1st in Paris is still February 28th in UTC: days are
	// those of now's location.
	now := time.Date(2026, 3, 1, 0, 30, 0, 0, paris)
	for _, tc := range []struct{ period, from, to string }{
		{"today", "2026-03-01", "2026-03-01"},
		{"yesterday", "2026-02-28", "2026-02-28"},
		{"7d", "2026-02-23", "2026-03-01"},
		{"30d", "2026-01-31", "2026-03-01"},
		{"1d", "2026-03-01", "2026-03-01"},
		{"12mo", "2025-04-01", "2026-03-01"},
		{"1mo", "2026-03-01", "2026-03-01"},
		{"mtd", "2026-03-01", "2026-03-01"},
		{"ytd", "2026-01-01", "2026-03-01"},
	} {
		from, to, all, err := periodRange(tc.period, now)
		if err != nil || all || from != tc.from || to != tc.to {
			t.Errorf("%s: %s..%s all=%v err=%v, want %s..%s", tc.period, from, to, all, err, tc.from, tc.to)
		}
	}
	if _, _, all, err := periodRange("all", now); !all || err != nil {
		t.Errorf("all: all=%v err=%v", all, err)
	}
	for _, bad := range []string{"", "0d", "-7d", "7", "d", "mo", "7days", "3661d", "121mo", "+7d", "7D", "lastweek", "07x", " 7d", "1e3d"} {
		if _, _, _, err := periodRange(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLocalTimezone(t *testing.T) {
	for tz, want := range map[string]string{
		"America/New_York":               "America/New_York",
		":Europe/Paris":                  "Europe/Paris",
		"/usr/share/zoneinfo/Asia/Tokyo": "Asia/Tokyo",
		"":                               "UTC",
		"UTC":                            "UTC",
	} {
		t.Setenv("TZ", tz)
		if got := localTimezone(); got != want {
			t.Errorf("TZ=%q: %q, want %q", tz, got, want)
		}
	}
}

// FuzzPeriodRange: any --period value is either refused or gives a range
// of whole days that ends today and does not start after it.
func FuzzPeriodRange(f *testing.F) {
	for _, s := range []string{"today", "yesterday", "7d", "30d", "12mo", "mtd", "ytd", "all", "0d", "9999d", "121mo", "x"} {
		f.Add(s, int64(1772321400))
	}
	f.Fuzz(func(t *testing.T, period string, unix int64) {
		now := time.Unix(unix%(1<<34), 0).UTC()
		from, to, all, err := periodRange(period, now)
		if err != nil || all {
			return
		}
		a, err1 := time.Parse(time.DateOnly, from)
		b, err2 := time.Parse(time.DateOnly, to)
		if err1 != nil || err2 != nil || b.Before(a) {
			t.Fatalf("%q at %v: %q..%q", period, now, from, to)
		}
		if period != "yesterday" && to != now.Format(time.DateOnly) {
			t.Fatalf("%q at %v ends %q, not today", period, now, to)
		}
	})
}
