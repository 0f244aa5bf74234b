package ingest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast/ingest"
)

// tracked is one tracker request of the HTTP tests below.
type tracked struct {
	path     string
	ip       string            // the client address, given by the trusted proxy
	referrer string            // document.referrer; "" sends null
	header   map[string]string // added to a desktop Chrome's User-Agent and Accept-Language
	reason   string            // the filter reason; "" when the event is stored
}

// sendTracked posts a pageview as a browser behind a trusted proxy.
func (s *server) sendTracked(t testing.TB, e tracked) {
	t.Helper()
	ref := "null"
	if e.referrer != "" {
		b, _ := json.Marshal(e.referrer)
		ref = string(b)
	}
	body := fmt.Sprintf(`{"websiteId":%q,"domain":"example.com","href":"https://example.com%s","referrer":%s,"visitorId":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd","sessionId":"s1b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd","type":"pageview"}`,
		s.tracking, e.path, ref)
	req, _ := http.NewRequest("POST", s.http.URL+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", chrome)
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8")
	req.Header.Set("X-Forwarded-For", cmp.Or(e.ip, "192.0.2.1"))
	for k, v := range e.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := s.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out["status"] != "success" {
		t.Fatalf("event %s from %s: status %d, %v %v", e.path, e.ip, res.StatusCode, out, err)
	}
}

// storedPaths returns the paths of the stored events, sorted.
func (s *server) storedPaths(t testing.TB) []string {
	t.Helper()
	ctx := context.Background()
	if err := s.writer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	hours, err := s.events.EventHours(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, h := range hours {
		evs, err := s.events.ExportEvents(ctx, h.Start)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			paths = append(paths, ev.Path)
		}
	}
	slices.Sort(paths)
	return paths
}

// tally is what a test expects to be stored and filtered so far.
type tally struct {
	filtered map[string]float64
	stored   []string
}

// checkTracked sends events and checks what is stored and what
// openfast_events_filtered_total counts, exactly, adding them to what
// earlier calls sent (want).
func (s *server) checkTracked(t *testing.T, want *tally, events []tracked) {
	t.Helper()
	if want.filtered == nil {
		want.filtered = map[string]float64{}
	}
	for _, e := range events {
		s.sendTracked(t, e)
		if e.reason != "" {
			want.filtered[e.reason]++
		} else {
			want.stored = append(want.stored, e.path)
		}
	}
	slices.Sort(want.stored)
	if got := s.storedPaths(t); !slices.Equal(got, want.stored) {
		t.Errorf("stored events:\n got %q\nwant %q", got, want.stored)
	}
	if got := s.metric(t, "openfast_events_filtered_total", "reason"); fmt.Sprint(got) != fmt.Sprint(want.filtered) {
		t.Errorf("openfast_events_filtered_total by reason:\n got %v\nwant %v", got, want.filtered)
	}
}

func trustLoopback(c *ingest.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// TestEventsHTTP_ReferrerSpam: events whose referrer, or a parent domain of
// it, is on Matomo's referrer spam list answer 200, are not stored and count
// under referrer_spam; referrers that merely look alike are stored.
func TestEventsHTTP_ReferrerSpam(t *testing.T) {
	s := newServerConfig(t, ingest.WriterConfig{QueueSize: 100, MaxBatch: 10}, trustLoopback)
	s.checkTracked(t, &tally{}, []tracked{
		{path: "/spam/1", referrer: "https://0-0.fr/", reason: "referrer_spam"},
		{path: "/spam/2", referrer: "http://www.QIWI.xyz/landing?x=1", reason: "referrer_spam"},
		{path: "/spam/3", referrer: "https://shop.qiwi.xyz:8443/", reason: "referrer_spam"},
		{path: "/spam/4", referrer: "https://advertisefree.co.uk", reason: "referrer_spam"},
		{path: "/ok/1", referrer: "https://notqiwi.xyz/"},
		{path: "/ok/2", referrer: "https://qiwi.xyz.example.org/"},
		{path: "/ok/3", referrer: "https://www.google.com/"},
		{path: "/ok/4"},
	})
}
