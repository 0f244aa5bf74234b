package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func TestAPIKeyService_Create(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)
	path := "/api/v1/admin/websites/" + site + "/apikeys"

	t.Run("Bodies", func(t *testing.T) {
		for name, body := range map[string]any{"no body": nil, "empty body": "", "empty object": "{}", "null name": `{"name":null}`, "blank name": `{"name":"  "}`} {
			d := e.do("POST", path, tok, body).first()
			if d["name"] != nil {
				t.Errorf("%s: name = %v, want null", name, d["name"])
			}
		}
		d := e.do("POST", path, tok, map[string]any{"name": "Production backend", "unknown": 1}).first()
		key, _ := d["key"].(string)
		if d["name"] != "Production backend" || d["websiteId"] != site || !openfast.ValidID(d["_id"].(string)) ||
			d["lastUsedAt"] != nil || d["createdAt"] == nil {
			t.Fatalf("unexpected record: %v", d)
		}
		if len(key) != 39 || !strings.HasPrefix(key, "df_") {
			t.Fatalf("key = %q", key)
		}
		if want := key[:7] + "..." + key[len(key)-4:]; d["displayKey"] != want {
			t.Errorf("displayKey = %v, want %s", d["displayKey"], want)
		}
		// The new key reads its own website at once.
		e.do("GET", "/api/v1/analytics/metadata", key, nil).ok()
	})

	t.Run("Invalid", func(t *testing.T) {
		e.do("POST", path, tok, `{"name":42}`).fails(400, "name must be a string")
		e.do("POST", path, tok, map[string]any{"name": strings.Repeat("x", 101)}).fails(400, "at most 100")
		e.do("POST", path, tok, `{"name":`).fails(400, "Invalid JSON")
		e.do("POST", path, tok, `[1]`).fails(400, "JSON object")
		e.do("POST", path, tok, `"x"`).fails(400, "JSON object")
		e.do("POST", path, tok, `{"name":"a"} {}`).fails(400, "Invalid JSON")
		e.do("POST", path, tok, `{"name":"`+strings.Repeat("x", 2<<20)+`"}`).fails(413, "1 MiB")
	})

	t.Run("LimitReached", func(t *testing.T) {
		n := len(e.do("GET", path, tok, nil).list())
		for ; n < openfast.MaxAPIKeysPerWebsite; n++ {
			e.do("POST", path, tok, nil).ok()
		}
		e.do("POST", path, tok, nil).fails(400, "Key limit reached")
		if got := len(e.do("GET", path, tok, nil).list()); got != 10 {
			t.Fatalf("%d keys listed, want 10", got)
		}
	})

	t.Run("UnknownWebsite", func(t *testing.T) {
		e.do("POST", "/api/v1/admin/websites/0123456789abcdef01234567/apikeys", tok, nil).fails(403, "do not have access")
		e.do("POST", "/api/v1/admin/websites/not-an-id/apikeys", tok, nil).fails(400, "websiteId")
	})
}

// TestAPIKeyService_CreateConcurrent fires 40 concurrent creations at one
// fresh website: exactly 10 succeed and 30 get the 400 envelope. Repeated
// 20 times, each on a new website.
func TestAPIKeyService_CreateConcurrent(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	for round := range 20 {
		site := e.website(tok)
		path := "/api/v1/admin/websites/" + site + "/apikeys"
		results := make([]*response, 40)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range results {
			wg.Go(func() {
				<-start
				results[i] = e.do("POST", path, tok, map[string]any{"name": "concurrent"})
			})
		}
		close(start)
		wg.Wait()
		created, refused := 0, 0
		for _, r := range results {
			switch r.status {
			case http.StatusOK:
				created++
			case http.StatusBadRequest:
				r.fails(400, "Key limit reached")
				refused++
			default:
				t.Fatalf("round %d: unexpected status %d: %s", round, r.status, r.body)
			}
		}
		if created != 10 || refused != 30 {
			t.Fatalf("round %d: %d created, %d refused; want 10 and 30", round, created, refused)
		}
		if n := len(e.do("GET", path, tok, nil).list()); n != 10 {
			t.Fatalf("round %d: %d keys stored, want 10", round, n)
		}
	}
}

