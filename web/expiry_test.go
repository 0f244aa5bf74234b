package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCredentialExpiryForms: the create-key and create-token forms offer
// 30, 90 or 365 days or never, and the lists show the expiry.
func TestCredentialExpiryForms(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	before := time.Now()
	shownSecret(t, do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings/developer/keys", url.Values{"permissions": {"all"}, "expires": {"90"}}))
	shownSecret(t, do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings/developer/keys", url.Values{"permissions": {"all"}}))
	keys, _ := e.store.APIKeys(context.Background(), id)
	// Two keys made in the same millisecond may list in either order:
	// the expiring one first.
	if len(keys) == 2 && keys[0].ExpiresAt == nil {
		keys[0], keys[1] = keys[1], keys[0]
	}
	if len(keys) != 2 || keys[0].ExpiresAt == nil || keys[0].ExpiresAt.Before(before.AddDate(0, 0, 90).Add(-time.Second)) ||
		keys[0].ExpiresAt.After(time.Now().AddDate(0, 0, 90)) || keys[1].ExpiresAt != nil {
		t.Fatalf("keys %+v", keys)
	}
	page := do(t, c, "GET", e.srv.URL+"/websites/"+id+"/settings/developer", nil)
	if !strings.Contains(page.body, keys[0].ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC")) || !strings.Contains(page.body, `<option value="365"`) {
		t.Fatalf("developer page lacks the expiry:\n%s", page.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings/developer/keys", url.Values{"permissions": {"all"}, "expires": {"7"}}); a.status != 400 || !strings.Contains(a.body, "Choose when it expires") {
		t.Fatalf("bad expiry: %d\n%s", a.status, a.body)
	}

	shownSecret(t, do(t, c, "POST", e.srv.URL+"/account/tokens", url.Values{"permissions": {"read"}, "expires": {"30"}}))
	if a := do(t, c, "POST", e.srv.URL+"/account/tokens", url.Values{"permissions": {"read"}, "expires": {"x"}}); a.status != 400 || !strings.Contains(a.body, "Choose when it expires") {
		t.Fatalf("bad token expiry: %d\n%s", a.status, a.body)
	}
	tokens, _ := e.store.AccessTokens(context.Background(), mustUser(t, e, "ann@example.com"))
	var expiring int
	for _, tk := range tokens {
		if tk.ExpiresAt != nil {
			expiring++
			if page := do(t, c, "GET", e.srv.URL+"/account", nil); !strings.Contains(page.body, tk.ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC")) {
				t.Fatalf("account page lacks the expiry:\n%s", page.body)
			}
		}
	}
	if expiring != 1 {
		t.Fatalf("%d expiring tokens, want 1", expiring)
	}
}
