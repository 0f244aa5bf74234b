package httpsredirect

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

// FuzzTarget: the redirect of a plain-HTTP request, whose Host header
// and request target are the client's, goes to the host of --public-url or
// to a valid host name or address, never elsewhere, with the request's path
// and query as they were.
func FuzzTarget(f *testing.F) {
	for _, seed := range []struct{ host, target string }{
		{"analytics.example.com", "/api/events"},
		{"127.0.0.1:8080", "/websites?x=1&y=%2F"},
		{"[::1]:80", "/"},
		{"evil.com@good.com", "/"},
		{"a.example.com", "//evil.example.com/x"},
		{"", "/login"},
		{"bad host", "/"},
		{"a..b", "/"},
		{"xn--bcher-kva.example", "/%00?%zz"},
	} {
		f.Add(seed.host, seed.target, false)
		f.Add(seed.host, seed.target, true)
	}
	f.Fuzz(func(t *testing.T, host, rawTarget string, public bool) {
		u, err := url.ParseRequestURI(rawTarget)
		if err != nil {
			return
		}
		uri := u.RequestURI()
		publicHost, port := "", "8443"
		if public {
			publicHost = "analytics.example.com"
		}
		target, ok := Target(publicHost, port, host, uri)
		if !ok {
			if public && strings.HasPrefix(uri, "/") && !strings.Contains(uri, "#") && visibleASCII(uri) {
				t.Fatalf("refused %q with a public host", uri)
			}
			return
		}
		parsed, err := url.Parse(target)
		if err != nil || parsed.Scheme != "https" {
			t.Fatalf("target %q: %v", target, err)
		}
		wantHost := publicHost
		if !public {
			h := host
			if hh, _, err := net.SplitHostPort(host); err == nil {
				h = hh
			}
			if !validHost(h) {
				t.Fatalf("redirected to the invalid host %q", h)
			}
			wantHost = net.JoinHostPort(h, port)
		}
		if parsed.Host != wantHost {
			t.Fatalf("target %q has host %q, want %q", target, parsed.Host, wantHost)
		}
		if rest := strings.TrimPrefix(target, "https://"+parsed.Host); rest != uri {
			t.Fatalf("target %q keeps %q of the request target %q", target, rest, uri)
		}
	})
}
