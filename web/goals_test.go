package web_test

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

// TestSettingsGoals: the Goals section customizes a goal and picks the KPI
// goal, through the app methods of the API; the analytics page shows the
// display name beside the goal's name, with its colour swatch, and the KPI
// goal first in its colour.
func TestSettingsGoals(t *testing.T) {
	a := newAnalyticsEnv(t)
	goals := a.srv.URL + "/websites/" + a.site + "/settings/goals"

	page := do(t, a.owner, "GET", goals, nil)
	if page.status != 200 || !strings.Contains(page.body, `<code>signup</code>`) || !strings.Contains(page.body, `id="goal-signup"`) {
		t.Fatalf("goals page: %d\n%s", page.status, page.body)
	}
	res := do(t, a.owner, "POST", goals, url.Values{"goalName": {"signup"}, "displayName": {"Sign-up"}, "color": {"#22C55E"}, "description": {"Made an account"}})
	if res.status != 303 || res.location != "/websites/"+a.site+"/settings/goals?saved=1" {
		t.Fatalf("save goal: %d %s\n%s", res.status, res.location, res.body)
	}
	page = do(t, a.owner, "GET", goals+"?saved=1", nil)
	if !strings.Contains(page.body, "Goal saved.") || !strings.Contains(page.body, `value="Sign-up"`) ||
		!strings.Contains(page.body, `<option value="#22c55e" selected>Green</option>`) || !strings.Contains(page.body, "swatch-green") {
		t.Errorf("goals page after saving:\n%s", page.body)
	}
	// A bad colour is the form's problem: 400 with the reason.
	res = do(t, a.owner, "POST", goals, url.Values{"goalName": {"signup"}, "color": {"#123456"}})
	if res.status != 400 || !strings.Contains(res.body, "not in the palette") {
		t.Errorf("bad colour: %d\n%s", res.status, short(res.body))
	}
	res = do(t, a.owner, "POST", goals, url.Values{"new": {"1"}, "goalName": {"upgrade"}, "displayName": {" "}, "color": {""}, "description": {""}})
	if res.status != 400 || !strings.Contains(res.body, "Give the goal a display name") {
		t.Errorf("new goal without anything: %d\n%s", res.status, short(res.body))
	}
	res = do(t, a.owner, "POST", goals+"/kpi", url.Values{"kpi": {"ghost"}, "kpiColorScheme": {""}})
	if res.status != 400 || !strings.Contains(res.body, "not a goal of this website") {
		t.Errorf("kpi of no goal: %d\n%s", res.status, short(res.body))
	}

	base := "/websites/" + a.site + "/analytics/"
	panel := a.panel(t, a.owner, base+"goals").body
	if got := text(panel); !strings.Contains(got, "Sign-up signup 1 1") {
		t.Errorf("goals panel: %s", got)
	}
	if !strings.Contains(panel, `class="swatch swatch-green"`) || !strings.Contains(panel, `title="Made an account – Filter by signup"`) {
		t.Errorf("goals panel markup:\n%s", panel)
	}
	if strings.Contains(panel, "style=") {
		t.Errorf("inline style in the goals panel:\n%s", panel)
	}

	res = do(t, a.owner, "POST", goals+"/kpi", url.Values{"kpi": {"signup"}, "kpiColorScheme": {"emerald"}})
	if res.status != 303 {
		t.Fatalf("save kpi: %d\n%s", res.status, res.body)
	}
	w, err := a.store.Website(t.Context(), a.site)
	if err != nil || deref(w.KPI) != "signup" || deref(w.KPIColorScheme) != "emerald" {
		t.Fatalf("kpi stored: %v %v", w, err)
	}
	kpis := a.panel(t, a.owner, base+"kpis").body
	if got := text(kpis); !strings.HasPrefix(got, "Sign-up 1 Visitors 3") {
		t.Errorf("kpis: %s", got)
	}
	if !regexp.MustCompile(`<li class="kpi kpi-color-emerald">\s*<span class="kpi-label">Sign-up</span>`).MatchString(kpis) {
		t.Errorf("kpis markup:\n%s", kpis)
	}

	// The public dashboard shows the goals the same way.
	a.share(t, true)
	anyone := a.client(t)
	if got := text(a.panel(t, anyone, "/share/example.com/analytics/goals").body); !strings.Contains(got, "Sign-up signup 1 1") {
		t.Errorf("public goals panel: %s", got)
	}
	if got := text(a.panel(t, anyone, "/share/example.com/analytics/kpis").body); !strings.HasPrefix(got, "Sign-up 1") {
		t.Errorf("public kpis: %s", got)
	}
}

// TestGoalPaletteStyles: every colour of the palette has its swatch and KPI
// classes in the stylesheet, in that colour.
func TestGoalPaletteStyles(t *testing.T) {
	css, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range openfast.GoalPalette {
		for _, rule := range []string{".swatch-" + c.Family + " { background: " + c.Color + "; }", ".kpi-color-" + c.Family + " .kpi-value { color: " + c.Color + "; }"} {
			if !strings.Contains(string(css), rule) {
				t.Errorf("app.css lacks %q", rule)
			}
		}
	}
}
