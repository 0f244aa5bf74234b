package web_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/internal/providertest"
	"github.com/openfast/openfast/storetest"
)

// TestRevenueInBrowser: in headless Chromium, the owner opens the Revenue
// tab of the settings, sees every provider with its webhook URL, is told
// why a test-mode key is refused, connects Stripe with a key and a webhook
// secret (neither shown again), and disconnects it.
func TestRevenueInBrowser(t *testing.T) {
	ctx := browsertest.New(t).Ctx
	fakes := providertest.Providers()
	key := make([]byte, app.SecretKeySize)
	rand.Read(key)
	e := newEnv(t, func(c *app.Config, _ *api.Config) {
		c.Analytics, c.Providers, c.SecretKey = &storetest.Reference{}, providertest.AsProviders(fakes), key
	})
	owner, id := firstRunWithSite(t, ctx, e)

	revenue := "/websites/" + id + "/settings/revenue"
	stripe := `form[action="` + revenue + `/stripe"]`
	owner.do("open settings", chromedp.Navigate(e.srv.URL+"/websites/"+id+"/settings"))
	owner.do("open revenue", chromedp.Click(chromedp.CSS(`nav.tabs a[href="`+revenue+`"]`)))
	owner.waitFor("the revenue tab", `location.pathname === "`+revenue+`" && !!document.querySelector('`+stripe+`')`)
	for _, p := range []string{"stripe", "lemonsqueezy", "polar", "paddle"} {
		if u := owner.text("#webhook-" + p); u != e.srv.URL+"/api/webhooks/"+p+"/"+id {
			t.Fatalf("webhook URL of %s: %q", p, u)
		}
	}
	owner.shot("revenue-tab")

	owner.submit(stripe, map[string]string{"apiKey": "test_key"})
	owner.waitFor("the refusal", `!!document.querySelector(".error")`)
	if msg := owner.text(".error"); !strings.Contains(msg, "test-mode keys are refused; start the server with --allow-test-payments") {
		t.Fatalf("error: %q", msg)
	}

	owner.submit(stripe, map[string]string{"apiKey": "live_secretkey", "webhookSecret": "whsec_secret"})
	owner.waitFor("Stripe connected", `location.search === "?connected=stripe" && document.querySelector("#provider-stripe").dataset.connected === "true"`)
	owner.shot("revenue-connected")
	if n := owner.text(".notice"); !strings.Contains(n, "Stripe connected") {
		t.Fatalf("notice: %q", n)
	}
	card := owner.text("#provider-stripe")
	if !strings.Contains(card, "signing secret stored") || !strings.Contains(card, "Last sync") {
		t.Fatalf("stripe card: %q", card)
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil || strings.Contains(html, "live_secretkey") || strings.Contains(html, "whsec_secret") {
		t.Fatalf("the page shows a secret (%v)", err)
	}
	if calls := fakes["stripe"].Calls(); len(calls) == 0 || calls[0].Credentials.APIKey != "live_secretkey" {
		// The first sync runs in the background; it may not have begun.
		e.app.WaitSyncs()
		if calls = fakes["stripe"].Calls(); len(calls) == 0 || calls[0].Credentials.WebhookSecret != "whsec_secret" {
			t.Fatalf("the provider got %+v", calls)
		}
	}

	owner.do("disconnect", chromedp.Click(chromedp.CSS(`#provider-stripe details.confirm summary`)),
		chromedp.Click(chromedp.CSS(`#provider-stripe form[action$="/disconnect"] button`)))
	owner.waitFor("Stripe disconnected", `location.search === "?disconnected=stripe" && document.querySelector("#provider-stripe").dataset.connected === "false"`)
	owner.shot("revenue-disconnected")
}
