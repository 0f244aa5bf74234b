package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/authzspec"
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

	// Each tool and the spec route of its REST twin.
	tools := map[string]string{
		"analytics_overview": "GET /api/v1/analytics/overview",
		"analytics_pages":    "GET /api/v1/analytics/pages",
		"visitors_list":      "GET /api/v1/visitors",
		"websites_list":      "GET /api/v1/admin/websites",
		"apikeys_list":       "GET /api/v1/admin/websites/{websiteId}/apikeys",
		"team_list":          "GET /api/v1/admin/websites/{websiteId}/team",
		"account_get":        "GET /api/v1/admin/account",
		"funnels_list":       "GET /api/v1/admin/websites/{websiteId}/funnels",
	}
	cases := 0
	for _, c := range creds {
		cs := e.with(t).mcpSession(c.Raw)
		listed := mcpTools(t, cs)
		for tool, name := range tools {
			sr, ok := authzspec.Routes[name]
			if !ok {
				t.Fatalf("%s is not in the spec", name)
			}
			_, pattern, _ := strings.Cut(name, " ")
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
				if tg != "" && sr.MinRole != "" {
					args["websiteId"] = tg
					if sr.Query {
						path += "?websiteId=" + tg
					}
				}
				rest := e.do("GET", path, c.Raw, nil)
				if want := authzspec.Expect(sr, c, tg); rest.status != want && (sr.MinRole != "" || rest.status != 200) {
					t.Fatalf("%s GET %s: status %d, spec %d", c.Name, path, rest.status, want)
				}
				res, got := mcpCall(t, cs, tool, args)
				cases++
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
	t.Logf("MCP authorization matrix: %d tools × %d credentials: %d calls", len(tools), len(creds), cases)
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
