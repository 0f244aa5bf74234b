package api

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinSize is the smallest body that is compressed: below it the
// bytes saved do not pay for the work (a response this small fits one
// packet either way).
const compressMinSize = 1024

// compressedTypes are the media types compressed: the API's JSON, the
// dashboard's pages, scripts and styles, and text. Images, fonts and
// anything already compressed pass through as they are.
var compressedTypes = []string{
	"application/json",
	"application/vnd.api+json",
	"application/problem+json",
	"application/yaml",
	"text/html",
	"text/css",
	"text/javascript",
	"application/javascript",
	"text/plain",
	"text/csv",
	"image/svg+xml",
}

// compressHandler compresses the answers of next with zstd or gzip, as the
// client's Accept-Encoding prefers (zstd when both are equally welcome),
// when the body is at least compressMinSize bytes of one of
// compressedTypes. A body that is streamed (no Content-Length) is
// compressed as it is written; a response that already has a
// Content-Encoding or a Content-Range passes through. A compressed
// response's ETag gets a -gzip or -zstd suffix, since it names another
// representation.
//
// Two paths are left alone: POST /api/events, the tracker's hot path,
// whose answer is a few bytes and which must not pay for the wrapper; and
// the tracker scripts under /js/, which are served precompressed with
// their own ETags.
func compressHandler(next http.Handler) http.Handler {
	compressed := gzipWrapper(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/api/events" || strings.HasPrefix(p, "/js/") {
			next.ServeHTTP(w, r)
			return
		}
		compressed.ServeHTTP(w, r)
	})
}

// gzipWrapper is gzhttp's wrapper with the options above; they are
// constants, so NewWrapper cannot refuse them.
var gzipWrapper = func() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.ContentTypes(compressedTypes),
		gzhttp.SuffixETag("-gzip"),
	)
	if err != nil {
		panic("api: gzhttp options: " + err.Error())
	}
	return wrap
}()
