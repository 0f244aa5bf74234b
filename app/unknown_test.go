package app

import (
	"context"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// TestVerify_UnknownCached: an unknown credential is looked up once per
// unknownCredentialTTL; ForgetUnknown drops the entries at once, Invalidate
// does not.
func TestVerify_UnknownCached(t *testing.T) {
	ctx := context.Background()
	f := newVerifyFixture(t)
	store := &countingStore{MetadataStore: f.store}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVerifier(store, time.Second, func() time.Time { return now })
	secret, k := auth.NewAPIKey(f.website.ID, nil, []string{auth.PermAll}, &auth.Principal{Kind: auth.KindAccountToken, UserID: f.user.ID}) // not stored yet
	verify := func(want string) int64 {
		t.Helper()
		before := store.total()
		p, reason, err := v.Verify(ctx, secret.Raw)
		if err != nil || (want == "" && p == nil) || reason != want {
			t.Fatalf("Verify = %v, %q, %v; want reason %q", p, reason, err, want)
		}
		return store.total() - before
	}
	if n := verify(FailUnknown); n != 1 {
		t.Fatalf("first Verify made %d store calls, want 1", n)
	}
	if n := verify(FailUnknown); n != 0 {
		t.Fatalf("cached unknown made %d store calls, want 0", n)
	}
	v.Invalidate()
	if n := verify(FailUnknown); n != 0 {
		t.Fatalf("unknown after Invalidate made %d store calls, want 0", n)
	}
	now = now.Add(unknownCredentialTTL)
	if n := verify(FailUnknown); n != 1 {
		t.Fatalf("expired unknown made %d store calls, want 1", n)
	}
	if err := f.store.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite, nil); err != nil {
		t.Fatal(err)
	}
	v.ForgetUnknown()
	if n := verify(""); n != 1 {
		t.Fatalf("created key made %d store calls, want 1", n)
	}
}
