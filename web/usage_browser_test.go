package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/storetest"
)

// TestCredentialUsageInBrowser: in headless Chromium, the keys table of
// Developer and the tokens table of the account page show each
// credential's requests of the last 7 days and its 90 days as a
// sparkline.
func TestCredentialUsageInBrowser(t *testing.T) {
	ctx := browsertest.New(t).Ctx
	e := newEnv(t, func(c *app.Config, _ *api.Config) { c.Analytics = &storetest.Reference{} })
	owner, id := firstRunWithSite(t, ctx, e)

	dev := "/websites/" + id + "/settings/developer"
	owner.do("open developer", chromedp.Navigate(e.srv.URL+dev))
	owner.waitFor("the developer section", `!!document.querySelector('form[action="`+dev+`/keys"]')`)
	owner.submit(`form[action="`+dev+`/keys"]`, map[string]string{"name": "Backend", "permissions": "read"})
	owner.waitFor("the new key", `!!document.querySelector("#secret-value")`)
	key := owner.text("#secret-value")
	for range 6 {
		if st := e.api(t, "GET", "/api/v1/analytics/overview?websiteId="+id, key); st != 200 {
			t.Fatalf("the key: %d", st)
		}
	}
	// Earlier days, as flushed by this or another process.
	keys, err := e.store.APIKeys(context.Background(), id)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	today := openfast.UsageDay(e.clock())
	var past []openfast.CredentialUsage
	for i, n := range []int64{40, 0, 25, 60, 10, 0, 0, 35, 80, 20} {
		past = append(past, openfast.CredentialUsage{Kind: openfast.CredentialAPIKey, CredentialID: keys[0].ID, Day: today.AddDate(0, 0, -9*i-3), Requests: n})
	}
	if err := e.store.AddCredentialUsage(context.Background(), past); err != nil {
		t.Fatal(err)
	}
	owner.do("reload developer", chromedp.Navigate(e.srv.URL+dev))
	owner.waitFor("the key's usage", `!!document.querySelector("td.usage .sparkline polyline")`)
	owner.shot("key-usage")
	// 6 today and 40 three days ago are in the week; all of it in the 90 days.
	if cell := owner.text("td.usage"); !strings.HasPrefix(cell, "46") || !strings.Contains(cell, "276 in 90 days") {
		t.Fatalf("the key's usage cell: %q", cell)
	}
	if head := owner.text("table thead"); !strings.Contains(strings.ToLower(head), "requests (7\u00a0d)") { // a no-break space: the heading does not wrap
		t.Fatalf("the keys table head: %q", head)
	}

	owner.do("account", chromedp.Navigate(e.srv.URL+"/account"))
	owner.waitFor("the token form", `!!document.querySelector('form[action="/account/tokens"]')`)
	owner.submit(`form[action="/account/tokens"]`, map[string]string{"name": "Reports", "permissions": "read"})
	owner.waitFor("the new token", `!!document.querySelector("#secret-value")`)
	tok := owner.text("#secret-value")
	for range 3 {
		if st := e.api(t, "GET", "/api/v1/admin/websites", tok); st != 200 {
			t.Fatalf("the token: %d", st)
		}
	}
	owner.do("reload account", chromedp.Navigate(e.srv.URL+"/account"))
	owner.waitFor("the token's usage", `!!document.querySelector("td.usage .sparkline polyline")`)
	owner.shot("token-usage")
	if cell := owner.text("td.usage"); !strings.HasPrefix(cell, "3") || !strings.Contains(cell, "3 in 90 days") {
		t.Fatalf("the token's usage cell: %q", cell)
	}
}
