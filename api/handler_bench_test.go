package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfast/openfast/sqlite"
)

// benchServer is a real server (store, router, middleware, a JSON logger
// writing to io.Discard) with a website, a df_ key of it, and a rate
// limit too high to refuse anything.
func benchServer(b *testing.B) (h http.Handler, key string) {
	b.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	e := newTestEnv(b, func(c *testConfig) {
		c.Store = store
		c.RateLimit, c.RateBurst = 1e9, 1e9
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	})
	e.validate = false
	e.setup()
	_, key = e.key(e.admin, e.site)
	return e.srv.Handler(), key
}

func benchRequest(b *testing.B, h http.Handler, target, key string, want int) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
		}
	}
}

// BenchmarkHandler_Metadata compares, in process and without the network,
// one request to GET /api/v1/analytics/metadata refused for lack of a
// credential with the same request authenticated by a df_ key and answered.
func BenchmarkHandler_Metadata(b *testing.B) {
	h, key := benchServer(b)
	b.Run("Unauthenticated401", func(b *testing.B) { benchRequest(b, h, "/api/v1/analytics/metadata", "", 401) })
	b.Run("Authenticated200", func(b *testing.B) { benchRequest(b, h, "/api/v1/analytics/metadata", key, 200) })
	b.Run("Healthz", func(b *testing.B) { benchRequest(b, h, "/healthz", "", 200) })
}

// BenchmarkHandler_Events measures the router and middleware around POST
// /api/events, the tracker's hot path, with the response compression of
// Config.Compress off and on. The events handler is a stand-in that
// answers as the ingest handler does (a small JSON body), so that only
// the layers around it are measured. Unexcluded puts the compression
// wrapper in front of the path too, which compressHandler does not do: it
// shows what the exclusion saves.
func BenchmarkHandler_Events(b *testing.B) {
	answer := []byte(`{"status":"success"}`)
	events := func(w http.ResponseWriter, r *http.Request) error {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, err := w.Write(answer)
		return err
	}
	body := `{"websiteId":"dfid_test","domain":"example.com","href":"https://example.com/pricing","referrer":null,"type":"pageview"}`
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/api/events", strings.NewReader(body))
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
	for _, bc := range []struct {
		name     string
		compress bool
		wrap     func(http.Handler) http.Handler
	}{
		{"CompressOff", false, nil},
		{"CompressOn", true, nil},
		{"Unexcluded", false, func(h http.Handler) http.Handler { return gzipWrapper(h) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newTestEnv(b, func(c *testConfig) {
				c.Events = events
				c.Compress = bc.compress
				c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
			})
			h := e.srv.Handler()
			if bc.wrap != nil {
				h = bc.wrap(h)
			}
			run(b, h)
		})
	}
}
