package api

import (
	"slices"
	"strings"
	"testing"
)

func TestAccountService(t *testing.T) {
	e := newTestEnv(t)
	userID, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)

	t.Run("GetWithToken", func(t *testing.T) {
		d := e.do("GET", "/api/v1/admin/account", tok, nil).first()
		if d["_id"] != userID || d["email"] != "owner@example.com" || d["hasAccess"] != true || d["name"] != nil {
			t.Fatalf("account %v", d)
		}
		if _, has := d["websiteId"]; has {
			t.Fatal("websiteId shown for a dft_ token")
		}
		cred := d["credential"].(map[string]any)
		if cred["type"] != "account_token" || cred["displayKey"] != tok[:7]+"..."+tok[len(tok)-4:] ||
			!slices.Equal(toStrings(cred["permissions"]), []string{"*"}) || len(toStrings(cred["websiteIds"])) != 0 {
			t.Fatalf("credential %v", cred)
		}
	})

	t.Run("GetWithWebsiteKey", func(t *testing.T) {
		_, key := e.key(tok, site)
		d := e.do("GET", "/api/v1/admin/account", key, nil).first()
		if d["_id"] != userID || d["websiteId"] != site {
			t.Fatalf("account via key %v", d)
		}
		cred := d["credential"].(map[string]any)
		if cred["type"] != "website_key" || !slices.Equal(toStrings(cred["websiteIds"]), []string{site}) {
			t.Fatalf("credential %v", cred)
		}
		e.do("PUT", "/api/v1/admin/account", key, map[string]any{"name": "x"}).fails(403)
	})

	t.Run("Update", func(t *testing.T) {
		d := e.do("PUT", "/api/v1/admin/account", tok, map[string]any{"name": " Ann "}).first()
		if d["name"] != "Ann" || d["_id"] != userID || d["email"] != "owner@example.com" {
			t.Fatalf("update %v", d)
		}
		e.do("PUT", "/api/v1/admin/account", tok, map[string]any{"name": ""}).fails(400, "must not be empty")
		e.do("PUT", "/api/v1/admin/account", tok, map[string]any{}).fails(400, "name is required")
		e.do("PUT", "/api/v1/admin/account", tok, map[string]any{"name": strings.Repeat("é", 101)}).fails(400, "at most 100")
		e.do("PUT", "/api/v1/admin/account", tok, map[string]any{"name": nil}).fails(400, "name")
	})

	t.Run("Permission", func(t *testing.T) {
		noRead := e.token(userID, []string{"websites:read"}, nil)
		e.do("GET", "/api/v1/admin/account", noRead, nil).fails(403, "analytics:read")
	})
}

func TestMetadata(t *testing.T) {
	e := newTestEnv(t)
	userID, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)
	_, key := e.key(tok, site)

	d := e.do("GET", "/api/v1/analytics/metadata", key, nil).first()
	if d["timezone"] != "Europe/Paris" || d["currency"] != "USD" || d["logo"] != nil || len(d) != 7 {
		t.Fatalf("metadata %v", d)
	}
	d = e.do("GET", "/api/v1/analytics/metadata?websiteId="+site+"&fields=domain,currency", tok, nil).first()
	if len(d) != 2 || d["currency"] != "USD" {
		t.Fatalf("fields selection %v", d)
	}
	e.do("GET", "/api/v1/analytics/metadata?websiteId="+site+"&fields=domain,visitors", tok, nil).fails(400, "fields", "visitors")
	e.do("GET", "/api/v1/analytics/metadata", tok, nil).fails(400, "websiteId")
	e.do("GET", "/api/v1/analytics/metadata?websiteId=123", tok, nil).fails(400, "websiteId")
	e.do("GET", "/api/v1/analytics/metadata?websiteId=0123456789abcdef01234567", tok, nil).fails(403, "do not have access")
	e.do("GET", "/api/v1/analytics/metadata?websiteId="+site, key, nil).ok()
	e.do("GET", "/api/v1/analytics/metadata?websiteId=0123456789abcdef01234567", key, nil).fails(403, "another website")
	noRead := e.token(userID, []string{"websites:read"}, nil)
	e.do("GET", "/api/v1/analytics/metadata?websiteId="+site, noRead, nil).fails(403, "analytics:read")
}
