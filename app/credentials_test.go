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
