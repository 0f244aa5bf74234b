package dataset

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // the sites' time zones even on machines without them

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/bench/internal/traffic"
	"github.com/openfast/openfast/enrich"
)

// The generator writes the traffic of Sites websites over Days days as a
// stream of enriched events in time order, as the ingest path would have
// stored them. The same Config always gives the same stream: everything is
// drawn from PCG generators seeded from Config.Seed.
//
// Traffic. Site 0 gets 60% of the sessions; the others share the rest in
// proportion to 1/i. Each site's session rate follows its local time of
// day (a daytime peak about 8 times the 3-4 a.m. trough), its local day of
// the week (weekends 20% below weekdays) and a linear growth from 0.8 to
// 1.2 over the period. Time runs in one-hour slices: the sessions that
// start in a slice are drawn (how many, which site, when), each is written
// out in full, and the events before the next slice's start are sorted
// and emitted. So the output is in time order and only a few hours of
// events are ever held. The session count of each slice is set from the
// events still to make, so that the stream ends within the last hour with
// exactly Config.Events events, none at or after End.
//
// Visitors. A session belongs to a new visitor with the probability that
// makes the visitors about a quarter of the events; otherwise to a
// returning visitor of the same site, one that was new at least 6 hours
// and on average 3 days earlier. A visitor's id and traits (country, region and city, language,
// browser, OS and device, screen and viewport) are drawn from a generator
// seeded with (seed, site, visitor number), so they stay the same in every
// session without being kept in memory.
//
// Sessions. Half of the sessions are bounces (one pageview); the others
// have 1 + a geometric number (at least 1, mean 3) of pageviews, so 2.5
// pageviews per session on average. Pageviews are a log-normal time apart (median 25 s,
// from 2 s to 25 min). Paths follow a zipf law over about 2,000 paths of
// the site. The first pageview carries the session's referrer (40% direct,
// then Google, X, Facebook, Reddit, Hacker News... and a long tail of
// blogs), its UTM parameters (10% of sessions, zipf over 36 campaigns) or
// ref/source/via (2%); the later ones have the site as their referrer, so
// "Direct/None", as the enrichment stores them. Every event of a session
// has the entry path and referrer of its first pageview. 3% of sessions
// are on a second hostname, app.<domain>.
//
// Other events follow a pageview on the same page, before the next one:
// per pageview, a goal with probability 3.2% (15 names, half of them with
// properties), an external link 1%, an identify 0.3% and a payment 0.32%
// (500 to 50,000 cents in USD, a unique transaction id). That makes about
// 95.5% pageviews, 3% goals and 0.3% payments.
//
// Names are those the ingest path stores: referrer names come from
// enrich.ReferrerName, browsers and operating systems are spelled as
// enrich.ParseUserAgent spells them (an iPhone's Safari is "Safari" on
// "iOS"), regions are ISO 3166-2 codes.

// Config sizes the generated traffic. Zero fields take the defaults.
type Config struct {
	Events int64     // events in all; default 10,000,000
	Sites  int       // websites; default 20
	Days   int       // the events fall in [End − Days, End); default 90
	End    time.Time // default: the start of the current UTC day
	Seed   uint64
}

// Default sizes.
const (
	defaultEvents = 10_000_000
	defaultSites  = 20
	defaultDays   = 90
)

// withDefaults fills the zero fields and truncates End to the microsecond.
func (c Config) withDefaults() Config {
	if c.Events <= 0 {
		c.Events = defaultEvents
	}
	if c.Sites <= 0 {
		c.Sites = defaultSites
	}
	if c.Days <= 0 {
		c.Days = defaultDays
	}
	if c.End.IsZero() {
		c.End = time.Now().UTC().Truncate(24 * time.Hour)
	}
	c.End = c.End.UTC().Truncate(time.Microsecond)
	return c
}

// Site is a generated website.
type Site struct {
	ID       string // ObjectId form: 24 lowercase hex characters
	Domain   string // site<N>.example
	Timezone string // IANA name
	Weight   float64
}

// Shape of the traffic.
const (
	site0Share        = 0.60
	visitorsPerEvent  = 0.25
	bounceShare       = 0.50
	meanLongExtra     = 3.0 // a session that is no bounce has 1 + Geometric(mean 3) pageviews
	maxPageviews      = 50
	pGoal             = 0.032 // per pageview
	pExternalLink     = 0.010
	pIdentify         = 0.003
	pPayment          = 0.0032
	utmShare          = 0.10 // of sessions
	refShare          = 0.02
	appHostnameShare  = 0.03
	pathsPerSite      = 2000
	growthStart       = 0.8 // relative session rate at the start; 2 − growthStart at the end
	returnMinHours    = 6   // a returning visitor was last new at least this long ago...
	returnMeanHours   = 72  // ...plus an exponential wait of this mean
	sliceMicros       = int64(time.Hour / time.Microsecond)
	meanPageviews     = bounceShare + (1-bounceShare)*(1+meanLongExtra)
	extrasPerPageview = pGoal + pExternalLink + pIdentify + pPayment
	eventsPerSession  = meanPageviews * (1 + extrasPerPageview)
)

