//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/openfast/openfast/bench/internal/traffic"
	"github.com/openfast/openfast/enrich"
)

// The request bodies are built before the run from a seeded generator, so
// that two runs with the same flags send the same traffic and the clients
// never encode JSON. Each body is a template with a visitorId and a
// sessionId slot that a client fills with one visitor's ids (a copy and
// two small overwrites) before it sends it.

// siteDomain is the domain of the website the events belong to.
const siteDomain = "example.com"

// uuidPlaceholder fills the id slots of a template: 36 characters, like
// the canonical form of a UUID.
const uuidPlaceholder = "00000000-0000-4000-8000-000000000000"

// Event kinds, in the order of the report's mix.
const (
	kindPageview = iota
	kindCustom
	kindIdentify
	kindPayment
	kindExternalLink
	numKinds
)

var kindNames = [numKinds]string{"pageview", "custom", "identify", "payment", "external_link"}

// template is one prebuilt request body.
type template struct {
	body   []byte
	kind   int
	vidAt  int // offset of the 36-character visitorId slot
	sidAt  int // offset of the 36-character UUID after the "s" of sessionId
	mobile bool
}

// visitor is one tracked browser: its ids in text form and its user agent.
type visitor struct {
	vid    [36]byte
	sid    [36]byte
	ua     string
	mobile bool
}

// workload is everything the clients send. A visitor on a mobile user
// agent is sent the templates with a mobile viewport, and the others the
// desktop ones.
type workload struct {
	templates []template
	desktop   []int // indexes of templates
	mobile    []int
	visitors  []visitor
	paths     []string
}

// userAgentEntry is a real browser's user agent and how often it is seen.
type userAgentEntry struct {
	ua     string
	weight int
	mobile bool
}

