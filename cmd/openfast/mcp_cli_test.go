package main

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestCLI_MCP: `openfast mcp` serves, over stdio, the tools that the
// server's /api/mcp lists for the credential, and forwards their calls:
// the token from the saved login, or from --token.
func TestCLI_MCP(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	ownerToken := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	owner := newCLIUser(t)
	owner.login(t, srv, ownerToken)
	var created []struct {
		WebsiteID string `json:"websiteId"`
	}
	owner.json(t, &created, "websites", "create", "--domain", "mcp.example.com", "--timezone", "Europe/Paris")

	connect := func(t *testing.T, args ...string) *mcp.ClientSession {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		t.Cleanup(cancel)
		cmd := exec.Command(binary, append([]string{"mcp"}, args...)...)
		cmd.Env = append(baseEnv(), "HOME="+owner.home, "XDG_CONFIG_HOME=")
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}

	t.Run("SavedLogin", func(t *testing.T) {
		cs := connect(t)
		ctx := context.Background()
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range tools.Tools {
			names = append(names, tl.Name)
		}
		if !slices.Contains(names, "websites_list") || !slices.Contains(names, "analytics_overview") {
			t.Fatalf("tools: %v", names)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "websites_list"})
		if err != nil || res.IsError {
			t.Fatalf("websites_list: %v %+v", err, res)
		}
		if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, created[0].WebsiteID) {
			t.Fatalf("websites_list: %s", text)
		}
		// A tool error of the server comes through as one.
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "analytics_overview", Arguments: map[string]any{"websiteId": "0123456789abcdef01234567"}})
		if err != nil || !res.IsError {
			t.Fatalf("overview of a missing website: %v %+v", err, res)
		}
	})

	t.Run("WebsiteKeyFlag", func(t *testing.T) {
		var key []struct {
			Key string `json:"key"`
		}
		owner.json(t, &key, "websites", "apikeys", "create", created[0].WebsiteID)
		cs := connect(t, "--url", srv.baseURL, "--token", key[0].Key)
		tools, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range tools.Tools {
			if tl.Name == "websites_list" {
				t.Fatal("a df_ key's tools list websites_list")
			}
		}
	})

	t.Run("NoToken", func(t *testing.T) {
		newCLIUser(t).fail(t, 2, "not logged in", "mcp")
		newCLIUser(t).fail(t, 1, "Unauthorized", "mcp", "--url", srv.baseURL, "--token", "dft_invalid")
	})
}
