package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

// specRoute is one row of the DataFast endpoint index (spec §4), plus the
// openfast extensions, written out independently of the route table.
type specRoute struct {
	perm      string
	minRole   openfast.Role // "" for account-level routes
	keyOK     bool          // df_ keys allowed
	ownerOnly bool
	query     bool // Website API: the website comes from ?websiteId=
	allSites  bool // needs a token that is not limited to some websites
}

var specRoutes = map[string]specRoute{
	"POST /api/v1/goals":                                           {perm: "goals:write", minRole: "member", keyOK: true, query: true},
	"DELETE /api/v1/goals":                                         {perm: "goals:write", minRole: "member", keyOK: true, query: true},
	"POST /api/v1/payments":                                        {perm: "payments:write", minRole: "member", keyOK: true, query: true},
	"DELETE /api/v1/payments":                                      {perm: "payments:write", minRole: "member", keyOK: true, query: true},
	"POST /api/v1/identify":                                        {perm: "identify:write", minRole: "member", keyOK: true, query: true},
	"GET /api/v1/analytics/metadata":                               {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/overview":                               {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/timeseries":                             {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/realtime":                               {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/pages":                                  {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/referrers":                              {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/countries":                              {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/regions":                                {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/cities":                                 {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/browsers":                               {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/operating-systems":                      {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/devices":                                {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/campaigns":                              {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/goals":                                  {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/hostnames":                              {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/analytics/realtime/map":                           {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/visitors":                                         {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/visitors/{visitorId}":                             {perm: "analytics:read", minRole: "viewer", keyOK: true, query: true},
	"GET /api/v1/admin/account":                                    {perm: "analytics:read", keyOK: true},
	"PUT /api/v1/admin/account":                                    {perm: "analytics:read"},
	"GET /api/v1/admin/access-tokens":                              {perm: "api-keys:read"},
	"POST /api/v1/admin/access-tokens":                             {perm: "api-keys:write"},
	"DELETE /api/v1/admin/access-tokens/{tokenId}":                 {perm: "api-keys:write"},
	"GET /api/v1/admin/websites":                                   {perm: "websites:read"},
	"POST /api/v1/admin/websites":                                  {perm: "websites:write"},
	"GET /api/v1/admin/websites/{websiteId}":                       {perm: "settings:read", minRole: "viewer", keyOK: true},
	"PUT /api/v1/admin/websites/{websiteId}":                       {perm: "settings:write", minRole: "member", keyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}":                    {perm: "websites:write", minRole: "owner", ownerOnly: true},
	"GET /api/v1/admin/websites/{websiteId}/apikeys":               {perm: "api-keys:read", minRole: "viewer", keyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/apikeys":              {perm: "api-keys:write", minRole: "member", keyOK: true},
	"PUT /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}":    {perm: "api-keys:write", minRole: "member", keyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}": {perm: "api-keys:write", minRole: "member", keyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/team":                  {perm: "team:read", minRole: "viewer", keyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/team":                 {perm: "team:write", minRole: "owner", ownerOnly: true},
	"DELETE /api/v1/admin/websites/{websiteId}/team":               {perm: "team:write", minRole: "owner", ownerOnly: true},
	"GET /api/v1/admin/websites/{websiteId}/audit-log":             {perm: "settings:read", minRole: "member", keyOK: true},
	"GET /api/v1/admin/audit-log":                                  {perm: "settings:read"},
	"GET /api/v1/admin/invitations":                                {perm: "team:read"},
	"POST /api/v1/admin/invitations/{invitationId}/accept":         {perm: "team:write", allSites: true},
}

var rank = map[openfast.Role]int{"owner": 3, "member": 2, "viewer": 1}

// credCase is one credential of the walk.
type credCase struct {
	name  string
	raw   string
	isKey bool
	keyOn string // key: its website
	perms []string
	sites []string
	roles map[string]openfast.Role
}

// expectStatus is the spec's §2.6 order applied to one case, stated apart
// from auth.Decide: 403 kind, 400 website missing or malformed, 403
// allowlist or no access (a website that does not exist is not accessible),
// 403 permission, 403 owner/role.
func expectStatus(sr specRoute, c credCase, target string) int {
	if c.isKey && (!sr.keyOK || sr.ownerOnly) {
		return 403
	}
	if sr.minRole == "" {
		if !c.isKey && sr.allSites && len(c.sites) > 0 {
			return 403
		}
		if !c.isKey && !slices.Contains(c.perms, "*") && !slices.Contains(c.perms, sr.perm) {
			return 403
		}
		return 200
	}
	if target == "" && c.isKey {
		target = c.keyOn
	}
	if target == "" || !openfast.ValidID(target) {
		return 400
	}
	if c.isKey {
		if target != c.keyOn {
			return 403
		}
		if rank["member"] < rank[sr.minRole] {
			return 403
		}
		return 200
	}
	if len(c.sites) > 0 && !slices.Contains(c.sites, target) {
		return 403
	}
	role := c.roles[target]
	if role == "" {
		return 403
	}
	if !slices.Contains(c.perms, "*") && !slices.Contains(c.perms, sr.perm) {
		return 403
	}
	if (sr.ownerOnly && role != "owner") || rank[role] < rank[sr.minRole] {
		return 403
	}
	return 200
}

// TestAuthorizationMatrix walks every authenticated route × credential kind
// × permission × role × allowlist × target website, through the real
// router and middleware, with each handler replaced by a probe that
// answers 200, and compares every status with expectStatus.
func TestAuthorizationMatrix(t *testing.T) {
	e := newTestEnv(t)
	e.validate = false

	// Table ↔ spec: the same routes with the same declarations.
	seen := map[string]bool{}
	for _, rt := range e.srv.routes {
		if rt.public {
			continue
		}
		name := rt.method + " " + rt.path
		sr, ok := specRoutes[name]
		if !ok {
			t.Fatalf("route %s is not in the spec table", name)
		}
		seen[name] = true
		p := rt.action.Policy
		if p.Permission != sr.perm || p.MinRole != sr.minRole || p.AllowWebsiteKey != (sr.keyOK && !sr.ownerOnly) || p.OwnerOnly != sr.ownerOnly || p.AllWebsites != sr.allSites {
			t.Fatalf("route %s declares %+v, spec says %+v", name, p, sr)
		}
	}
	for name := range specRoutes {
		if !seen[name] {
			t.Fatalf("spec route %s is not served", name)
		}
	}

	// The cast: site A has an owner, a member, a viewer and an outsider
	// (who owns site B). Every user gets tokens with every permission set
	// and allowlist.
	ownerID, ownerTok := e.user("owner@example.com", nil, nil)
	siteA := e.website(ownerTok)
	outsiderID, outsiderTok := e.user("outsider@example.com", nil, nil)
	siteB := e.website(outsiderTok)
	memberID, memberTok := e.user("member@example.com", nil, nil)
	viewerID, viewerTok := e.user("viewer@example.com", nil, nil)
	e.join(ownerTok, siteA, "member@example.com", memberTok, "member")
	e.join(ownerTok, siteA, "viewer@example.com", viewerTok, "viewer")
	_, keyA := e.key(ownerTok, siteA)
	_, keyB := e.key(outsiderTok, siteB)
	missing := "0123456789abcdef01234567"

	for i := range e.srv.routes {
		if !e.srv.routes[i].public {
			e.srv.routes[i].handle = func(w http.ResponseWriter, r *http.Request, c *call) error {
				writeData(w, []any{})
				return nil
			}
		}
	}
	e.srv.handler = e.srv.buildHandler()

	users := []struct {
		id    string
		roles map[string]openfast.Role
	}{
		{ownerID, map[string]openfast.Role{siteA: "owner"}},
		{memberID, map[string]openfast.Role{siteA: "member"}},
		{viewerID, map[string]openfast.Role{siteA: "viewer"}},
		{outsiderID, map[string]openfast.Role{siteB: "owner"}},
	}
	permSets := [][]string{{"*"}}
	for _, sr := range specRoutes {
		if !slices.ContainsFunc(permSets, func(p []string) bool { return p[0] == sr.perm }) {
			permSets = append(permSets, []string{sr.perm})
		}
	}
	permSets = append(permSets, []string{"goals:read", "payments:read"}) // grants no route here
	allowlists := [][]string{{}, {siteA}, {siteB}, {siteA, siteB}}

	creds := []credCase{
		{name: "df_ site A", raw: keyA, isKey: true, keyOn: siteA},
		{name: "df_ site B", raw: keyB, isKey: true, keyOn: siteB},
	}
	for _, u := range users {
		for _, perms := range permSets {
			for _, sites := range allowlists {
				creds = append(creds, credCase{
					name: fmt.Sprintf("dft_ %v perms=%v sites=%d", u.roles, perms, len(sites)),
					raw:  e.token(u.id, perms, sites), perms: perms, sites: sites, roles: u.roles,
				})
			}
		}
	}

	targets := []struct{ id string }{{siteA}, {siteB}, {missing}, {"not-an-objectid"}, {""}}
	id := "0123456789abcdef0123abcd"
	cases := 0
	for name, sr := range specRoutes {
		method, pattern, _ := strings.Cut(name, " ")
		for _, tg := range targets {
			if sr.minRole == "" && tg.id != siteA {
				continue // account-level routes name no website
			}
			if !sr.query && tg.id == "" {
				continue // a path needs a website segment
			}
			path := strings.NewReplacer("{websiteId}", tg.id, "{apiKeyId}", id, "{tokenId}", id, "{invitationId}", id).Replace(pattern)
			if sr.query && tg.id != "" {
				path += "?websiteId=" + tg.id
			}
			for _, c := range creds {
				want := expectStatus(sr, c, tg.id)
				got := e.do(method, path, c.raw, nil)
				cases++
				if got.status != want {
					t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, c.name, got.status, want, got.body)
				}
				if want != 200 {
					got.fails(want)
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes × %d credentials: %d cases checked", len(specRoutes), len(creds), cases)
	if cases < 2000 {
		t.Fatalf("only %d cases", cases)
	}
}
