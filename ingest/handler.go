package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/enrich"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Handler.
type Config struct {
	Writer *Writer
	// Website finds the website a payload names: its trackingId or its _id.
	Website func(ctx context.Context, id string) (*openfast.Website, error)
	// GeoIP, when set, gives country, region, city and coordinates.
	GeoIP *enrich.GeoDB
	// TrustedProxies may set the client address with X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Registerer receives the ingest metrics (including the writer's);
	// nil means none.
	Registerer prometheus.Registerer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Salts keeps the daily salts of cookieless visitor ids, shared by the
	// servers of an installation; nil means a salt of this process only.
	Salts openfast.SaltStore
	// Accepted, when set, is told of each event once it is durable (the
	// app's alerts watch for goals). It must return at once.
	Accepted func(ev *openfast.Event)
	// BurstLimit is how many events of one website one address may send
	// in a minute when the website is in attack mode; 0 means
	// DefaultBurstLimit.
	BurstLimit int
}

// Handler serves POST /api/events.
type Handler struct {
	cfg      Config
	sessions *sessions
	salts    salts
	agents   *userAgents
	bursts   *bursts
	unknown  unknownWebsites
	received *prometheus.CounterVec
	filtered *prometheus.CounterVec
	rejected prometheus.Counter
}

// NewHandler returns the ingest handler.
func NewHandler(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{
		cfg:      cfg,
		sessions: newSessions(maxSessions, maxSessionBytes),
		agents:   newUserAgents(maxCachedUserAgents, maxUserAgentCacheBytes),
		bursts:   newBursts(cfg.BurstLimit),
		unknown:  unknownWebsites{t: newTable(maxUnknownWebsites, maxUnknownWebsiteBytes, unknownWebsiteSize)},
		salts:    salts{store: cfg.Salts},
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openfast_events_received_total", Help: "Events accepted for storage, by type."}, []string{"type"}),
		filtered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openfast_events_filtered_total", Help: "Events answered 200 but not stored, by reason."}, []string{"reason"}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "openfast_events_rejected_total", Help: "Events refused with a 4xx."}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(h.received, h.filtered, h.rejected)
		if w := cfg.Writer; w != nil {
			batches := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openfast_event_batches_total", Help: "Journal commits (group commits that acknowledge events), by result."}, []string{"result"})
			committed := prometheus.NewCounter(prometheus.CounterOpts{Name: "openfast_events_committed_total", Help: "Events committed to the journal and acknowledged."})
			loads := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openfast_event_loads_total", Help: "Journal segments loaded into the event store, by result."}, []string{"result"})
			loadedEvents := prometheus.NewCounter(prometheus.CounterOpts{Name: "openfast_events_loaded_total", Help: "Events loaded from the journal into the event store."})
			queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "openfast_event_queue_length", Help: "Events waiting for a journal commit."},
				func() float64 { return float64(w.QueueLen()) })
			unloaded := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "openfast_events_unloaded", Help: "Acknowledged events in the journal, not yet in the event store."},
				func() float64 { return float64(w.Unloaded()) })
			cfg.Registerer.MustRegister(batches, committed, loads, loadedEvents, queued, unloaded)
			w.SetOnBatch(countResults(batches, committed))
			w.SetOnLoad(countResults(loads, loadedEvents))
		}
	}
	return h
}

// countResults returns a writer callback that counts each batch by result
// and the events of the batches that succeeded.
func countResults(byResult *prometheus.CounterVec, events prometheus.Counter) func(n int, err error) {
	ok, failed := byResult.WithLabelValues("ok"), byResult.WithLabelValues("error")
	return func(n int, err error) {
		if err != nil {
			failed.Inc()
			return
		}
		ok.Inc()
		events.Add(float64(n))
	}
}

// Filter reasons.
const (
	filterBot             = "bot"
	filterUnknownWebsite  = "unknown_website"
	filterForeignHostname = "foreign_hostname"
	filterExcludedIP      = "excluded_ip"
	filterExcludedPath    = "excluded_path"
	filterExcludedCountry = "excluded_country"
	filterExcludedHost    = "excluded_hostname"
	filterReferrerSpam    = "referrer_spam"
)

