package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast/internal/browsertest"
)

// TestGoalColorsInBrowser: a customized goal shows in the goals panel with
// its display name, its own name and a swatch in its colour, and the KPI
// goal leads the key figures in its colour scheme, all from the
// stylesheet: the page breaks no rule of the content security policy.
func TestGoalColorsInBrowser(t *testing.T) {
	a := newAnalyticsEnv(t)
	settings := a.srv.URL + "/websites/" + a.site + "/settings/goals"
	if res := do(t, a.owner, "POST", settings, url.Values{"goalName": {"signup"}, "displayName": {"Sign-up"}, "color": {"#22c55e"}}); res.status != 303 {
		t.Fatalf("customize: %d\n%s", res.status, res.body)
	}
	if res := do(t, a.owner, "POST", settings+"/kpi", url.Values{"kpi": {"signup"}, "kpiColorScheme": {"violet"}}); res.status != 303 {
		t.Fatalf("kpi: %d\n%s", res.status, res.body)
	}
	b := browsertest.New(t)
	a.signInBrowser(t, b)
	settled(t, b)
	if got := pageText(t, b, ".panel"); !strings.Contains(got, "Sign-up") || !strings.Contains(got, "signup") {
		t.Errorf("goals panel:\n%s", got)
	}
	if got := pageText(t, b, ".kpi-list"); !strings.HasPrefix(got, "Sign-up\n1") {
		t.Errorf("key figures:\n%s", got)
	}
	for _, tc := range []struct{ expr, want string }{
		{`getComputedStyle(document.querySelector(".swatch-green")).backgroundColor`, "rgb(34, 197, 94)"},
		{`getComputedStyle(document.querySelector(".kpi-color-violet .kpi-value")).color`, "rgb(139, 92, 246)"},
	} {
		if got, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](tc.expr)); err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %s", tc.expr, got, err, tc.want)
		}
	}
	screenshot(t, b, "analytics-goals")

	if err := chromedp.Do(b.Ctx, chromedp.Navigate(settings)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the goals settings did not load", `document.querySelector("#goal-signup") !== null`)
	screenshot(t, b, "settings-goals")
	for _, line := range b.Console() {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Uncaught") {
			t.Errorf("page console: %s", line)
		}
	}
}
