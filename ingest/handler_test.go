package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlite"
)

const (
	chromeMac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	visitorA  = "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"
	sessionA  = "s1b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd"
)

type fixture struct {
	h     *Handler
	store *sqlite.DB
	site  *openfast.Website
	now   time.Time
}

// newFixture is a handler over a real SQLite metadata store holding one
// website (example.com), with a settable clock.
func newFixture(t testing.TB, settings func(*openfast.Website)) *fixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	u := &openfast.User{ID: openfast.NewID(), Email: "o@example.com"}
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_test", OwnerID: u.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	if settings != nil {
		settings(site)
	}
	if err := store.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, site: site, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.h = NewHandler(Config{
		Website: func(ctx context.Context, id string) (*openfast.Website, error) {
			if strings.HasPrefix(id, "dfid_") {
				return store.WebsiteByTrackingID(ctx, id)
			}
			return store.Website(ctx, id)
		},
		Now:   func() time.Time { return f.now },
		Salts: store,
	})
	return f
}

// event runs the handler's decoding, filtering and enrichment on a payload
// sent from 127.0.0.1 with a user agent; the string it returns first is the
// visitor id the answer names.
func (f *fixture) event(t *testing.T, ua string, fields map[string]any) (openfast.Event, string, string, error) {
	t.Helper()
	body := map[string]any{"websiteId": "dfid_test", "domain": "example.com", "href": "https://example.com/", "type": "pageview",
		"visitorId": visitorA, "sessionId": sessionA}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	b, _ := json.Marshal(body)
	r := httptest.NewRequest("POST", "/api/events", strings.NewReader(string(b)))
	r.RemoteAddr = "127.0.0.1:50000"
	r.Header.Set("User-Agent", ua)
	ev, answer, filtered, err := f.h.event(r, b)
	return ev, answer.VisitorID, filtered, err
}

func TestEvent_Pageview(t *testing.T) {
	f := newFixture(t, nil)
	ev, visitor, filtered, err := f.event(t, chromeMac, map[string]any{
		"href":     "https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&ref=ph&gclid=abc#top",
		"referrer": "https://www.google.com/search?q=x", "viewport": map[string]any{"width": 1280, "height": 720},
		"screenWidth": 1920, "screenHeight": 1080, "language": "en-US",
	})
	if err != nil || filtered != "" || visitor != "" {
		t.Fatalf("err %v, filtered %q, visitor %q", err, filtered, visitor)
	}
	want := openfast.Event{
		WebsiteID: f.site.ID, Time: f.now, Type: openfast.EventPageview,
		Hostname: "www.example.com", Path: "/pricing", EntryPath: "/pricing", SessionReferrer: "Google",
		Referrer: "Google", ReferrerHost: "google.com", UTMSource: "newsletter", UTMMedium: "email", Ref: "ph",
		Browser: "Chrome", OS: "Mac OS", Device: "desktop",
		ScreenWidth: 1920, ScreenHeight: 1080, ViewportWidth: 1280, ViewportHeight: 720, Language: "en-US",
		AdClickIDs: `{"gclid":"abc"}`,
	}
	want.VisitorID, _ = openfast.ParseUUID(visitorA)
	want.SessionID, _ = openfast.ParseUUID(sessionA[1:])
	if ev != want {
		t.Fatalf("event\n got %+v\nwant %+v", ev, want)
	}
}

