// Package tracker serves openfast's browser tracker, the script that DataFast's
// snippet loads from /js/script.js. The script is written in script.js and
// served minified: go generate (tracker/gen) writes script.min.js, which is
// committed and embedded, compressed once at start-up, and served with strong
// validators so browsers revalidate it cheaply.
package tracker

//go:generate go run ./gen

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// script is the served script: script.js minified. cookielessScript is its
// variant that never stores anything in the browser (/js/script.cookieless.js).
var (
	//go:embed script.min.js
	script []byte
	//go:embed script.cookieless.min.js
	cookielessScript []byte
)

// representation is one encoding of the script with its own strong ETag: the
// identity and gzip bodies differ byte for byte, so they never share a validator.
type representation struct {
	body     []byte
	etag     string
	encoding string // Content-Encoding; empty for identity
}

// asset is a script in both encodings.
type asset struct{ identity, compressed representation }

func newAsset(b []byte) *asset {
	return &asset{newRepresentation(b, ""), newRepresentation(compress(b), "gzip")}
}

var (
	defaultAsset    = newAsset(script)
	cookielessAsset = newAsset(cookielessScript)
)

func newRepresentation(body []byte, encoding string) representation {
	sum := sha256.Sum256(body)
	return representation{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, encoding: encoding}
}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic("tracker: gzip writer: " + err.Error()) // only on an invalid level
	}
	if _, err := zw.Write(b); err != nil {
		panic("tracker: gzip script: " + err.Error()) // a bytes.Buffer does not fail
	}
	if err := zw.Close(); err != nil {
		panic("tracker: gzip script: " + err.Error())
	}
	return buf.Bytes()
}

// Size reports the served script's size in bytes, minified, and minified
// and gzipped.
func Size() (raw, gzipped int) {
	return len(defaultAsset.identity.body), len(defaultAsset.compressed.body)
}

// Handler serves the script at whatever path it is mounted on. GET and HEAD
// only; a gzip body when the client accepts it; 304 when If-None-Match holds
// the current ETag (or *). Range requests get the whole script (a 200), which
// HTTP allows and which suits a file this small.
func Handler() http.Handler {
	return defaultAsset
}

// CookielessHandler serves script.cookieless.js (DataFast's name), the
// script that writes no cookie and no storage whatever the website's
// setting, as Handler serves script.js.
func CookielessHandler() http.Handler {
	return cookielessAsset
}

func (a *asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rep := a.identity
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		rep = a.compressed
	}
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", rep.etag)
	if etagListed(r.Header.Get("If-None-Match"), rep.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	if rep.encoding != "" {
		h.Set("Content-Encoding", rep.encoding)
	}
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	h.Set("X-Content-Type-Options", "nosniff")
	// Sites that set Cross-Origin-Embedder-Policy can still load the script
	// from the openfast origin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rep.body) // the client went away: nothing to do
	}
}

// etagListed reports whether an If-None-Match value holds etag or "*". The
// comparison is weak (a W/ prefix is ignored), as RFC 9110 asks for
// If-None-Match. Entity tags are read as quoted strings, so a comma inside
// one does not split it; a malformed list matches nothing from there on.
func etagListed(header, etag string) bool {
	s := strings.TrimSpace(header)
	if s == "*" {
		return true
	}
	for s != "" {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		if strings.HasPrefix(s, "*") {
			return true
		}
		s = strings.TrimPrefix(s, "W/")
		if !strings.HasPrefix(s, `"`) {
			return false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return false
		}
		if s[:end+2] == etag {
			return true
		}
		s = s[end+2:]
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip: listed
// (or x-gzip) with a q-value above zero, or covered by * when not listed.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
					if err != nil {
						f = 0
					}
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
