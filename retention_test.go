package openfast_test

import (
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]int{"": 0, "forever": 0, "0": 0, "400": 400, "400d": 400, " 30D ": 30, "36500": 36500, "1d": 1} {
		if got, err := openfast.ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "36501", "13mo", "1y", "d", "1.5d", "400h", "forever!"} {
		if _, err := openfast.ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) accepted", in)
		}
	}
}

func TestRetentionCutoff(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// 00:30 in Paris on March 3 is still March 2 in UTC: the website's day
	// counts.
	now := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	got := openfast.RetentionCutoff(2, paris, now)
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, paris); !got.Equal(want) {
		t.Fatalf("cutoff %v, want %v", got, want)
	}
	if got := openfast.RetentionCutoff(0, paris, now); !got.IsZero() {
		t.Fatalf("forever: cutoff %v", got)
	}
	// Across the change to summer time the cutoff is still local midnight.
	now = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	got = openfast.RetentionCutoff(10, paris, now)
	if want := time.Date(2026, 3, 22, 0, 0, 0, 0, paris); !got.Equal(want) || got.In(paris).Hour() != 0 {
		t.Fatalf("cutoff %v, want %v", got, want)
	}
	days := 5
	w := &openfast.Website{}
	if openfast.EffectiveRetention(w, 30) != 30 {
		t.Fatal("a website without its own retention keeps the server's")
	}
	w.RetentionDays = &days
	if openfast.EffectiveRetention(w, 30) != 5 || openfast.EffectiveRetention(w, 0) != 5 {
		t.Fatal("a website's own retention wins")
	}
}

func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"400d", "forever", "13mo", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := openfast.ParseRetention(s)
		if err == nil && n != 0 && !openfast.ValidRetentionDays(n) {
			t.Fatalf("ParseRetention(%q) = %d, out of range", s, n)
		}
	})
}
