package ingest_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openfast/openfast/internal/geotest"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/openfast/openfast/enrich"
	"github.com/openfast/openfast/ingest"
)

// writeCountryDB writes a MaxMind-format country database (the GeoLite2
// layout) that places each network in a country, and opens it.
func writeCountryDB(t testing.TB, countries map[string]string) *enrich.GeoDB {
	t.Helper()
	records := map[string]mmdbtype.Map{}
	for cidr, cc := range countries {
		records[cidr] = mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc)}}
	}
	path := geotest.WriteMMDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-Country", IPVersion: 6, RecordSize: 24,
		IncludeReservedNetworks: true}, records) // the test addresses are documentation ranges
	db, err := enrich.OpenGeoDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// do sends an API request with the owner's token and decodes the answer.
func (s *server) do(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.http.URL+path, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: status %d, body is not JSON: %v", method, path, res.StatusCode, err)
	}
	return res.StatusCode, out
}

// send posts a pageview of href from the client address ip (through a
// trusted proxy) with the user agent ua, and returns the status of a
// success envelope.
func (s *server) send(t testing.TB, href, ip, ua string) int {
	t.Helper()
	body := fmt.Sprintf(`{"websiteId":%q,"domain":"example.com","href":%q,"referrer":null,"visitorId":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd","sessionId":"s1b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd","type":"pageview"}`, s.tracking, href)
	req, _ := http.NewRequest("POST", s.http.URL+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set("X-Forwarded-For", ip)
	res, err := s.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out["status"] != "success" {
		t.Fatalf("event %s from %s: status %d, %v %v", href, ip, res.StatusCode, out, err)
	}
	return res.StatusCode
}

// metric returns the samples of one metric family from /metrics, by the
// value of its label ("" when it has none).
func (s *server) metric(t testing.TB, name, label string) map[string]float64 {
	t.Helper()
	res, err := s.http.Client().Get(s.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: status %d", res.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		key := ""
		if labels, value, ok := strings.Cut(rest, "} "); ok && rest[0] == '{' {
			key, _ = strings.CutPrefix(labels, "{"+label+"=")
			key, rest = strings.Trim(key, `"`), value
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[key] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEventsHTTP_Filtered: the website's excludedIps, excludedPaths,
// excludedCountries and excludedHostnames, set through the API, and bot
// user agents keep events out of the store; each answers 200 and counts
// once in openfast_events_filtered_total under its reason, while the other
// events of the same website are stored.
func TestEventsHTTP_Filtered(t *testing.T) {
	geo := writeCountryDB(t, map[string]string{
		"192.0.2.0/24":     "FR",
		"203.0.113.0/24":   "DE",
		"198.51.100.0/24":  "US",
		"2001:db8:de::/48": "DE",
		"2001:db8:f::/48":  "FR",
	})
	// The test client connects from loopback, a trusted proxy: the client
	// address is the one each request names in X-Forwarded-For.
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	s := newServerConfig(t, ingest.WriterConfig{QueueSize: 1000, MaxBatch: 100}, func(c *ingest.Config) {
		c.GeoIP, c.TrustedProxies = geo, trusted
	})

	// An event before the settings change, then the same event after: the
	// change applies at once, though the website's settings are cached.
	before := s.send(t, "https://example.com/health", "192.0.2.22", chrome)
	if before != 200 || s.count(t) != 1 {
		t.Fatalf("event before the settings change: %d, %d stored", before, s.count(t))
	}

	// The settings as a client sends them (PUT /websites/{websiteId}); the
	// server normalizes them (the country code to upper case).
	status, out := s.do(t, "PUT", "/api/v1/admin/websites/"+s.site.ID, map[string]any{
		"excludedIps":       []string{"198.51.100.7", "2001:db8:bad::/48", "::ffff:192.0.2.96/123"},
		"excludedPaths":     []string{"/admin*", "/health"},
		"excludedCountries": []string{"de"},
		"excludedHostnames": []string{"staging.example.com"},
	})
	if status != 200 {
		t.Fatalf("update website settings: %d %v", status, out)
	}
	data, _ := out["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("update website settings: %v", out)
	}
	stored, _ := data[0].(map[string]any)
	if got := fmt.Sprint(stored["excludedIps"], stored["excludedPaths"], stored["excludedCountries"], stored["excludedHostnames"]); got != "[198.51.100.7 2001:db8:bad::/48 ::ffff:192.0.2.96/123] [/admin* /health] [DE] [staging.example.com]" {
		t.Fatalf("stored settings: %s", got)
	}

	const (
		googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
		headless  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"
	)
	type sent struct {
		href, ip, ua string
		reason       string // "" when the event is stored
		country      string // the stored event's country
	}
	events := []sent{
		// Stored.
		{href: "https://example.com/", ip: "192.0.2.10", country: "FR"},
		{href: "https://example.com/healthy", ip: "192.0.2.11", country: "FR"},          // not /health
		{href: "https://example.com/pricing", ip: "198.51.100.8", country: "US"},        // beside the excluded address
		{href: "https://blog.example.com/post", ip: "2001:db8:f::1", country: "FR"},     // another subdomain
		{href: "https://example.com/contact", ip: "2001:db8:bae::1", country: ""},       // beside the excluded prefix, in no country
		{href: "https://www.example.com/about", ip: "::ffff:192.0.2.12", country: "FR"}, // IPv4-mapped
		// Excluded IP addresses: the address, and in the prefix.
		{href: "https://example.com/ip/1", ip: "198.51.100.7", reason: "excluded_ip"},
		{href: "https://example.com/ip/2", ip: "2001:db8:bad::1", reason: "excluded_ip"},
		{href: "https://example.com/ip/3", ip: "2001:db8:bad:ffff::9", reason: "excluded_ip"},
		// An IPv4-mapped prefix (192.0.2.96 to 192.0.2.127) excludes IPv4
		// clients.
		{href: "https://example.com/ip/4", ip: "192.0.2.100", reason: "excluded_ip"},
		{href: "https://example.com/ip/5", ip: "::ffff:192.0.2.127", reason: "excluded_ip"},
		{href: "https://example.com/ip/6", ip: "192.0.2.128", country: "FR"},
		// Excluded paths: a prefix ending in *, and exact.
		{href: "https://example.com/admin", ip: "192.0.2.20", reason: "excluded_path"},
		{href: "https://example.com/admin/users?tab=1", ip: "192.0.2.21", reason: "excluded_path"},
		{href: "https://example.com/health", ip: "192.0.2.22", reason: "excluded_path"},
		// An excluded country, by IPv4 and IPv6 address.
		{href: "https://example.com/de/1", ip: "203.0.113.5", reason: "excluded_country"},
		{href: "https://example.com/de/2", ip: "203.0.113.200", reason: "excluded_country"},
		{href: "https://example.com/de/3", ip: "2001:db8:de::5", reason: "excluded_country"},
		{href: "https://example.com/de/4", ip: "::ffff:203.0.113.6", reason: "excluded_country"},
		// An excluded hostname, in any case.
		{href: "https://staging.example.com/", ip: "192.0.2.30", reason: "excluded_hostname"},
		{href: "https://STAGING.Example.com/x", ip: "192.0.2.31", reason: "excluded_hostname"},
		// Bots.
		{href: "https://example.com/bot/1", ip: "192.0.2.40", ua: googlebot, reason: "bot"},
		{href: "https://example.com/bot/2", ip: "192.0.2.41", ua: headless, reason: "bot"},
		{href: "https://example.com/bot/3", ip: "192.0.2.42", ua: "curl/8.5.0", reason: "bot"},
		// Not on the website's domain.
		{href: "https://example.org/", ip: "192.0.2.50", reason: "foreign_hostname"},
	}
	wantFiltered := map[string]float64{}
	wantStored := []string{"https://example.com/health FR"} // the event before the change
	for _, e := range events {
		if status := s.send(t, e.href, e.ip, cmp.Or(e.ua, chrome)); status != 200 {
			t.Fatalf("event %s from %s: status %d", e.href, e.ip, status)
		}
		if e.reason != "" {
			wantFiltered[e.reason]++
		} else {
			wantStored = append(wantStored, e.href+" "+e.country)
		}
	}

	// What is stored: the kept events, with the country of their address.
	if err := s.writer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	hours, err := s.events.EventHours(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var gotStored []string
	for _, h := range hours {
		evs, err := s.events.ExportEvents(context.Background(), h.Start)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.WebsiteID != s.site.ID {
				t.Fatalf("stored an event of website %q", ev.WebsiteID)
			}
			gotStored = append(gotStored, "https://"+ev.Hostname+ev.Path+" "+ev.CountryCode)
		}
	}
	slices.Sort(wantStored)
	slices.Sort(gotStored)
	if !slices.Equal(gotStored, wantStored) {
		t.Errorf("stored events:\n got %q\nwant %q", gotStored, wantStored)
	}

	// What /metrics says: each filtered event once, under its reason, and
	// nothing else filtered.
	if got := s.metric(t, "openfast_events_filtered_total", "reason"); fmt.Sprint(got) != fmt.Sprint(wantFiltered) {
		t.Errorf("openfast_events_filtered_total by reason:\n got %v\nwant %v", got, wantFiltered)
	}
	if got := s.metric(t, "openfast_events_received_total", "type"); got["pageview"] != float64(len(wantStored)) || len(got) != 1 {
		t.Errorf("openfast_events_received_total by type: %v, want %d pageviews", got, len(wantStored))
	}
}
