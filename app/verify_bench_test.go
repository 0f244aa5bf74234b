package app

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/sqlite"
)

// countingStore counts the credential lookups that reach the store.
type countingStore struct {
	openfast.MetadataStore
	apiKeyByHash      atomic.Int64
	accessTokenByHash atomic.Int64
	memberships       atomic.Int64
}

func (s *countingStore) APIKeyByHash(ctx context.Context, hash []byte) (*openfast.APIKey, error) {
	s.apiKeyByHash.Add(1)
	return s.MetadataStore.APIKeyByHash(ctx, hash)
}

func (s *countingStore) AccessTokenByHash(ctx context.Context, hash []byte) (*openfast.AccessToken, error) {
	s.accessTokenByHash.Add(1)
	return s.MetadataStore.AccessTokenByHash(ctx, hash)
}

func (s *countingStore) Memberships(ctx context.Context, userID string) (map[string]openfast.Role, error) {
	s.memberships.Add(1)
	return s.MetadataStore.Memberships(ctx, userID)
}

// calls returns the three counters: APIKeyByHash, AccessTokenByHash, Memberships.
func (s *countingStore) calls() [3]int64 {
	return [3]int64{s.apiKeyByHash.Load(), s.accessTokenByHash.Load(), s.memberships.Load()}
}

func (s *countingStore) total() int64 {
	c := s.calls()
	return c[0] + c[1] + c[2]
}

// verifyFixture is a fresh SQLite store holding one user, one website of
// that user, one df_ key of the website and one dft_ token of the user.
type verifyFixture struct {
	store       *sqlite.DB
	user        *openfast.User
	website     *openfast.Website
	websiteKey  string // raw df_ key
	keyID       string
	tokenRaw    string // raw dft_ token
	tokenID     string
	unknownKey  string // well-formed df_ key that is not stored
	unknownTok  string // well-formed dft_ token that is not stored
	badChecksum string // the stored df_ key with a wrong checksum
}

func newVerifyFixture(tb testing.TB) *verifyFixture {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })

	u := &openfast.User{ID: openfast.NewID(), Email: "owner@example.com"}
	if err := store.CreateUser(ctx, u); err != nil {
		tb.Fatalf("create user: %v", err)
	}
	site := &openfast.Website{
		ID: openfast.NewID(), TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: u.ID,
		Domain: "example.com", Timezone: "UTC", Currency: "USD",
	}
	siteAudit := &openfast.AuditEntry{
		WebsiteID: site.ID, ActorUserID: u.ID, ActorDisplayKey: "test", Action: openfast.AuditWebsiteCreate,
		TargetType: "website", TargetID: site.ID, IP: "local",
	}
	if err := store.CreateWebsite(ctx, site, siteAudit); err != nil {
		tb.Fatalf("create website: %v", err)
	}

	key, k := auth.NewAPIKey(site.ID, nil, []string{auth.PermAll}, &auth.Principal{Kind: auth.KindAccountToken, DisplayKey: "test", UserID: u.ID})
	raw := key.Raw
	keyAudit := &openfast.AuditEntry{
		WebsiteID: site.ID, ActorUserID: u.ID, ActorDisplayKey: "test", Action: openfast.AuditAPIKeyCreate,
		TargetType: "apikey", TargetID: k.ID, TargetDisplayKey: k.DisplayKey, IP: "local",
	}
	if err := store.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite, keyAudit); err != nil {
		tb.Fatalf("create api key: %v", err)
	}

	tok, t := auth.NewAccessToken(u.ID, nil, []string{auth.PermAll}, nil)
	tokRaw := tok.Raw
	tokAudit := &openfast.AuditEntry{
		ActorUserID: u.ID, ActorDisplayKey: "test", Action: openfast.AuditAccessTokenCreate,
		TargetType: "access_token", TargetID: t.ID, TargetDisplayKey: t.DisplayKey, IP: "local",
	}
	if err := store.CreateAccessToken(ctx, t, openfast.MaxAccessTokensPerUser, tokAudit); err != nil {
		tb.Fatalf("create access token: %v", err)
	}

	return &verifyFixture{
		store: store, user: u, website: site,
		websiteKey: raw, keyID: k.ID, tokenRaw: tokRaw, tokenID: t.ID,
		unknownKey: auth.Generate(auth.KindWebsiteKey), unknownTok: auth.Generate(auth.KindAccountToken),
		badChecksum: withBadChecksum(raw),
	}
}

// withBadChecksum replaces the last character of raw by another base62
// character: the form stays right, the checksum does not.
func withBadChecksum(raw string) string {
	last := raw[len(raw)-1]
	repl := byte('0')
	if last == repl {
		repl = '1'
	}
	return raw[:len(raw)-1] + string(repl)
}