// response is the answer to an event. Cookieless tells the tracker that
// the website is cookieless (or that the event said it was): the tracker
// then deletes what it stored and stores nothing more. VisitorID is the
// derived visitor id of a stored cookieless event.
type response struct {
	Status     string `json:"status"`
	VisitorID  string `json:"visitorId,omitempty"`
	Cookieless bool   `json:"cookieless,omitempty"`
}

// ServeEvent handles one event. Its errors are application errors for the
// API's error envelope; a filtered event is answered 200 all the same.
func (h *Handler) ServeEvent(w http.ResponseWriter, r *http.Request) error {
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf) // nothing keeps the body: decoding copies what it takes
	buf.Reset()
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	body := buf.Bytes()
	if err != nil {
		h.rejected.Inc()
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return openfast.Errorf(openfast.ETOOLARGE, "An event is at most %d KiB.", MaxBodyBytes>>10)
		}
		return openfast.Errorf(openfast.EINVALID, "Could not read the request body.")
	}
	ev, answer, reason, err := h.event(r, body)
	if err != nil {
		if openfast.ErrorCode(err) == openfast.EINVALID {
			h.rejected.Inc()
		}
		return err
	}
	if reason != "" {
		h.filtered.WithLabelValues(reason).Inc()
		writeResponse(w, response{Status: "success", Cookieless: answer.Cookieless})
		return nil
	}
	if err := h.cfg.Writer.SubmitPublic(r.Context(), ev); err != nil {
		w.Header().Set("Retry-After", "1")
		if openfast.ErrorCode(err) == openfast.EUNAVAILABLE {
			return err
		}
		return openfast.Errorf(openfast.EUNAVAILABLE, "The event could not be stored; retry shortly.")
	}
	h.received.WithLabelValues(ev.Type.String()).Inc()
	if h.cfg.Accepted != nil {
		h.cfg.Accepted(&ev)
	}
	answer.Status = "success"
	writeResponse(w, answer)
	return nil
}

// bodyPool recycles request body buffers (io.ReadAll allocated one or two
// for each event).
var bodyPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 1024)) }}

func writeResponse(w http.ResponseWriter, v response) {
	b := successBody
	if v != (response{Status: "success"}) {
		b, _ = json.Marshal(v)
	}
	h := w.Header()
	// Shared, never modified values: Set would allocate both for each event.
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	w.Write(b)
}

var (
	successBody     = []byte(`{"status":"success"}`)
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
)