// timezones are given to the sites in turn.
var timezones = []string{"UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney",
	"America/Los_Angeles", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo", "Europe/Berlin"}

// hourOfDay is the relative session rate by local hour (0 to 23); weekday
// by local day (Sunday first). Both are normalized to a mean of 1.
var (
	hourOfDay = normalized([]float64{0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.8, 1.1, 1.35, 1.5, 1.55,
		1.5, 1.5, 1.55, 1.5, 1.4, 1.3, 1.25, 1.2, 1.1, 0.9, 0.7, 0.5})
	weekday = normalized([]float64{0.85, 1.06, 1.08, 1.08, 1.06, 1.02, 0.85})
)

func normalized(w []float64) []float64 {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	out := make([]float64, len(w))
	for i, x := range w {
		out[i] = x * float64(len(w)) / sum
	}
	return out
}

// Generator streams the events of a Config. It is not safe for
// concurrent use.
type Generator struct {
	cfg   Config
	sites []Site
	locs  []*time.Location

	rng        *rand.Rand // everything but the visitors' traits
	pathZipf   *rand.Zipf
	campZipf   *rand.Zipf
	tailZipf   *rand.Zipf
	visitorSrc rand.PCG   // reseeded for each visitor
	visitorRNG *rand.Rand // reads visitorSrc
	visitorKey uint64
	txKey      uint64

	paths         [][]string // per site, the most visited first
	appHosts      []string
	newVisitors   []int64   // per site: visitors so far (numbered from 0)
	visitorsPerHr []float64 // per site: expected new visitors per hour
	pNew          float64

	startUS, endUS int64
	hours          int       // one-hour slices of the period
	rate           []float64 // [slice*sites+site]: relative session rate
	rest           []float64 // rest[h]: the total rate of slices h and later
	next           int       // the next slice to draw
	carry          float64   // fraction of a session carried to the next slice
	siteCum        []float64

	pending   []openfast.Event // drawn, not yet emitted
	pendingUS []int64
	spare     []openfast.Event
	spareUS   []int64
	order     []int32
	ready     []openfast.Event // sorted, to emit
	pos       int

	generated, emitted int64
	txSeq              uint64
	done               bool
}

// NewGenerator prepares the stream of cfg.
func NewGenerator(cfg Config) (*Generator, error) {
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg}
	g.rng = rand.New(rand.NewPCG(cfg.Seed, 0x6f70656e66617374)) // "openfast"
	g.visitorKey = g.rng.Uint64()
	g.txKey = g.rng.Uint64()
	g.visitorRNG = rand.New(&g.visitorSrc)

	g.endUS = cfg.End.UnixMicro()
	g.startUS = g.endUS - int64(cfg.Days)*24*sliceMicros
	g.hours = cfg.Days * 24

	created := uint32(time.UnixMicro(g.startUS).Add(-24 * time.Hour).Unix())
	weights := siteWeights(cfg.Sites)
	for i := range cfg.Sites {
		var id [12]byte
		binary.BigEndian.PutUint32(id[:4], created)
		binary.BigEndian.PutUint64(id[4:], g.rng.Uint64())
		s := Site{ID: hex.EncodeToString(id[:]), Domain: fmt.Sprintf("site%d.example", i),
			Timezone: timezones[i%len(timezones)], Weight: weights[i]}
		loc, err := time.LoadLocation(s.Timezone)
		if err != nil {
			return nil, fmt.Errorf("time zone of %s: %w", s.Domain, err)
		}
		g.sites = append(g.sites, s)
		g.locs = append(g.locs, loc)
		g.paths = append(g.paths, traffic.SitePaths(g.rng, pathsPerSite))
		g.appHosts = append(g.appHosts, "app."+s.Domain)
	}
	g.pathZipf = rand.NewZipf(g.rng, 1.1, 1, pathsPerSite-1)
	g.campZipf = rand.NewZipf(g.rng, 1.2, 1, uint64(len(campaigns)-1))
	g.tailZipf = rand.NewZipf(g.rng, 1.1, 1, uint64(len(tailReferrers)-1))

	// The session rate of each site in each slice, taken at the middle of
	// the slice in the site's time zone.
	n := cfg.Sites
	g.rate = make([]float64, g.hours*n)
	g.rest = make([]float64, g.hours+1)
	for h := range g.hours {
		mid := time.UnixMicro(g.startUS + int64(h)*sliceMicros + sliceMicros/2)
		growth := growthStart + 2*(1-growthStart)*(float64(h)+0.5)/float64(g.hours)
		for s := range n {
			local := mid.In(g.locs[s])
			g.rate[h*n+s] = g.sites[s].Weight * growth * hourOfDay[local.Hour()] * weekday[local.Weekday()]
		}
	}
	for h := g.hours - 1; h >= 0; h-- {
		total := 0.0
		for _, r := range g.rate[h*n : (h+1)*n] {
			total += r
		}
		g.rest[h] = g.rest[h+1] + total
	}
	g.siteCum = make([]float64, n)

	g.pNew = min(1, visitorsPerEvent*eventsPerSession)
	g.newVisitors = make([]int64, n)
	g.visitorsPerHr = make([]float64, n)
	for s := range n {
		g.visitorsPerHr[s] = float64(cfg.Events) * visitorsPerEvent * g.sites[s].Weight / float64(g.hours)
	}
	return g, nil
}

