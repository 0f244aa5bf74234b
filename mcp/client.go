package mcp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearer sends every request with the credential.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// Connect opens an MCP client session with the server at endpoint (an
// openfast server's /api/mcp) that sends token as its bearer credential.
// hc is the HTTP client to use (nil: http.DefaultClient's transport).
func Connect(ctx context.Context, endpoint, token string, hc *http.Client) (*mcp.ClientSession, error) {
	next := http.DefaultTransport
	c := &http.Client{}
	if hc != nil {
		*c = *hc
		if hc.Transport != nil {
			next = hc.Transport
		}
	}
	c.Transport = bearer{token: token, next: next}
	client := mcp.NewClient(&mcp.Implementation{Name: "openfast", Version: Version}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: c, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	return cs, nil
}