func TestEvent_Filters(t *testing.T) {
	f := newFixture(t, func(w *openfast.Website) {
		w.AllowedHostnames = []string{"app.other.com"}
		w.ExcludedHostnames = []string{"staging.example.com"}
		w.ExcludedPaths = []string{"/admin*", "/health"}
	})
	for _, tc := range []struct {
		name, ua string
		fields   map[string]any
		want     string
	}{
		{"kept", chromeMac, nil, ""},
		{"subdomain", chromeMac, map[string]any{"href": "https://blog.example.com/a"}, ""},
		{"allowed hostname", chromeMac, map[string]any{"href": "https://app.other.com/"}, ""},
		{"by _id", chromeMac, map[string]any{"websiteId": f.site.ID}, ""},
		{"bot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", nil, filterBot},
		{"headless", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", nil, filterBot},
		{"no user agent", "", nil, filterBot},
		{"unknown website", chromeMac, map[string]any{"websiteId": "dfid_nope"}, filterUnknownWebsite},
		{"foreign hostname", chromeMac, map[string]any{"href": "https://evil.com/"}, filterForeignHostname},
		{"lookalike hostname", chromeMac, map[string]any{"href": "https://notexample.com/"}, filterForeignHostname},
		{"excluded hostname", chromeMac, map[string]any{"href": "https://staging.example.com/"}, filterExcludedHost},
		{"excluded path prefix", chromeMac, map[string]any{"href": "https://example.com/admin/users"}, filterExcludedPath},
		{"excluded path exact", chromeMac, map[string]any{"href": "https://example.com/health"}, filterExcludedPath},
		{"path not excluded", chromeMac, map[string]any{"href": "https://example.com/healthy"}, ""},
	} {
		_, _, filtered, err := f.event(t, tc.ua, tc.fields)
		if err != nil || filtered != tc.want {
			t.Errorf("%s: filtered %q, err %v; want %q", tc.name, filtered, err, tc.want)
		}
	}
	g := newFixture(t, func(w *openfast.Website) { w.ExcludedIPs = []string{"127.0.0.0/8"} })
	if _, _, filtered, _ := g.event(t, chromeMac, nil); filtered != filterExcludedIP {
		t.Errorf("excluded IP: %q", filtered)
	}
	a := newFixture(t, func(w *openfast.Website) { w.IsAllHostnamesAllowed = true })
	if _, _, filtered, _ := a.event(t, chromeMac, map[string]any{"href": "https://anything.net/"}); filtered != "" {
		t.Errorf("all hostnames allowed: %q", filtered)
	}
}

// TestExcludedIP: every form of entry that excludedIps accepts matches the
// client addresses it names.
func TestExcludedIP(t *testing.T) {
	for _, tc := range []struct {
		entry, client string
		want          bool
	}{
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"192.0.2.0/24", "192.0.2.200", true},
		{"192.0.2.7/24", "192.0.2.200", true}, // host bits set
		{"192.0.2.0/24", "192.0.3.1", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
		{"::ffff:192.0.2.0/120", "192.0.2.9", true},
		{"::ffff:192.0.2.0/120", "192.0.3.9", false},
		{"::ffff:0:0/96", "203.0.113.1", true}, // every IPv4 client
		{"::/0", "203.0.113.1", false},         // IPv6 only: the client is IPv4
		{"2001:db8::1", "2001:db8::1", true},
		{"2001:DB8::1", "2001:db8::1", true},
		{"fe80::1%eth0", "fe80::1", true},
		{"2001:db8::/32", "2001:db8:ffff::1", true},
		{"2001:db8::/32", "2001:db9::1", false},
		{"192.0.2.0/24", "::ffff:192.0.2.1", false}, // ClientIP never gives a mapped address
		{"not an address", "192.0.2.1", false},
	} {
		if got := excludedIP([]string{tc.entry}, netip.MustParseAddr(tc.client)); got != tc.want {
			t.Errorf("entry %q, client %s: %v, want %v", tc.entry, tc.client, got, tc.want)
		}
	}
}

func TestEvent_Invalid(t *testing.T) {
	f := newFixture(t, nil)
	long := map[string]any{}
	for i := range 11 {
		long[fmt.Sprintf("p%d", i)] = "v"
	}
	long["eventName"] = "signup"
	for _, tc := range []struct {
		name   string
		fields map[string]any
		msg    string
	}{
		{"no websiteId", map[string]any{"websiteId": nil}, "websiteId is required"},
		{"no href", map[string]any{"href": nil}, "href is required"},
		{"no type", map[string]any{"type": nil}, "type is required"},
		{"bad type", map[string]any{"type": "click"}, "not one of"},
		{"relative href", map[string]any{"href": "/pricing"}, "href must be"},
		{"javascript href", map[string]any{"href": "javascript:alert(1)"}, "href must be"},
		{"custom without name", map[string]any{"type": "custom", "extraData": map[string]any{}}, "eventName"},
		{"bad goal name", map[string]any{"type": "custom", "extraData": map[string]any{"eventName": "sign/up"}}, "Goal name"},
		{"reserved goal name", map[string]any{"type": "custom", "extraData": map[string]any{"eventName": "Identify"}}, "reserved"},
		{"too many params", map[string]any{"type": "custom", "extraData": long}, "At most 10"},
		{"bad param name", map[string]any{"type": "custom", "extraData": map[string]any{"eventName": "x", "Bad Name": "v"}}, "Parameter name"},
		{"object param", map[string]any{"type": "custom", "extraData": map[string]any{"eventName": "x", "p": map[string]any{}}}, "Parameter p"},
		{"identify without user", map[string]any{"type": "identify", "extraData": map[string]any{"name": "x"}}, "user_id"},
		{"external link without url", map[string]any{"type": "external_link", "extraData": map[string]any{}}, "url"},
		{"wrong field type", map[string]any{"visitorId": 5}, "visitorId"},
		{"wrong viewport", map[string]any{"viewport": "big"}, "viewport"},
	} {
		_, _, _, err := f.event(t, chromeMac, tc.fields)
		if openfast.ErrorCode(err) != openfast.EINVALID || !strings.Contains(openfast.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: %v, want EINVALID mentioning %q", tc.name, err, tc.msg)
		}
	}
}

func TestEvent_CustomGoal(t *testing.T) {
	f := newFixture(t, nil)
	ev, _, _, err := f.event(t, chromeMac, map[string]any{"type": "custom", "extraData": map[string]any{
		"eventName": "Sign Up", "Plan": "Pro<script>alert('x')</script>", "seats": 3, "trial": true, "link": "javascript:evil()", "h": "x onclick=y",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Goal != "sign_up" || ev.Type != openfast.EventCustom {
		t.Fatalf("goal %q type %v", ev.Goal, ev.Type)
	}
	var props map[string]string
	if err := json.Unmarshal([]byte(ev.Props), &props); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"plan": "Proscriptalert(x)/script", "seats": "3", "trial": "true", "link": "evil()", "h": "x y"}
	if fmt.Sprint(props) != fmt.Sprint(want) {
		t.Fatalf("props %v, want %v", props, want)
	}
}

// The tracker's payment event is a hint linking the visitor to a
// customer's email, not a payment.
func TestEvent_PaymentIsAHint(t *testing.T) {
	f := newFixture(t, nil)
	ev, _, _, err := f.event(t, chromeMac, map[string]any{"type": "payment", "extraData": map[string]any{"email": "buyer@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != openfast.EventPaymentHint || ev.Props != `{"email":"buyer@example.com"}` || ev.RevenueCents != 0 || ev.TransactionID != "" {
		t.Fatalf("type %v props %s cents %d tx %q", ev.Type, ev.Props, ev.RevenueCents, ev.TransactionID)
	}
	if _, _, _, err := f.event(t, chromeMac, map[string]any{"type": "payment_hint"}); err == nil {
		t.Fatal("the tracker may not send payment_hint")
	}
}

func TestEvent_Sessions(t *testing.T) {
	f := newFixture(t, nil)
	noSession := map[string]any{"sessionId": nil, "href": "https://example.com/landing", "referrer": "https://news.ycombinator.com/"}
	first, _, _, _ := f.event(t, chromeMac, noSession)
	f.now = f.now.Add(20 * time.Minute)
	second, _, _, _ := f.event(t, chromeMac, map[string]any{"sessionId": nil, "href": "https://example.com/pricing"})
	if first.SessionID != second.SessionID || second.EntryPath != "/landing" || second.SessionReferrer != "Hacker News" {
		t.Fatalf("within 30 minutes: %+v / %+v", first, second)
	}
	f.now = f.now.Add(31 * time.Minute)
	third, _, _, _ := f.event(t, chromeMac, map[string]any{"sessionId": nil, "href": "https://example.com/docs"})
	if third.SessionID == second.SessionID || third.EntryPath != "/docs" || third.SessionReferrer != "Direct/None" {
		t.Fatalf("after 31 idle minutes: %+v", third)
	}
	// With the tracker's session id: a goal before any pageview, then the
	// pageview becomes the entry.
	goal, _, _, _ := f.event(t, chromeMac, map[string]any{"sessionId": "s9b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd", "type": "custom",
		"extraData": map[string]any{"eventName": "x"}, "href": "https://example.com/a"})
	pv, _, _, _ := f.event(t, chromeMac, map[string]any{"sessionId": "s9b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd", "href": "https://example.com/b"})
	next, _, _, _ := f.event(t, chromeMac, map[string]any{"sessionId": "s9b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd", "href": "https://example.com/c"})
	if goal.EntryPath != "/a" || pv.EntryPath != "/b" || next.EntryPath != "/b" || goal.SessionID != next.SessionID {
		t.Fatalf("entries %q %q %q", goal.EntryPath, pv.EntryPath, next.EntryPath)
	}
}

func TestEvent_Cookieless(t *testing.T) {
	f := newFixture(t, func(w *openfast.Website) { w.IsCookieless = true })
	a, va, _, _ := f.event(t, chromeMac, map[string]any{"visitorId": nil, "sessionId": nil})
	b, vb, _, _ := f.event(t, chromeMac, map[string]any{"visitorId": "f0000000-0000-4000-8000-000000000000"})
	c, _, _, _ := f.event(t, chromeMac+" Extra", nil)
	if va == "" || va != vb || a.VisitorID != b.VisitorID || va != a.VisitorID.String() {
		t.Fatalf("cookieless ids %q %q", va, vb)
	}
	if c.VisitorID == a.VisitorID {
		t.Fatal("another user agent got the same cookieless id")
	}
	if a.SessionID != b.SessionID {
		t.Fatal("cookieless events of one visitor within 30 minutes are one session")
	}
	// Another server of the installation (or this one after a restart)
	// derives the same id from the stored salt.
	other := *f
	other.h = NewHandler(f.h.cfg)
	o, _, _, _ := other.event(t, chromeMac, map[string]any{"visitorId": nil, "sessionId": nil})
	if o.VisitorID != a.VisitorID {
		t.Fatal("a second handler on the same store derived another cookieless id")
	}
	f.now = f.now.Add(24 * time.Hour)
	d, _, _, _ := f.event(t, chromeMac, nil)
	if d.VisitorID == a.VisitorID {
		t.Fatal("the salt did not rotate after a day")
	}
}

// TestEvent_UnknownWebsiteCached: events for an unknown tracking id cost
// one store lookup per TTL, not one each; a website created meanwhile is
// tracked once the TTL has passed.
func TestEvent_UnknownWebsiteCached(t *testing.T) {
	f := newFixture(t, nil)
	lookups := map[string]int{}
	find := f.h.cfg.Website
	f.h.cfg.Website = func(ctx context.Context, id string) (*openfast.Website, error) {
		lookups[id]++
		return find(ctx, id)
	}
	send := func() string {
		t.Helper()
		_, _, filtered, err := f.event(t, chromeMac, map[string]any{"websiteId": "dfid_later"})
		if err != nil {
			t.Fatal(err)
		}
		return filtered
	}
	for range 5 {
		if filtered := send(); filtered != filterUnknownWebsite {
			t.Fatalf("filtered %q, want %q", filtered, filterUnknownWebsite)
		}
	}
	if lookups["dfid_later"] != 1 {
		t.Fatalf("%d lookups for 5 events of one unknown id, want 1", lookups["dfid_later"])
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_later", OwnerID: f.site.OwnerID, Domain: "example.org", Timezone: "UTC", Currency: "USD"}
	site.IsAllHostnamesAllowed = true
	if err := f.store.CreateWebsite(context.Background(), site, nil); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(unknownWebsiteTTL - time.Second)
	if filtered := send(); filtered != filterUnknownWebsite || lookups["dfid_later"] != 1 {
		t.Fatalf("within the TTL: filtered %q after %d lookups", filtered, lookups["dfid_later"])
	}
	f.now = f.now.Add(2 * time.Second)
	if filtered := send(); filtered != "" || lookups["dfid_later"] != 2 {
		t.Fatalf("after the TTL: filtered %q after %d lookups, want tracked after 2", filtered, lookups["dfid_later"])
	}
	// Known websites are looked up as before.
	send()
	if lookups["dfid_later"] != 3 {
		t.Fatalf("%d lookups of a known website after 4 events, want 3", lookups["dfid_later"])
	}
}

// TestEvent_IdentifyKeepsValues: identify values are stored as the tracker
// sends them ("&" in a name, an image URL with a query string), where goal
// parameters are cleaned; control characters are refused.
func TestEvent_IdentifyKeepsValues(t *testing.T) {
	f := newFixture(t, nil)
	avatar := "https://img.example.com/u/1.png?w=64&h=64&fit=crop"
	ev, _, _, err := f.event(t, chromeMac, map[string]any{"type": "identify", "extraData": map[string]any{
		"user_id": "u&1", "name": `Ann & "Bob" O'Neil`, "avatar": avatar, "plan": 3, "long": strings.Repeat("é", 300),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var props map[string]string
	if err := json.Unmarshal([]byte(ev.Props), &props); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user_id": "u&1", "name": `Ann & "Bob" O'Neil`, "avatar": avatar, "plan": "3", "long": strings.Repeat("é", 255)}
	if fmt.Sprint(props) != fmt.Sprint(want) {
		t.Fatalf("props %v, want %v", props, want)
	}
	_, _, _, err = f.event(t, chromeMac, map[string]any{"type": "identify", "extraData": map[string]any{"user_id": "u1", "name": "Ann\nBob"}})
	if openfast.ErrorCode(err) != openfast.EINVALID {
		t.Fatalf("a name with a newline: %v, want EINVALID", err)
	}
	goal, _, _, _ := f.event(t, chromeMac, map[string]any{"type": "custom", "extraData": map[string]any{"eventName": "x", "url": avatar}})
	if !strings.Contains(goal.Props, "w=64h=64") {
		t.Fatalf("goal props %s: a goal parameter is still cleaned as the tracker cleans it", goal.Props)
	}
}

// TestEvent_HashRouting: with hashRouting, the fragment of href is part of
// the path; without, it is not.
func TestEvent_HashRouting(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		href string
		hash bool
		want string
	}{
		{"https://example.com/app#/settings?tab=2", true, "/app#/settings?tab=2"},
		{"https://example.com/app#/settings", false, "/app"},
		{"https://example.com/app?x=1#!/users/7", true, "/app#!/users/7"},
		{"https://example.com/app#", true, "/app"},
		{"https://example.com/", true, "/"},
		{"https://example.com/#/" + strings.Repeat("é", 2000), true, "/#/" + strings.Repeat("é", 1022)},
	} {
		fields := map[string]any{"href": tc.href}
		if tc.hash {
			fields["hashRouting"] = true
		}
		ev, _, _, err := f.event(t, chromeMac, fields)
		if err != nil || ev.Path != tc.want {
			t.Errorf("%.60s (hash routing %v): path %.60q, %v; want %.60q", tc.href, tc.hash, ev.Path, err, tc.want)
		}
	}
}

// TestEvent_HashRoutingExcludedPaths: on a hash-routed site the path holds
// the fragment, so an exact excluded path names the route with it, and a
// prefix ending in "*" covers every route under a page.
func TestEvent_HashRoutingExcludedPaths(t *testing.T) {
	f := newFixture(t, func(w *openfast.Website) { w.ExcludedPaths = []string{"/app#/admin", "/docs*"} })
	for _, tc := range []struct {
		href, reason string
	}{
		{"https://example.com/app#/admin", "excluded_path"},
		{"https://example.com/app#/admin/users", ""},
		{"https://example.com/app#/settings", ""},
		{"https://example.com/docs#/intro", "excluded_path"},
	} {
		_, _, reason, err := f.event(t, chromeMac, map[string]any{"href": tc.href, "hashRouting": true})
		if err != nil || reason != tc.reason {
			t.Errorf("%s: filtered %q, %v; want %q", tc.href, reason, err, tc.reason)
		}
	}
}