// siteWeights gives site 0 60% and the others the rest in proportion to
// 1/i.
func siteWeights(n int) []float64 {
	w := make([]float64, n)
	if n == 1 {
		w[0] = 1
		return w
	}
	w[0] = site0Share
	sum := 0.0
	for i := 1; i < n; i++ {
		sum += 1 / float64(i)
	}
	for i := 1; i < n; i++ {
		w[i] = (1 - site0Share) / float64(i) / sum
	}
	return w
}

// Config returns the configuration with its defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// Sites returns the generated websites.
func (g *Generator) Sites() []Site { return slices.Clone(g.sites) }

// Next writes the next event into ev and reports whether there was one.
// The events come in non-decreasing Time order; there are exactly
// Config.Events of them.
func (g *Generator) Next(ev *openfast.Event) bool {
	for g.pos == len(g.ready) {
		if g.done || g.emitted >= g.cfg.Events {
			return false
		}
		g.advance()
	}
	if g.emitted >= g.cfg.Events {
		return false
	}
	*ev = g.ready[g.pos]
	g.pos++
	g.emitted++
	return true
}

// advance draws the sessions that start in the next slice and makes the
// events before the slice after it ready.
func (g *Generator) advance() {
	if g.next == g.hours {
		g.done = true
		return
	}
	h := g.next
	g.next++
	n := g.cfg.Sites
	rates := g.rate[h*n : (h+1)*n]
	total := 0.0
	for s, r := range rates {
		total += r
		g.siteCum[s] = total
	}
	sliceStart := g.startUS + int64(h)*sliceMicros
	if left := g.cfg.Events - g.generated; left > 0 && total > 0 {
		g.carry += float64(left) / eventsPerSession * total / g.rest[h]
	}
	sessions := int(g.carry)
	g.carry -= float64(sessions)
	for range sessions {
		g.session(g.pickSite(total), sliceStart+g.rng.Int64N(sliceMicros))
	}
	last := g.next == g.hours
	if last {
		// Top up: the count of the last slice was an estimate, and the
		// sessions cut at End lose their later events.
		for g.generated < g.cfg.Events {
			g.session(g.pickSite(total), sliceStart+g.rng.Int64N(sliceMicros))
		}
	}
	cut := sliceStart + sliceMicros
	if last {
		cut = math.MaxInt64
	}
	g.flush(cut)
}

func (g *Generator) pickSite(total float64) int {
	i, _ := slices.BinarySearch(g.siteCum, g.rng.Float64()*total)
	return min(i, len(g.siteCum)-1)
}

