package ingest

import (
	"sync"

	"github.com/openfast/openfast/enrich"
)

// maxCachedUserAgents bounds the user-agent cache; when full it starts over.
const maxCachedUserAgents = 20_000

// userAgents caches what a user agent says (bot or not, browser, OS,
// device). Bot detection runs a large regular expression (tens to hundreds
// of microseconds); real traffic has few distinct user agents, so each is
// examined once.
type userAgents struct {
	mu sync.RWMutex
	m  map[string]userAgent
}

type userAgent struct {
	bot    bool
	client enrich.UserAgent
}

func (c *userAgents) get(ua string) userAgent {
	c.mu.RLock()
	v, ok := c.m[ua]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v.bot = enrich.IsBot(ua)
	if !v.bot {
		v.client = enrich.ParseUserAgent(ua)
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedUserAgents {
		c.m = make(map[string]userAgent)
	}
	c.m[ua] = v
	c.mu.Unlock()
	return v
}
