package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/sqlite"
	"github.com/prometheus/client_golang/prometheus"
)

const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

// server is the real wiring of `openfast serve`: SQLite metadata, DuckDB
// events, the writer, the ingest handler behind the API router.
type server struct {
	http     *httptest.Server
	events   *duckdb.DB
	writer   *ingest.Writer
	site     *openfast.Website
	tracking string
	token    string // the website owner's full-access token (dft_)
}

// newServer starts a server with one tracked website; configure changes the
// website before it is stored.
func newServer(t testing.TB, configure ...func(*openfast.Website)) *server {
	t.Helper()
	return newServerWriter(t, ingest.WriterConfig{QueueSize: 10_000, MaxBatch: 1000}, configure...)
}

// newServerWriter is newServer with a writer configured by wcfg (its store
// and folder are the server's).
func newServerWriter(t testing.TB, wcfg ingest.WriterConfig, configure ...func(*openfast.Website)) *server {
	t.Helper()
	return newServerConfig(t, wcfg, nil, configure...)
}

// newServerConfig is newServerWriter whose ingest handler configuration is
// changed by hcfg (when not nil) before the handler starts.
func newServerConfig(t testing.TB, wcfg ingest.WriterConfig, hcfg func(*ingest.Config), configure ...func(*openfast.Website)) *server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	meta, err := sqlite.OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	events, err := duckdb.OpenDataDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	wcfg.Store, wcfg.Dir = events, filepath.Join(dir, ingest.JournalDir)
	writer, err := ingest.OpenWriter(ctx, wcfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Config{Metadata: meta, Analytics: events})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	cfg := ingest.Config{Writer: writer, Website: a.TrackedWebsite, Registerer: reg}
	if hcfg != nil {
		hcfg(&cfg)
	}
	h := ingest.NewHandler(cfg)
	srv, err := api.New(api.Config{App: a, Events: h.ServeEvent, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	token, u, err := a.Bootstrap(ctx, "o@example.com", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_http", OwnerID: u.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	for _, f := range configure {
		f(site)
	}
	if err := meta.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	s := &server{http: httptest.NewServer(srv.Handler()), events: events, writer: writer, site: site, tracking: site.TrackingID, token: token}
	t.Cleanup(func() {
		s.http.Close()
		writer.Close()
		events.Close()
		meta.Close()
	})
	return s
}

func (s *server) post(t testing.TB, body string) (int, map[string]any) {
	t.Helper()
	status, _, out := s.postHeader(t, body)
	return status, out
}

// postHeader is post that also returns the response's header.
func (s *server) postHeader(t testing.TB, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.http.URL+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", chrome)
	req.Header.Set("Origin", "https://example.com")
	res, err := s.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("no CORS header on status %d", res.StatusCode)
	}
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("status %d: body is not JSON: %v", res.StatusCode, err)
	}
	return res.StatusCode, res.Header, out
}