func TestAPIKeyService_ListRollDelete(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)
	path := "/api/v1/admin/websites/" + site + "/apikeys"
	id, raw := e.key(tok, site)

	t.Run("ListIsMasked", func(t *testing.T) {
		res := e.do("GET", path, tok, nil)
		list := res.list()
		if len(list) != 1 || list[0]["_id"] != id {
			t.Fatalf("list = %v", list)
		}
		if _, has := list[0]["key"]; has || strings.Contains(string(res.body), raw) {
			t.Fatal("the list shows the raw key")
		}
	})

	t.Run("LastUsedAt", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		e.do("GET", "/api/v1/analytics/metadata", raw, nil).ok()
		k := e.do("GET", path, tok, nil).list()[0]
		used, err := time.Parse(time.RFC3339, k["lastUsedAt"].(string))
		if err != nil || used.Before(before) {
			t.Fatalf("lastUsedAt = %v, want a time after %v", k["lastUsedAt"], before)
		}
		// Written to the store by the flusher, once.
		if err := e.srv.app.FlushUsage(context.Background()); err != nil {
			t.Fatal(err)
		}
		keys, err := e.store.APIKeys(context.Background(), site)
		if err != nil || keys[0].LastUsedAt == nil {
			t.Fatalf("lastUsedAt not stored: %v", err)
		}
	})

	t.Run("Roll", func(t *testing.T) {
		d := e.do("PUT", path+"/"+id, tok, nil).first()
		newRaw := d["key"].(string)
		if d["_id"] != id || newRaw == raw || d["displayKey"] != newRaw[:7]+"..."+newRaw[len(newRaw)-4:] {
			t.Fatalf("roll returned %v", d)
		}
		e.do("GET", "/api/v1/analytics/metadata", raw, nil).fails(401)
		e.do("GET", "/api/v1/analytics/metadata", newRaw, nil).ok()
		raw = newRaw
		e.do("PUT", path+"/0123456789abcdef01234567", tok, nil).fails(404, "API key not found")
		e.do("PUT", path+"/xyz", tok, nil).fails(400, "apiKeyId")
	})

	t.Run("KeyOfAnotherWebsite", func(t *testing.T) {
		other := e.website(tok)
		otherID, _ := e.key(tok, other)
		e.do("PUT", path+"/"+otherID, tok, nil).fails(404)
		e.do("DELETE", path+"/"+otherID, tok, nil).fails(404)
	})

	t.Run("Delete", func(t *testing.T) {
		d := e.do("DELETE", path+"/"+id, tok, nil).first()
		if d["deleted"] != true || d["_id"] != id {
			t.Fatalf("delete returned %v", d)
		}
		e.do("GET", "/api/v1/analytics/metadata", raw, nil).fails(401, "Invalid or revoked")
		e.do("DELETE", path+"/"+id, tok, nil).fails(404)
	})
}

func TestAPIKeyService_WithWebsiteKey(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	site, other := e.website(tok), e.website(tok)
	_, key := e.key(tok, site)
	path := "/api/v1/admin/websites/" + site + "/apikeys"

	// A df_ key manages keys of its own website (member level)...
	d := e.do("POST", path, key, map[string]any{"name": "made by a key"}).first()
	e.do("GET", path, key, nil).ok()
	e.do("PUT", path+"/"+d["_id"].(string), key, nil).ok()
	e.do("DELETE", path+"/"+d["_id"].(string), key, nil).ok()
	// ...and nothing of another website.
	e.do("GET", "/api/v1/admin/websites/"+other+"/apikeys", key, nil).fails(403, "another website")
	e.do("POST", "/api/v1/admin/websites/"+other+"/apikeys", key, nil).fails(403, "another website")
	// A key can delete itself; it is refused from then on.
	keys := e.do("GET", path, tok, nil).list()
	e.do("DELETE", path+"/"+keys[0]["_id"].(string), key, nil).ok()
	e.do("GET", path, key, nil).fails(401)
}

func TestAPIKeyService_Roles(t *testing.T) {
	e := newTestEnv(t)
	_, owner := e.user("owner@example.com", nil, nil)
	_, member := e.user("member@example.com", nil, nil)
	_, viewer := e.user("viewer@example.com", nil, nil)
	site := e.website(owner)
	e.join(owner, site, "member@example.com", member, openfast.RoleMember)
	e.join(owner, site, "viewer@example.com", viewer, openfast.RoleViewer)
	path := "/api/v1/admin/websites/" + site + "/apikeys"

	e.do("GET", path, viewer, nil).ok()
	e.do("POST", path, viewer, nil).fails(403, "viewer")
	id, _ := e.key(member, site)
	e.do("PUT", path+"/"+id, viewer, nil).fails(403)
	e.do("DELETE", path+"/"+id, viewer, nil).fails(403)
	e.do("PUT", path+"/"+id, member, nil).ok()
	e.do("DELETE", path+"/"+id, member, nil).ok()

	_, outsider := e.user("outsider@example.com", nil, nil)
	e.do("GET", path, outsider, nil).fails(403, "do not have access")
	e.do("POST", path, outsider, nil).fails(403, "do not have access")

	readOnly := e.token(mustUserID(t, e, "owner@example.com"), []string{"api-keys:read"}, nil)
	e.do("GET", path, readOnly, nil).ok()
	e.do("POST", path, readOnly, nil).fails(403, "api-keys:write")
}

func mustUserID(t *testing.T, e *testEnv, email string) string {
	t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
