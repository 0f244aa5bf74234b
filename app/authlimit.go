package app

import (
	"net/netip"
	"sync"
	"time"

	"github.com/openfast/openfast"
)

// DefaultAuthFailureLimit is how many failed authentications a client
// address may make per minute, in bursts of as many, unless configured
// otherwise.
const DefaultAuthFailureLimit = 20

// maxAuthFailureAddresses bounds the addresses the failure limiter
// remembers. An entry is a fixed 40 bytes (address and bucket), so this
// also bounds its memory (a few MB with the map's overhead).
const maxAuthFailureAddresses = 100_000

// FailTooManyFailures is the reason a credential is refused, with
// ERATELIMIT, when its client address has failed to authenticate too often.
const FailTooManyFailures = "too_many_failures"

// failureLimiter is a token bucket per client address that only failed
// authentications (malformed or unknown credentials) drain. A credential
// costs nothing to guess wrong otherwise: each unknown one is a store read.
// While an address's bucket is empty every credential it presents is
// refused, a valid one too, without being parsed or looked up, until the
// bucket refills. Successful authentications never drain it, so a busy
// client with a good credential is never refused because of its own load.
//
// Only addresses that failed have an entry, and an entry whose bucket is
// full again is forgotten, so valid traffic grows nothing.
//
// K is what a bucket belongs to: a client address (addressKey), or for
// sign-ins also an email.
type failureLimiter[K comparable] struct {
	perSecond  float64
	burst      float64
	maxEntries int

	mu        sync.RWMutex
	m         map[K]failureBucket
	lastPrune time.Time
}

// failureBucket holds tokens as of at (unix nanoseconds). Tokens go below
// zero when failures that passed allow concurrently land together: the
// address then waits longer.
type failureBucket struct {
	tokens float64
	at     int64
}

func newFailureLimiter(perMinute int) *failureLimiter[netip.Addr] {
	return newFailureLimiterOf[netip.Addr](perMinute, time.Minute)
}

// newFailureLimiterOf allows bursts of burst failures, refilled at burst
// per window.
func newFailureLimiterOf[K comparable](burst int, window time.Duration) *failureLimiter[K] {
	return &failureLimiter[K]{
		perSecond: float64(burst) / window.Seconds(), burst: float64(burst),
		maxEntries: maxAuthFailureAddresses, m: map[K]failureBucket{},
	}
}

// addressKey is the bucket an address drains: an IPv4 address, or the /64
// of an IPv6 one, since a single IPv6 client usually holds a whole /64.
// An address that does not parse (no TCP peer) shares the zero key.
func addressKey(ip string) netip.Addr {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Addr{}
	}
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

// tokensAt is b's tokens at now.
func (l *failureLimiter[K]) tokensAt(b failureBucket, now time.Time) float64 {
	elapsed := float64(now.UnixNano()-b.at) / float64(time.Second)
	return min(l.burst, b.tokens+max(0, elapsed)*l.perSecond)
}

// allow reports whether a credential from addr may be verified at now, and
// if not, how long until it may.
func (l *failureLimiter[K]) allow(addr K, now time.Time) (retryAfter time.Duration, ok bool) {
	l.mu.RLock()
	b, found := l.m[addr]
	l.mu.RUnlock()
	if !found {
		return 0, true
	}
	tokens := l.tokensAt(b, now)
	if tokens >= 1 {
		return 0, true
	}
	return time.Duration((1 - tokens) / l.perSecond * float64(time.Second)), false
}

// fail records a failed authentication from addr at now.
func (l *failureLimiter[K]) fail(addr K, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastPrune) > time.Minute {
		l.prune(now)
	}
	b, found := l.m[addr]
	tokens := l.burst
	if found {
		tokens = l.tokensAt(b, now)
	} else if len(l.m) >= l.maxEntries {
		l.prune(now)
		for victim := range l.m { // still full: a random entry goes
			if len(l.m) < l.maxEntries {
				break
			}
			delete(l.m, victim)
		}
	}
	l.m[addr] = failureBucket{tokens: max(-l.burst, tokens-1), at: now.UnixNano()}
}

// prune forgets the addresses whose bucket is full again.
func (l *failureLimiter[K]) prune(now time.Time) {
	for addr, b := range l.m {
		if l.tokensAt(b, now) >= l.burst {
			delete(l.m, addr)
		}
	}
	l.lastPrune = now
}

// len is the number of addresses remembered, for tests.
func (l *failureLimiter[K]) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.m)
}

// refusal is the error of a credential refused because its address failed
// too often.
func (l *failureLimiter[K]) refusal(retryAfter time.Duration) error {
	secs := max(1, int((retryAfter+time.Second-1)/time.Second))
	return &RetryError{
		Err: openfast.Errorf(openfast.ERATELIMIT,
			"Too many failed authentications from this address (at most %d per minute). Retry after %d seconds.", int(l.burst), secs),
		After: retryAfter,
	}
}
