// Package httpsredirect answers plain-HTTP requests with a redirect to the
// same path on https, for a server that serves HTTPS itself.
package httpsredirect

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/openfast/openfast/wire"
)

// Handler answers every plain-HTTP request with a 308 to the same
// path and query on https: the host of --public-url when there is one
// (publicHost), else the request's host, with the HTTPS listener's port
// unless it is 443 (port, empty then). 308 keeps the method and the body,
// so a tracker posting to http:// is redirected without losing its event
// (browsers and fetch follow it; a page served over https cannot post to
// http:// anyway).
func Handler(publicHost, port string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target, ok := Target(publicHost, port, r.Host, r.URL.RequestURI())
		if !ok {
			writeEnvelope(w, http.StatusBadRequest, "This address serves HTTPS only, and the request names no valid host to redirect to: use https://.")
			return
		}
		w.Header().Set("Location", target)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusPermanentRedirect)
		if r.Method != http.MethodHead {
			fmt.Fprintln(w, "Moved to "+target)
		}
	})
}

// Target is the https URL a plain-HTTP request for requestHost and
// requestURI is redirected to (see Handler); false when the
// request's host is needed and is not a valid host name or address, or
// the request URI is not a path (visible ASCII, no fragment).
func Target(publicHost, port, requestHost, requestURI string) (string, bool) {
	if !strings.HasPrefix(requestURI, "/") || !visibleASCII(requestURI) || strings.Contains(requestURI, "#") {
		return "", false
	}
	host := publicHost
	if host == "" {
		h := requestHost
		if hh, _, err := net.SplitHostPort(requestHost); err == nil {
			h = hh
		}
		if !validHost(h) {
			return "", false
		}
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		host = h
		if port != "" {
			host += ":" + port
		}
	}
	return "https://" + host + requestURI, true
}

// visibleASCII reports whether s holds printable ASCII only, without
// spaces: what a request target may hold.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// validHost reports whether h is an IP address or a DNS name (letters,
// digits, hyphens and dots, at most 253 characters).
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if ip := net.ParseIP(h); ip != nil {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// writeEnvelope writes the DataFast error envelope.
func writeEnvelope(w http.ResponseWriter, status int, message string) {
	b, _ := json.Marshal(wire.Error{Status: wire.StatusError, Error: wire.ErrorDetail{Code: status, Message: message}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
