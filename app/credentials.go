package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// maxCachedCredentials bounds the verified-credential cache; when it is
// full it starts over.
const maxCachedCredentials = 100_000

// Bounds of the cache of unknown credentials: a well-formed credential
// that no key or token has is refused without the store for
// unknownCredentialTTL. Each entry is a hash and an expiry, about 100 bytes
// with the map's overhead; when full the cache starts over.
const (
	unknownCredentialTTL  = 30 * time.Second
	maxUnknownCredentials = 20_000
)

// Verifier turns a raw bearer credential into a Principal: parse (prefix,
// length, alphabet, checksum), hash, cache, store. Verified principals are
// cached for ttl. Any change in this process that can revoke or narrow
// access (key deleted or rolled, token deleted, member removed, invitation
// accepted, website created) calls Invalidate, which
// makes every cached entry stale at once, so it takes effect on the very
// next request. Changes made by another process reach this one within ttl,
// or as soon as the store's openfast.ChangeWatcher reports them.
//
// The hashes the store did not know are remembered too, for
// unknownCredentialTTL, so that a client repeating a revoked or mistyped
// credential costs one store read per TTL. Creating a credential in this
// process calls ForgetUnknown.
type Verifier struct {
	store   openfast.MetadataStore
	now     func() time.Time
	uses    *usageTracker
	cache   *genCache[[32]byte, *auth.Principal]
	unknown *genCache[[32]byte, struct{}]
}

// NewVerifier returns a Verifier over store.
func NewVerifier(store openfast.MetadataStore, ttl time.Duration, now func() time.Time) *Verifier {
	return &Verifier{
		store:   store,
		now:     now,
		uses:    newUsageTracker(),
		cache:   newGenCache[[32]byte, *auth.Principal](ttl, maxCachedCredentials),
		unknown: newGenCache[[32]byte, struct{}](unknownCredentialTTL, maxUnknownCredentials),
	}
}

// Reasons a credential is refused: with 401, and FailAddress with 403.
const (
	FailMalformed = "malformed"
	FailUnknown   = "unknown"
	FailExpired   = "expired"
	// FailAddress: the credential is limited to some client addresses
	// (allowedIps) and the request came from another.
	FailAddress = "ip_not_allowed"
)

// Verify authenticates raw, presented from no known client address: a
// credential limited to some addresses is refused. On refusal it returns a
// nil principal and the reason; err is set when the store failed, for an
// expired credential (FailExpired), an EUNAUTHORIZED error saying when it
// expired, and for a credential used from an address outside its
// allowedIps (FailAddress), an EFORBIDDEN error naming the address.
func (v *Verifier) Verify(ctx context.Context, raw string) (p *auth.Principal, reason string, err error) {
	return v.VerifyAt(ctx, raw, "", v.now())
}

// VerifyAt is Verify from the client address ip (text; "" for none known)
// at a given time (the request's). The expiry and the address are checked
// on every request, the principal cached or not.
func (v *Verifier) VerifyAt(ctx context.Context, raw, ip string, now time.Time) (p *auth.Principal, reason string, err error) {
	kind := auth.Parse(raw)
	if kind == auth.KindNone {
		return nil, FailMalformed, nil
	}
	h := auth.Hash(raw)
	if p, ok := v.cache.get(h, now); ok {
		// A cached principal may have expired since it was cached.
		if !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt) {
			return nil, FailExpired, expired(p)
		}
		if p.AllowedIPs != nil && !p.AllowsIP(ip) { // nil (any address) costs no call
			return nil, FailAddress, notAllowed(p, ip)
		}
		v.uses.touch(p.Kind, p.ID, now)
		return p, "", nil
	}
	if _, ok := v.unknown.get(h, now); ok {
		return nil, FailUnknown, nil
	}

	gen, unknownGen := v.cache.begin(), v.unknown.begin()
	p, err = v.load(ctx, kind, h)
	if err != nil {
		if openfast.ErrorCode(err) == openfast.ENOTFOUND {
			v.unknown.put(h, struct{}{}, unknownGen, now)
			return nil, FailUnknown, nil
		}
		return nil, "", err
	}
	v.cache.put(h, p, gen, now)
	if !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt) {
		return nil, FailExpired, expired(p)
	}
	if p.AllowedIPs != nil && !p.AllowsIP(ip) { // nil (any address) costs no call
		return nil, FailAddress, notAllowed(p, ip)
	}
	v.uses.touch(p.Kind, p.ID, now)
	return p, "", nil
}

