package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// rawGet sends a GET with exactly the headers given (the client neither
// adds Accept-Encoding nor decodes the body) and returns the answer with
// its body read.
func rawGet(t *testing.T, e *testEnv, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func unzstd(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("not zstd: %v", err)
	}
	return out
}

func hasVaryAcceptEncoding(h http.Header) bool {
	n := 0
	for _, v := range h.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), "Accept-Encoding") {
				n++
			}
		}
	}
	return n == 1
}

// With Config.Compress, JSON of 1 KiB or more is gzipped or zstd-encoded
// as the client asks, and decodes to the plain answer; a client that asks
// for neither gets the plain answer; small bodies stay plain.
func TestCompress_JSON(t *testing.T) {
	e := newTestEnv(t, func(c *testConfig) { c.Compress = true })
	plainRes, plain := rawGet(t, e, "/api/v1/openapi.json", nil)
	if plainRes.StatusCode != 200 || plainRes.Header.Get("Content-Encoding") != "" || len(plain) < compressMinSize {
		t.Fatalf("plain: %d %q, %d bytes", plainRes.StatusCode, plainRes.Header.Get("Content-Encoding"), len(plain))
	}
	if !hasVaryAcceptEncoding(plainRes.Header) {
		t.Errorf("plain answer Vary = %q, want Accept-Encoding once", plainRes.Header.Values("Vary"))
	}

	for _, tc := range []struct {
		accept, want string
		decode       func(*testing.T, []byte) []byte
	}{
		{"gzip", "gzip", gunzip},
		{"gzip, deflate, br", "gzip", gunzip},
		{"zstd", "zstd", unzstd},
		{"gzip, deflate, br, zstd", "zstd", unzstd},
		{"gzip;q=1, zstd;q=0.5", "gzip", gunzip},
	} {
		res, b := rawGet(t, e, "/api/v1/openapi.json", map[string]string{"Accept-Encoding": tc.accept})
		if got := res.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if !hasVaryAcceptEncoding(res.Header) {
			t.Errorf("Accept-Encoding %q: Vary = %q, want Accept-Encoding once", tc.accept, res.Header.Values("Vary"))
		}
		if len(b) >= len(plain)/2 {
			t.Errorf("Accept-Encoding %q: %d bytes for %d plain", tc.accept, len(b), len(plain))
		}
		if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(b)) {
			t.Errorf("Accept-Encoding %q: Content-Length %s for a %d-byte body", tc.accept, cl, len(b))
		}
		if got := tc.decode(t, b); !bytes.Equal(got, plain) {
			t.Errorf("Accept-Encoding %q: decoded body differs from the plain one", tc.accept)
		}
	}
	for _, accept := range []string{"identity", "br", "gzip;q=0"} {
		res, b := rawGet(t, e, "/api/v1/openapi.json", map[string]string{"Accept-Encoding": accept})
		if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, plain) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want the plain answer", accept, res.Header.Get("Content-Encoding"))
		}
	}

	// Small bodies (here /healthz and an error envelope) are not worth it.
	for _, path := range []string{"/healthz", "/api/v1/admin/account"} {
		res, b := rawGet(t, e, path, map[string]string{"Accept-Encoding": "gzip"})
		if res.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(b, []byte("{")) {
			t.Errorf("GET %s: Content-Encoding %q, body %q: a small body is sent plain", path, res.Header.Get("Content-Encoding"), b)
		}
	}
}

// Without Config.Compress nothing is compressed and no Vary is added.
func TestCompress_Off(t *testing.T) {
	e := newTestEnv(t)
	res, b := rawGet(t, e, "/api/v1/openapi.json", map[string]string{"Accept-Encoding": "gzip, zstd"})
	if res.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(b, []byte("{")) {
		t.Fatalf("Content-Encoding %q with compression off", res.Header.Get("Content-Encoding"))
	}
	if v := res.Header.Values("Vary"); len(v) != 0 {
		t.Errorf("Vary %q with compression off", v)
	}
}

