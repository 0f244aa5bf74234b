package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAPIKeys_NoMoreThanTheirMaker: a credential never creates or rolls a
// key that can do more than itself. A token with only api-keys:write gets
// 403 on analytics and settings, and so must the keys it can make.
func TestAPIKeys_NoMoreThanTheirMaker(t *testing.T) {
	e := newTestEnv(t)
	ownerID, owner := e.user("owner@example.com", nil, nil)
	site := e.website(owner)
	keys := "/api/v1/admin/websites/" + site + "/apikeys"
	narrow := e.token(ownerID, []string{"api-keys:write"}, nil)
	e.do("GET", "/api/v1/analytics/overview?websiteId="+site, narrow, nil).fails(403, "analytics:read")
	e.do("PUT", "/api/v1/admin/websites/"+site, narrow, map[string]any{"name": "x"}).fails(403, "settings:write")

	t.Run("CreateDefaultKeyRefused", func(t *testing.T) {
		// DataFast's default key holds every website permission: the
		// narrow token may not make it, and is told what it lacks.
		r := e.do("POST", keys, narrow, map[string]any{"name": "escalate"})
		r.fails(403, "cannot create a key that can do more than itself", "analytics:read", "settings:write", "payments:write")
		if strings.Contains(r.json["error"].(map[string]any)["message"].(string), "api-keys:write,") {
			t.Errorf("the message names a permission the caller holds: %s", r.body)
		}
		r = e.do("POST", keys, narrow, map[string]any{"permissions": []string{"api-keys:write", "analytics:read"}})
		r.fails(403, "analytics:read")
		if len(e.do("GET", keys, owner, nil).list()) != 0 {
			t.Fatal("a refused creation left a key")
		}
	})

	var narrowKey, narrowKeyID string
	t.Run("CreateWithinItsOwn", func(t *testing.T) {
		d := e.do("POST", keys, narrow, map[string]any{"permissions": []string{"api-keys:write"}}).first()
		if !slices.Equal(anyStrings(d["permissions"]), []string{"api-keys:write"}) || d["createdBy"] != ownerID {
			t.Fatalf("key record %v", d)
		}
		narrowKey, narrowKeyID = d["key"].(string), d["_id"].(string)
		// The key can do what it was given and nothing more.
		e.do("GET", "/api/v1/analytics/overview", narrowKey, nil).fails(403, "This key lacks the analytics:read permission.")
		e.do("PUT", "/api/v1/admin/websites/"+site, narrowKey, map[string]any{"name": "x"}).fails(403, "settings:write")
		e.do("DELETE", "/api/v1/payments?transaction_id=t1", narrowKey, nil).fails(403, "payments:write")
		e.do("GET", "/api/v1/admin/account", narrowKey, nil).fails(403, "analytics:read")
		// Nor can it make a wider key.
		e.do("POST", keys, narrowKey, nil).fails(403, "cannot create a key", "analytics:read")
		e.do("POST", keys, narrowKey, map[string]any{"permissions": []string{"api-keys:write"}}).ok()
	})

	t.Run("RollNeedsEveryPermissionOfTheKey", func(t *testing.T) {
		full := e.do("POST", keys, owner, map[string]any{"name": "full"}).first()
		if !slices.Equal(anyStrings(full["permissions"]), []string{"*"}) {
			t.Fatalf("default permissions %v, want [*]", full["permissions"])
		}
		e.do("PUT", keys+"/"+full["_id"].(string), narrow, nil).fails(403, "cannot roll a key that can do more than itself", "analytics:read")
		e.do("PUT", keys+"/"+full["_id"].(string), narrowKey, nil).fails(403, "cannot roll a key")
		// The full key still works: the refused roll changed nothing.
		e.do("GET", "/api/v1/admin/websites/"+site, full["key"].(string), nil).ok()
		e.do("PUT", keys+"/"+narrowKeyID, narrow, nil).ok()
		e.do("PUT", keys+"/"+full["_id"].(string), owner, nil).ok()
	})

	t.Run("Invalid", func(t *testing.T) {
		e.do("POST", keys, owner, map[string]any{"permissions": []string{}}).fails(400, "permissions must not be empty")
		e.do("POST", keys, owner, map[string]any{"permissions": []string{"root"}}).fails(400, "Unknown permission")
		e.do("POST", keys, owner, map[string]any{"permissions": "analytics:read"}).fails(400, "permissions")
	})
}

