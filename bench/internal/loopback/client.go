// Package loopback holds what the load programs under bench/ share.
package loopback

import (
	"net"
	"net/http"
	"time"
)

// Client returns an HTTP client for n concurrent keep-alive connections to
// a server on this machine: no proxy, whatever the environment says, and
// no compression.
func Client(n int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        n,
			MaxIdleConnsPerHost: n,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 10 * time.Second,
	}
}