// The tracker script keeps its own precompressed gzip and ETags: one Vary,
// If-None-Match answered 304, and a client that accepts only zstd gets the
// plain script (never an ETag shared by two encodings).
func TestCompress_TrackerScript(t *testing.T) {
	e := newTestEnv(t, func(c *testConfig) { c.Compress = true })
	plainRes, plain := rawGet(t, e, "/js/script.js", nil)
	gzRes, gz := rawGet(t, e, "/js/script.js", map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"})
	if gzRes.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz), plain) {
		t.Fatalf("script.js with gzip accepted: Content-Encoding %q", gzRes.Header.Get("Content-Encoding"))
	}
	for _, res := range []*http.Response{plainRes, gzRes} {
		if !hasVaryAcceptEncoding(res.Header) {
			t.Errorf("Vary = %q, want Accept-Encoding once", res.Header.Values("Vary"))
		}
	}
	etag := gzRes.Header.Get("ETag")
	if etag == "" || etag == plainRes.Header.Get("ETag") {
		t.Fatalf("ETags %q (gzip) and %q (plain): want two", etag, plainRes.Header.Get("ETag"))
	}
	res, _ := rawGet(t, e, "/js/script.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: %d, want 304", res.StatusCode)
	}
	res, b := rawGet(t, e, "/js/script.js", map[string]string{"Accept-Encoding": "zstd"})
	if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, plain) || res.Header.Get("ETag") != plainRes.Header.Get("ETag") {
		t.Errorf("zstd only: Content-Encoding %q, ETag %q: want the plain script", res.Header.Get("Content-Encoding"), res.Header.Get("ETag"))
	}
}

// POST /api/events is left out of the compression wrapper: no Vary, the
// answer as the handler wrote it.
func TestCompress_EventsUntouched(t *testing.T) {
	e := newTestEnv(t, func(c *testConfig) {
		c.Compress = true
		c.Events = func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write(bytes.Repeat([]byte(" "), 2*compressMinSize))
			return err
		}
	})
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/api/events", strings.NewReader("{}"))
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "" || len(res.Header.Values("Vary")) != 0 {
		t.Errorf("POST /api/events: Content-Encoding %q, Vary %q: want neither", res.Header.Get("Content-Encoding"), res.Header.Values("Vary"))
	}
}

// BenchmarkCompress_SmallAnswer measures the compression wrapper alone
// around a handler that writes a 20-byte JSON answer (what /api/events
// answers), with no router: Bare is the handler, Excluded the path
// compressHandler leaves out (/api/events), Wrapped a path it wraps (the
// answer stays plain: it is under compressMinSize).
func BenchmarkCompress_SmallAnswer(b *testing.B) {
	answer := []byte(`{"status":"success"}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write(answer)
	})
	for _, bc := range []struct {
		name, path string
		h          http.Handler
	}{
		{"Bare", "/api/events", h},
		{"Excluded", "/api/events", compressHandler(h)},
		{"Wrapped", "/api/v1/x", compressHandler(h)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, bc.path, nil)
			r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, r)
			}
		})
	}
}

// A body streamed without Content-Length, flushed as it goes, arrives
// compressed and whole.
func TestCompress_Streaming(t *testing.T) {
	chunk := bytes.Repeat([]byte(`{"row":"a streamed line of JSON"},`), 40)
	ts := httptest.NewServer(compressHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for range 3 {
			w.Write(chunk)
			http.NewResponseController(w).Flush()
		}
	})))
	defer ts.Close()
	for _, tc := range []struct {
		accept, want string
		decode       func(*testing.T, []byte) []byte
	}{
		{"gzip", "gzip", gunzip},
		{"zstd", "zstd", unzstd},
		{"", "", func(_ *testing.T, b []byte) []byte { return b }},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/stream", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.Header.Get("Content-Encoding") != tc.want || res.ContentLength != -1 {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, length %d", tc.accept, res.Header.Get("Content-Encoding"), res.ContentLength)
		}
		if got := tc.decode(t, b); !bytes.Equal(got, bytes.Repeat(chunk, 3)) {
			t.Errorf("Accept-Encoding %q: %d bytes decoded, want %d", tc.accept, len(got), 3*len(chunk))
		}
	}
}
