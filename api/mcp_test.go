package api

import (
	"context"
	"encoding/json"
	"fmt"
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

	t.Run("AdminWrites", func(t *testing.T) {
		e := e.with(t)
		// call calls a tool that must succeed and returns its first data item.
		call := func(name string, args map[string]any) map[string]any {
			t.Helper()
			res, got := mcpCall(t, cs, name, args)
			if res.IsError {
				t.Fatalf("%s %v: %+v", name, args, res.Content[0])
			}
			data, _ := got["data"].([]any)
			if len(data) == 0 {
				return got
			}
			return data[0].(map[string]any)
		}
		same := func(what string, mcpItem, restItem map[string]any) {
			t.Helper()
			if !reflect.DeepEqual(mcpItem, restItem) {
				t.Fatalf("%s: MCP %v, REST %v", what, mcpItem, restItem)
			}
		}

		// Websites.
		site := call("website_create", map[string]any{"domain": "mcp-tools.example.com", "timezone": "Europe/Paris"})["websiteId"].(string)
		siteURL := "/api/v1/admin/websites/" + site
		same("website_get", call("website_get", map[string]any{"websiteId": site}), e.do("GET", siteURL, e.admin, nil).first())
		updated := call("website_update", map[string]any{"websiteId": site, "name": "Shop", "excludedPaths": []string{"/admin"}, "isCookieless": true})
		same("website_update", updated, e.do("GET", siteURL, e.admin, nil).first())
		if updated["name"] != "Shop" || updated["isCookieless"] != true || fmt.Sprint(updated["excludedPaths"]) != "[/admin]" || updated["timezone"] != "Europe/Paris" {
			t.Fatalf("website_update answered %v", updated)
		}
		// null clears, absent keeps.
		if cleared := call("website_update", map[string]any{"websiteId": site, "name": nil}); cleared["name"] != nil || cleared["isCookieless"] != true {
			t.Fatalf("website_update name null: %v", cleared)
		}
		if kept := call("website_update", map[string]any{"websiteId": site, "retentionDays": 90}); kept["retentionDays"] != float64(90) {
			t.Fatalf("website_update retentionDays 90: %v", kept["retentionDays"])
		}
		if res, _ := mcpCall(t, cs, "website_update", map[string]any{"websiteId": site, "retentionDays": 0}); !strings.Contains(mcpErrorText(t, res), "retentionDays must be") {
			t.Fatal("website_update took retentionDays 0")
		}
		if forever := call("website_update", map[string]any{"websiteId": site, "retentionDays": nil}); forever["retentionDays"] != nil {
			t.Fatalf("website_update retentionDays null: %v", forever["retentionDays"])
		}
		res, _ := mcpCall(t, cs, "website_delete", map[string]any{"websiteId": site})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "openfast admin delete-website") {
			t.Fatalf("website_delete: %q", msg)
		}

		// Keys: create, roll with a grace period, delete.
		created := call("apikeys_create", map[string]any{"websiteId": site, "name": "agent", "permissions": []string{"analytics:read"}, "allowedIps": []string{"127.0.0.1"}})
		raw, keyID := created["key"].(string), created["_id"].(string)
		if !strings.HasPrefix(raw, "df_") || fmt.Sprint(created["permissions"]) != "[analytics:read]" || fmt.Sprint(created["allowedIps"]) != "[127.0.0.1/32]" {
			t.Fatalf("apikeys_create answered %v", created)
		}
		listed := e.do("GET", siteURL+"/apikeys", e.admin, nil).list()
		if len(listed) != 1 || listed[0]["_id"] != keyID || listed[0]["key"] != nil {
			t.Fatalf("REST keys after apikeys_create: %v", listed)
		}
		delete(created, "key")
		same("apikeys_create", created, listed[0])
		rolled := call("apikeys_roll", map[string]any{"websiteId": site, "apiKeyId": keyID, "gracePeriodSeconds": 3600, "allowedIps": nil})
		if rolled["_id"] != keyID || rolled["key"] == raw || rolled["previousKeyExpiresAt"] == nil || rolled["allowedIps"] != nil {
			t.Fatalf("apikeys_roll answered %v", rolled)
		}
		e.do("GET", "/api/v1/analytics/realtime", raw, nil).ok()
		e.do("GET", "/api/v1/analytics/realtime", rolled["key"].(string), nil).ok()
		// Usage: the two requests above, as REST counts them.
		keyUsage := call("apikeys_usage", map[string]any{"websiteId": site, "apiKeyId": keyID, "days": 7})
		if keyUsage["usage7d"] != float64(2) || len(keyUsage["days"].([]any)) != 7 {
			t.Fatalf("apikeys_usage answered %v", keyUsage)
		}
		same("apikeys_usage", keyUsage, e.do("GET", siteURL+"/apikeys/"+keyID+"/usage?days=7", e.admin, nil).ok().(map[string]any))
		res, _ = mcpCall(t, cs, "apikeys_usage", map[string]any{"websiteId": site, "apiKeyId": keyID, "days": 91})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "days must be an integer from 1 to 90") {
			t.Fatalf("apikeys_usage with 91 days: %q", msg)
		}
		res, _ = mcpCall(t, cs, "apikeys_roll", map[string]any{"websiteId": site, "apiKeyId": keyID, "gracePeriodSeconds": 10 * 24 * 3600})
		if msg := mcpErrorText(t, res); !strings.Contains(msg, "gracePeriodSeconds") {
			t.Fatalf("apikeys_roll with 10 days of grace: %q", msg)
		}
		if d := call("apikeys_delete", map[string]any{"websiteId": site, "apiKeyId": keyID}); d["deleted"] != true {
			t.Fatalf("apikeys_delete answered %v", d)
		}
		e.do("GET", "/api/v1/analytics/realtime", rolled["key"].(string), nil).fails(http.StatusUnauthorized)

		// Tokens.
		tok := call("tokens_create", map[string]any{"name": "reader", "permissions": []string{"analytics:read"}, "websiteIds": []string{site}})
		if !strings.HasPrefix(tok["key"].(string), "dft_") {
			t.Fatalf("tokens_create answered %v", tok)
		}
		e.do("GET", "/api/v1/analytics/realtime?websiteId="+site, tok["key"].(string), nil).ok()
		tokUsage := call("tokens_usage", map[string]any{"tokenId": tok["_id"], "days": 1})
		if tokUsage["usage7d"] != float64(1) {
			t.Fatalf("tokens_usage answered %v", tokUsage)
		}
		same("tokens_usage", tokUsage, e.do("GET", "/api/v1/admin/access-tokens/"+tok["_id"].(string)+"/usage?days=1", e.admin, nil).ok().(map[string]any))
		_, tokens := mcpCall(t, cs, "tokens_list", nil)
		if rest := e.do("GET", "/api/v1/admin/access-tokens", e.admin, nil); fmt.Sprint(withoutLastUse(tokens)) != fmt.Sprint(withoutLastUse(rest.json)) {
			t.Fatalf("MCP tokens %v, REST %v", tokens, rest.json)
		}
		call("tokens_delete", map[string]any{"tokenId": tok["_id"]})
		e.do("GET", "/api/v1/analytics/realtime?websiteId="+site, tok["key"].(string), nil).fails(http.StatusUnauthorized)

		// Team: invite, then withdraw.
		inv := call("team_invite", map[string]any{"websiteId": site, "email": "new@example.com", "role": "member"})
		if inv["email"] != "new@example.com" || inv["role"] != "member" || inv["invitationId"] == "" {
			t.Fatalf("team_invite answered %v", inv)
		}
		if w := call("team_remove", map[string]any{"websiteId": site, "email": "new@example.com"}); w["message"] != "Invitation withdrawn" {
			t.Fatalf("team_remove answered %v", w)
		}

		// Funnels.
		body := funnelBody("Checkout")
		body["websiteId"] = site
		funnel := call("funnels_create", body)
		same("funnels_create", funnel, e.do("GET", siteURL+"/funnels", e.admin, nil).first())
		funnel = call("funnels_update", map[string]any{"websiteId": site, "funnelId": funnel["_id"], "name": "Checkout v2", "windowDays": 7})
		same("funnels_update", funnel, e.do("GET", siteURL+"/funnels", e.admin, nil).first())
		if funnel["name"] != "Checkout v2" || funnel["windowDays"] != float64(7) || len(funnel["steps"].([]any)) != 3 {
			t.Fatalf("funnels_update answered %v", funnel)
		}
		call("funnels_delete", map[string]any{"websiteId": site, "funnelId": funnel["_id"]})
		if rest := e.do("GET", siteURL+"/funnels", e.admin, nil).list(); len(rest) != 0 {
			t.Fatalf("REST funnels after funnels_delete: %v", rest)
		}

		// Alerts.
		alert := call("alerts_create", map[string]any{"websiteId": site, "name": "Signups", "trigger": map[string]any{"type": "goal", "goalName": "signup"},
			"template": map[string]any{"subject": "New signup", "message": "Someone signed up"}})
		same("alerts_create", alert, e.do("GET", siteURL+"/alerts", e.admin, nil).first())
		alert = call("alerts_update", map[string]any{"websiteId": site, "alertId": alert["_id"], "isEnabled": false, "template": map[string]any{"subject": nil}})
		same("alerts_update", alert, e.do("GET", siteURL+"/alerts", e.admin, nil).first())
		if alert["isEnabled"] != false || alert["template"].(map[string]any)["subject"] != nil || alert["template"].(map[string]any)["message"] != "Someone signed up" {
			t.Fatalf("alerts_update answered %v", alert)
		}
		_, history := mcpCall(t, cs, "alerts_history", map[string]any{"websiteId": site})
		if rest := e.do("GET", siteURL+"/alerts/history", e.admin, nil); !reflect.DeepEqual(history, rest.json) {
			t.Fatalf("MCP alert history %v, REST %v", history, rest.json)
		}
		call("alerts_delete", map[string]any{"websiteId": site, "alertId": alert["_id"]})
		if rest := e.do("GET", siteURL+"/alerts", e.admin, nil).list(); len(rest) != 0 {
			t.Fatalf("REST alerts after alerts_delete: %v", rest)
		}

		// Goal customizations.
		_, custom := mcpCall(t, cs, "goal_customize", map[string]any{"websiteId": site, "goalName": "signup", "displayName": "Sign up", "color": "#ef4444"})
		if rest := e.do("GET", siteURL+"/goals/customizations?goalName=signup", e.admin, nil); !reflect.DeepEqual(custom, rest.json) {
			t.Fatalf("MCP goal customization %v, REST %v", custom, rest.json)
		}

		// The audit log has them all, as REST reads it.
		_, audit := mcpCall(t, cs, "audit_log", map[string]any{"websiteId": site, "limit": 100})
		if rest := e.do("GET", siteURL+"/audit-log?limit=100", e.admin, nil); !reflect.DeepEqual(audit, rest.json) || len(rest.list()) < 10 {
			t.Fatalf("MCP audit log %v, REST %v", audit, rest.json)
		}
	})

	t.Run("Annotations", func(t *testing.T) {
		res, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		hints := map[string]*sdk.ToolAnnotations{}
		for _, tl := range res.Tools {
			if tl.Annotations == nil {
				t.Fatalf("tool %s has no annotations", tl.Name)
			}
			hints[tl.Name] = tl.Annotations
		}
		if a := hints["analytics_overview"]; !a.ReadOnlyHint {
			t.Errorf("analytics_overview: %+v", a)
		}
		if a := hints["apikeys_delete"]; a.ReadOnlyHint || a.DestructiveHint == nil || !*a.DestructiveHint || !a.IdempotentHint {
			t.Errorf("apikeys_delete: %+v", a)
		}
		if a := hints["funnels_create"]; a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint || a.IdempotentHint {
			t.Errorf("funnels_create: %+v", a)
		}
		if a := hints["apikeys_roll"]; a.DestructiveHint == nil || !*a.DestructiveHint || a.IdempotentHint {
			t.Errorf("apikeys_roll: %+v", a)
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
		for _, account := range []string{"websites_list", "website_create", "tokens_list", "tokens_create", "tokens_delete",
			"account_update", "invitations_list", "invitations_accept", "audit_log_account", "team_invite", "team_remove", "website_delete"} {
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