// userAgents are real desktop and mobile browsers of 2024-2025, none of
// them a bot (checked with enrich.IsBot at start-up). Weights are a rough
// market share.
var userAgents = []userAgentEntry{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 14, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", 8, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36", 3, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 9, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", 4, false},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 2, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 5, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", 2, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", 5, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", 2, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 3, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", 1, false},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", 1, false},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 1, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", 1, false},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 YaBrowser/24.12.0.0 Safari/537.36", 1, false},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1", 10, true},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", 5, true},
	{"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 2, true},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", 2, true},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", 1, true},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 10, true},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36", 2, true},
	{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36", 2, true},
	{"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", 2, true},
	{"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", 1, true},
	{"Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0", 1, true},
	{"Mozilla/5.0 (Linux; Android 14; 2311DRK48G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0", 1, true},
	{"Mozilla/5.0 (Linux; Android 11; SM-T500) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 1, true},
	{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 1, false},
}

// checkUserAgents fails when enrich.IsBot takes one of userAgents for a
// bot: such events would be answered 200 and not stored.
func checkUserAgents() error {
	var bots []string
	for _, a := range userAgents {
		if enrich.IsBot(a.ua) {
			bots = append(bots, a.ua)
		}
	}
	if len(bots) > 0 {
		return fmt.Errorf("user agents taken for bots: %q", bots)
	}
	return nil
}

// buildWorkload builds n templates and the visitor pool.
func buildWorkload(seed uint64, n, visitors int, websiteID string) (*workload, error) {
	if err := checkUserAgents(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := &workload{paths: traffic.SitePaths(rng, 500)}
	zipf := rand.NewZipf(rng, 1.07, 2, uint64(len(w.paths)-1))
	g := &generator{rng: rng, zipf: zipf, paths: w.paths, websiteID: websiteID}
	for i := range n {
		t, err := g.template(i)
		if err != nil {
			return nil, err
		}
		if t.mobile {
			w.mobile = append(w.mobile, len(w.templates))
		} else {
			w.desktop = append(w.desktop, len(w.templates))
		}
		w.templates = append(w.templates, t)
	}
	if len(w.mobile) == 0 || len(w.desktop) == 0 {
		return nil, errors.New("-bodies is too small to hold both mobile and desktop events")
	}
	total := 0
	for _, a := range userAgents {
		total += a.weight
	}
	w.visitors = make([]visitor, visitors)
	for i := range w.visitors {
		v := &w.visitors[i]
		copy(v.vid[:], uuidV4(rng))
		copy(v.sid[:], uuidV4(rng))
		pick := rng.IntN(total)
		for _, a := range userAgents {
			if pick < a.weight {
				v.ua, v.mobile = a.ua, a.mobile
				break
			}
			pick -= a.weight
		}
	}
	return w, nil
}

// uuidV4 returns a random version 4 UUID in its canonical form.
func uuidV4(rng *rand.Rand) string {
	var u [16]byte
	for i := 0; i < 16; i += 8 {
		x := rng.Uint64()
		for j := range 8 {
			u[i+j] = byte(x >> (8 * j))
		}
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// fill copies t into a new body with v's ids in its slots.
func (t *template) fill(v *visitor) []byte {
	b := make([]byte, len(t.body))
	copy(b, t.body)
	copy(b[t.vidAt:], v.vid[:])
	copy(b[t.sidAt:], v.sid[:])
	return b
}

// generator draws the fields of events.
type generator struct {
	rng       *rand.Rand
	zipf      *rand.Zipf
	paths     []string
	websiteID string
}

// body is a tracker payload, members in the tracker's order.
type body struct {
	WebsiteID  string            `json:"websiteId"`
	Domain     string            `json:"domain"`
	Href       string            `json:"href"`
	Referrer   *string           `json:"referrer"`
	Viewport   viewport          `json:"viewport"`
	VisitorID  string            `json:"visitorId"`
	SessionID  string            `json:"sessionId"`
	AdClickIDs map[string]string `json:"adClickIds,omitempty"`
	Type       string            `json:"type"`
	ExtraData  map[string]any    `json:"extraData,omitempty"`
}

type viewport struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

var (
	desktopViewports = []viewport{{1920, 969}, {1536, 730}, {1440, 789}, {1366, 641}, {2560, 1313}, {1280, 632}, {1680, 939}}
	mobileViewports  = []viewport{{390, 664}, {393, 727}, {412, 783}, {375, 553}, {360, 668}, {430, 739}, {820, 1106}}
	goals            = []string{"signup", "add_to_cart", "checkout_started", "newsletter_subscribe", "download_whitepaper",
		"video_play", "pricing_toggle", "contact_form_submit", "trial_started", "share_click", "demo_booked", "cta_click"}
	searchEngines = []string{"https://www.google.com/", "https://www.google.com/", "https://www.google.com/", "https://www.google.de/",
		"https://www.google.co.uk/", "https://www.google.fr/", "https://www.google.co.in/", "https://www.bing.com/",
		"https://duckduckgo.com/", "https://search.brave.com/", "https://www.ecosia.org/", "https://yandex.ru/"}
	socials = []string{"https://t.co/", "https://x.com/", "https://www.reddit.com/r/SaaS/", "https://www.reddit.com/r/webdev/",
		"https://www.linkedin.com/", "https://l.facebook.com/", "https://www.youtube.com/", "https://www.producthunt.com/",
		"https://github.com/", "https://www.indiehackers.com/", "https://android-app://com.google.android.gm/", "https://lobste.rs/"}
	tlds       = []string{"com", "io", "dev", "net", "org", "co", "app", "blog", "me", "co.uk", "de", "fr"}
	utmSources = []string{"newsletter", "twitter", "producthunt", "google", "facebook", "linkedin", "partner", "podcast"}
	utmMediums = []string{"email", "social", "cpc", "referral", "banner", "affiliate"}
	utmCamps   = []string{"spring_sale", "launch_week", "black_friday", "onboarding", "webinar_q3", "retargeting"}
	linkSites  = []string{"https://github.com/openfast/openfast", "https://x.com/openfast", "https://discord.gg/openfast",
		"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://docs.stripe.com/payments", "https://news.ycombinator.com/item?id=41234567"}
	firstNames = []string{"Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya", "Noah", "Olga", "Priya"}
)

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// template draws one event and encodes it with placeholder ids.
func (g *generator) template(i int) (template, error) {
	r := g.rng
	var kind int
	switch x := r.IntN(1000); {
	case x < 800:
		kind = kindPageview
	case x < 950:
		kind = kindCustom
	case x < 970:
		kind = kindIdentify
	case x < 985:
		kind = kindPayment
	default:
		kind = kindExternalLink
	}
	mobile := r.IntN(100) < 45
	vp := g.pickViewport(mobile)

	host := siteDomain
	if r.IntN(100) < 15 {
		host = "www." + siteDomain
	}
	path := g.paths[g.zipf.Uint64()]
	href := "https://" + host + path
	var adClicks map[string]string
	q := []string{}
	switch x := r.IntN(100); {
	case x < 8:
		q = append(q, "utm_source="+g.pick(utmSources), "utm_medium="+g.pick(utmMediums), "utm_campaign="+g.pick(utmCamps))
		if r.IntN(3) == 0 {
			q = append(q, "utm_content=variant_"+strconv.Itoa(r.IntN(4)))
		}
	case x < 10:
		q = append(q, "ref="+g.pick([]string{"producthunt", "betalist", "newsletter", "partner42"}))
	case x < 12:
		id := randomToken(r, 24)
		q = append(q, "gclid="+id)
		adClicks = map[string]string{"gclid": id}
	case x < 13:
		id := randomToken(r, 32)
		q = append(q, "fbclid="+id)
		adClicks = map[string]string{"fbclid": id}
	case x < 15:
		q = append(q, "page="+strconv.Itoa(2+r.IntN(5)))
	}
	if len(q) > 0 {
		href += "?" + strings.Join(q, "&")
	}
	if r.IntN(50) == 0 {
		href += "#" + g.pick(traffic.Words)
	}

	b := body{
		WebsiteID: g.websiteID, Domain: siteDomain, Href: href, Referrer: g.referrer(), Viewport: vp,
		VisitorID: uuidPlaceholder, SessionID: "s" + uuidPlaceholder, AdClickIDs: adClicks, Type: kindNames[kind],
	}
	switch kind {
	case kindCustom:
		b.ExtraData = map[string]any{"eventName": g.pick(goals)}
		for range 1 + r.IntN(3) {
			name, value := g.param()
			b.ExtraData[name] = value
		}
	case kindIdentify:
		n := r.IntN(1_000_000)
		b.ExtraData = map[string]any{"user_id": "user_" + strconv.Itoa(n), "name": g.pick(firstNames),
			"email": "user" + strconv.Itoa(n) + "@mail.example.org"}
		if r.IntN(2) == 0 {
			b.ExtraData["plan"] = g.pick([]string{"free", "pro", "team"})
		}
	case kindPayment:
		b.ExtraData = map[string]any{"email": "buyer" + strconv.Itoa(r.IntN(1_000_000)) + "@mail.example.org"}
	case kindExternalLink:
		b.ExtraData = map[string]any{"url": g.pick(linkSites), "text": g.pick([]string{"GitHub", "Follow us", "Join Discord", "Watch the demo", "Stripe docs", "Discuss"})}
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return template{}, fmt.Errorf("encode event %d: %w", i, err)
	}
	vidAt := bytes.Index(enc, []byte(`"visitorId":"`))
	sidAt := bytes.Index(enc, []byte(`"sessionId":"s`))
	if vidAt < 0 || sidAt < 0 {
		return template{}, errors.New("encode event: no id slot")
	}
	return template{body: enc, kind: kind, vidAt: vidAt + len(`"visitorId":"`), sidAt: sidAt + len(`"sessionId":"s`),
		mobile: mobile}, nil
}

func (g *generator) pickViewport(mobile bool) viewport {
	if mobile {
		return mobileViewports[g.rng.IntN(len(mobileViewports))]
	}
	return desktopViewports[g.rng.IntN(len(desktopViewports))]
}

// referrer draws document.referrer: nil is direct traffic.
func (g *generator) referrer() *string {
	r := g.rng
	var s string
	switch x := r.IntN(100); {
	case x < 38:
		return nil
	case x < 55: // navigation inside the site
		s = "https://" + siteDomain + g.paths[g.zipf.Uint64()]
	case x < 75:
		s = g.pick(searchEngines)
	case x < 80:
		s = "https://news.ycombinator.com/"
		if r.IntN(2) == 0 {
			s += "item?id=" + strconv.Itoa(41_000_000+r.IntN(2_000_000))
		}
	case x < 90:
		s = g.pick(socials)
		if s == "https://t.co/" {
			s += randomToken(r, 10)
		}
	default: // a random blog or site linking to this one
		s = "https://" + g.pick(traffic.Words) + strconv.Itoa(r.IntN(1000)) + "." + g.pick(tlds) + "/" + g.pick(traffic.Words) + "-" + g.pick(traffic.Words)
	}
	return &s
}

// param draws a goal parameter: name and a string, number or boolean.
func (g *generator) param() (string, any) {
	r := g.rng
	switch r.IntN(8) {
	case 0:
		return "plan", g.pick([]string{"free", "starter", "pro", "team", "enterprise"})
	case 1:
		return "price", float64(r.IntN(50000)) / 100
	case 2:
		return "source", g.pick([]string{"header", "footer", "modal", "sidebar", "hero"})
	case 3:
		return "position", r.IntN(10) + 1
	case 4:
		return "variant", g.pick([]string{"a", "b", "control"})
	case 5:
		return "product_id", "sku-" + strconv.Itoa(r.IntN(5000))
	case 6:
		return "logged_in", r.IntN(2) == 0
	default:
		return "billing", g.pick([]string{"monthly", "yearly"})
	}
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

func randomToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenAlphabet[r.IntN(len(tokenAlphabet))]
	}
	return string(b)
}
