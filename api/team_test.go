package api

import (
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func TestTeamService(t *testing.T) {
	e := newTestEnv(t)
	ownerID, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	path := "/api/v1/admin/websites/" + site + "/team"
	bobID, bob := e.user("bob@example.com", nil, nil)

	t.Run("Invite", func(t *testing.T) {
		d := e.do("POST", path, owner, map[string]any{"email": "  Bob@Example.com "}).first()
		if d["email"] != "bob@example.com" || d["role"] != "viewer" || !openfast.ValidID(d["invitationId"].(string)) ||
			d["message"] != "Invitation created. Send the invite link to the user." {
			t.Fatalf("invite %v", d)
		}
		e.do("POST", path, owner, map[string]any{"email": "bob@example.com"}).fails(409, "pending invitation")
		e.do("POST", path, owner, map[string]any{"email": "owner@example.com"}).fails(400, "yourself")
		e.do("POST", path, owner, map[string]any{"email": "not-an-email"}).fails(400, "valid email")
		e.do("POST", path, owner, map[string]any{"email": "carol@example.com", "role": "owner"}).fails(400, "viewer or member")
		e.do("POST", path, owner, map[string]any{}).fails(400, "email is required")
		e.do("POST", path, owner, nil).fails(400, "body is required")
	})

	t.Run("Accept", func(t *testing.T) {
		invs := e.do("GET", "/api/v1/admin/invitations", bob, nil).list()
		if len(invs) != 1 || invs[0]["websiteId"] != site || invs[0]["role"] != "viewer" {
			t.Fatalf("bob's invitations %v", invs)
		}
		invID := invs[0]["_id"].(string)
		_, eve := e.user("eve@example.com", nil, nil)
		e.do("POST", "/api/v1/admin/invitations/"+invID+"/accept", eve, nil).fails(404, "Invitation not found")
		scoped := e.token(bobID, nil, []string{site})
		e.do("POST", "/api/v1/admin/invitations/"+invID+"/accept", scoped, nil).fails(403, "not limited")
		d := e.do("POST", "/api/v1/admin/invitations/"+invID+"/accept", bob, nil).first()
		if d["websiteId"] != site || d["role"] != "viewer" {
			t.Fatalf("accept %v", d)
		}
		e.do("POST", "/api/v1/admin/invitations/"+invID+"/accept", bob, nil).fails(404)
		e.do("POST", "/api/v1/admin/invitations/zz/accept", bob, nil).fails(400, "invitationId")
		// Bob sees the website at once, with his role.
		e.do("GET", "/api/v1/analytics/metadata?websiteId="+site, bob, nil).ok()
		e.do("POST", path, owner, map[string]any{"email": "bob@example.com", "role": "member"}).fails(409, "already a member")
		if n := len(e.do("GET", "/api/v1/admin/invitations", bob, nil).list()); n != 0 {
			t.Fatalf("%d pending invitations left", n)
		}
	})

	t.Run("List", func(t *testing.T) {
		team := e.do("GET", path, bob, nil).list()
		if len(team) != 2 || team[0]["userId"] != ownerID || team[0]["role"] != "owner" || team[1]["userId"] != bobID || team[1]["role"] != "viewer" {
			t.Fatalf("team %v", team)
		}
	})

	t.Run("OwnerOnly", func(t *testing.T) {
		e.do("POST", path, bob, map[string]any{"email": "x@example.com"}).fails(403)
		e.do("DELETE", path, bob, map[string]any{"userId": ownerID}).fails(403)
		_, key := e.key(owner, site)
		e.do("GET", path, key, nil).ok()
		e.do("POST", path, key, map[string]any{"email": "x@example.com"}).fails(403, "Owner-only")
		e.do("DELETE", path, key, map[string]any{"userId": bobID}).fails(403, "Owner-only")
		noTeam := e.token(ownerID, []string{"team:read"}, nil)
		e.do("POST", path, noTeam, map[string]any{"email": "x@example.com"}).fails(403, "team:write")
	})

	t.Run("Remove", func(t *testing.T) {
		e.do("DELETE", path, owner, map[string]any{"userId": ownerID}).fails(400, "yourself")
		e.do("DELETE", path, owner, map[string]any{}).fails(400, "userId is required")
		e.do("DELETE", path, owner, map[string]any{"userId": "x"}).fails(400, "ObjectId")
		e.do("DELETE", path, owner, map[string]any{"userId": "0123456789abcdef01234567"}).fails(404)
		d := e.do("DELETE", path, owner, map[string]any{"userId": bobID}).first()
		if d["message"] == nil {
			t.Fatalf("remove %v", d)
		}
		// Removal takes effect on Bob's very next request.
		e.do("GET", "/api/v1/analytics/metadata?websiteId="+site, bob, nil).fails(403, "do not have access")
		e.do("DELETE", path, owner, map[string]any{"userId": bobID}).fails(404)
	})
}

// TestInvitations_ExpireAndWithdraw: an invitation can be accepted for
// seven days, after which it is no longer listed or acceptable and does
// not block a new one; the owner can withdraw a pending invitation.
func TestInvitations_ExpireAndWithdraw(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newTestEnv(t, func(c *testConfig) { c.Now = clock })
	_, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	path := "/api/v1/admin/websites/" + site + "/team"
	_, bob := e.user("bob@example.com", nil, nil)

	first := e.do("POST", path, owner, map[string]any{"email": "bob@example.com"}).first()["invitationId"].(string)
	invs := e.do("GET", "/api/v1/admin/invitations", bob, nil).list()
	if len(invs) != 1 || invs[0]["expiresAt"] != clock().Add(7*24*time.Hour).UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Fatalf("pending invitations %v", invs)
	}
	advance(7*24*time.Hour + time.Second)
	if n := len(e.do("GET", "/api/v1/admin/invitations", bob, nil).list()); n != 0 {
		t.Fatalf("%d invitations listed after they expired", n)
	}
	e.do("POST", "/api/v1/admin/invitations/"+first+"/accept", bob, nil).fails(403, "expired")

	// A new invitation replaces the expired one; the owner withdraws it.
	second := e.do("POST", path, owner, map[string]any{"email": "bob@example.com"}).first()["invitationId"].(string)
	e.do("DELETE", path, owner, map[string]any{"email": "bob@example.com", "userId": "0123456789abcdef01234567"}).fails(400, "not both")
	e.do("DELETE", path, owner, map[string]any{"email": "Bob@example.com"}).ok()
	e.do("DELETE", path, owner, map[string]any{"email": "bob@example.com"}).fails(404, "Pending invitation")
	e.do("POST", "/api/v1/admin/invitations/"+second+"/accept", bob, nil).fails(404)
	if n := len(e.do("GET", "/api/v1/admin/invitations", bob, nil).list()); n != 0 {
		t.Fatalf("%d invitations listed after the withdrawal", n)
	}
	log := e.do("GET", "/api/v1/admin/websites/"+site+"/audit-log", owner, nil).list()
	if len(log) == 0 || log[0]["action"] != "team.withdraw" {
		t.Fatalf("audit log %v", log)
	}
}
