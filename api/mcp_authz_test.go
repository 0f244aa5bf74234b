package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/authzspec"
	"github.com/openfast/openfast/mcp"
	"github.com/openfast/openfast/rates"
)

// TestMCPAuthorizationMatrix walks credentials × tools × target websites
// through /api/mcp and the REST twin of each tool: a tool is listed when
// the spec allows its route on some website, and a call answers what the
// REST twin answers (data, or a tool error with the REST error's message),
// the REST status being the spec's.
func TestMCPAuthorizationMatrix(t *testing.T) {
	events, writer := openEvents(t)
	e := newTestEnv(t, func(c *testConfig) {
		c.EventStore, c.EventWriter, c.Rates, c.Analytics = events, writer, rates.New(), events
	})
	e.validate = false

	ownerID, ownerTok := e.user("owner@example.com", nil, nil)
	siteA := e.website(ownerTok)
	outsiderID, outsiderTok := e.user("outsider@example.com", nil, nil)
	siteB := e.website(outsiderTok)
	viewerID, viewerTok := e.user("viewer@example.com", nil, nil)
	e.join(ownerTok, siteA, "viewer@example.com", viewerTok, "viewer")

	var creds []authzspec.Cred
	for _, k := range []struct {
		tok, site string
		perms     []string
	}{{ownerTok, siteA, []string{"*"}}, {ownerTok, siteA, []string{"analytics:read"}}, {ownerTok, siteA, []string{"settings:read"}}, {outsiderTok, siteB, []string{"*"}}} {
		d := e.do("POST", "/api/v1/admin/websites/"+k.site+"/apikeys", k.tok, map[string]any{"permissions": k.perms}).first()
		creds = append(creds, authzspec.Cred{Name: fmt.Sprintf("df_ %s perms=%v", k.site, k.perms), Raw: d["key"].(string), IsKey: true, KeyOn: k.site, Perms: k.perms})
	}
	users := []struct {
		id    string
		roles map[string]openfast.Role
	}{
		{ownerID, map[string]openfast.Role{siteA: "owner"}},
		{viewerID, map[string]openfast.Role{siteA: "viewer"}},
		{outsiderID, map[string]openfast.Role{siteB: "owner"}},
	}
	for _, u := range users {
		for _, perms := range [][]string{{"*"}, {"analytics:read"}, {"websites:read"}, {"api-keys:read"}, {"team:read"}} {
			for _, sites := range [][]string{{}, {siteB}} {
				creds = append(creds, authzspec.Cred{
					Name: fmt.Sprintf("dft_ %v perms=%v sites=%v", u.roles, perms, sites),
					Raw:  e.token(u.id, perms, sites), Perms: perms, Sites: sites, Roles: u.roles,
				})
			}
		}
	}

	cases := mcpMatrixCases()
	for _, tl := range mcp.Tools {
		if _, ok := cases[tl.Name]; !ok {
			t.Errorf("tool %s has no case in the matrix", tl.Name)
		}
	}
	calls := 0
	for _, c := range creds {
		cs := e.with(t).mcpSession(c.Raw)
		listed := mcpTools(t, cs)
		for tool, tc := range cases {
			sr, ok := authzspec.Routes[tc.route]
			if !ok {
				t.Fatalf("%s is not in the spec", tc.route)
			}
			method, pattern, _ := strings.Cut(tc.route, " ")
			visible := false
			for _, tg := range []string{siteA, siteB} {
				visible = visible || authzspec.Expect(sr, c, tg) == 200
			}
			if got := slices.Contains(listed, tool); got != visible {
				t.Fatalf("%s: %s listed %v, spec says %v", c.Name, tool, got, visible)
			}
			for _, tg := range []string{siteA, siteB, ""} {
				if (sr.MinRole == "" && tg != siteA) || (!sr.Query && sr.MinRole != "" && tg == "") {
					continue
				}
				path := strings.ReplaceAll(pattern, "{websiteId}", tg)
				args := map[string]any{}
				for k, v := range tc.ids {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
					args[k] = v
				}
				query := url.Values{}
				if tg != "" && sr.MinRole != "" {
					args["websiteId"] = tg
					if sr.Query {
						query.Set("websiteId", tg)
					}
				}
				var body any
				if method == "GET" || (sr.Query && method == "DELETE") {
					for k, v := range tc.args {
						query.Set(k, fmt.Sprint(v))
					}
				} else {
					body = map[string]any{}
					if tc.args != nil {
						body = tc.args
					}
				}
				for k, v := range tc.args {
					args[k] = v
				}
				if len(query) > 0 {
					path += "?" + query.Encode()
				}
				rest := e.do(method, path, c.Raw, body)
				want := authzspec.Expect(sr, c, tg)
				if want == 200 && tc.allowed != 0 {
					want = tc.allowed
				}
				if rest.status != want && (sr.MinRole != "" || rest.status != 200) {
					t.Errorf("%s %s %s: status %d (%s), spec %d", c.Name, method, path, rest.status, rest.body, want)
					continue
				}
				res, got := mcpCall(t, cs, tool, args)
				calls++
				if rest.status == 200 {
					if res.IsError || fmt.Sprint(withoutLastUse(got)) != fmt.Sprint(withoutLastUse(rest.json)) {
						t.Fatalf("%s %s %v: MCP %+v %v, REST %s", c.Name, tool, args, res.Content, got, rest.body)
					}
					continue
				}
				restMsg := rest.json["error"].(map[string]any)["message"].(string)
				if msg := mcpErrorText(t, res); msg != restMsg {
					t.Fatalf("%s %s %v: MCP error %q, REST %d %q", c.Name, tool, args, msg, rest.status, restMsg)
				}
			}
		}
	}
	t.Logf("MCP authorization matrix: %d tools × %d credentials: %d calls", len(cases), len(creds), calls)
}

