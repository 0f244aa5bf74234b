package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/mcp"
	"github.com/openfast/openfast/mcp/remote"
	"github.com/openfast/openfast/rates"
	"github.com/openfast/openfast/storetest"
)

// mcpSession connects to the test server's /api/mcp with token.
func (e *testEnv) mcpSession(token string) *sdk.ClientSession {
	e.t.Helper()
	cs, err := remote.Connect(context.Background(), e.http.URL+"/api/mcp", token, mcp.Version, e.client)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cs.Close() })
	return cs
}

// mcpTools lists the names of the tools the session sees.
func mcpTools(t *testing.T, cs *sdk.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
		if tl.InputSchema == nil {
			t.Errorf("tool %s has no input schema", tl.Name)
		}
	}
	return names
}

// mcpCall calls a tool and returns its result, its structured content
// decoded as JSON.
func mcpCall(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) (*sdk.CallToolResult, map[string]any) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	var out map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: structured content %s: %v", name, b, err)
		}
	}
	return res, out
}

// mcpErrorText is the text of a tool error; it fails when res is not one.
func mcpErrorText(t *testing.T, res *sdk.CallToolResult) string {
	t.Helper()
	if !res.IsError || res.StructuredContent != nil || len(res.Content) == 0 {
		t.Fatalf("want a tool error without data, got %+v", res)
	}
	return res.Content[0].(*sdk.TextContent).Text
}