// event builds the stored event of a request, or says why it is not
// stored. answer holds what the response tells the client beyond its
// status: whether the website is cookieless (once the website is known,
// filtered events included) and the derived visitor id of a cookieless
// client.
func (h *Handler) event(r *http.Request, body []byte) (ev openfast.Event, answer response, filtered string, err error) {
	p, err := decodePayload(body)
	if err != nil {
		return ev, answer, "", err
	}
	typ, _ := openfast.ParseEventType(p.Type)
	page, err := enrich.ParsePage(p.Href)
	if err != nil {
		return ev, answer, "", openfast.Errorf(openfast.EINVALID, "href must be an absolute http or https URL.")
	}
	if p.HashRouting {
		page.Path = hashPath(page.Path, p.Href)
	}
	ev = openfast.Event{Type: typ, Time: h.cfg.Now().UTC(), Hostname: page.Hostname, Path: page.Path,
		UTMSource: page.UTMSource, UTMMedium: page.UTMMedium, UTMCampaign: page.UTMCampaign, UTMTerm: page.UTMTerm,
		UTMContent: page.UTMContent, Ref: page.Ref, Source: page.Source, Via: page.Via}
	if err := h.extra(&ev, p); err != nil {
		return ev, answer, "", err
	}
	if ev.Type == openfast.EventPayment {
		// A browser is not a payment: the tracker's payment event is a
		// hint that links the visitor to a customer (see
		// openfast.EventPaymentHint).
		ev.Type = openfast.EventPaymentHint
	}

	ua := r.UserAgent()
	agent := h.agents.get(ua)
	if agent.bot {
		return ev, answer, filterBot, nil
	}
	site, err := h.website(r.Context(), p.WebsiteID, ev.Time)
	if err != nil {
		if openfast.ErrorCode(err) == openfast.ENOTFOUND {
			return ev, answer, filterUnknownWebsite, nil
		}
		return ev, answer, "", err
	}
	ev.WebsiteID = site.ID
	cookieless := p.Cookieless || site.IsCookieless
	answer.Cookieless = cookieless
	if reason := hostnameFilter(site, page.Hostname); reason != "" {
		return ev, answer, reason, nil
	}
	if excludedPath(site.ExcludedPaths, page.Path) {
		return ev, answer, filterExcludedPath, nil
	}
	ip := enrich.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), h.cfg.TrustedProxies)
	if excludedIP(site.ExcludedIPs, ip) {
		return ev, answer, filterExcludedIP, nil
	}
	if site.IsAttackModeEnabled {
		if reason := h.attackFilter(r, site.ID, ip, ev.Time); reason != "" {
			return ev, answer, reason, nil
		}
	}
	geo := h.cfg.GeoIP.Lookup(ip)
	if geo.CountryCode != "" && slices.Contains(site.ExcludedCountries, geo.CountryCode) {
		return ev, answer, filterExcludedCountry, nil
	}
	ev.CountryCode, ev.Region, ev.City = geo.CountryCode, geo.Region, geo.City
	ev.Coordinates = openfast.CoordinatesOf(geo.Latitude, geo.Longitude)

	ev.Browser, ev.OS, ev.Device = agent.client.Browser, agent.client.OS, agent.client.Device
	if p.Referrer != nil {
		ev.Referrer, ev.ReferrerHost = enrich.Referrer(*p.Referrer, page.Hostname, site.Domain)
		if enrich.IsReferrerSpam(ev.ReferrerHost) {
			return ev, answer, filterReferrerSpam, nil
		}
	} else {
		ev.Referrer = "Direct/None"
	}
	if len(page.AdClickIDs) > 0 {
		b, _ := json.Marshal(page.AdClickIDs)
		ev.AdClickIDs = string(b)
	}
	if p.Viewport != nil {
		ev.ViewportWidth, ev.ViewportHeight = dimension(p.Viewport.Width), dimension(p.Viewport.Height)
	}
	ev.ScreenWidth, ev.ScreenHeight = dimension(p.ScreenWidth), dimension(p.ScreenHeight)
	ev.Language = openfast.CleanValue(p.Language, 35)

	v, ok := openfast.ParseUUID(p.VisitorID)
	if cookieless || !ok {
		if v, err = h.salts.visitorID(r.Context(), ev.Time, site.ID, ip.String(), ua); err != nil {
			return ev, answer, "", err
		}
	}
	if cookieless {
		answer.VisitorID = v.String()
	}
	ev.VisitorID = v
	var sid *openfast.UUID
	if s, ok := parseSessionID(p.SessionID); ok && !cookieless {
		sid = &s
	}
	ev.SessionID, ev.EntryPath, ev.SessionReferrer = h.sessions.track(site.ID, v, sid, ev.Time, typ == openfast.EventPageview, ev.Path, ev.Referrer)
	return ev, answer, "", nil
}

// Bounds of the cache of unknown website ids. A website created meanwhile
// becomes trackable within unknownWebsiteTTL.
const (
	unknownWebsiteTTL      = 30 * time.Second
	maxUnknownWebsites     = 10_000
	maxUnknownWebsiteBytes = 2 << 20
)

// unknownWebsites remembers, until when, the ids that named no website, so
// that a stream of events for an unknown (or deleted) website costs one
// store read per unknownWebsiteTTL rather than one per event. (The
// Website func caches only the websites it finds.)
type unknownWebsites struct {
	mu sync.RWMutex
	t  *table[string, time.Time]
}

func unknownWebsiteSize(id string, _ time.Time) int { return 96 + len(id) }

var errUnknownWebsite = openfast.Errorf(openfast.ENOTFOUND, "No website has this id.")

