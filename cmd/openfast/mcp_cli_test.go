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
		for _, want := range []string{"websites_list", "analytics_overview", "website_update", "apikeys_roll", "tokens_create", "team_invite", "funnels_create", "alerts_create", "goal_customize"} {
			if !slices.Contains(names, want) {
				t.Fatalf("tools lack %s: %v", want, names)
			}
		}
		// The annotations come through the proxy.
		for _, tl := range tools.Tools {
			if a := tl.Annotations; tl.Name == "funnels_delete" && (a == nil || a.DestructiveHint == nil || !*a.DestructiveHint) {
				t.Fatalf("funnels_delete annotations: %+v", a)
			}
		}
		// A write tool, forwarded with the saved login's token.
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "funnels_create", Arguments: map[string]any{
			"websiteId": created[0].WebsiteID, "name": "Signup",
			"steps": []any{map[string]any{"name": "Home", "type": "pageview", "url": "/"}, map[string]any{"name": "Done", "type": "goal", "goalName": "signup"}},
		}})
		if err != nil || res.IsError {
			t.Fatalf("funnels_create: %v %+v", err, res)
		}
		var funnels []map[string]any
		owner.json(t, &funnels, "funnels", "list", created[0].WebsiteID)
		if len(funnels) != 1 || funnels[0]["name"] != "Signup" {
			t.Fatalf("funnels after funnels_create over stdio: %v", funnels)
		}
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "websites_list"})
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
