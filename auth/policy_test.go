package auth

import (
	"testing"

	"github.com/openfast/openfast"
)

func TestDecide(t *testing.T) {
	const (
		siteA = "aaaaaaaaaaaaaaaaaaaaaaaa"
		siteB = "bbbbbbbbbbbbbbbbbbbbbbbb"
	)
	keyA := &Principal{Kind: KindWebsiteKey, ID: "k", WebsiteID: siteA, Permissions: []string{PermAll}}
	token := func(perms []string, sites []string, roles map[string]openfast.Role) *Principal {
		return &Principal{Kind: KindAccountToken, ID: "t", UserID: "u", Permissions: perms, WebsiteIDs: sites, Memberships: roles}
	}
	all := []string{PermAll}
	owner := map[string]openfast.Role{siteA: openfast.RoleOwner}
	member := map[string]openfast.Role{siteA: openfast.RoleMember}
	viewer := map[string]openfast.Role{siteA: openfast.RoleViewer}

	readKeys := Policy{Scope: ScopeWebsitePath, Permission: PermAPIKeysRead, MinRole: openfast.RoleViewer, AllowWebsiteKey: true}
	writeKeys := Policy{Scope: ScopeWebsitePath, Permission: PermAPIKeysWrite, MinRole: openfast.RoleMember, AllowWebsiteKey: true}
	invite := Policy{Scope: ScopeWebsitePath, Permission: PermTeamWrite, MinRole: openfast.RoleOwner, OwnerOnly: true}
	tokens := Policy{Scope: ScopeAccount, Permission: PermAPIKeysWrite}
	accountRead := Policy{Scope: ScopeAccount, Permission: PermAnalyticsRead, AllowWebsiteKey: true}
	accept := Policy{Scope: ScopeAccount, Permission: PermTeamWrite, AllWebsites: true}
	metadata := Policy{Scope: ScopeWebsiteQuery, Permission: PermAnalyticsRead, MinRole: openfast.RoleViewer, AllowWebsiteKey: true}
	on := func(id string, role openfast.Role) Target { return Target{WebsiteID: id, Role: role} }

	for _, tc := range []struct {
		name   string
		pol    Policy
		p      *Principal
		t      Target
		code   string // "" = allowed
		reason string
	}{
		{"no credential", readKeys, nil, on(siteA, ""), openfast.EUNAUTHORIZED, ReasonUnauthenticated},
		{"key on its website reads", readKeys, keyA, on(siteA, ""), "", ""},
		{"key on its website writes as member", writeKeys, keyA, on(siteA, ""), "", ""},
		{"key on another website", readKeys, keyA, on(siteB, ""), openfast.EFORBIDDEN, ReasonWebsiteScope},
		{"key on owner-only route", invite, keyA, on(siteA, ""), openfast.EFORBIDDEN, ReasonKind},
		{"key on account-level route", tokens, keyA, Target{}, openfast.EFORBIDDEN, ReasonKind},
		{"key reads account", accountRead, keyA, Target{}, "", ""},
		{"key on Website API, website implied", metadata, keyA, on(siteA, ""), "", ""},
		{"key with malformed website", readKeys, keyA, on("nope", ""), openfast.EINVALID, ReasonWebsiteInvalid},

		{"token without websiteId on Website API", metadata, token(all, nil, owner), Target{}, openfast.EINVALID, ReasonWebsiteMissing},
		{"token with websiteId on Website API", metadata, token(all, nil, viewer), on(siteA, openfast.RoleViewer), "", ""},
		{"token outside allowlist", readKeys, token(all, []string{siteB}, owner), on(siteA, openfast.RoleOwner), openfast.EFORBIDDEN, ReasonWebsiteScope},
		{"token inside allowlist", readKeys, token(all, []string{siteA}, owner), on(siteA, openfast.RoleOwner), "", ""},
		{"token lacks permission", readKeys, token([]string{PermAnalyticsRead}, nil, owner), on(siteA, openfast.RoleOwner), openfast.EFORBIDDEN, ReasonPermission},
		{"token has exact permission", readKeys, token([]string{PermAPIKeysRead}, nil, viewer), on(siteA, openfast.RoleViewer), "", ""},
		{"access checked before permission", readKeys, token([]string{PermAnalyticsRead}, nil, nil), on(siteB, ""), openfast.EFORBIDDEN, ReasonNoAccess},
		{"allowlist checked before access", readKeys, token(all, []string{siteA}, nil), on(siteB, ""), openfast.EFORBIDDEN, ReasonWebsiteScope},
		{"website missing or not a member: the same answer", readKeys, token(all, nil, owner), on(siteB, ""), openfast.EFORBIDDEN, ReasonNoAccess},
		{"not a member", readKeys, token(all, nil, owner), on(siteB, ""), openfast.EFORBIDDEN, ReasonNoAccess},
		{"viewer cannot write", writeKeys, token(all, nil, viewer), on(siteA, openfast.RoleViewer), openfast.EFORBIDDEN, ReasonRole},
		{"member writes", writeKeys, token(all, nil, member), on(siteA, openfast.RoleMember), "", ""},
		{"member cannot invite", invite, token(all, nil, member), on(siteA, openfast.RoleMember), openfast.EFORBIDDEN, ReasonOwnerOnly},
		{"owner invites", invite, token(all, nil, owner), on(siteA, openfast.RoleOwner), "", ""},
		{"owner without team:write", invite, token([]string{PermTeamRead}, nil, owner), on(siteA, openfast.RoleOwner), openfast.EFORBIDDEN, ReasonPermission},
		{"token account route", tokens, token([]string{PermAPIKeysWrite}, []string{siteA}, nil), Target{}, "", ""},
		{"token account route lacks permission", tokens, token([]string{PermAPIKeysRead}, nil, nil), Target{}, openfast.EFORBIDDEN, ReasonPermission},
		{"scoped token cannot accept invitations", accept, token(all, []string{siteA}, nil), Target{}, openfast.EFORBIDDEN, ReasonWebsiteScope},
		{"unscoped token accepts invitations", accept, token([]string{PermTeamWrite}, nil, nil), Target{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.pol, tc.p, tc.t)
			if tc.code == "" {
				if !d.Allowed {
					t.Fatalf("denied (%s: %s), want allowed", d.Reason, d.Message)
				}
				if d.Err() != nil {
					t.Fatal("allowed decision has an error")
				}
				return
			}
			if d.Allowed || d.Code != tc.code || d.Reason != tc.reason {
				t.Fatalf("got allowed=%v code=%q reason=%q, want code=%q reason=%q", d.Allowed, d.Code, d.Reason, tc.code, tc.reason)
			}
			if d.Message == "" || openfast.ErrorCode(d.Err()) != tc.code {
				t.Fatalf("denial without message or with the wrong error: %#v", d)
			}
		})
	}
}

