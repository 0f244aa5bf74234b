package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/openfast/openfast/auth"
	"golang.org/x/time/rate"
)

// rateLimiter is a token bucket per credential: perMinute requests a minute
// with bursts of burst. A zero perMinute disables it.
type rateLimiter struct {
	perMinute   int
	limitHeader []string // the X-RateLimit-Limit value (never modified)
	burst       int

	mu        sync.Mutex
	buckets   map[credentialRef]*bucket
	lastPrune time.Time
}

// credentialRef names the credential a bucket belongs to.
type credentialRef struct {
	kind auth.Kind
	id   string
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(perMinute, burst int) *rateLimiter {
	if burst <= 0 {
		burst = 1
	}
	return &rateLimiter{perMinute: perMinute, limitHeader: []string{strconv.Itoa(perMinute)}, burst: burst, buckets: map[credentialRef]*bucket{}}
}

// rateStatus is what the X-RateLimit-* headers say after one request.
type rateStatus struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until the next request is allowed (when refused)
}

func (rl *rateLimiter) allow(ref credentialRef, now time.Time) rateStatus {
	every := rate.Limit(float64(rl.perMinute) / 60)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if now.Sub(rl.lastPrune) > time.Minute {
		rl.prune(now)
	}
	b := rl.buckets[ref]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(every, rl.burst)}
		rl.buckets[ref] = b
	}
	b.seen = now
	st := rateStatus{allowed: b.lim.AllowN(now, 1)}
	tokens := b.lim.TokensAt(now)
	st.remaining = int(math.Max(0, math.Floor(tokens)))
	st.reset = time.Duration((float64(rl.burst) - tokens) / float64(every) * float64(time.Second))
	if !st.allowed {
		st.retryAfter = time.Duration((1 - tokens) / float64(every) * float64(time.Second))
	}
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