func TestMCP(t *testing.T) {
	events, writer := openEvents(t)
	e := newTestEnv(t, func(c *testConfig) {
		c.EventStore, c.EventWriter, c.Rates, c.Analytics = events, writer, rates.New(), events
	})
	e.setup()
	e.validate = false // /api/mcp is not a REST route of openapi.yaml
	pv := storetest.SampleEvent(e.site, 1)
	if err := events.InsertEvents(context.Background(), []openfast.Event{pv}); err != nil {
		t.Fatal(err)
	}
	visitor := pv.VisitorID.String()
	cs := e.mcpSession(e.admin)

	// An owner's full token sees every tool.
	names := mcpTools(t, cs)
	for _, want := range []string{"analytics_overview", "analytics_timeseries", "analytics_pages", "analytics_operating_systems", "visitors_list", "visitor_get", "goals_create", "websites_list", "apikeys_list"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools list lacks %s: %v", want, names)
		}
	}
	if len(names) != len(mcp.Tools) {
		t.Errorf("a full token sees %d tools of %d", len(names), len(mcp.Tools))
	}

	t.Run("ReadMatchesREST", func(t *testing.T) {
		e := e.with(t)
		args := map[string]any{"websiteId": e.site, "startAt": "2020-01-01", "endAt": "2030-01-01"}
		res, got := mcpCall(t, cs, "analytics_overview", args)
		if res.IsError {
			t.Fatalf("overview: %+v", res.Content)
		}
		rest := e.do("GET", "/api/v1/analytics/overview?websiteId="+e.site+"&startAt=2020-01-01&endAt=2030-01-01", e.admin, nil)
		rest.ok()
		if !reflect.DeepEqual(got, rest.json) {
			t.Fatalf("MCP overview\n%v\nREST\n%v", got, rest.json)
		}
		if v := rest.first()["visitors"]; v != float64(1) {
			t.Fatalf("visitors = %v, want the sample pageview's visitor", v)
		}
		// The text content is the same JSON.
		var text map[string]any
		if err := json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), &text); err != nil || !reflect.DeepEqual(text, got) {
			t.Fatalf("text content %v, err %v", res.Content[0], err)
		}

		// A breakdown and the visitors list too.
		_, pages := mcpCall(t, cs, "analytics_pages", map[string]any{"websiteId": e.site, "limit": 5})
		if rest := e.do("GET", "/api/v1/analytics/pages?websiteId="+e.site+"&limit=5", e.admin, nil); !reflect.DeepEqual(pages, rest.json) {
			t.Fatalf("MCP pages %v, REST %v", pages, rest.json)
		}
		_, visitors := mcpCall(t, cs, "visitors_list", map[string]any{"websiteId": e.site})
		if rest := e.do("GET", "/api/v1/visitors?websiteId="+e.site, e.admin, nil); !reflect.DeepEqual(visitors, rest.json) {
			t.Fatalf("MCP visitors %v, REST %v", visitors, rest.json)
		}

		// The REST parser's rules and messages hold.
		res, _ = mcpCall(t, cs, "analytics_timeseries", map[string]any{"websiteId": e.site, "fields": "visitors"})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "interval") {
			t.Fatalf("timeseries without interval: %q", msg)
		}
	})

	t.Run("WriteGoal", func(t *testing.T) {
		e := e.with(t)
		res, got := mcpCall(t, cs, "goals_create", map[string]any{"websiteId": e.site, "datafast_visitor_id": visitor, "name": "signup", "metadata": map[string]any{"plan": "pro"}})
		if res.IsError {
			t.Fatalf("goals_create: %+v", res.Content)
		}
		data := got["data"].([]any)[0].(map[string]any)
		if data["eventId"] == "" || data["message"] != "Custom event created successfully" {
			t.Fatalf("goals_create answered %v", got)
		}
		if err := writer.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		goals := e.do("GET", "/api/v1/analytics/goals?websiteId="+e.site, e.admin, nil).list()
		if len(goals) != 1 || goals[0]["goal"] != "signup" {
			t.Fatalf("REST goals after the MCP goal: %v", goals)
		}
	})

	t.Run("OtherTools", func(t *testing.T) {
		e := e.with(t)
		res, got := mcpCall(t, cs, "payments_create", map[string]any{"websiteId": e.site, "amount": 29.99, "currency": "USD", "transaction_id": "tx_mcp_1", "datafast_visitor_id": visitor})
		if res.IsError || got["transaction_id"] != "tx_mcp_1" {
			t.Fatalf("payments_create: %+v %v", res.Content, got)
		}
		res, got = mcpCall(t, cs, "identify", map[string]any{"websiteId": e.site, "datafast_visitor_id": visitor, "user_id": "u1", "properties": map[string]any{"name": "Ada"}})
		if res.IsError || got["status"] != "success" {
			t.Fatalf("identify: %+v %v", res.Content, got)
		}
		_, team := mcpCall(t, cs, "team_list", map[string]any{"websiteId": e.site})
		if rest := e.do("GET", "/api/v1/admin/websites/"+e.site+"/team", e.admin, nil); !reflect.DeepEqual(team, rest.json) {
			t.Fatalf("MCP team %v, REST %v", team, rest.json)
		}
		_, sites := mcpCall(t, cs, "websites_list", nil)
		if rest := e.do("GET", "/api/v1/admin/websites", e.admin, nil); !reflect.DeepEqual(sites, rest.json) {
			t.Fatalf("MCP websites %v, REST %v", sites, rest.json)
		}
		funnel := e.do("POST", "/api/v1/admin/websites/"+e.site+"/funnels", e.admin, funnelBody("Signup")).first()["_id"].(string)
		_, funnels := mcpCall(t, cs, "funnels_list", map[string]any{"websiteId": e.site})
		if rest := e.do("GET", "/api/v1/admin/websites/"+e.site+"/funnels", e.admin, nil); len(rest.list()) != 1 || !reflect.DeepEqual(funnels, rest.json) {
			t.Fatalf("MCP funnels %v, REST %v", funnels, rest.json)
		}
		res, results := mcpCall(t, cs, "funnel_results", map[string]any{"websiteId": e.site, "funnelId": funnel, "startAt": "2020-01-01", "endAt": "2030-01-01"})
		if rest := e.do("GET", "/api/v1/analytics/funnels/"+funnel+"?websiteId="+e.site+"&startAt=2020-01-01&endAt=2030-01-01", e.admin, nil); res.IsError || !reflect.DeepEqual(results, rest.json) {
			t.Fatalf("MCP funnel results %+v %v, REST %s", res.Content, results, rest.body)
		}
		e.key(e.admin, e.site)
		_, keys := mcpCall(t, cs, "apikeys_list", map[string]any{"websiteId": e.site})
		if rest := e.do("GET", "/api/v1/admin/websites/"+e.site+"/apikeys", e.admin, nil); len(rest.list()) == 0 || !reflect.DeepEqual(keys, rest.json) {
			t.Fatalf("MCP keys %v, REST %v", keys, rest.json)
		}
	})

	t.Run("Denied", func(t *testing.T) {
		e := e.with(t)
		// A token without analytics:read does not see the reads, and
		// calling one anyway is refused with the API's reason.
		_, settingsOnly := e.user("owner@example.com", []string{auth.PermWebsitesRead}, nil)
		cs2 := e.mcpSession(settingsOnly)
		if names := mcpTools(t, cs2); slices.Contains(names, "analytics_overview") || !slices.Contains(names, "websites_list") {
			t.Fatalf("a websites:read token sees %v", names)
		}
		res, _ := mcpCall(t, cs2, "analytics_overview", map[string]any{"websiteId": e.site})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "lacks the analytics:read permission") {
			t.Fatalf("denied overview: %q", msg)
		}
		// Another user's website.
		_, outsider := e.user("outsider@example.com", nil, nil)
		e.website(outsider)
		res, _ = mcpCall(t, e.mcpSession(outsider), "analytics_overview", map[string]any{"websiteId": e.site})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "do not have access") {
			t.Fatalf("overview of another website: %q", msg)
		}
	})

	t.Run("WebsiteKey", func(t *testing.T) {
		e := e.with(t)
		_, key := e.key(e.admin, e.site)
		ks := e.mcpSession(key)
		names := mcpTools(t, ks)
		for _, account := range []string{"websites_list"} {
			if slices.Contains(names, account) {
				t.Errorf("a df_ key sees the account tool %s: %v", account, names)
			}
		}
		if !slices.Contains(names, "analytics_overview") {
			t.Fatalf("a df_ key does not see analytics_overview: %v", names)
		}
		// Its own website is implied.
		res, got := mcpCall(t, ks, "analytics_overview", nil)
		if res.IsError || got["status"] != "success" {
			t.Fatalf("df_ overview: %+v", res)
		}
		res, _ = mcpCall(t, ks, "websites_list", nil)
		if !res.IsError {
			t.Fatalf("a df_ key called websites_list: %+v", res)
		}
	})

	t.Run("Unauthenticated", func(t *testing.T) {
		e := e.with(t)
		init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
		req, _ := http.NewRequest("POST", e.http.URL+"/api/mcp", strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		e.send(req, nil).fails(http.StatusUnauthorized, "Missing API token")
		req, _ = http.NewRequest("POST", e.http.URL+"/api/mcp", strings.NewReader(init))
		req.Header.Set("Authorization", "Bearer dft_nothing")
		e.send(req, nil).fails(http.StatusUnauthorized)
		if _, err := remote.Connect(context.Background(), e.http.URL+"/api/mcp", "", mcp.Version, e.client); err == nil {
			t.Fatal("an MCP client without a credential connected")
		}
		e.do("GET", "/api/mcp", e.admin, nil).fails(http.StatusMethodNotAllowed)
	})
}