func TestPrincipal_RoleOn(t *testing.T) {
	key := &Principal{Kind: KindWebsiteKey, WebsiteID: "a", Permissions: []string{PermAll}}
	if key.RoleOn("a") != openfast.RoleMember || key.RoleOn("b") != "" {
		t.Error("a website key acts as a member of its own website only")
	}
	tok := &Principal{Kind: KindAccountToken, Memberships: map[string]openfast.Role{"a": openfast.RoleOwner}}
	if tok.RoleOn("a") != openfast.RoleOwner || tok.RoleOn("b") != "" {
		t.Error("a token acts with its user's role")
	}
	pub := &Principal{Kind: KindPublic, WebsiteID: "a", Permissions: []string{PermAnalyticsRead}}
	if pub.RoleOn("a") != openfast.RoleViewer || pub.RoleOn("b") != "" {
		t.Error("a public dashboard views its own website only")
	}
}

// TestDecide_Public: a public dashboard's visitor may call only the
// actions that allow it, on its own website.
func TestDecide_Public(t *testing.T) {
	const siteA, siteB = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	pub := &Principal{Kind: KindPublic, WebsiteID: siteA, Permissions: []string{PermAnalyticsRead}}
	read := Policy{Scope: ScopeWebsiteQuery, Permission: PermAnalyticsRead, MinRole: openfast.RoleViewer, AllowWebsiteKey: true, AllowPublic: true}
	for _, tc := range []struct {
		name string
		pol  Policy
		site string
		ok   bool
	}{
		{"OwnWebsite", read, siteA, true},
		{"OtherWebsite", read, siteB, false},
		{"NoWebsite", read, "", false},
		{"NotAllowed", Policy{Scope: ScopeWebsiteQuery, Permission: PermAnalyticsRead, MinRole: openfast.RoleViewer, AllowWebsiteKey: true}, siteA, false},
		{"Account", Policy{Scope: ScopeAccount, Permission: PermAnalyticsRead, AllowWebsiteKey: true, AllowPublic: true}, "", false},
		{"OtherPermission", Policy{Scope: ScopeWebsiteQuery, Permission: PermGoalsWrite, MinRole: openfast.RoleViewer, AllowPublic: true}, siteA, false},
		{"MemberRole", Policy{Scope: ScopeWebsiteQuery, Permission: PermAnalyticsRead, MinRole: openfast.RoleMember, AllowPublic: true}, siteA, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.pol, pub, Target{WebsiteID: tc.site, Role: pub.RoleOn(tc.site)})
			if d.Allowed != tc.ok {
				t.Fatalf("allowed %v, want %v: %+v", d.Allowed, tc.ok, d)
			}
		})
	}
}
