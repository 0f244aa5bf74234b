package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/internal/browsertest"
)

// TestFunnelBuilderInBrowser: in headless Chromium, the owner goes from
// the analytics page to Funnels, builds a three-step funnel with the
// builder (adding the third step with "Add step", a goal picked by type),
// and sees its result as bars and a table; the page breaks no rule of the
// content security policy.
func TestFunnelBuilderInBrowser(t *testing.T) {
	a := newAnalyticsEnv(t)
	b := browsertest.New(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b.Ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("sign in",
		chromedp.Navigate(a.srv.URL+"/login?next=/websites/"+a.site+"%3Fperiod%3Dall"),
		chromedp.SetValue(chromedp.CSS(`input[name=email]`), "ann@example.com"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
	)
	settled(t, b)
	run("open funnels", chromedp.Click(chromedp.CSS(`a.funnels-link`)))
	waitFor(t, b, "the builder", `location.pathname.endsWith("/funnels") && location.search === "?period=all" && !!document.querySelector("form.funnel-form")`)

	// Two step rows to start with; the others wait for "Add step".
	visible, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll(".step-row")).filter(r => !r.hidden).length`))
	if err != nil || visible != 2 {
		t.Fatalf("%d step rows shown (%v), want 2", visible, err)
	}
	screenshot(t, b, "funnels-empty")
	form := `form.funnel-form`
	run("build",
		chromedp.SetValue(chromedp.CSS(form+` [name=name]`), "Blog to signup"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step1_name]`), "Landing"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step1_url]`), "/"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step2_name]`), "Blog"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step2_url]`), "/blog"),
		chromedp.Click(chromedp.CSS(form+` button.add-step`)),
		chromedp.SetValue(chromedp.CSS(form+` [name=step3_name]`), "Signed up"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step3_type]`), "goal"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[name=step3_type]').dispatchEvent(new Event("change"))`),
	)
	shown, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`!document.querySelector(".step-row:nth-child(3) .target-goal").hidden && document.querySelector(".step-row:nth-child(3) .target-url").hidden && !document.querySelector(".step-row:nth-child(3)").hidden`))
	if err != nil || !shown {
		t.Fatalf("the third row does not ask for a goal (%v)", err)
	}
	run("pick the goal", chromedp.SetValue(chromedp.CSS(form+` [name=step3_goal]`), "signup"))
	screenshot(t, b, "funnel-builder")
	run("create", chromedp.Click(chromedp.CSS(form+` button[type=submit]`)))
	waitFor(t, b, "the funnel's results", `/\/funnels\/[0-9a-f]{24}$/.test(location.pathname) && !!document.querySelector(".funnel-bars")`)

	// V1 and V2 landed on /, nobody of them read /blog; V3 read /blog
	// without landing on / first: 2, 0, 0.
	got := pageText(t, b, ".funnel-summary")
	if !strings.Contains(got, "2 visitors started, 0 reached the last step") {
		t.Errorf("summary: %q", got)
	}
	bars := pageText(t, b, ".funnel-bar .step-name")
	if bars != "1. Landing\n2. Blog\n3. Signed up" {
		t.Errorf("bars: %q", bars)
	}
	heights, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".funnel-bar rect")).map(r => r.getAttribute("height"))`))
	if err != nil || strings.Join(heights, ",") != "100,0,0" {
		t.Errorf("bar heights %v (%v)", heights, err)
	}
	if table := pageText(t, b, ".funnel-table tbody"); !strings.Contains(table, "goal signup") || !strings.Contains(table, "2 (100%)") {
		t.Errorf("table:\n%s", table)
	}
	screenshot(t, b, "funnel-results")

	// Edit: the steps become / then /pricing, which V1 took.
	run("edit",
		chromedp.Click(chromedp.CSS(`details.edit summary`)),
		chromedp.SetValue(chromedp.CSS(form+` [name=step2_name]`), "Pricing"),
		chromedp.SetValue(chromedp.CSS(form+` [name=step2_url]`), "/pricing"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("[name=step3_name]").value = ""; document.querySelector("[name=step3_goal]").value = ""`),
		chromedp.Click(chromedp.CSS(form+` button[type=submit]`)),
	)
	waitFor(t, b, "the edited funnel", `document.querySelectorAll(".funnel-bar").length === 2`)
	if got := pageText(t, b, ".funnel-summary"); !strings.Contains(got, "2 visitors started, 1 reached the last step: 50% conversion") {
		t.Errorf("summary after the edit: %q", got)
	}
	screenshot(t, b, "funnel-edited")

	for _, line := range b.Console() {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Uncaught") {
			t.Errorf("page console: %s", line)
		}
	}
}
