package ingest

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestBursts(t *testing.T) {
	b := newBursts(3)
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v4, other := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	var got []bool
	for i := range 5 {
		got = append(got, b.add("w1", v4, start.Add(time.Duration(i)*time.Second)))
	}
	if want := []bool{false, false, false, true, true}; !equalBools(got, want) {
		t.Errorf("five events in a minute with a limit of 3: %v, want %v", got, want)
	}
	if b.add("w2", v4, start) || b.add("w1", other, start) {
		t.Error("another website or another address shares the count")
	}
	// The window ends a minute after its first event; the next one starts
	// a new count.
	if b.add("w1", v4, start.Add(time.Minute)) {
		t.Error("the first event of the next minute is over the limit")
	}
	// A clock that went back starts a new window rather than counting on.
	if b.add("w1", other, start.Add(-time.Hour)) {
		t.Error("an event before the window is over the limit")
	}

	// An IPv6 client counts by its /64.
	b = newBursts(2)
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"} {
		if over := b.add("w", netip.MustParseAddr(ip), start); over != (i == 2) {
			t.Errorf("event %d from %s: over = %v", i, ip, over)
		}
	}
	if b.add("w", netip.MustParseAddr("2001:db8:1:3::1"), start) {
		t.Error("the next /64 shares the count")
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBursts_Bounded: addresses without end keep the table within its
// bounds.
func TestBursts_Bounded(t *testing.T) {
	b := newBursts(0)
	if b.limit != DefaultBurstLimit {
		t.Errorf("limit %d, want %d", b.limit, DefaultBurstLimit)
	}
	now := time.Now()
	for i := range maxBurstEntries + 5_000 {
		b.add("665f0b3c4d2e1a0012345678", netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), now)
	}
	if s := b.stats(); s.Entries > maxBurstEntries || s.Bytes > maxBurstBytes {
		t.Errorf("burst table holds %+v, beyond %d entries or %d bytes", s, maxBurstEntries, maxBurstBytes)
	}
}

func TestHasLanguage(t *testing.T) {
	for _, tt := range []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{" \t, "}, false},
		{[]string{"", "en"}, true},
		{[]string{"*"}, true},
		{[]string{"fr-FR,fr;q=0.9"}, true},
	} {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Accept-Language", v)
		}
		if got := hasLanguage(h); got != tt.want {
			t.Errorf("hasLanguage(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}
