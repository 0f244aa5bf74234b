package ingest

import (
	"strings"
	"sync"

	"github.com/openfast/openfast/enrich"
)

// Bounds of the user-agent cache: every request can add its user agent, so
// it is capped in entries and bytes and evicts at random when full. A user
// agent longer than maxCachedUserAgentBytes is examined each time and never
// kept (real ones are a few hundred bytes).
const (
	maxCachedUserAgents     = 20_000
	maxUserAgentCacheBytes  = 8 << 20
	maxCachedUserAgentBytes = 512
	userAgentOverhead       = 128 // key, value and map slot, roughly
)

// userAgents caches what a user agent says (bot or not, browser, OS,
// device). Bot detection runs a large regular expression (tens to hundreds
// of microseconds); real traffic has few distinct user agents, so each is
// examined once.
type userAgents struct {
	mu sync.RWMutex
	t  *table[string, userAgent]
}

type userAgent struct {
	bot    bool
	client enrich.UserAgent
}

func newUserAgents(maxEntries, maxBytes int) *userAgents {
	return &userAgents{t: newTable(maxEntries, maxBytes, func(ua string, v userAgent) int {
		// The parsed fields may hold on to the uncloned user agent: twice.
		return userAgentOverhead + 2*len(ua)
	})}
}

func (c *userAgents) get(ua string) userAgent {
	c.mu.RLock()
	v, ok := c.t.get(ua)
	c.mu.RUnlock()
	if ok {
		return v
	}
	v.bot = enrich.IsBot(ua)
	if !v.bot {
		v.client = enrich.ParseUserAgent(ua)
	}
	if len(ua) <= maxCachedUserAgentBytes {
		c.mu.Lock()
		c.t.put(strings.Clone(ua), v)
		c.mu.Unlock()
	}
	return v
}

// stats says what the cache holds.
func (c *userAgents) stats() tableStats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.t.stats()
}
