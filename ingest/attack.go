package ingest

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/openfast/openfast/enrich"
)

// Filter reasons of a website's attack mode (isAttackModeEnabled), one for
// each sign that no person at a browser sent the event.
const (
	filterAttackNoLanguage = "attack_mode_no_language"
	filterAttackDatacenter = "attack_mode_datacenter"
	filterAttackBurst      = "attack_mode_burst"
)

// DefaultBurstLimit is how many events of one website one address may send
// in a minute under attack mode; the events beyond it are filtered. A
// person clicking through a site sends a few a minute; 60 leaves room for
// a busy single-page app and for several people behind one address.
const DefaultBurstLimit = 60

// burstWindow is the span the burst limit counts over.
const burstWindow = time.Minute

// Bounds of the burst table: an entry is a website and an address
// (an IPv6 /64) that sent events within the last minute. When it is full,
// entries go at random (see table), so a flood from many addresses can let
// a burst from one through: the other checks still apply.
const (
	maxBurstEntries = 100_000
	maxBurstBytes   = 16 << 20
	burstEntrySize  = 160 // key, value and map slot, roughly, plus the id's bytes
)

type burstKey struct {
	website string
	addr    netip.Addr // IPv4, or the /64 of an IPv6 address
}

type burstCount struct {
	start time.Time // the first event of the current window
	n     int
}

// bursts counts the events of each website and address per minute, in
// fixed windows that start at the first event after the last window ended.
type bursts struct {
	limit int
	mu    sync.Mutex
	t     *table[burstKey, burstCount]
}

func newBursts(limit int) *bursts {
	if limit <= 0 {
		limit = DefaultBurstLimit
	}
	return &bursts{limit: limit, t: newTable(maxBurstEntries, maxBurstBytes, func(k burstKey, _ burstCount) int {
		return burstEntrySize + len(k.website)
	})}
}

// add counts an event and reports whether it is beyond the limit.
func (b *bursts) add(website string, ip netip.Addr, now time.Time) bool {
	if ip.Is6() {
		ip = netip.PrefixFrom(ip, 64).Masked().Addr() // one subscriber's addresses
	}
	k := burstKey{website, ip}
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.t.get(k)
	if !ok || now.Sub(c.start) >= burstWindow || now.Before(c.start) {
		c = burstCount{start: now}
	}
	c.n++
	b.t.put(k, c)
	return c.n > b.limit
}

// attackFilter says why an event of a website in attack mode looks sent by
// no browser: no Accept-Language header (every browser sends one, scripts
// seldom do), an address of a datacenter, cloud or VPN range, or more than
// the burst limit of events a minute from its address. Its order is the
// order of the reasons; an event filtered for one of the first two does not
// count toward the burst.
func (h *Handler) attackFilter(r *http.Request, website string, ip netip.Addr, now time.Time) string {
	if !hasLanguage(r.Header) {
		return filterAttackNoLanguage
	}
	if !ip.IsValid() {
		return ""
	}
	if enrich.IsDatacenter(ip) {
		return filterAttackDatacenter
	}
	if h.bursts.add(website, ip, now) {
		return filterAttackBurst
	}
	return ""
}

// hasLanguage reports whether a request has a non-blank Accept-Language.
func hasLanguage(header http.Header) bool {
	for _, v := range header.Values("Accept-Language") {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c != ' ' && c != '\t' && c != ',' {
				return true
			}
		}
	}
	return false
}

// burstStats says what the burst table holds.
func (b *bursts) stats() tableStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.t.stats()
}