// website finds the website a payload names, through the cache of unknown
// ids.
func (h *Handler) website(ctx context.Context, id string, now time.Time) (*openfast.Website, error) {
	h.unknown.mu.RLock()
	until, ok := h.unknown.t.get(id)
	h.unknown.mu.RUnlock()
	if ok && now.Before(until) {
		return nil, errUnknownWebsite
	}
	site, err := h.cfg.Website(ctx, id)
	// (ErrorCode's target escapes: it is not called without an error.)
	if err != nil && openfast.ErrorCode(err) == openfast.ENOTFOUND {
		h.unknown.mu.Lock()
		h.unknown.t.put(strings.Clone(id), now.Add(unknownWebsiteTTL))
		h.unknown.mu.Unlock()
	}
	return site, err
}

// extra reads the type-specific extraData.
func (h *Handler) extra(ev *openfast.Event, p *payload) error {
	var err error
	switch ev.Type {
	case openfast.EventCustom:
		name, ok := stringMember(p.ExtraData, "eventName")
		if !ok {
			return openfast.Errorf(openfast.EINVALID, "A custom event needs extraData.eventName.")
		}
		if ev.Goal, err = openfast.ParseGoalName(name); err != nil {
			return err
		}
		ev.Props, err = params(p.ExtraData, "eventName")
	case openfast.EventIdentify:
		id, ok := stringMember(p.ExtraData, "user_id")
		if !ok || !openfast.ValidUserID(id) {
			return openfast.Errorf(openfast.EINVALID, "An identify event needs extraData.user_id: a string of 1 to %d characters.", openfast.MaxUserID)
		}
		ev.Props, err = identityParams(p.ExtraData)
	case openfast.EventPayment, openfast.EventExternalLink:
		if ev.Type == openfast.EventExternalLink {
			if u, ok := stringMember(p.ExtraData, "url"); !ok || u == "" {
				return openfast.Errorf(openfast.EINVALID, "An external_link event needs extraData.url.")
			}
		}
		ev.Props, err = params(p.ExtraData)
	}
	return err
}

// hostnameFilter says why a page hostname does not count for a website.
func hostnameFilter(site *openfast.Website, host string) string {
	if slices.Contains(site.ExcludedHostnames, host) {
		return filterExcludedHost
	}
	if site.IsAllHostnamesAllowed || host == site.Domain || strings.HasSuffix(host, "."+site.Domain) ||
		slices.Contains(site.AllowedHostnames, host) {
		return ""
	}
	return filterForeignHostname
}

// excludedPath matches a path against the website's excluded paths: exact,
// or a prefix when the pattern ends with "*".
func excludedPath(patterns []string, path string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(path, prefix) {
				return true
			}
		} else if p == path {
			return true
		}
	}
	return false
}

// excludedIP matches a client address (unmapped, without zone, as
// enrich.ClientIP gives it) against the website's excluded addresses and
// prefixes. An IPv4-mapped entry ("::ffff:192.0.2.1", "::ffff:192.0.2.0/120")
// matches the IPv4 clients it maps (an IPv6 prefix such as ::/0 does not),
// and an address's zone is ignored.
func excludedIP(list []string, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	var mapped netip.Addr
	if ip.Is4() {
		mapped = netip.AddrFrom16(ip.As16())
	}
	for _, s := range list {
		if a, err := netip.ParseAddr(s); err == nil && a.WithZone("").Unmap() == ip {
			return true
		}
		if p, err := netip.ParsePrefix(s); err == nil && (p.Contains(ip) || mapped.IsValid() && p.Addr().Is4In6() && p.Contains(mapped)) {
			return true
		}
	}
	return false
}

// maxPathBytes bounds a path with its fragment, as enrich bounds a path.
const maxPathBytes = 2048

// hashPath is the path of a page of a hash-routed site: the path, "#" and
// the fragment of href as written, when there is one, cut to maxPathBytes
// on a character boundary.
func hashPath(path, href string) string {
	_, frag, ok := strings.Cut(href, "#")
	if !ok || frag == "" {
		return path
	}
	p := strings.ToValidUTF8(path+"#"+frag, "\uFFFD")
	if len(p) > maxPathBytes {
		n := maxPathBytes
		for n > 0 && !utf8.RuneStart(p[n]) {
			n--
		}
		p = p[:n]
	}
	return p
}

// dimension turns a JSON number into a pixel size.
func dimension(v float64) uint16 {
	if v <= 0 || v != v {
		return 0
	}
	if v > 65535 {
		return 65535
	}
	return uint16(v)
}
