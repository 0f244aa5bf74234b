package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/openfast/openfast/auth"
	"golang.org/x/time/rate"
)

// rateLimiter is a set of token buckets, perMinute requests a minute with
// bursts of burst each: one per credential, and one per owner of
// credentials (a user's tokens, a website's keys), so that making more
// credentials does not multiply the quota. A zero perMinute disables it.
type rateLimiter struct {
	perMinute   int
	limitHeader []string // the X-RateLimit-Limit value (never modified)
	burst       int

	mu        sync.Mutex
	buckets   map[limitRef]*bucket
	lastPrune time.Time
}

// limitScope says whose requests a bucket counts.
type limitScope uint8

const (
	scopeCredential limitScope = iota // one key or token
	scopeUser                         // every token of a user
	scopeWebsite                      // every key of a website
)

// limitRef names a bucket.
type limitRef struct {
	scope limitScope
	kind  auth.Kind // of a credential
	id    string
}

// limitRefs returns the buckets a request of p draws from: its
// credential's, and its owner's. A token's owner is its user and a key's
// its website; a token acting on a website does not draw from the
// website's bucket, so that no member can use up what the website's keys
// (its server-side writes) are allowed.
func limitRefs(p *auth.Principal) [2]limitRef {
	refs := [2]limitRef{{scope: scopeCredential, kind: p.Kind, id: p.ID}}
	if p.Kind == auth.KindWebsiteKey {
		refs[1] = limitRef{scope: scopeWebsite, id: p.WebsiteID}
	} else {
		refs[1] = limitRef{scope: scopeUser, id: p.UserID}
	}
	return refs
}

// limitName says which limit refused a request, for its 429 message.
func limitName(ref limitRef) string {
	switch ref.scope {
	case scopeUser:
		return "all access tokens of this user together"
	case scopeWebsite:
		return "all API keys of this website together"
	}
	return "this credential"
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(perMinute, burst int) *rateLimiter {
	if burst <= 0 {
		burst = 1
	}
	return &rateLimiter{perMinute: perMinute, limitHeader: []string{strconv.Itoa(perMinute)}, burst: burst, buckets: map[limitRef]*bucket{}}
}

// rateStatus is what the X-RateLimit-* headers say after one request: the
// state of the most constrained of its buckets.
type rateStatus struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until the next request is allowed (when refused)
	refusedBy  limitRef      // the bucket that refused it (when refused)
}

// allow takes one request from every bucket of refs, or from none of them
// if one is empty.
func (rl *rateLimiter) allow(refs [2]limitRef, now time.Time) rateStatus {
	every := rate.Limit(float64(rl.perMinute) / 60)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if now.Sub(rl.lastPrune) > time.Minute {
		rl.prune(now)
	}
	var bs [len(refs)]*bucket
	var tokens [len(refs)]float64
	least := 0 // the bucket with the fewest tokens
	for i, ref := range refs {
		b := rl.buckets[ref]
		if b == nil {
			b = &bucket{lim: rate.NewLimiter(every, rl.burst)}
			rl.buckets[ref] = b
		}
		b.seen = now
		bs[i], tokens[i] = b, b.lim.TokensAt(now)
		if tokens[i] < tokens[least] {
			least = i
		}
	}
	st := rateStatus{allowed: tokens[least] >= 1}
	if st.allowed {
		for i, b := range bs {
			b.lim.AllowN(now, 1)
			tokens[i]--
		}
	} else {
		st.refusedBy = refs[least]
		st.retryAfter = time.Duration((1 - tokens[least]) / float64(every) * float64(time.Second))
	}
	st.remaining = int(math.Max(0, math.Floor(tokens[least])))
	st.reset = time.Duration((float64(rl.burst) - tokens[least]) / float64(every) * float64(time.Second))
	return st
}

// prune drops buckets that have been idle long enough to be full again.
func (rl *rateLimiter) prune(now time.Time) {
	idle := time.Duration(float64(rl.burst)/(float64(rl.perMinute)/60)*float64(time.Second)) + time.Minute
	for ref, b := range rl.buckets {
		if now.Sub(b.seen) > idle {
			delete(rl.buckets, ref)
		}
	}
	rl.lastPrune = now
}