// mcpMatrixCase is a tool's case of the MCP authorization matrix: the spec
// route of its REST twin, the ids of the route's path (tool arguments
// too), the REST query or body (the tool's other arguments), and, when the
// spec allows the call, the status that the arguments get (0: 200).
// Writes are sent with arguments that the app refuses once the caller is
// authorized (an id that does not exist, a value that is not valid), so
// that the walk leaves the data as it is and both doors answer the same.
type mcpMatrixCase struct {
	route   string
	ids     map[string]string
	args    map[string]any
	allowed int
}

func mcpMatrixCases() map[string]mcpMatrixCase {
	const missing = "0123456789abcdef01234567"
	const site = "/api/v1/admin/websites/{websiteId}"
	readArgs := map[string]any{"startAt": "2020-01-01", "endAt": "2030-01-01"}
	cases := map[string]mcpMatrixCase{
		"analytics_overview":     {route: "GET /api/v1/analytics/overview", args: readArgs},
		"analytics_timeseries":   {route: "GET /api/v1/analytics/timeseries", args: map[string]any{"fields": "visitors", "interval": "day", "startAt": "2026-01-01", "endAt": "2026-01-03"}},
		"analytics_realtime":     {route: "GET /api/v1/analytics/realtime"},
		"analytics_realtime_map": {route: "GET /api/v1/analytics/realtime/map"},
		"visitors_list":          {route: "GET /api/v1/visitors", args: readArgs},
		"visitor_get":            {route: "GET /api/v1/visitors/{visitorId}", ids: map[string]string{"visitorId": "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"}, allowed: 404},
		"funnel_results":         {route: "GET /api/v1/analytics/funnels/{funnelId}", ids: map[string]string{"funnelId": missing}, allowed: 404},
		"goals_create":           {route: "POST /api/v1/goals", args: map[string]any{"datafast_visitor_id": "nobody", "name": "Not A Goal!"}, allowed: 400},
		"goals_delete":           {route: "DELETE /api/v1/goals", args: map[string]any{"name": "nothing"}, allowed: 404},
		"payments_create":        {route: "POST /api/v1/payments", args: map[string]any{"amount": -1, "currency": "USD", "transaction_id": "tx"}, allowed: 400},
		"payments_delete":        {route: "DELETE /api/v1/payments", args: map[string]any{"transaction_id": "nothing"}, allowed: 404},
		"identify":               {route: "POST /api/v1/identify", args: map[string]any{"datafast_visitor_id": "nobody", "user_id": ""}, allowed: 400},

		"account_get":        {route: "GET /api/v1/admin/account"},
		"account_update":     {route: "PUT /api/v1/admin/account", args: map[string]any{"name": strings.Repeat("n", 1000)}, allowed: 400},
		"tokens_list":        {route: "GET /api/v1/admin/access-tokens"},
		"tokens_create":      {route: "POST /api/v1/admin/access-tokens", args: map[string]any{"permissions": []string{"nope"}}, allowed: 400},
		"tokens_delete":      {route: "DELETE /api/v1/admin/access-tokens/{tokenId}", ids: map[string]string{"tokenId": missing}, allowed: 404},
		"tokens_usage":       {route: "GET /api/v1/admin/access-tokens/{tokenId}/usage", ids: map[string]string{"tokenId": missing}, allowed: 404},
		"invitations_list":   {route: "GET /api/v1/admin/invitations"},
		"invitations_accept": {route: "POST /api/v1/admin/invitations/{invitationId}/accept", ids: map[string]string{"invitationId": missing}, allowed: 404},
		"audit_log_account":  {route: "GET /api/v1/admin/audit-log", args: map[string]any{"limit": 5}},

		"websites_list":  {route: "GET /api/v1/admin/websites"},
		"website_get":    {route: "GET " + site},
		"website_create": {route: "POST /api/v1/admin/websites", args: map[string]any{"domain": "not a domain", "timezone": "UTC"}, allowed: 400},
		"website_update": {route: "PUT " + site, args: map[string]any{"timezone": "Nowhere/Nope"}, allowed: 400},
		"website_delete": {route: "DELETE " + site, allowed: 403},
		"apikeys_list":   {route: "GET " + site + "/apikeys"},
		"apikeys_create": {route: "POST " + site + "/apikeys", args: map[string]any{"permissions": []string{"nope"}}, allowed: 400},
		"apikeys_roll":   {route: "PUT " + site + "/apikeys/{apiKeyId}", ids: map[string]string{"apiKeyId": missing}, allowed: 404},
		"apikeys_delete": {route: "DELETE " + site + "/apikeys/{apiKeyId}", ids: map[string]string{"apiKeyId": missing}, allowed: 404},
		"apikeys_usage":  {route: "GET " + site + "/apikeys/{apiKeyId}/usage", ids: map[string]string{"apiKeyId": missing}, allowed: 404},
		"team_list":      {route: "GET " + site + "/team"},
		"team_invite":    {route: "POST " + site + "/team", args: map[string]any{"email": "not-an-email"}, allowed: 400},
		"team_remove":    {route: "DELETE " + site + "/team", args: map[string]any{"userId": missing}, allowed: 404},
		"audit_log":      {route: "GET " + site + "/audit-log", args: map[string]any{"limit": 5}},

		"funnels_list":             {route: "GET " + site + "/funnels"},
		"funnels_create":           {route: "POST " + site + "/funnels", args: map[string]any{"name": "F", "steps": []any{}}, allowed: 400},
		"funnels_update":           {route: "PUT " + site + "/funnels/{funnelId}", ids: map[string]string{"funnelId": missing}, args: map[string]any{"name": "F"}, allowed: 404},
		"funnels_delete":           {route: "DELETE " + site + "/funnels/{funnelId}", ids: map[string]string{"funnelId": missing}, allowed: 404},
		"alerts_list":              {route: "GET " + site + "/alerts"},
		"alerts_create":            {route: "POST " + site + "/alerts", args: map[string]any{"name": "A"}, allowed: 400},
		"alerts_update":            {route: "PUT " + site + "/alerts/{alertId}", ids: map[string]string{"alertId": missing}, args: map[string]any{"name": "A"}, allowed: 404},
		"alerts_delete":            {route: "DELETE " + site + "/alerts/{alertId}", ids: map[string]string{"alertId": missing}, allowed: 404},
		"alerts_history":           {route: "GET " + site + "/alerts/history", args: map[string]any{"limit": 5}},
		"goal_customizations_list": {route: "GET " + site + "/goals/customizations"},
		"goal_customize":           {route: "PATCH " + site + "/goals/customizations", args: map[string]any{"goalName": "Not A Goal!"}, allowed: 400},
	}
	// The breakdowns.
	for _, tl := range mcp.Tools {
		if name, ok := strings.CutPrefix(tl.Name, "analytics_"); ok && cases[tl.Name].route == "" {
			cases[tl.Name] = mcpMatrixCase{route: "GET /api/v1/analytics/" + strings.ReplaceAll(name, "_", "-"), args: readArgs}
		}
	}
	return cases
}

// withoutLastUse drops the lastUsedAt and usage7d of the keys listed in an
// answer: the calling key's move with each call.
func withoutLastUse(answer map[string]any) map[string]any {
	if data, ok := answer["data"].([]any); ok {
		for _, d := range data {
			if m, ok := d.(map[string]any); ok {
				delete(m, "lastUsedAt")
				delete(m, "usage7d") // the MCP call itself is one more use
			}
		}
	}
	return answer
}