// expired is the refusal of a credential whose expiry has passed.
func expired(p *auth.Principal) error {
	return openfast.Errorf(openfast.EUNAUTHORIZED, "This %s expired at %s.", credentialNoun(p), p.ExpiresAt.UTC().Format(time.RFC3339))
}

// notAllowed is the refusal of a credential used from an address outside
// its allowedIps.
func notAllowed(p *auth.Principal, ip string) error {
	if ip == "" {
		return openfast.Errorf(openfast.EFORBIDDEN, "This %s is limited to some IP addresses (allowedIps), and the request's address is not known.", credentialNoun(p))
	}
	return openfast.Errorf(openfast.EFORBIDDEN, "This %s is not allowed from %s.", credentialNoun(p), openfast.Truncate(ip, 60))
}

func credentialNoun(p *auth.Principal) string {
	if p.Kind == auth.KindAccountToken {
		return "access token"
	}
	return "API key"
}

// allowedIPs parses a stored allowlist for the principal: nil for any
// address. A stored list that does not parse fails the verification
// rather than let the credential be used from anywhere.
func allowedIPs(kind, id string, list []string) ([]netip.Prefix, error) {
	p, err := auth.ParseAllowedIPs(list)
	if err != nil {
		return nil, fmt.Errorf("allowed ips of %s %s: %s", kind, id, openfast.ErrorMessage(err))
	}
	return p, nil
}

// expiry is a stored expiry as the principal keeps it: zero for never.
func expiry(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func (v *Verifier) load(ctx context.Context, kind auth.Kind, h [32]byte) (*auth.Principal, error) {
	switch kind {
	case auth.KindWebsiteKey:
		k, err := v.store.APIKeyByHash(ctx, h[:])
		if err != nil {
			return nil, fmt.Errorf("look up website key: %w", err)
		}
		expires := expiry(k.ExpiresAt)
		if subtle.ConstantTimeCompare(k.Hash, h[:]) != 1 {
			// The value before a roll with a grace period works until the
			// grace ends (or the key expires, if sooner).
			if k.PreviousExpiresAt == nil || subtle.ConstantTimeCompare(k.PreviousHash, h[:]) != 1 {
				return nil, openfast.Errorf(openfast.ENOTFOUND, "API key not found.")
			}
			if expires.IsZero() || k.PreviousExpiresAt.Before(expires) {
				expires = *k.PreviousExpiresAt
			}
		}
		allowed, err := allowedIPs("key", k.ID, k.AllowedIPs)
		if err != nil {
			return nil, err
		}
		return &auth.Principal{Kind: kind, ID: k.ID, DisplayKey: k.DisplayKey, WebsiteID: k.WebsiteID,
			Permissions: auth.KeyPermissions(k.Permissions), KeyMaker: k.CreatedBy, ExpiresAt: expires, AllowedIPs: allowed}, nil
	case auth.KindAccountToken:
		t, err := v.store.AccessTokenByHash(ctx, h[:])
		if err != nil {
			return nil, fmt.Errorf("look up account token: %w", err)
		}
		if subtle.ConstantTimeCompare(t.Hash, h[:]) != 1 {
			return nil, openfast.Errorf(openfast.ENOTFOUND, "Access token not found.")
		}
		allowed, err := allowedIPs("token", t.ID, t.AllowedIPs)
		if err != nil {
			return nil, err
		}
		roles, err := v.store.Memberships(ctx, t.UserID)
		if err != nil {
			return nil, fmt.Errorf("load memberships of token %s: %w", t.ID, err)
		}
		return &auth.Principal{
			Kind: kind, ID: t.ID, DisplayKey: t.DisplayKey, UserID: t.UserID,
			Permissions: t.Permissions, WebsiteIDs: t.WebsiteIDs, Memberships: roles,
			ExpiresAt: expiry(t.ExpiresAt), AllowedIPs: allowed,
		}, nil
	}
	return nil, openfast.Errorf(openfast.ENOTFOUND, "Unknown credential kind.")
}

// Invalidate makes every cached principal stale. Call it after any change
// that can revoke or narrow access. It keeps the unknown credentials: no
// revocation makes one known, and Invalidate runs on every change the store
// reports, which would otherwise empty that cache several times a second.
func (v *Verifier) Invalidate() { v.cache.invalidate() }

// ForgetUnknown forgets the credentials the store did not know, so that a
// credential created now works on its first request. (A new credential's
// value is random and cannot have been presented before it exists, which
// is also why a credential created by another process needs no more than
// the entries' expiry; this holds here without relying on it.)
func (v *Verifier) ForgetUnknown() { v.unknown.invalidate() }

// LastUsed returns the newest use of a credential seen by this process.
func (v *Verifier) LastUsed(kind auth.Kind, id string) (time.Time, bool) {
	return v.uses.lastUsed(kind, id)
}

// RunUsageFlusher writes last-use times to the store every interval until
// ctx ends, then once more.
func (v *Verifier) RunUsageFlusher(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := v.FlushUsage(context.WithoutCancel(ctx)); err != nil {
				onError(err)
			}
			return
		case <-t.C:
			if err := v.FlushUsage(ctx); err != nil {
				onError(err)
			}
		}
	}
}

