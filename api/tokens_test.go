package api

import (
	"slices"
	"strings"
	"testing"
)

func TestAccessTokenService(t *testing.T) {
	e := newTestEnv(t)
	userID, root := e.user("owner@example.com", nil, nil)
	siteA, siteB := e.website(root), e.website(root)
	const path = "/api/v1/admin/access-tokens"

	t.Run("CreateDefaults", func(t *testing.T) {
		d := e.do("POST", path, root, nil).first()
		key := d["key"].(string)
		if !strings.HasPrefix(key, "dft_") || len(key) != 40 || d["scope"] != "user" || d["name"] != nil {
			t.Fatalf("created %v", d)
		}
		if !slices.Equal(toStrings(d["permissions"]), []string{"*"}) || len(toStrings(d["websiteIds"])) != 0 {
			t.Fatalf("defaults: %v", d)
		}
		if d["displayKey"] != key[:7]+"..."+key[len(key)-4:] {
			t.Fatalf("displayKey %v", d["displayKey"])
		}
		e.do("GET", "/api/v1/admin/account", key, nil).ok()
	})

	t.Run("CreateScoped", func(t *testing.T) {
		d := e.do("POST", path, root, map[string]any{
			"name": "Agent", "permissions": []string{"websites:read", "analytics:read", "analytics:read"}, "websiteIds": []string{siteA},
		}).first()
		if !slices.Equal(toStrings(d["permissions"]), []string{"analytics:read", "websites:read"}) || !slices.Equal(toStrings(d["websiteIds"]), []string{siteA}) {
			t.Fatalf("scoped: %v", d)
		}
		scoped := d["key"].(string)
		e.do("GET", "/api/v1/analytics/metadata?websiteId="+siteA, scoped, nil).ok()
		e.do("GET", "/api/v1/analytics/metadata?websiteId="+siteB, scoped, nil).fails(403, "not allowed to access this website")
		sites := e.do("GET", "/api/v1/admin/websites", scoped, nil).list()
		if len(sites) != 1 || sites[0]["_id"] != siteA {
			t.Fatalf("scoped token lists %v", sites)
		}
		e.do("GET", path, scoped, nil).fails(403, "not limited to some websites")
	})

	// A token limited to some websites cannot act on the whole account:
	// list every token, create websites, or read the account audit log.
	t.Run("AccountWideRoutesNeedAllWebsites", func(t *testing.T) {
		limited := e.token(userID, []string{"*"}, []string{siteA})
		e.do("GET", path, limited, nil).fails(403, "not limited to some websites")
		e.do("POST", "/api/v1/admin/websites", limited, map[string]any{"domain": "new.example.com", "timezone": "UTC"}).fails(403, "not limited to some websites")
		e.do("GET", "/api/v1/admin/audit-log", limited, nil).fails(403, "not limited to some websites")
		e.do("GET", "/api/v1/admin/websites", limited, nil).ok() // lists its own websites only
		e.do("GET", path, root, nil).ok()
	})

	t.Run("NoEscalation", func(t *testing.T) {
		limited := e.token(userID, []string{"api-keys:write", "analytics:read"}, []string{siteA})
		e.do("POST", path, limited, map[string]any{"permissions": []string{"analytics:read"}, "websiteIds": []string{siteA}}).ok()
		e.do("POST", path, limited, nil).fails(403, "permissions")                                                          // default "*" exceeds
		e.do("POST", path, limited, map[string]any{"permissions": []string{"*"}, "websiteIds": []string{siteA}}).fails(403) // "*" exceeds
		e.do("POST", path, limited, map[string]any{"permissions": []string{"goals:write"}, "websiteIds": []string{siteA}}).fails(403, "permissions")
		e.do("POST", path, limited, map[string]any{"permissions": []string{"analytics:read"}}).fails(403, "websites") // [] = all exceeds
		e.do("POST", path, limited, map[string]any{"permissions": []string{"analytics:read"}, "websiteIds": []string{siteB}}).fails(403, "websites")
		e.do("POST", path, root, map[string]any{"websiteIds": []string{"0123456789abcdef01234567"}}).fails(403, "do not have access")
	})

	t.Run("Invalid", func(t *testing.T) {
		e.do("POST", path, root, map[string]any{"permissions": []string{"analytics:write"}}).fails(400, "Unknown permission")
		e.do("POST", path, root, map[string]any{"permissions": []string{}}).fails(400, "must not be empty")
		e.do("POST", path, root, map[string]any{"permissions": "*"}).fails(400, "array of strings")
		e.do("POST", path, root, map[string]any{"websiteIds": []string{"nope"}}).fails(400, "ObjectId")
		e.do("POST", path, root, map[string]any{"websiteIds": []int{1}}).fails(400, "array of strings")
		e.do("POST", path, root, map[string]any{"name": true}).fails(400, "name")
		e.do("POST", path, root, "{").fails(400, "Invalid JSON")
	})

	t.Run("LimitReached", func(t *testing.T) {
		_, tok := e.user("many@example.com", nil, nil) // one token already
		for range 19 {
			e.do("POST", path, tok, nil).ok()
		}
		e.do("POST", path, tok, nil).fails(400, "Token limit reached")
		if n := len(e.do("GET", path, tok, nil).list()); n != 20 {
			t.Fatalf("%d tokens, want 20", n)
		}
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		res := e.do("GET", path, root, nil)
		list := res.list()
		if strings.Contains(string(res.body), root) {
			t.Fatal("the list shows a raw token")
		}
		for _, tok := range list {
			if _, has := tok["key"]; has {
				t.Fatal("a listed token has key")
			}
		}
		d := e.do("POST", path, root, map[string]any{"name": "temp"}).first()
		id, raw := d["_id"].(string), d["key"].(string)
		e.do("GET", "/api/v1/admin/account", raw, nil).ok()
		del := e.do("DELETE", path+"/"+id, root, nil).first()
		if del["message"] != "Access token deleted successfully" {
			t.Fatalf("delete: %v", del)
		}
		e.do("GET", "/api/v1/admin/account", raw, nil).fails(401)
		e.do("DELETE", path+"/"+id, root, nil).fails(404)
		e.do("DELETE", path+"/bad", root, nil).fails(400, "tokenId")
	})

	t.Run("OtherUsersTokens", func(t *testing.T) {
		_, other := e.user("other@example.com", nil, nil)
		d := e.do("POST", path, other, nil).first()
		e.do("DELETE", path+"/"+d["_id"].(string), root, nil).fails(404)
		for _, tok := range e.do("GET", path, root, nil).list() {
			if tok["_id"] == d["_id"] {
				t.Fatal("another user's token is listed")
			}
		}
	})

	t.Run("NarrowTokenCannotDeleteWider", func(t *testing.T) {
		narrow := e.token(userID, []string{"api-keys:write"}, nil)
		wide := e.do("POST", path, root, nil).first()
		e.do("DELETE", path+"/"+wide["_id"].(string), narrow, nil).fails(403, "wider")
		// but it can delete itself
		for _, tok := range e.do("GET", path, root, nil).list() {
			if slices.Equal(toStrings(tok["permissions"]), []string{"api-keys:write"}) {
				e.do("DELETE", path+"/"+tok["_id"].(string), narrow, nil).ok()
			}
		}
		e.do("GET", path, narrow, nil).fails(401)
	})

	t.Run("WebsiteKeyRefused", func(t *testing.T) {
		_, key := e.key(root, siteA)
		e.do("GET", path, key, nil).fails(403, "dft_")
		e.do("POST", path, key, nil).fails(403, "dft_")
		e.do("DELETE", path+"/0123456789abcdef01234567", key, nil).fails(403, "dft_")
	})
}

func toStrings(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, x.(string))
	}
	return out
}
