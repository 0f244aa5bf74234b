package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/authzspec"
)

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
		sr, ok := authzspec.Routes[name]
		if !ok {
			t.Fatalf("route %s is not in the spec table", name)
		}
		seen[name] = true
		p := rt.action.Policy
		if p.Permission != sr.Perm || p.MinRole != sr.MinRole || p.AllowWebsiteKey != (sr.KeyOK && !sr.OwnerOnly) || p.OwnerOnly != sr.OwnerOnly || p.AllWebsites != sr.AllSites {
			t.Fatalf("route %s declares %+v, spec says %+v", name, p, sr)
		}
	}
	for name := range authzspec.Routes {
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
	missing := "0123456789abcdef01234567"
	// Website keys with narrower permissions, made by the owners (who
	// hold them all).
	keyPermSets := [][]string{{"*"}, {"analytics:read"}, {"api-keys:write"}, {"settings:write"}, {"payments:write"}, {"settings:read"}, {"team:read"}, {"goals:read", "payments:read"}}
	var creds []authzspec.Cred
	for _, k := range []struct{ name, tok, site string }{{"df_ site A", ownerTok, siteA}, {"df_ site B", outsiderTok, siteB}} {
		for _, perms := range keyPermSets {
			d := e.do("POST", "/api/v1/admin/websites/"+k.site+"/apikeys", k.tok, map[string]any{"permissions": perms}).first()
			creds = append(creds, authzspec.Cred{Name: fmt.Sprintf("%s perms=%v", k.name, perms), Raw: d["key"].(string), IsKey: true, KeyOn: k.site, Perms: perms})
		}
	}

	for i := range e.srv.routes {
		if !e.srv.routes[i].public {
			e.srv.routes[i].handle = func(w http.ResponseWriter, r *http.Request, c *authRequest) error {
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
	for _, sr := range authzspec.Routes {
		if !slices.ContainsFunc(permSets, func(p []string) bool { return p[0] == sr.Perm }) {
			permSets = append(permSets, []string{sr.Perm})
		}
	}
	permSets = append(permSets, []string{"goals:read", "payments:read"}) // grants no route here
	allowlists := [][]string{{}, {siteA}, {siteB}, {siteA, siteB}}

	for _, u := range users {
		for _, perms := range permSets {
			for _, sites := range allowlists {
				creds = append(creds, authzspec.Cred{
					Name: fmt.Sprintf("dft_ %v perms=%v sites=%d", u.roles, perms, len(sites)),
					Raw:  e.token(u.id, perms, sites), Perms: perms, Sites: sites, Roles: u.roles,
				})
			}
		}
	}

	targets := []struct{ id string }{{siteA}, {siteB}, {missing}, {"not-an-objectid"}, {""}}
	id := "0123456789abcdef0123abcd"
	cases := 0
	for name, sr := range authzspec.Routes {
		method, pattern, _ := strings.Cut(name, " ")
		for _, tg := range targets {
			if sr.MinRole == "" && tg.id != siteA {
				continue // account-level routes name no website
			}
			if !sr.Query && tg.id == "" {
				continue // a path needs a website segment
			}
			path := strings.NewReplacer("{websiteId}", tg.id, "{apiKeyId}", id, "{tokenId}", id, "{invitationId}", id, "{alertId}", id, "{funnelId}", id).Replace(pattern)
			if sr.Query && tg.id != "" {
				path += "?websiteId=" + tg.id
			}
			for _, c := range creds {
				want := authzspec.Expect(sr, c, tg.id)
				got := e.do(method, path, c.Raw, nil)
				cases++
				if got.status != want {
					t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, c.Name, got.status, want, got.body)
				}
				if want != 200 {
					got.fails(want)
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes × %d credentials: %d cases checked", len(authzspec.Routes), len(creds), cases)
	if cases < 2000 {
		t.Fatalf("only %d cases", cases)
	}
}