func TestVerify_BadChecksumTouchesNoStore(t *testing.T) {
	ctx := context.Background()
	f := newVerifyFixture(t)
	store := &countingStore{MetadataStore: f.store}
	v := NewVerifier(store, time.Hour, time.Now)

	key, tok := f.websiteKey, f.tokenRaw
	malformed := []struct{ name, raw string }{
		{"Empty", ""},
		{"PrefixOnly", "df_"},
		{"BadChecksumWebsiteKey", withBadChecksum(key)},
		{"BadChecksumAccountToken", withBadChecksum(tok)},
		{"ChecksumOfOtherKey", key[:len(key)-6] + f.unknownKey[len(f.unknownKey)-6:]},
		{"WrongPrefix", "dx_" + key[3:]},
		{"UppercasePrefix", "DF_" + key[3:]},
		{"TokenPrefixOnKeyLength", "dft" + key[3:]},
		{"KeyPrefixOnTokenLength", "df_" + tok[3:]},
		{"NoPrefix", key[3:]},
		{"TooLong", key + "a"},
		{"TooShort", key[:len(key)-1]},
		{"TokenTooShort", tok[:len(tok)-1]},
		{"BadAlphabetDash", key[:10] + "-" + key[11:]},
		{"BadAlphabetSpace", key[:10] + " " + key[11:]},
		{"BadAlphabetNUL", key[:10] + "\x00" + key[11:]},
		{"BadAlphabetNonASCII", key[:10] + "\xc3" + key[11:]},
		{"BadAlphabetInChecksum", key[:len(key)-1] + "_"},
	}
	for _, tc := range malformed {
		t.Run("Malformed/"+tc.name, func(t *testing.T) {
			before := store.calls()
			p, reason, err := v.Verify(ctx, tc.raw)
			if err != nil || p != nil || reason != FailMalformed {
				t.Fatalf("Verify(%q) = %v, %q, %v; want nil, %q, nil", tc.raw, p, reason, err, FailMalformed)
			}
			if after := store.calls(); after != before {
				t.Fatalf("Verify(%q) called the store: calls %v -> %v", tc.raw, before, after)
			}
		})
	}
	if n := store.total(); n != 0 {
		t.Fatalf("malformed credentials made %d store calls, want 0", n)
	}

	unknown := []struct {
		name string
		raw  string
		want [3]int64 // store calls this one Verify makes
	}{
		{"WebsiteKey", f.unknownKey, [3]int64{1, 0, 0}},
		{"AccountToken", f.unknownTok, [3]int64{0, 1, 0}},
	}
	for _, tc := range unknown {
		t.Run("Unknown/"+tc.name, func(t *testing.T) {
			before := store.calls()
			p, reason, err := v.Verify(ctx, tc.raw)
			if err != nil || p != nil || reason != FailUnknown {
				t.Fatalf("Verify(unknown) = %v, %q, %v; want nil, %q, nil", p, reason, err, FailUnknown)
			}
			after := store.calls()
			for i := range after {
				if got := after[i] - before[i]; got != tc.want[i] {
					t.Fatalf("Verify(unknown) store calls = %v, want %v", sub(after, before), tc.want)
				}
			}
		})
	}

	t.Run("Valid/WebsiteKey", func(t *testing.T) {
		before := store.calls()
		p, reason, err := v.Verify(ctx, key)
		if err != nil || p == nil {
			t.Fatalf("Verify(valid key) = %v, %q, %v; want a principal", p, reason, err)
		}
		if p.Kind != auth.KindWebsiteKey || p.ID != f.keyID || p.WebsiteID != f.website.ID || p.DisplayKey != auth.DisplayKey(key) {
			t.Fatalf("principal = %+v; want website key %s of website %s", p, f.keyID, f.website.ID)
		}
		if got := sub(store.calls(), before); got != [3]int64{1, 0, 0} {
			t.Fatalf("first Verify store calls = %v, want [1 0 0]", got)
		}
		cached := store.calls()
		for range 3 {
			p2, _, err := v.Verify(ctx, key)
			if err != nil || p2 != p {
				t.Fatalf("cached Verify = %v, %v; want the cached principal %v", p2, err, p)
			}
		}
		if got := sub(store.calls(), cached); got != [3]int64{} {
			t.Fatalf("cached Verify store calls = %v, want none", got)
		}
		// The bad-checksum twin of a cached key is still refused without the store.
		if p, reason, _ := v.Verify(ctx, withBadChecksum(key)); p != nil || reason != FailMalformed {
			t.Fatalf("Verify(bad checksum of cached key) = %v, %q; want nil, %q", p, reason, FailMalformed)
		}
		if got := sub(store.calls(), cached); got != [3]int64{} {
			t.Fatalf("bad checksum after cache store calls = %v, want none", got)
		}
	})

	t.Run("Valid/AccountToken", func(t *testing.T) {
		before := store.calls()
		p, reason, err := v.Verify(ctx, tok)
		if err != nil || p == nil {
			t.Fatalf("Verify(valid token) = %v, %q, %v; want a principal", p, reason, err)
		}
		if p.Kind != auth.KindAccountToken || p.ID != f.tokenID || p.UserID != f.user.ID || p.RoleOn(f.website.ID) != openfast.RoleOwner {
			t.Fatalf("principal = %+v; want token %s of owner %s", p, f.tokenID, f.user.ID)
		}
		if got := sub(store.calls(), before); got != [3]int64{0, 1, 1} {
			t.Fatalf("first Verify store calls = %v, want [0 1 1]", got)
		}
		cached := store.calls()
		if p2, _, err := v.Verify(ctx, tok); err != nil || p2 != p {
			t.Fatalf("cached Verify = %v, %v; want the cached principal", p2, err)
		}
		if got := sub(store.calls(), cached); got != [3]int64{} {
			t.Fatalf("cached Verify store calls = %v, want none", got)
		}
	})
}

