package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/storetest"
)

// tab drives one browser tab through the dashboard.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    *int
}

func (b tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until a JavaScript expression is true on a page that has
// loaded, across navigations (an evaluation that a navigation cuts short
// is retried).
func (b tab) waitFor(what, expr string) {
	b.t.Helper()
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && (`+expr+`)`)); err == nil && ok {
			return
		}
	}
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("%s: no %s at %s (%v)\n%s", what, expr, loc, err, body)
}

func (b tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// shot writes a screenshot of the whole page.
func (b tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	*b.n++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", *b.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// submit fills a form's fields (name → value) and clicks its submit button.
func (b tab) submit(form string, fields map[string]string) {
	b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for name, value := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(form+` [name="`+name+`"]`), value))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	b.do("submit "+form, steps...)
}

// TestSettingsInBrowser: in headless Chromium, the owner makes a df_ key
// in Developer, reads it where it is shown once, uses it with the API,
// rolls it and deletes it; invites a member, who accepts through the link
// in another browser context and then signs in.
func TestSettingsInBrowser(t *testing.T) {
	ctx := browsertest.New(t).Ctx
	e := newEnv(t, func(c *app.Config, _ *api.Config) { c.Analytics = &storetest.Reference{} })
	owner, id := firstRunWithSite(t, ctx, e)

	// Settings from the navigation.
	owner.do("open settings", chromedp.Click(chromedp.CSS(`header nav a[href="/websites/`+id+`/settings"]`)))
	owner.waitFor("the general settings", `!!document.querySelector('form[action="/websites/`+id+`/settings"]')`)
	owner.shot("settings-general")

	// Developer: a key shown once.
	dev := "/websites/" + id + "/settings/developer"
	owner.do("open developer", chromedp.Click(chromedp.CSS(`nav.tabs a[href="`+dev+`"]`)))
	owner.waitFor("the developer section", `location.pathname === "`+dev+`" && !!document.querySelector('form[action="`+dev+`/keys"]')`)
	owner.submit(`form[action="`+dev+`/keys"]`, map[string]string{"name": "Backend", "permissions": "read"})
	owner.waitFor("the new key", `!!document.querySelector("#secret-value")`)
	owner.shot("key-created")
	key := owner.text("#secret-value")
	if !strings.HasPrefix(key, "df_") || !strings.Contains(owner.text(".secret .warning"), "cannot be shown again") {
		t.Fatalf("the key shown: %q", key)
	}
	overview := "/api/v1/analytics/overview?websiteId=" + id
	if st := e.api(t, "GET", overview, key); st != 200 {
		t.Fatalf("the new key on %s: %d", overview, st)
	}

	// Roll: confirm in the disclosure; a new value, the old one refused.
	owner.do("roll", chromedp.Click(chromedp.CSS(`details.confirm summary`)))
	owner.shot("key-roll-confirm")
	owner.do("confirm roll", chromedp.Click(chromedp.CSS(`form[action$="/roll"] button[type="submit"]`)))
	owner.waitFor("the rolled key", `location.pathname.endsWith("/roll") && !!document.querySelector("#secret-value")`)
	owner.shot("key-rolled")
	rolled := owner.text("#secret-value")
	if rolled == key || !strings.HasPrefix(rolled, "df_") {
		t.Fatalf("rolled %q (was %q)", rolled, key)
	}
	if st := e.api(t, "GET", overview, key); st != 401 {
		t.Fatalf("the old value after the roll: %d", st)
	}
	if st := e.api(t, "GET", overview, rolled); st != 200 {
		t.Fatalf("the rolled value: %d", st)
	}

	// Delete, confirmed.
	owner.do("delete", chromedp.Click(chromedp.CSS(`details.confirm:nth-of-type(2) summary`)),
		chromedp.Click(chromedp.CSS(`form[action$="/delete"] button[type="submit"]`)))
	owner.waitFor("the key list without the key", `location.pathname === "`+dev+`" && document.body.innerText.includes("No key yet")`)
	owner.shot("key-deleted")
	if st := e.api(t, "GET", overview, rolled); st != 401 {
		t.Fatalf("a deleted key: %d", st)
	}

	// Team: invite, and the link shown.
	team := "/websites/" + id + "/settings/team"
	owner.do("open team", chromedp.Click(chromedp.CSS(`nav.tabs a[href="`+team+`"]`)))
	owner.waitFor("the team section", `location.pathname === "`+team+`" && !!document.querySelector('form[action="`+team+`/invitations"]')`)
	owner.submit(`form[action="`+team+`/invitations"]`, map[string]string{"email": "bob@example.com", "role": "member"})
	owner.waitFor("the invitation link", `!!document.querySelector("#secret-value")`)
	owner.shot("invitation-link")
	link := owner.text("#secret-value")
	if !strings.HasPrefix(link, e.srv.URL+"/invitations/") {
		t.Fatalf("invitation link %q", link)
	}

	// The invitee, in a browser context of their own.
	bctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	bob := tab{t: t, ctx: bctx, base: e.srv.URL, dir: owner.dir, n: owner.n}
	bob.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action$="/join"]`)))
	bob.shot("invitation-page")
	bob.submit(`form[action$="/join"]`, map[string]string{"name": "Bob", "password": password})
	bob.waitFor("bob's websites", `location.pathname === "/" && document.body.innerText.includes("shop.example.com")`)
	bob.shot("invitee-joined")

	// Bob signs out, and in again.
	bob.do("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	bob.waitFor("the sign-in page", `location.pathname === "/login"`)
	bob.submit(`form[action="/login"]`, map[string]string{"email": "bob@example.com", "password": password})
	bob.waitFor("bob signed in", `location.pathname === "/" && document.body.innerText.includes("shop.example.com")`)
	bob.do("bob's team page", chromedp.Navigate(e.srv.URL+team))
	bob.waitFor("the team as a member", `document.body.innerText.includes("bob@example.com")`)
	bob.shot("member-team-page")
	if has, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action$="/team/invitations"]')`)); has {
		t.Fatal("a member is offered the invitation form")
	}

	// The owner sees Bob in the team; the account page.
	owner.do("reload team", chromedp.Navigate(e.srv.URL+team))
	owner.waitFor("bob in the team", `document.body.innerText.includes("bob@example.com") && document.body.innerText.includes("No pending invitation")`)
	owner.shot("owner-team-page")
	owner.do("account", chromedp.Click(chromedp.CSS(`header nav a[href="/account"]`)))
	owner.waitFor("the account page", `location.pathname === "/account"`)
	owner.shot("account")
}

// firstRunWithSite goes through the first run as Ann and creates the
// website shop.example.com; it returns her tab (screenshots go to
// OPENFAST_SCREENSHOTS_DIR when set) and the website's _id.
func firstRunWithSite(t *testing.T, ctx context.Context, e *env) (tab, string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	owner := tab{t: t, ctx: ctx, base: e.srv.URL, dir: dir, n: new(int)}
	owner.do("open", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/setup"]`)))
	owner.submit(`form[action="/setup"]`, map[string]string{"email": "ann@example.com", "name": "Ann", "password": password})
	owner.waitFor("the new website form", `location.pathname === "/websites/new"`)
	owner.submit(`form[action="/websites"]`, map[string]string{"domain": "shop.example.com", "timezone": "UTC", "currency": "USD"})
	owner.waitFor("the snippet page", `location.pathname.endsWith("/setup")`)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return owner, strings.TrimSuffix(strings.TrimPrefix(loc, e.srv.URL+"/websites/"), "/setup")
}
