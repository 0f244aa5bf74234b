// Package remote is the client side of openfast's MCP server: Connect
// opens a session with a server's /api/mcp, and Proxy serves that session's
// tools to a local agent (openfast mcp, over stdio). It depends on the MCP
// SDK alone, so that client commands can use it without the server.
package remote

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
// hc is the HTTP client to use (nil: a client with the default transport).
func Connect(ctx context.Context, endpoint, token, version string, hc *http.Client) (*mcp.ClientSession, error) {
	next := http.DefaultTransport
	c := &http.Client{}
	if hc != nil {
		*c = *hc
		if hc.Transport != nil {
			next = hc.Transport
		}
	}
	c.Transport = bearer{token: token, next: next}
	client := mcp.NewClient(&mcp.Implementation{Name: "openfast", Version: version}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: c, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	return cs, nil
}

// Proxy returns an MCP server whose tools are those that remote lists
// (what its credential may call), each call forwarded to remote as it
// came: the server decides and answers, its tool errors included.
func Proxy(ctx context.Context, remote *mcp.ClientSession, version string) (*mcp.Server, error) {
	opts := &mcp.ServerOptions{}
	if res := remote.InitializeResult(); res != nil {
		opts.Instructions = res.Instructions
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "openfast", Version: version}, opts)
	for t, err := range remote.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("list the tools: %w", err)
		}
		s.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return remote.CallTool(ctx, &mcp.CallToolParams{Name: req.Params.Name, Arguments: req.Params.Arguments})
		})
	}
	return s, nil
}