func sub(a, b [3]int64) [3]int64 {
	return [3]int64{a[0] - b[0], a[1] - b[1], a[2] - b[2]}
}

// sinkPrincipal keeps the compiler from discarding Verify's result.
var sinkPrincipal *auth.Principal

func BenchmarkVerify_WebsiteKeyWarmCache(b *testing.B) {
	ctx := context.Background()
	f := newVerifyFixture(b)
	v := NewVerifier(f.store, time.Hour, time.Now)
	if p, reason, err := v.Verify(ctx, f.websiteKey); p == nil || err != nil {
		b.Fatalf("warm-up Verify = %v, %q, %v", p, reason, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, _, _ := v.Verify(ctx, f.websiteKey)
		sinkPrincipal = p
	}
	if sinkPrincipal == nil {
		b.Fatal("Verify refused the key")
	}
}

// BenchmarkVerify_WebsiteKeyWarmCacheAllowedIPs is the warm path of a key
// limited to four prefixes (allowedIps), used from an address that the
// last one matches: the address is parsed and checked on every request.
func BenchmarkVerify_WebsiteKeyWarmCacheAllowedIPs(b *testing.B) {
	ctx := context.Background()
	f := newVerifyFixture(b)
	key, k := auth.NewAPIKey(f.website.ID, nil, []string{auth.PermAll}, &auth.Principal{Kind: auth.KindAccountToken, DisplayKey: "test", UserID: f.user.ID})
	k.AllowedIPs = []string{"192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32", "10.0.0.0/8"}
	if err := f.store.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite, nil); err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(f.store, time.Hour, time.Now)
	const ip = "10.20.30.40"
	if p, reason, err := v.VerifyAt(ctx, key.Raw, ip, time.Now()); p == nil || err != nil {
		b.Fatalf("warm-up VerifyAt = %v, %q, %v", p, reason, err)
	}
	if p, reason, _ := v.VerifyAt(ctx, key.Raw, "203.0.113.7", time.Now()); p != nil || reason != FailAddress {
		b.Fatalf("VerifyAt from outside = %v, %q; want nil, %q", p, reason, FailAddress)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, _, _ := v.VerifyAt(ctx, key.Raw, ip, time.Now())
		sinkPrincipal = p
	}
	if sinkPrincipal == nil {
		b.Fatal("VerifyAt refused the key")
	}
}

func BenchmarkVerify_WebsiteKeyWarmCacheParallel(b *testing.B) {
	ctx := context.Background()
	f := newVerifyFixture(b)
	v := NewVerifier(f.store, time.Hour, time.Now)
	if p, reason, err := v.Verify(ctx, f.websiteKey); p == nil || err != nil {
		b.Fatalf("warm-up Verify = %v, %q, %v", p, reason, err)
	}
	var refused atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p, _, _ := v.Verify(ctx, f.websiteKey); p == nil {
				refused.Add(1)
			}
		}
	})
	if n := refused.Load(); n != 0 {
		b.Fatalf("Verify refused the key %d times", n)
	}
}

func BenchmarkVerify_BadChecksum(b *testing.B) {
	ctx := context.Background()
	f := newVerifyFixture(b)
	store := &countingStore{MetadataStore: f.store}
	v := NewVerifier(store, time.Hour, time.Now)
	var reason string
	b.ReportAllocs()
	for b.Loop() {
		sinkPrincipal, reason, _ = v.Verify(ctx, f.badChecksum)
	}
	if sinkPrincipal != nil || reason != FailMalformed {
		b.Fatalf("Verify(bad checksum) = %v, %q; want nil, %q", sinkPrincipal, reason, FailMalformed)
	}
	if n := store.total(); n != 0 {
		b.Fatalf("bad checksums made %d store calls, want 0", n)
	}
}
