package app

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

func TestAddressKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"}, // one /64
		{"fe80::1%eth0", "fe80::2"},
		{"not an address", ""},
	} {
		if ka, kb := addressKey(tc.a), addressKey(tc.b); ka != kb {
			t.Errorf("addressKey(%q) = %v, addressKey(%q) = %v; want the same bucket", tc.a, ka, tc.b, kb)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"203.0.113.7", "203.0.113.8"},
		{"2001:db8:1:2::1", "2001:db8:1:3::1"}, // two /64s
	} {
		if addressKey(tc.a) == addressKey(tc.b) {
			t.Errorf("%q and %q share a bucket", tc.a, tc.b)
		}
	}
}

// TestFailureLimiter: an address may fail burst times, then waits for the
// bucket to refill; full buckets are forgotten, and the table never holds
// more than its bound.
func TestFailureLimiter(t *testing.T) {
	l := newFailureLimiter(6) // one failure every 10 s, bursts of 6
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := addressKey("192.0.2.1"), addressKey("192.0.2.2")
	for i := range 6 {
		if _, ok := l.allow(a, t0); !ok {
			t.Fatalf("failure %d refused", i)
		}
		l.fail(a, t0)
	}
	if retry, ok := l.allow(a, t0); ok || retry != 10*time.Second {
		t.Fatalf("allow after 6 failures = %v, %v; want refused for 10s", retry, ok)
	}
	if _, ok := l.allow(b, t0); !ok {
		t.Fatal("another address is refused")
	}
	if _, ok := l.allow(a, t0.Add(10*time.Second)); !ok {
		t.Fatal("refused after the bucket refilled by one")
	}
	// Failures that passed allow together are all charged.
	for range 3 {
		l.fail(a, t0.Add(10*time.Second))
	}
	if retry, _ := l.allow(a, t0.Add(10*time.Second)); retry != 30*time.Second {
		t.Fatalf("retry after %v, want 30s", retry)
	}
	// Once full again the address is forgotten.
	l.fail(b, t0.Add(2*time.Minute))
	if n := l.len(); n != 1 {
		t.Fatalf("%d addresses remembered, want 1 (the full one pruned)", n)
	}

	l = newFailureLimiter(6)
	l.maxEntries = 100
	for i := range 1000 {
		l.fail(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), t0)
	}
	if n := l.len(); n != 100 {
		t.Fatalf("%d addresses remembered, want the bound, 100", n)
	}
}

// TestAuthenticate_FailureLimit: through the App, an address that failed
// too often is refused with ERATELIMIT and a RetryError, without a store
// read, a valid credential too; a valid credential never drains the
// allowance.
func TestAuthenticate_FailureLimit(t *testing.T) {
	ctx := context.Background()
	f := newVerifyFixture(t)
	store := &countingStore{MetadataStore: f.store}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := New(Config{Metadata: store, AuthFailureLimit: 3, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if p, _, err := a.Authenticate(ctx, f.tokenRaw, "192.0.2.1", t0); p == nil || err != nil {
			t.Fatalf("valid token refused: %v", err)
		}
	}
	for _, raw := range []string{"df_nope", auth.Generate(auth.KindWebsiteKey), auth.Generate(auth.KindAccountToken)} {
		if p, _, err := a.Authenticate(ctx, raw, "192.0.2.1", t0); p != nil || err != nil {
			t.Fatalf("Authenticate(%q) = %v, %v; want a refusal", raw, p, err)
		}
	}
	before := store.total()
	p, reason, err := a.Authenticate(ctx, f.tokenRaw, "192.0.2.1", t0)
	var retry *RetryError
	if p != nil || reason != FailTooManyFailures || openfast.ErrorCode(err) != openfast.ERATELIMIT || !errors.As(err, &retry) || retry.After != 20*time.Second {
		t.Fatalf("Authenticate from a refused address = %v, %q, %v; want ERATELIMIT, retry in 20s", p, reason, err)
	}
	if store.total() != before {
		t.Fatal("a refused address reached the store")
	}
	if p, _, err := a.Authenticate(ctx, f.tokenRaw, "192.0.2.2", t0); p == nil || err != nil {
		t.Fatalf("another address refused: %v", err)
	}
}
