package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/storetest"
)

// TestAllowedIPsForms: the create-key and create-token forms take an
// optional "Allowed IPs" (commas, spaces or lines), stored normalized and
// shown in the lists; a bad entry is a form error that names it and keeps
// what was typed; the key works from an allowed address only.
func TestAllowedIPsForms(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *api.Config) { c.Analytics = &storetest.Reference{} })
	c, id := e.ownerWithSite(t)
	keysURL := e.srv.URL + "/websites/" + id + "/settings/developer/keys"
	here := shownSecret(t, do(t, c, "POST", keysURL, url.Values{"permissions": {"all"}, "allowedIps": {"10.1.2.3/8,\r\n127.0.0.1  ::1"}}))
	elsewhere := shownSecret(t, do(t, c, "POST", keysURL, url.Values{"permissions": {"all"}, "allowedIps": {"203.0.113.0/24"}}))
	shownSecret(t, do(t, c, "POST", keysURL, url.Values{"permissions": {"all"}, "allowedIps": {"  "}}))
	keys, _ := e.store.APIKeys(context.Background(), id)
	if len(keys) != 3 || !slices.Equal(keys[0].AllowedIPs, []string{"10.0.0.0/8", "127.0.0.1/32", "::1/128"}) || keys[2].AllowedIPs != nil {
		t.Fatalf("keys %+v", keys)
	}
	page := do(t, c, "GET", e.srv.URL+"/websites/"+id+"/settings/developer", nil)
	if !strings.Contains(page.body, "<td>10.0.0.0/8, 127.0.0.1/32, ::1/128</td>") || !strings.Contains(page.body, `<span class="muted">any</span>`) ||
		!strings.Contains(page.body, `name="allowedIps"`) {
		t.Fatalf("developer page lacks the allowed IPs:\n%s", page.body)
	}
	overview := "/api/v1/analytics/overview?websiteId=" + id
	if st := e.api(t, "GET", overview, here); st != 200 {
		t.Fatalf("a key allowed from 127.0.0.1: %d", st)
	}
	if st := e.api(t, "GET", overview, elsewhere); st != 403 {
		t.Fatalf("a key allowed from 203.0.113.0/24 only: %d", st)
	}
	a := do(t, c, "POST", keysURL, url.Values{"permissions": {"all"}, "allowedIps": {"10.0.0.0/8, 10.0.0.300"}})
	if a.status != 400 || !strings.Contains(a.body, `allowedIps: &#34;10.0.0.300&#34; is not an IP address or CIDR prefix`) || !strings.Contains(a.body, ">10.0.0.0/8, 10.0.0.300</textarea>") {
		t.Fatalf("bad allowed IPs: %d\n%s", a.status, a.body)
	}

	shownSecret(t, do(t, c, "POST", e.srv.URL+"/account/tokens", url.Values{"permissions": {"read"}, "allowedIps": {"2001:db8::/32"}}))
	if a := do(t, c, "POST", e.srv.URL+"/account/tokens", url.Values{"permissions": {"read"}, "allowedIps": {"example.com"}}); a.status != 400 || !strings.Contains(a.body, "&#34;example.com&#34; is not an IP address") {
		t.Fatalf("bad token allowed IPs: %d\n%s", a.status, a.body)
	}
	tokens, _ := e.store.AccessTokens(context.Background(), mustUser(t, e, "ann@example.com"))
	var limited int
	for _, tk := range tokens {
		if tk.AllowedIPs != nil {
			limited++
			if !slices.Equal(tk.AllowedIPs, []string{"2001:db8::/32"}) {
				t.Fatalf("token allowedIps %q", tk.AllowedIPs)
			}
		}
	}
	if page := do(t, c, "GET", e.srv.URL+"/account", nil); limited != 1 || !strings.Contains(page.body, "<td>2001:db8::/32</td>") {
		t.Fatalf("%d limited tokens; account page:\n%s", limited, page.body)
	}
}

// TestAllowedIPsInBrowser: in headless Chromium, the owner makes a key
// limited to some addresses in Developer, sees the error of a bad entry,
// and makes a token limited to some addresses in Account settings; the
// screenshots show the forms and the lists.
func TestAllowedIPsInBrowser(t *testing.T) {
	ctx := browsertest.New(t).Ctx
	e := newEnv(t, func(c *app.Config, _ *api.Config) { c.Analytics = &storetest.Reference{} })
	owner, id := firstRunWithSite(t, ctx, e)

	dev := "/websites/" + id + "/settings/developer"
	owner.do("open developer", chromedp.Navigate(e.srv.URL+dev))
	owner.waitFor("the developer section", `!!document.querySelector('form[action="`+dev+`/keys"] textarea[name="allowedIps"]')`)
	owner.submit(`form[action="`+dev+`/keys"]`, map[string]string{"name": "Office", "permissions": "read", "allowedIps": "203.0.113.0/24, nope"})
	owner.waitFor("the form error", `document.body.innerText.includes('"nope" is not an IP address')`)
	owner.shot("allowed-ips-key-error")
	if v, err := chromedp.Run(owner.ctx, chromedp.Evaluate[string](`document.querySelector('form[action="`+dev+`/keys"] textarea[name="allowedIps"]').value`)); err != nil || v != "203.0.113.0/24, nope" {
		t.Fatalf("the form lost what was typed: %q, %v", v, err)
	}
	owner.submit(`form[action="`+dev+`/keys"]`, map[string]string{"name": "Office", "permissions": "read", "allowedIps": "127.0.0.1\n10.0.0.0/8"})
	owner.waitFor("the new key", `!!document.querySelector("#secret-value")`)
	key := owner.text("#secret-value")
	if st := e.api(t, "GET", "/api/v1/analytics/overview?websiteId="+id, key); st != 200 {
		t.Fatalf("the key from an allowed address: %d", st)
	}
	owner.do("reload developer", chromedp.Navigate(e.srv.URL+dev))
	owner.waitFor("the key list", `document.body.innerText.includes("10.0.0.0/8, 127.0.0.1/32")`)
	owner.shot("allowed-ips-key-list")

	owner.do("account", chromedp.Navigate(e.srv.URL+"/account"))
	owner.waitFor("the token form", `!!document.querySelector('form[action="/account/tokens"] textarea[name="allowedIps"]')`)
	owner.submit(`form[action="/account/tokens"]`, map[string]string{"name": "Reporting", "permissions": "read", "allowedIps": "2001:db8::/32 198.51.100.7"})
	owner.waitFor("the new token", `!!document.querySelector("#secret-value")`)
	owner.do("reload account", chromedp.Navigate(e.srv.URL+"/account"))
	owner.waitFor("the token list", `document.body.innerText.includes("198.51.100.7/32, 2001:db8::/32")`)
	owner.shot("allowed-ips-token-list")
}