func (s *server) count(t testing.TB) int64 {
	t.Helper()
	if err := s.writer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, err := s.events.CountEvents(context.Background(), s.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func pageview(tracking, path string) string {
	return fmt.Sprintf(`{"websiteId":%q,"domain":"example.com","href":"https://example.com%s","referrer":null,"viewport":{"width":1280,"height":720},"visitorId":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd","sessionId":"s1b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd","type":"pageview"}`, tracking, path)
}

func TestEventsHTTP(t *testing.T) {
	s := newServer(t)
	if status, body := s.post(t, pageview(s.tracking, "/")); status != 200 || body["status"] != "success" {
		t.Fatalf("pageview: %d %v", status, body)
	}
	if n := s.count(t); n != 1 {
		t.Fatalf("%d events stored after one acknowledged pageview", n)
	}
	// Refused input stores nothing and answers the error envelope.
	for _, body := range []string{`{}`, `[]`, `{"websiteId":"dfid_http","href":"https://example.com/","type":"bogus"}`, `{"websiteId":`, strings.Repeat(" ", ingest.MaxBodyBytes+1)} {
		status, out := s.post(t, body)
		if status/100 != 4 || out["status"] != "error" {
			t.Fatalf("%.40q: %d %v", body, status, out)
		}
	}
	// Filtered input answers 200 and stores nothing.
	if status, _ := s.post(t, pageview("dfid_unknown", "/")); status != 200 {
		t.Fatalf("unknown website: %d", status)
	}
	if n := s.count(t); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	// Preflight.
	req, _ := http.NewRequest("OPTIONS", s.http.URL+"/api/events", nil)
	req.Header.Set("Origin", "https://example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := s.http.Client().Do(req)
	if err != nil || res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %v %v", err, res)
	}
	res.Body.Close()
}

// TestEventsHTTP_Concurrent: every acknowledged event is stored.
func TestEventsHTTP_Concurrent(t *testing.T) {
	s := newServer(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for g := range 20 {
		wg.Go(func() {
			for i := range 50 {
				if status, _ := s.post(t, pageview(s.tracking, fmt.Sprintf("/p/%d/%d", g, i))); status == 200 {
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if n := s.count(t); n != int64(acked) || acked != 1000 {
		t.Fatalf("stored %d, acknowledged %d", n, acked)
	}
}

// FuzzEventPayload posts fuzzed bodies through the real router: never a
// 5xx, and a refused body stores nothing.
func FuzzEventPayload(f *testing.F) {
	s := newServer(f)
	for _, seed := range []string{
		pageview("dfid_http", "/"), pageview("dfid_http", "/a?utm_source=x&gclid=1"),
		`{"websiteId":"dfid_http","href":"https://example.com/","type":"custom","extraData":{"eventName":"signup","plan":"pro"}}`,
		`{"websiteId":"dfid_http","href":"https://example.com/","type":"identify","extraData":{"user_id":"u1","name":"Ann"}}`,
		`{"websiteId":"dfid_http","href":"https://example.com/","type":"payment","extraData":{"email":"a@b.c"}}`,
		`{"websiteId":"dfid_http","href":"https://example.com/","type":"external_link","extraData":{"url":"https://x.com","text":"X"}}`,
		`{"websiteId":"dfid_http","href":"https://example.com/","type":"pageview","cookieless":true,"screenWidth":1e9}`,
		`{}`, `null`, `{"websiteId":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := s.count(t)
		status, out := s.post(t, string(body))
		if status >= 500 {
			t.Fatalf("status %d for %q: %v", status, body, out)
		}
		after := s.count(t)
		if status != 200 && after != before {
			t.Fatalf("refused (%d) but stored %d events: %q", status, after-before, body)
		}
		if after-before > 1 {
			t.Fatalf("one request stored %d events", after-before)
		}
	})
}

// holdServer is a server whose writer holds its commits until release is
// closed, with a queue of 4 places of which 2 are reserved for server-side
// writes. Once it has committed a first event, flood posts the 3 tracker
// events it can take (one taken by the held commit, 2 queued) and returns
// once they are queued; done is closed when their answers are in.
func holdServer(t *testing.T) (s *server, release chan struct{}, done chan struct{}) {
	release, done = make(chan struct{}), make(chan struct{})
	wcfg := ingest.WriterConfig{QueueSize: 4, Reserve: 2, MaxBatch: 10}
	holding := ingest.HoldCommits(&wcfg, release)
	s = newServerWriter(t, wcfg)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	if status, body := s.post(t, pageview(s.tracking, "/first")); status != 200 {
		t.Fatalf("first event: %d %v", status, body)
	}
	var wg sync.WaitGroup
	held := func(i int) {
		wg.Go(func() {
			if status, body := s.post(t, pageview(s.tracking, fmt.Sprintf("/held/%d", i))); status != 200 {
				t.Errorf("held event %d: %d %v", i, status, body)
			}
		})
	}
	// The first is taken by the committer, which then holds it; only then
	// the other two, which wait in the queue: sent together, the three
	// could all be counted before the committer takes one, and the third
	// refused.
	held(0)
	select {
	case <-holding:
	case <-time.After(30 * time.Second):
		t.Fatal("the committer never held a commit")
	}
	held(1)
	held(2)
	go func() { wg.Wait(); close(done) }()
	for deadline := time.Now().Add(30 * time.Second); s.writer.QueueLen() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d events queued behind the held commit, want 2", s.writer.QueueLen())
		}
	}
	return s, release, done
}

// TestEventsHTTP_QueueFull: a full queue answers 503 with Retry-After and
// the error envelope, and stores nothing of the refused event.
func TestEventsHTTP_QueueFull(t *testing.T) {
	s, release, done := holdServer(t)
	status, header, body := s.postHeader(t, pageview(s.tracking, "/refused"))
	if status != http.StatusServiceUnavailable || header.Get("Retry-After") != "1" || body["status"] != "error" {
		t.Fatalf("event on a full queue: %d, Retry-After %q, %v", status, header.Get("Retry-After"), body)
	}
	if e, _ := body["error"].(map[string]any); e == nil || !strings.Contains(fmt.Sprint(e["message"]), "queue is full") {
		t.Fatalf("error: %v", body["error"])
	}
	close(release)
	<-done
	if n := s.count(t); n != 4 {
		t.Fatalf("stored %d events, want the 4 acknowledged", n)
	}
}

// TestEventsHTTP_ServerWritesUseReserve: when tracker events have filled
// their share of the queue, a server-side write (what the app submits for
// payments and the events API) still gets a place, while a tracker event
// is refused.
func TestEventsHTTP_ServerWritesUseReserve(t *testing.T) {
	s, release, done := holdServer(t)
	if status, _ := s.post(t, pageview(s.tracking, "/refused")); status != http.StatusServiceUnavailable {
		t.Fatalf("tracker event on the public share full: %d, want 503", status)
	}
	var w openfast.EventWriter = s.writer // as the app holds it
	submitted := make(chan error, 1)
	go func() {
		ev := openfast.Event{WebsiteID: s.site.ID, Type: openfast.EventPayment, Time: time.Now().UTC(), Hostname: "example.com", Path: "/", RevenueCents: 100, Currency: "USD", EventID: "server"}
		submitted <- w.Submit(context.Background(), ev)
	}()
	for s.writer.QueueLen() < 3 {
		select {
		case err := <-submitted:
			t.Fatalf("server-side write answered before the commit: %v", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	if err := <-submitted; err != nil {
		t.Fatalf("server-side write: %v", err)
	}
	<-done
	if n := s.count(t); n != 5 {
		t.Fatalf("stored %d events, want 5", n)
	}
}