// flush sorts the pending events and moves those before cut to ready.
func (g *Generator) flush(cut int64) {
	g.order = g.order[:0]
	for i := range g.pending {
		g.order = append(g.order, int32(i))
	}
	us := g.pendingUS
	slices.SortFunc(g.order, func(a, b int32) int {
		if us[a] != us[b] {
			if us[a] < us[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	g.ready, g.pos = g.ready[:0], 0
	g.spare, g.spareUS = g.spare[:0], g.spareUS[:0]
	for _, i := range g.order {
		if us[i] < cut {
			g.ready = append(g.ready, g.pending[i])
		} else {
			g.spare = append(g.spare, g.pending[i])
			g.spareUS = append(g.spareUS, us[i])
		}
	}
	clear(g.pending) // drop the strings the buffer would keep alive
	g.pending, g.spare = g.spare, g.pending[:0]
	g.pendingUS, g.spareUS = g.spareUS, g.pendingUS[:0]
}

// add queues ev at time us (microseconds since the epoch), unless it falls
// at or after End.
func (g *Generator) add(ev *openfast.Event, us int64) {
	if us >= g.endUS {
		return
	}
	ev.Time = time.UnixMicro(us).UTC()
	g.pending = append(g.pending, *ev)
	g.pendingUS = append(g.pendingUS, us)
	g.generated++
}

// session writes one session of site starting at t (microseconds).
func (g *Generator) session(site int, t int64) {
	r := g.rng
	var base openfast.Event
	base.WebsiteID = g.sites[site].ID
	visitor := g.pickVisitor(site)
	g.visitorTraits(&base, site, visitor)
	base.SessionID = randomUUID(r)
	base.Hostname = g.sites[site].Domain
	if r.Float64() < appHostnameShare {
		base.Hostname = g.appHosts[site]
	}

	// Acquisition: on the first pageview only.
	var land openfast.Event
	switch u := r.Float64(); {
	case u < utmShare:
		c := &campaigns[g.campZipf.Uint64()]
		land.UTMSource, land.UTMMedium, land.UTMCampaign = c.source, c.medium, c.name
		if c.term != "" && r.IntN(2) == 0 {
			land.UTMTerm = c.term
		}
		if r.IntN(4) == 0 {
			land.UTMContent = utmContents[r.IntN(len(utmContents))]
		}
		land.Referrer, land.ReferrerHost = directNone, ""
		if c.referrer >= 0 && r.Float64() < 0.8 {
			land.Referrer, land.ReferrerHost = referrers[c.referrer].name, referrers[c.referrer].host
		}
	default:
		src := g.pickReferrer()
		land.Referrer, land.ReferrerHost = src.name, src.host
		if u < utmShare+refShare {
			v := refValues[r.IntN(len(refValues))]
			switch r.IntN(3) {
			case 0:
				land.Ref = v
			case 1:
				land.Source = v
			default:
				land.Via = v
			}
		}
	}

	paths := g.paths[site]
	entry := paths[g.pathZipf.Uint64()]
	base.EntryPath, base.SessionReferrer = entry, land.Referrer

	pageviews := 1
	if r.Float64() >= bounceShare {
		pageviews = min(1+geometric(r, 1/meanLongExtra), maxPageviews)
	}
	path := entry
	for i := range pageviews {
		pv := base
		pv.Type = openfast.EventPageview
		pv.Path = path
		if i == 0 {
			pv.Referrer, pv.ReferrerHost = land.Referrer, land.ReferrerHost
			pv.UTMSource, pv.UTMMedium, pv.UTMCampaign, pv.UTMTerm, pv.UTMContent = land.UTMSource, land.UTMMedium, land.UTMCampaign, land.UTMTerm, land.UTMContent
			pv.Ref, pv.Source, pv.Via = land.Ref, land.Source, land.Via
		} else {
			pv.Referrer = directNone
		}
		g.add(&pv, t)

		var gap int64
		if i < pageviews-1 {
			gap = pageviewGap(r)
		} else {
			gap = int64(5+r.IntN(120)) * 1e6 // time on the last page
		}
		g.extras(&pv, t, gap, visitor, site)
		t += gap
		if i < pageviews-1 {
			next := paths[g.pathZipf.Uint64()]
			if next == path {
				next = paths[g.pathZipf.Uint64()]
			}
			path = next
		}
	}
}

// extras writes the non-pageview events that follow the pageview pv (at
// t) before the next one (at t+gap). They share the pageview's page,
// referrer and campaign fields, as the tracker sends them from its page.
func (g *Generator) extras(pv *openfast.Event, t, gap int64, visitor int64, site int) {
	r := g.rng
	at := func() int64 { return t + 1 + r.Int64N(max(gap-1, 1)) }
	if r.Float64() < pGoal {
		ev := *pv
		gl := &goals[r.IntN(len(goals))]
		ev.Type, ev.Goal = openfast.EventCustom, gl.name
		if len(gl.props) > 0 && r.IntN(2) == 0 {
			ev.Props = gl.props[r.IntN(len(gl.props))]
		}
		g.add(&ev, at())
	}
	if r.Float64() < pExternalLink {
		ev := *pv
		ev.Type, ev.Props = openfast.EventExternalLink, externalLinks[r.IntN(len(externalLinks))]
		g.add(&ev, at())
	}
	if r.Float64() < pIdentify {
		ev := *pv
		ev.Type = openfast.EventIdentify
		ev.Props = `{"user_id":"u_` + strconv.Itoa(site) + "_" + strconv.FormatInt(visitor, 10) + `"}`
		g.add(&ev, at())
	}
	if r.Float64() < pPayment {
		ev := *pv
		ev.Type, ev.Currency = openfast.EventPayment, "USD"
		if r.IntN(10) < 7 {
			ev.RevenueCents = planPrices[r.IntN(len(planPrices))]
		} else {
			ev.RevenueCents = 500 + r.Int64N(49_501)
		}
		g.txSeq++
		ev.TransactionID = "pi_" + strconv.FormatUint(mix64(g.txSeq^g.txKey), 36)
		g.add(&ev, at())
	}
}

// pickVisitor returns the number of the session's visitor on site: a new
// one, or one that was new some 6 hours to a few days ago.
func (g *Generator) pickVisitor(site int) int64 {
	n := g.newVisitors[site]
	if n == 0 || g.rng.Float64() < g.pNew {
		g.newVisitors[site]++
		return n
	}
	perHour := g.visitorsPerHr[site]
	back := int64(perHour * (returnMinHours + g.rng.ExpFloat64()*returnMeanHours))
	if back >= n {
		return g.rng.Int64N(n)
	}
	return n - 1 - back
}

// visitorTraits fills the visitor's id and traits into ev. They depend on
// (seed, site, visitor) alone.
func (g *Generator) visitorTraits(ev *openfast.Event, site int, visitor int64) {
	g.visitorSrc.Seed(g.visitorKey, uint64(site)<<44^uint64(visitor))
	r := g.visitorRNG
	ev.VisitorID = randomUUID(r)
	c := countries.pick(r.Float64())
	p := c.places.pick(r.Float64())
	ev.CountryCode, ev.Region, ev.City = c.code, p.region, p.city
	ev.Language = c.langs.pick(r.Float64()).tag
	a := agents.pick(r.Float64())
	ev.Browser, ev.OS, ev.Device = a.browser, a.os, a.device
	var sc screen
	switch a.device {
	case "mobile":
		sc = mobileScreens.pick(r.Float64())
		ev.ViewportWidth, ev.ViewportHeight = sc.w, sc.h-uint16(90+r.IntN(100))
	case "tablet":
		sc = tabletScreens.pick(r.Float64())
		ev.ViewportWidth, ev.ViewportHeight = sc.w, sc.h-uint16(70+r.IntN(60))
	default:
		sc = desktopScreens.pick(r.Float64())
		if r.IntN(10) < 7 { // a maximized window
			ev.ViewportWidth, ev.ViewportHeight = sc.w-uint16(r.IntN(2)*15), sc.h-uint16(100+r.IntN(60))
		} else {
			f := 0.55 + 0.4*r.Float64()
			ev.ViewportWidth, ev.ViewportHeight = uint16(float64(sc.w)*f), uint16(float64(sc.h)*f)
		}
	}
	ev.ScreenWidth, ev.ScreenHeight = sc.w, sc.h
}

// pickReferrer draws the referrer of a session without a campaign.
func (g *Generator) pickReferrer() referrer {
	u := g.rng.Float64()
	if u < tailShare {
		return tailReferrers[g.tailZipf.Uint64()]
	}
	return referrerTable.pick((u - tailShare) / (1 - tailShare))
}

// pageviewGap is the time between two pageviews in microseconds:
// log-normal, median 25 s, between 2 s and 25 minutes.
func pageviewGap(r *rand.Rand) int64 {
	s := 25 * math.Exp(1.1*r.NormFloat64())
	s = min(max(s, 2), 25*60)
	return int64(s * 1e6)
}

// geometric returns a number of trials up to the first success, at least 1.
func geometric(r *rand.Rand, p float64) int {
	u := 1 - r.Float64() // (0, 1]
	return 1 + int(math.Log(u)/math.Log(1-p))
}

// randomUUID draws a version 4 UUID.
func randomUUID(r *rand.Rand) openfast.UUID {
	var u openfast.UUID
	binary.BigEndian.PutUint64(u[:8], r.Uint64())
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// mix64 is the splitmix64 finalizer: a bijection of uint64, so distinct
// inputs give distinct transaction ids.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// weighted draws items in proportion to their weights.
type weighted[T any] struct {
	items []T
	cum   []float64 // cumulative weights, the last one 1
}

func newWeighted[T any](items []T, weight func(T) float64) weighted[T] {
	w := weighted[T]{items: items, cum: make([]float64, len(items))}
	sum := 0.0
	for i, it := range items {
		sum += weight(it)
		w.cum[i] = sum
	}
	for i := range w.cum {
		w.cum[i] /= sum
	}
	return w
}

// pick returns the item of u, a uniform number in [0, 1).
func (w *weighted[T]) pick(u float64) T {
	i, _ := slices.BinarySearch(w.cum, u)
	return w.items[min(i, len(w.items)-1)]
}

// Referrers.

const directNone = "Direct/None"

type referrer struct {
	name, host string
	w          float64
}

// ref names a referrer host as the enrichment does.
func ref(host string, w float64) referrer {
	if host == "" {
		return referrer{name: directNone, w: w}
	}
	return referrer{name: enrich.ReferrerName(host), host: host, w: w}
}

// referrers are the sources of sessions without a campaign, tailReferrers
// excepted (tailShare of them). Weights are percent.
var referrers = []referrer{
	ref("", 40),
	ref("google.com", 19), ref("google.co.uk", 1.2), ref("google.de", 1.1), ref("google.fr", 0.7), ref("google.co.in", 0.8),
	ref("t.co", 4), ref("x.com", 1),
	ref("facebook.com", 2.2), ref("l.facebook.com", 0.8),
	ref("linkedin.com", 1.6), ref("lnkd.in", 0.4),
	ref("reddit.com", 2.5),
	ref("news.ycombinator.com", 2),
	ref("bing.com", 2), ref("duckduckgo.com", 1.2),
	ref("chatgpt.com", 1.6), ref("perplexity.ai", 0.4), ref("claude.ai", 0.3),
	ref("youtube.com", 0.8), ref("github.com", 1.3), ref("producthunt.com", 0.6),
	ref("instagram.com", 0.5), ref("bsky.app", 0.3),
	ref("indiehackers.com", 0.5), ref("dev.to", 0.5), ref("medium.com", 0.5), ref("stackoverflow.com", 0.4),
	ref("substack.com", 0.3), ref("lobste.rs", 0.2),
}

var referrerTable = newWeighted(referrers, func(r referrer) float64 { return r.w })

// referrerIndex finds a referrer of the table by host.
func referrerIndex(host string) int {
	for i, r := range referrers {
		if r.host == host {
			return i
		}
	}
	panic("no referrer " + host)
}

// tailShare of sessions come from tailReferrers (zipf): blogs and
// newsletters named by their hostname.
const tailShare = 0.05

var tailReferrers = func() []referrer {
	first := []string{"dev", "data", "cloud", "web", "code", "tech", "product", "startup", "indie", "open", "design", "growth"}
	second := []string{"weekly", "digest", "hub", "notes", "daily", "stack", "lab", "forum", "radar", "list"}
	tlds := []string{"com", "io", "net", "org", "dev", "co"}
	var out []referrer
	for i, a := range first {
		for j, b := range second {
			out = append(out, ref(a+b+"."+tlds[(i+j)%len(tlds)], 1))
		}
	}
	return out
}()

// campaign is a utm_source/utm_medium/utm_campaign set. referrer is the
// index in referrers of where its links are (−1 for none: email).
type campaign struct {
	source, medium, name, term string
	referrer                   int
}

// campaigns are drawn by zipf, the first most often.
var campaigns = func() []campaign {
	type src struct {
		source, medium, term, host string
	}
	sources := []src{
		{"google", "cpc", "web analytics", "google.com"},
		{"newsletter", "email", "", ""},
		{"facebook", "paid_social", "", "facebook.com"},
		{"twitter", "social", "", "t.co"},
		{"linkedin", "paid_social", "", "linkedin.com"},
		{"reddit", "cpc", "", "reddit.com"},
		{"bing", "cpc", "privacy analytics", "bing.com"},
		{"producthunt", "launch", "", "producthunt.com"},
		{"partner", "affiliate", "", ""},
	}
	names := []string{"brand", "spring_sale", "launch_week", "retargeting", "black_friday", "webinar"}
	var out []campaign
	for i := range len(sources) * 4 {
		s := sources[i%len(sources)]
		c := campaign{source: s.source, medium: s.medium, term: s.term, name: names[(i+i/len(sources))%len(names)], referrer: -1}
		if s.host != "" {
			c.referrer = referrerIndex(s.host)
		}
		out = append(out, c)
	}
	return out
}()

var (
	utmContents = []string{"hero_cta", "footer_link", "banner_a", "banner_b", "video"}
	refValues   = []string{"producthunt", "betalist", "newsletter", "partner_acme", "john", "alice", "affiliate42"}
)

// Custom events and payments.

type goal struct {
	name  string
	props []string
}

var goals = []goal{
	{"signup", []string{`{"plan":"free"}`, `{"plan":"pro"}`, `{"method":"google"}`}},
	{"add_to_cart", []string{`{"product":"starter"}`, `{"product":"pro","quantity":"2"}`}},
	{"newsletter", nil},
	{"checkout:started", []string{`{"plan":"pro"}`, `{"plan":"business"}`}},
	{"checkout:completed", []string{`{"plan":"pro"}`}},
	{"login", nil},
	{"download", []string{`{"file":"guide.pdf"}`, `{"file":"app.dmg"}`}},
	{"contact_form", nil},
	{"demo_request", []string{`{"size":"1-10"}`, `{"size":"11-50"}`}},
	{"video_play", []string{`{"video":"intro"}`}},
	{"pricing_toggle", []string{`{"billing":"yearly"}`, `{"billing":"monthly"}`}},
	{"search", nil},
	{"start_trial", []string{`{"plan":"pro"}`}},
	{"invite_sent", nil},
	{"upgrade_click", []string{`{"from":"free"}`}},
}

var externalLinks = []string{`{"url":"https://github.com/openfast/openfast"}`, `{"url":"https://x.com/openfast"}`,
	`{"url":"https://discord.gg/openfast"}`, `{"url":"https://www.youtube.com/watch?v=demo"}`}

var planPrices = []int64{900, 1900, 2900, 4900, 9900, 19900, 29900, 49900}

// Visitors' traits.

type place struct {
	region, city string
	w            float64
}

type language struct {
	tag string
	w   float64
}

type country struct {
	code   string
	w      float64
	places weighted[place]
	langs  weighted[language]
}

func newCountry(code string, w float64, places []place, langs []language) country {
	return country{code: code, w: w,
		places: newWeighted(places, func(p place) float64 { return p.w }),
		langs:  newWeighted(langs, func(l language) float64 { return l.w })}
}

// countries weigh percent; the last one is the visitors that the GeoIP
// database does not know.
var countries = newWeighted([]country{
	newCountry("US", 35, []place{{"US-CA", "San Francisco", 5}, {"US-CA", "Los Angeles", 5}, {"US-CA", "San Diego", 1.5},
		{"US-CA", "San Jose", 1.5}, {"US-NY", "New York", 9}, {"US-TX", "Austin", 3}, {"US-TX", "Houston", 2.5},
		{"US-TX", "Dallas", 2.5}, {"US-WA", "Seattle", 4}, {"US-IL", "Chicago", 4}, {"US-FL", "Miami", 2.5},
		{"US-MA", "Boston", 3}, {"US-CO", "Denver", 2}, {"US-GA", "Atlanta", 2}, {"US-VA", "Ashburn", 2},
		{"US-OR", "Portland", 1.5}, {"US-PA", "Philadelphia", 1.5}, {"US-AZ", "Phoenix", 1.5}, {"US-NC", "Raleigh", 1},
		{"US-MN", "Minneapolis", 1}}, []language{{"en-US", 92}, {"es-US", 5}, {"en", 3}}),
	newCountry("GB", 7, []place{{"GB-ENG", "London", 10}, {"GB-ENG", "Manchester", 2}, {"GB-ENG", "Birmingham", 1.5},
		{"GB-ENG", "Bristol", 1}, {"GB-SCT", "Edinburgh", 1}, {"GB-SCT", "Glasgow", 1}, {"GB-WLS", "Cardiff", 0.6},
		{"GB-NIR", "Belfast", 0.5}}, []language{{"en-GB", 90}, {"en-US", 10}}),
	newCountry("DE", 6, []place{{"DE-BE", "Berlin", 4}, {"DE-BY", "Munich", 3}, {"DE-HH", "Hamburg", 2},
		{"DE-HE", "Frankfurt am Main", 2}, {"DE-NW", "Cologne", 1.5}, {"DE-BW", "Stuttgart", 1.2}, {"DE-NW", "Düsseldorf", 1}},
		[]language{{"de-DE", 85}, {"en-US", 10}, {"de", 5}}),
	newCountry("IN", 7, []place{{"IN-KA", "Bengaluru", 5}, {"IN-MH", "Mumbai", 4}, {"IN-MH", "Pune", 2}, {"IN-DL", "Delhi", 3},
		{"IN-TG", "Hyderabad", 2.5}, {"IN-TN", "Chennai", 2}, {"IN-WB", "Kolkata", 1}}, []language{{"en-IN", 60}, {"en-US", 30}, {"hi-IN", 10}}),
	newCountry("FR", 4.5, []place{{"FR-IDF", "Paris", 6}, {"FR-ARA", "Lyon", 1.5}, {"FR-PAC", "Marseille", 1},
		{"FR-OCC", "Toulouse", 1}, {"FR-NAQ", "Bordeaux", 0.8}, {"FR-HDF", "Lille", 0.7}}, []language{{"fr-FR", 90}, {"en-US", 10}}),
	newCountry("CA", 4, []place{{"CA-ON", "Toronto", 5}, {"CA-BC", "Vancouver", 3}, {"CA-QC", "Montreal", 3},
		{"CA-AB", "Calgary", 1.2}, {"CA-ON", "Ottawa", 1}}, []language{{"en-CA", 65}, {"fr-CA", 20}, {"en-US", 15}}),
	newCountry("BR", 3.5, []place{{"BR-SP", "São Paulo", 6}, {"BR-RJ", "Rio de Janeiro", 3}, {"BR-MG", "Belo Horizonte", 1},
		{"BR-PR", "Curitiba", 1}, {"BR-RS", "Porto Alegre", 0.8}}, []language{{"pt-BR", 95}, {"en-US", 5}}),
	newCountry("NL", 2.5, []place{{"NL-NH", "Amsterdam", 5}, {"NL-ZH", "Rotterdam", 1.5}, {"NL-ZH", "The Hague", 1},
		{"NL-UT", "Utrecht", 1.2}}, []language{{"nl-NL", 75}, {"en-US", 25}}),
	newCountry("ES", 2.5, []place{{"ES-MD", "Madrid", 4}, {"ES-CT", "Barcelona", 3.5}, {"ES-VC", "Valencia", 1},
		{"ES-AN", "Seville", 0.8}}, []language{{"es-ES", 90}, {"ca-ES", 5}, {"en-US", 5}}),
	newCountry("AU", 2.5, []place{{"AU-NSW", "Sydney", 4}, {"AU-VIC", "Melbourne", 3.5}, {"AU-QLD", "Brisbane", 1.5},
		{"AU-WA", "Perth", 1}}, []language{{"en-AU", 85}, {"en-US", 15}}),
	newCountry("IT", 2, []place{{"IT-25", "Milan", 3}, {"IT-62", "Rome", 2.5}, {"IT-21", "Turin", 1}, {"IT-52", "Florence", 0.8}},
		[]language{{"it-IT", 90}, {"en-US", 10}}),
	newCountry("JP", 2, []place{{"JP-13", "Tokyo", 6}, {"JP-27", "Osaka", 2}, {"JP-14", "Yokohama", 1}, {"JP-40", "Fukuoka", 0.6}},
		[]language{{"ja-JP", 95}, {"en-US", 5}}),
	newCountry("PL", 1.5, []place{{"PL-14", "Warsaw", 3}, {"PL-12", "Kraków", 1.5}, {"PL-02", "Wrocław", 1}},
		[]language{{"pl-PL", 90}, {"en-US", 10}}),
	newCountry("MX", 1.5, []place{{"MX-CMX", "Mexico City", 4}, {"MX-JAL", "Guadalajara", 1.5}, {"MX-NLE", "Monterrey", 1.5}},
		[]language{{"es-MX", 90}, {"en-US", 10}}),
	newCountry("SE", 1.2, []place{{"SE-AB", "Stockholm", 4}, {"SE-O", "Gothenburg", 1.5}, {"SE-M", "Malmö", 1}},
		[]language{{"sv-SE", 80}, {"en-US", 20}}),
	newCountry("SG", 1, []place{{"SG-01", "Singapore", 1}}, []language{{"en-SG", 60}, {"en-US", 30}, {"zh-SG", 10}}),
	newCountry("CH", 1, []place{{"CH-ZH", "Zurich", 3}, {"CH-GE", "Geneva", 1.5}, {"CH-BS", "Basel", 1}},
		[]language{{"de-CH", 60}, {"fr-CH", 25}, {"en-US", 15}}),
	newCountry("KR", 1, []place{{"KR-11", "Seoul", 4}, {"KR-26", "Busan", 1}}, []language{{"ko-KR", 95}, {"en-US", 5}}),
	newCountry("ID", 1, []place{{"ID-JK", "Jakarta", 3}, {"ID-JB", "Bandung", 1}}, []language{{"id-ID", 80}, {"en-US", 20}}),
	newCountry("NG", 0.8, []place{{"NG-LA", "Lagos", 3}, {"NG-FC", "Abuja", 1}}, []language{{"en-NG", 60}, {"en-US", 40}}),
	newCountry("TR", 0.8, []place{{"TR-34", "Istanbul", 4}, {"TR-06", "Ankara", 1.5}}, []language{{"tr-TR", 90}, {"en-US", 10}}),
	newCountry("PH", 0.8, []place{{"PH-00", "Manila", 3}, {"PH-07", "Cebu City", 1}}, []language{{"en-PH", 50}, {"en-US", 40}, {"fil-PH", 10}}),
	newCountry("IE", 0.7, []place{{"IE-D", "Dublin", 4}, {"IE-CO", "Cork", 1}}, []language{{"en-IE", 70}, {"en-GB", 15}, {"en-US", 15}}),
	newCountry("UA", 0.7, []place{{"UA-30", "Kyiv", 3}, {"UA-46", "Lviv", 1}}, []language{{"uk-UA", 70}, {"en-US", 20}, {"ru-UA", 10}}),
	newCountry("BE", 0.7, []place{{"BE-BRU", "Brussels", 3}, {"BE-VAN", "Antwerp", 1.5}}, []language{{"nl-BE", 45}, {"fr-BE", 45}, {"en-US", 10}}),
	newCountry("AR", 0.7, []place{{"AR-C", "Buenos Aires", 4}, {"AR-X", "Córdoba", 1}}, []language{{"es-AR", 90}, {"en-US", 10}}),
	newCountry("ZA", 0.6, []place{{"ZA-GP", "Johannesburg", 3}, {"ZA-WC", "Cape Town", 2}}, []language{{"en-ZA", 80}, {"en-US", 20}}),
	newCountry("PT", 0.6, []place{{"PT-11", "Lisbon", 3}, {"PT-13", "Porto", 1.5}}, []language{{"pt-PT", 85}, {"en-US", 15}}),
	newCountry("AT", 0.6, []place{{"AT-9", "Vienna", 3}, {"AT-6", "Graz", 1}}, []language{{"de-AT", 85}, {"en-US", 15}}),
	newCountry("IL", 0.6, []place{{"IL-TA", "Tel Aviv", 3}, {"IL-JM", "Jerusalem", 1}}, []language{{"he-IL", 60}, {"en-US", 40}}),
	newCountry("VN", 0.6, []place{{"VN-SG", "Ho Chi Minh City", 3}, {"VN-HN", "Hanoi", 2}}, []language{{"vi-VN", 85}, {"en-US", 15}}),
	newCountry("DK", 0.5, []place{{"DK-84", "Copenhagen", 3}, {"DK-82", "Aarhus", 1}}, []language{{"da-DK", 80}, {"en-US", 20}}),
	newCountry("NO", 0.5, []place{{"NO-03", "Oslo", 3}, {"NO-46", "Bergen", 1}}, []language{{"nb-NO", 80}, {"en-US", 20}}),
	newCountry("AE", 0.5, []place{{"AE-DU", "Dubai", 3}, {"AE-AZ", "Abu Dhabi", 1}}, []language{{"en-US", 60}, {"ar-AE", 40}}),
	newCountry("PK", 0.5, []place{{"PK-PB", "Lahore", 2}, {"PK-SD", "Karachi", 2}}, []language{{"en-US", 60}, {"ur-PK", 40}}),
	newCountry("FI", 0.4, []place{{"FI-18", "Helsinki", 3}, {"FI-11", "Tampere", 1}}, []language{{"fi-FI", 80}, {"en-US", 20}}),
	newCountry("", 2.3, []place{{"", "", 1}}, []language{{"en-US", 60}, {"en", 20}, {"de-DE", 10}, {"fr-FR", 10}}),
}, func(c country) float64 { return c.w })

type agent struct {
	browser, os, device string
	w                   float64
}

// agents are the browser, OS and device combinations, as
// enrich.ParseUserAgent names them, weighted percent.
var agents = newWeighted([]agent{
	{"Chrome", "Windows", "desktop", 21}, {"Edge", "Windows", "desktop", 6}, {"Firefox", "Windows", "desktop", 2.5},
	{"Opera", "Windows", "desktop", 0.7}, {"Chrome", "Mac OS", "desktop", 9}, {"Safari", "Mac OS", "desktop", 6.5},
	{"Firefox", "Mac OS", "desktop", 0.8}, {"Chrome", "Linux", "desktop", 1.6}, {"Firefox", "Linux", "desktop", 0.9},
	{"Chrome", "Chrome OS", "desktop", 1},
	{"Safari", "iOS", "mobile", 17}, {"Chrome", "iOS", "mobile", 2.5}, {"Chrome", "Android", "mobile", 15},
	{"Samsung Internet", "Android", "mobile", 3}, {"Firefox", "Android", "mobile", 0.5}, {"Instagram", "iOS", "mobile", 1},
	{"Facebook", "Android", "mobile", 0.8},
	{"Safari", "iOS", "tablet", 2.5}, {"Chrome", "Android", "tablet", 0.9},
}, func(a agent) float64 { return a.w })

type screen struct {
	w, h   uint16
	weight float64
}

func screenTable(s []screen) weighted[screen] {
	return newWeighted(s, func(s screen) float64 { return s.weight })
}

var (
	desktopScreens = screenTable([]screen{{1920, 1080, 30}, {1536, 864, 12}, {1440, 900, 10}, {2560, 1440, 10},
		{1366, 768, 9}, {1512, 982, 6}, {1728, 1117, 5}, {1280, 720, 4}, {1680, 1050, 4}, {3840, 2160, 2}})
	mobileScreens = screenTable([]screen{{390, 844, 14}, {393, 852, 10}, {430, 932, 8}, {375, 667, 5}, {414, 896, 5},
		{360, 800, 12}, {412, 915, 10}, {384, 854, 4}, {393, 873, 5}, {360, 780, 3}})
	tabletScreens = screenTable([]screen{{820, 1180, 30}, {768, 1024, 25}, {810, 1080, 20}, {1024, 1366, 15}, {800, 1280, 10}})
)