// FlushUsage writes the pending last-use times to the store.
func (v *Verifier) FlushUsage(ctx context.Context) error {
	keys, tokens := v.uses.takeDue(v.now())
	if err := v.store.TouchCredentials(ctx, keys, tokens); err != nil {
		return fmt.Errorf("record credential use: %w", err)
	}
	return nil
}

// writeEvery is how often at most one credential's lastUsedAt is written.
const writeEvery = time.Minute

type credentialRef struct {
	kind auth.Kind
	id   string
}

// usageTracker coalesces credential uses: the newest use of each credential
// is kept in memory (and shown by the list endpoints at once), and written
// to the store at most once per writeEvery.
type usageTracker struct {
	mu      sync.Mutex
	latest  map[credentialRef]time.Time
	written map[credentialRef]time.Time
}

func newUsageTracker() *usageTracker {
	return &usageTracker{latest: map[credentialRef]time.Time{}, written: map[credentialRef]time.Time{}}
}

func (u *usageTracker) touch(kind auth.Kind, id string, now time.Time) {
	u.mu.Lock()
	u.latest[credentialRef{kind, id}] = now
	u.mu.Unlock()
}

func (u *usageTracker) lastUsed(kind auth.Kind, id string) (time.Time, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.latest[credentialRef{kind, id}]
	return t, ok
}

// takeDue returns the uses not yet written whose credential was last
// written writeEvery ago or never, and marks them written.
func (u *usageTracker) takeDue(now time.Time) (keys, tokens map[string]time.Time) {
	keys, tokens = map[string]time.Time{}, map[string]time.Time{}
	u.mu.Lock()
	defer u.mu.Unlock()
	for ref, used := range u.latest {
		w, ok := u.written[ref]
		switch {
		case ok && !used.After(w):
			if now.Sub(w) > 2*writeEvery {
				delete(u.latest, ref) // written, and quiet since: forget it
				delete(u.written, ref)
			}
			continue
		case ok && now.Sub(w) < writeEvery:
			continue
		}
		if ref.kind == auth.KindWebsiteKey {
			keys[ref.id] = used
		} else {
			tokens[ref.id] = used
		}
		u.written[ref] = now
	}
	return keys, tokens
}
