package app

import (
	"context"
	"crypto/subtle"
	"errors"
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

// RunUsageFlusher writes last-use times and request counts to the store
// every interval until ctx ends, then once more.
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

// FlushUsage writes the pending last-use times and request counts to the
// store, and once a UTC day deletes the counts older than
// openfast.UsageDays. Counts that the store refused are kept for the next
// flush (up to maxPendingCounts credential days; the error says how many
// requests went uncounted beyond that).
func (v *Verifier) FlushUsage(ctx context.Context) error {
	now := v.now()
	keys, tokens := v.uses.takeDue(now)
	var errs []error
	if err := v.store.TouchCredentials(ctx, keys, tokens); err != nil {
		errs = append(errs, fmt.Errorf("record credential use: %w", err))
	}
	if err := v.flushCounts(ctx, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// usageFlushTimeout bounds one flush of request counts.
const usageFlushTimeout = 30 * time.Second

func (v *Verifier) flushCounts(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, usageFlushTimeout)
	defer cancel()
	if err := v.uses.lockFlush(ctx); err != nil {
		return fmt.Errorf("record credential usage: %w", err)
	}
	defer v.uses.unlockFlush()
	counts, dropped := v.uses.takeCounts()
	var errs []error
	if dropped > 0 {
		errs = append(errs, fmt.Errorf("record credential usage: %d requests were not counted: the table of unwritten counts was full (%d credential days)", dropped, maxPendingCounts))
	}
	today := unixDay(now)
	oldest := today - openfast.UsageDays + 1
	if err := v.store.AddCredentialUsage(ctx, counts); err != nil {
		v.uses.restore(counts, oldest)
		errs = append(errs, fmt.Errorf("record credential usage (kept for the next flush): %w", err))
	}
	if v.uses.prunedDay != today {
		if err := v.store.DeleteCredentialUsageBefore(ctx, dayStart(oldest)); err != nil {
			errs = append(errs, err)
		} else {
			v.uses.prunedDay = today
		}
	}
	return errors.Join(errs...)
}

// Usage returns the requests per UTC day, from the day fromDay on, of
// the credentials of kind with the given ids: the store's counts (every
// process's) plus those this process has not written yet.
func (v *Verifier) Usage(ctx context.Context, kind auth.Kind, ids []string, fromDay int32) (map[string]map[int32]int64, error) {
	out := make(map[string]map[int32]int64, len(ids))
	for _, id := range ids {
		out[id] = map[int32]int64{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	// Counts move from memory to the store under this lock: holding it,
	// each count is in exactly one of the two.
	if err := v.uses.lockFlush(ctx); err != nil {
		return nil, fmt.Errorf("read credential usage: %w", err)
	}
	defer v.uses.unlockFlush()
	rows, err := v.store.CredentialUsage(ctx, usageKind(kind), ids, dayStart(fromDay))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if days := out[r.CredentialID]; days != nil {
			days[unixDay(r.Day)] += r.Requests
		}
	}
	v.uses.addUnwritten(out, kind, fromDay)
	return out, nil
}

// usageKind is the store's name of a credential kind.
func usageKind(k auth.Kind) string {
	if k == auth.KindWebsiteKey {
		return openfast.CredentialAPIKey
	}
	return openfast.CredentialAccessToken
}

// unixDay is the UTC day of t, counted from 1970-01-01.
func unixDay(t time.Time) int32 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int32(d)
}

// dayStart is the UTC midnight that starts a unixDay.
func dayStart(day int32) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }

// writeEvery is how often at most one credential's lastUsedAt is written.
const writeEvery = time.Minute

// Bounds of the usage tracker. It has an entry per credential used
// recently (dropped two minutes after its last use was written): when
// maxTrackedCredentials are used at once, the uses of further credentials
// are neither shown as last use nor counted until entries free up. Counts
// of an earlier day than the entry's, and counts a failed flush gave back,
// wait in a table of maxPendingCounts credential days; requests that do
// not fit are not counted, and the next flush reports how many.
// Each entry is about 150 bytes with the map's overhead.
const (
	maxTrackedCredentials = 2 * maxCachedCredentials
	maxPendingCounts      = 2 * maxCachedCredentials
)

type credentialRef struct {
	kind auth.Kind
	id   string
}

// credentialDay is a credential's requests on a unixDay.
type credentialDay struct {
	credentialRef
	day int32
}

// useEntry is what the tracker knows of one credential.
type useEntry struct {
	last    time.Time // newest use
	written time.Time // when last was last handed to the store; zero: never
	day     int32     // the unixDay that count is of
	count   int64     // requests on day not yet handed to the store
}

// usageTracker coalesces credential uses: the newest use of each credential
// is kept in memory (and shown by the list endpoints at once), and written
// to the store at most once per writeEvery; requests are counted per
// credential and UTC day, and the counts are added to the store's on
// every flush.
type usageTracker struct {
	mu      sync.Mutex
	entries map[credentialRef]*useEntry
	pending map[credentialDay]int64 // counts of earlier days, and given back by a failed flush
	dropped int64                   // requests not counted since the last flush: pending was full

	// flushing is held while counts move to the store, and by readers
	// adding the store's counts to the unwritten ones. prunedDay, under
	// it, is the unixDay old counts were last deleted.
	flushing  chan struct{}
	prunedDay int32
}

func newUsageTracker() *usageTracker {
	return &usageTracker{entries: map[credentialRef]*useEntry{}, pending: map[credentialDay]int64{}, flushing: make(chan struct{}, 1)}
}

func (u *usageTracker) lockFlush(ctx context.Context) error {
	select {
	case u.flushing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (u *usageTracker) unlockFlush() { <-u.flushing }

// touch records a use of a credential at now: its newest use, and one
// request on now's UTC day. This is on the path of every authenticated
// request: one map lookup under the mutex.
func (u *usageTracker) touch(kind auth.Kind, id string, now time.Time) {
	ref := credentialRef{kind, id}
	day := unixDay(now)
	u.mu.Lock()
	e := u.entries[ref]
	if e == nil {
		if len(u.entries) >= maxTrackedCredentials {
			u.dropped++
			u.mu.Unlock()
			return
		}
		e = &useEntry{day: day}
		u.entries[ref] = e
	}
	if now.After(e.last) {
		e.last = now
	}
	switch {
	case day == e.day:
		e.count++
	case day > e.day: // a new day: the previous day's count waits in pending
		u.addPending(credentialDay{ref, e.day}, e.count)
		e.day, e.count = day, 1
	default: // a late request of the day before
		u.addPending(credentialDay{ref, day}, 1)
	}
	u.mu.Unlock()
}

// addPending adds n requests to pending, or to dropped when it is full.
// The caller holds u.mu.
func (u *usageTracker) addPending(k credentialDay, n int64) {
	if n == 0 {
		return
	}
	if _, ok := u.pending[k]; !ok && len(u.pending) >= maxPendingCounts {
		u.dropped += n
		return
	}
	u.pending[k] += n
}

func (u *usageTracker) lastUsed(kind auth.Kind, id string) (time.Time, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if e := u.entries[credentialRef{kind, id}]; e != nil {
		return e.last, true
	}
	return time.Time{}, false
}

// takeDue returns the uses not yet written whose credential was last
// written writeEvery ago or never, and marks them written.
func (u *usageTracker) takeDue(now time.Time) (keys, tokens map[string]time.Time) {
	keys, tokens = map[string]time.Time{}, map[string]time.Time{}
	u.mu.Lock()
	defer u.mu.Unlock()
	for ref, e := range u.entries {
		written := !e.written.IsZero()
		switch {
		case written && !e.last.After(e.written):
			if now.Sub(e.written) > 2*writeEvery {
				// Written and quiet since: forget it, but not its count.
				u.addPending(credentialDay{ref, e.day}, e.count)
				delete(u.entries, ref)
			}
			continue
		case written && now.Sub(e.written) < writeEvery:
			continue
		}
		if ref.kind == auth.KindWebsiteKey {
			keys[ref.id] = e.last
		} else {
			tokens[ref.id] = e.last
		}
		e.written = now
	}
	return keys, tokens
}

// takeCounts hands over every unwritten count, and how many requests went
// uncounted since the last call.
func (u *usageTracker) takeCounts() (counts []openfast.CredentialUsage, dropped int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for ref, e := range u.entries {
		if e.count > 0 {
			counts = append(counts, openfast.CredentialUsage{Kind: usageKind(ref.kind), CredentialID: ref.id, Day: dayStart(e.day), Requests: e.count})
			e.count = 0
		}
	}
	for k, n := range u.pending {
		counts = append(counts, openfast.CredentialUsage{Kind: usageKind(k.kind), CredentialID: k.id, Day: dayStart(k.day), Requests: n})
	}
	if len(u.pending) > 0 {
		u.pending = map[credentialDay]int64{} // not clear: give a grown map's memory back
	}
	dropped, u.dropped = u.dropped, 0
	return counts, dropped
}

// restore gives back counts that the store refused, to be written by the
// next flush; those of days before oldest are past keeping anyway.
func (u *usageTracker) restore(counts []openfast.CredentialUsage, oldest int32) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, c := range counts {
		kind := auth.KindAccountToken
		if c.Kind == openfast.CredentialAPIKey {
			kind = auth.KindWebsiteKey
		}
		if day := unixDay(c.Day); day >= oldest {
			u.addPending(credentialDay{credentialRef{kind, c.CredentialID}, day}, c.Requests)
		}
	}
}

// addUnwritten adds to out (by credential id, then day) the unwritten
// counts of kind from the day fromDay on, for the ids out has.
func (u *usageTracker) addUnwritten(out map[string]map[int32]int64, kind auth.Kind, fromDay int32) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id, days := range out {
		if e := u.entries[credentialRef{kind, id}]; e != nil && e.count > 0 && e.day >= fromDay {
			days[e.day] += e.count
		}
	}
	for k, n := range u.pending {
		if days := out[k.id]; days != nil && k.kind == kind && k.day >= fromDay {
			days[k.day] += n
		}
	}
}