// TestRemoveMember_RevokesTheirKeys: removing a member revokes, in the same
// transaction, the website keys made on their authority: made by their
// tokens, by those keys, or last rolled by them. The answer and the audit
// log say which.
func TestRemoveMember_RevokesTheirKeys(t *testing.T) {
	e := newTestEnv(t)
	ownerID, owner := e.user("owner@example.com", nil, nil)
	memberID, member := e.user("member@example.com", nil, nil)
	site := e.website(owner)
	other := e.website(member) // the member's own website keeps its keys
	e.join(owner, site, "member@example.com", member, "member")
	keys := "/api/v1/admin/websites/" + site + "/apikeys"

	made := e.do("POST", keys, member, map[string]any{"name": "by member"}).first()
	if made["createdBy"] != memberID {
		t.Fatalf("createdBy = %v, want the member %s", made["createdBy"], memberID)
	}
	child := e.do("POST", keys, made["key"].(string), map[string]any{"name": "by member's key"}).first()
	if child["createdBy"] != memberID {
		t.Fatalf("a key made by a key: createdBy = %v, want its maker's user %s", child["createdBy"], memberID)
	}
	ownersRolled := e.do("POST", keys, owner, map[string]any{"name": "owner's, rolled by member"}).first()
	rolled := e.do("PUT", keys+"/"+ownersRolled["_id"].(string), member, nil).first()
	if rolled["createdBy"] != memberID {
		t.Fatalf("a rolled key: createdBy = %v, want the roller %s", rolled["createdBy"], memberID)
	}
	ownersKey := e.do("POST", keys, owner, map[string]any{"name": "owner's"}).first()
	if ownersKey["createdBy"] != ownerID {
		t.Fatalf("createdBy = %v, want the owner", ownersKey["createdBy"])
	}
	elsewhere := e.do("POST", "/api/v1/admin/websites/"+other+"/apikeys", member, nil).first()
	for _, k := range []map[string]any{made, child, rolled} {
		e.do("GET", "/api/v1/admin/websites/"+site, k["key"].(string), nil).ok()
	}

	d := e.do("DELETE", "/api/v1/admin/websites/"+site+"/team", owner, map[string]any{"userId": memberID}).first()
	if d["message"] != "Team member removed successfully" {
		t.Errorf("message = %v", d["message"])
	}
	var revoked []string
	for _, k := range d["revokedApiKeys"].([]any) {
		revoked = append(revoked, k.(map[string]any)["_id"].(string))
	}
	want := []string{made["_id"].(string), child["_id"].(string), rolled["_id"].(string)}
	slices.Sort(want)
	if !slices.Equal(revoked, want) {
		t.Fatalf("revokedApiKeys = %v, want %v", revoked, want)
	}
	for _, k := range []map[string]any{made, child, rolled} {
		e.do("GET", "/api/v1/admin/websites/"+site, k["key"].(string), nil).fails(http.StatusUnauthorized)
	}
	e.do("GET", "/api/v1/admin/websites/"+site, ownersKey["key"].(string), nil).ok()
	e.do("GET", "/api/v1/admin/websites/"+other, elsewhere["key"].(string), nil).ok()
	if n := len(e.do("GET", keys, owner, nil).list()); n != 1 {
		t.Errorf("%d keys left on the website, want the owner's one", n)
	}

	var actions []string
	for _, a := range e.do("GET", "/api/v1/admin/websites/"+site+"/audit-log", owner, nil).list() {
		if a["action"] == "apikey.revoke" || a["action"] == "team.remove" {
			actions = append(actions, a["action"].(string))
		}
	}
	if !slices.Equal(actions, []string{"apikey.revoke", "apikey.revoke", "apikey.revoke", "team.remove"}) {
		t.Errorf("audit actions %v, want three apikey.revoke after team.remove", actions)
	}

	// Tokens record their maker too: the member's own token is theirs.
	for _, tk := range e.do("GET", "/api/v1/admin/access-tokens", member, nil).list() {
		if tk["createdBy"] != memberID {
			t.Fatalf("token createdBy = %v, want the member %s", tk["createdBy"], memberID)
		}
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
