package app

import (
	"testing"
	"time"

	"github.com/openfast/openfast/auth"
)

// TestUsageTracker: a use is visible at once, and each credential's
// lastUsedAt is written at most once per minute.
func TestUsageTracker(t *testing.T) {
	u := newUsageTracker()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u.touch(auth.KindWebsiteKey, "k", t0)
	u.touch(auth.KindAccountToken, "t", t0)
	if at, ok := u.lastUsed(auth.KindWebsiteKey, "k"); !ok || !at.Equal(t0) {
		t.Fatalf("lastUsed = %v %v", at, ok)
	}
	keys, tokens := u.takeDue(t0.Add(time.Second))
	if !keys["k"].Equal(t0) || !tokens["t"].Equal(t0) {
		t.Fatalf("first use not due: %v %v", keys, tokens)
	}
	// Used again 10 s later: shown at once, not written yet.
	u.touch(auth.KindWebsiteKey, "k", t0.Add(10*time.Second))
	if at, _ := u.lastUsed(auth.KindWebsiteKey, "k"); !at.Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("lastUsed not updated: %v", at)
	}
	for _, after := range []time.Duration{11 * time.Second, 30 * time.Second, 60 * time.Second} {
		if keys, tokens := u.takeDue(t0.Add(after)); len(keys)+len(tokens) != 0 {
			t.Fatalf("written again after %v: %v %v", after, keys, tokens)
		}
	}
	// A minute after the last write, the newest use is written once.
	keys, tokens = u.takeDue(t0.Add(61 * time.Second))
	if len(tokens) != 0 || !keys["k"].Equal(t0.Add(10*time.Second)) {
		t.Fatalf("due after a minute: %v %v", keys, tokens)
	}
	if keys, _ := u.takeDue(t0.Add(62 * time.Second)); len(keys) != 0 {
		t.Fatalf("written twice: %v", keys)
	}
	// Quiet, written credentials are forgotten after a while.
	u.takeDue(t0.Add(10 * time.Minute))
	if _, ok := u.lastUsed(auth.KindAccountToken, "t"); ok {
		t.Fatal("a quiet credential is still tracked")
	}
}

// TestGenCache: entries expire, and invalidate makes them stale at once,
// including a value loaded while it ran.
func TestGenCache(t *testing.T) {
	c := newGenCache[string, int](5*time.Second, 2)
	t0 := time.Now()
	c.put("a", 1, c.begin(), t0)
	if v, ok := c.get("a", t0.Add(time.Second)); !ok || v != 1 {
		t.Fatal("fresh entry missing")
	}
	if _, ok := c.get("a", t0.Add(5*time.Second)); ok {
		t.Fatal("expired entry served")
	}
	c.put("a", 1, c.begin(), t0)
	c.invalidate()
	if _, ok := c.get("a", t0); ok {
		t.Fatal("invalidated entry served")
	}
	gen := c.begin()
	c.invalidate() // a change lands while "b" is being loaded
	c.put("b", 2, gen, t0)
	if _, ok := c.get("b", t0); ok {
		t.Fatal("a value loaded before a change is served after it")
	}
	for i, k := range []string{"x", "y", "z"} {
		c.put(k, i, c.begin(), t0)
	}
	if len(c.m) > 2 {
		t.Fatalf("cache holds %d entries, max 2", len(c.m))
	}
}

// TestUsageTracker_Counts: requests are counted per credential and UTC
// day, late requests of the day before land on their day, counts given
// back by a failed flush come back on the next, and a full table counts
// what it could not keep.
func TestUsageTracker_Counts(t *testing.T) {
	u := newUsageTracker()
	day := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	for range 3 {
		u.touch(auth.KindWebsiteKey, "k", day)
	}
	u.touch(auth.KindAccountToken, "k", day) // a token with the id of a key counts apart
	u.touch(auth.KindWebsiteKey, "k", day.Add(2*time.Minute))
	u.touch(auth.KindWebsiteKey, "k", day.Add(30*time.Second)) // late, of the day before
	got := func(kind auth.Kind, from int32) map[int32]int64 {
		out := map[string]map[int32]int64{"k": {}}
		u.addUnwritten(out, kind, from)
		return out["k"]
	}
	d := unixDay(day)
	if g := got(auth.KindWebsiteKey, d); g[d] != 4 || g[d+1] != 1 || len(g) != 2 {
		t.Fatalf("unwritten key counts = %v", g)
	}
	if g := got(auth.KindWebsiteKey, d+1); g[d+1] != 1 || len(g) != 1 {
		t.Fatalf("unwritten key counts from the second day = %v", g)
	}
	if g := got(auth.KindAccountToken, d); g[d] != 1 || len(g) != 1 {
		t.Fatalf("unwritten token counts = %v", g)
	}
	counts, dropped := u.takeCounts()
	if len(counts) != 3 || dropped != 0 {
		t.Fatalf("takeCounts = %+v, %d", counts, dropped)
	}
	if g := got(auth.KindWebsiteKey, d); len(g) != 0 {
		t.Fatalf("counts left after takeCounts: %v", g)
	}
	u.restore(counts, d+1) // the store refused them; the first day is past keeping
	if g := got(auth.KindWebsiteKey, d); g[d+1] != 1 || len(g) != 1 {
		t.Fatalf("counts given back = %v", g)
	}

	full := newUsageTracker()
	for i := range maxPendingCounts {
		full.pending[credentialDay{credentialRef{auth.KindWebsiteKey, "x"}, int32(i)}] = 1
	}
	full.touch(auth.KindWebsiteKey, "k", day)
	full.touch(auth.KindWebsiteKey, "k", day.Add(time.Hour)) // a new day: the first has no room
	if _, dropped := full.takeCounts(); dropped != 1 {
		t.Fatalf("dropped = %d, want 1", dropped)
	}
}

// TestUnixDay: days start at 00:00 UTC, in any zone.
func TestUnixDay(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "2026-12-01"},
		{time.Date(2026, 12, 1, 23, 59, 59, 999e6, time.UTC), "2026-12-01"},
		{time.Date(2026, 12, 2, 0, 30, 0, 0, paris), "2026-12-01"},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), "1969-12-31"},
	} {
		if got := dayStart(unixDay(tc.at)).Format(time.DateOnly); got != tc.want {
			t.Errorf("day of %v = %s, want %s", tc.at, got, tc.want)
		}
	}
}
