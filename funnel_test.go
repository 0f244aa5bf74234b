package openfast

import (
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Signup funnel": "signup-funnel", "  Signup  FUNNEL!! ": "signup-funnel", "Étape 2 — paiement": "étape-2-paiement",
		"a/b_c": "a-b-c", "!!!": "", "注册 漏斗": "注册-漏斗",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFunnelSteps(t *testing.T) {
	s := func(v string) *string { return &v }
	pv := func(name, url string) StepInput { return StepInput{Name: s(name), Type: s("pageview"), URL: s(url)} }
	goal := func(name, g string) StepInput { return StepInput{Name: s(name), Type: s("goal"), GoalName: s(g)} }
	steps, err := ParseFunnelSteps([]StepInput{pv(" Landing ", "/"), pv("Landing", "/blog/*"), goal("Sign up", "Sign Up")})
	if err != nil {
		t.Fatal(err)
	}
	want := []FunnelStep{
		{ID: "landing", Name: "Landing", Type: "pageview", URL: "/"},
		{ID: "landing-2", Name: "Landing", Type: "pageview", URL: "/blog/*"},
		{ID: "sign-up", Name: "Sign up", Type: "goal", GoalName: "sign_up"},
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
	for _, c := range []struct {
		in   []StepInput
		want string
	}{
		{[]StepInput{pv("a", "/")}, "2 to 8 steps; 1 given"},
		{[]StepInput{pv("a", "/"), pv("b", "/"), pv("c", "/"), pv("d", "/"), pv("e", "/"), pv("f", "/"), pv("g", "/"), pv("h", "/"), pv("i", "/")}, "9 given"},
		{[]StepInput{pv("a", "/"), {Type: s("goal"), GoalName: s("x")}}, "steps[1]: name is required"},
		{[]StepInput{pv("a", "/"), pv("", "/")}, "steps[1]: steps[1].name is required"},
		{[]StepInput{pv("a", "/"), {Name: s("b")}}, `steps[1] ("b"): type is required`},
		{[]StepInput{pv("a", "/"), {Name: s("b"), Type: s("click")}}, `type must be pageview or goal, not "click"`},
		{[]StepInput{pv("a", "https://example.com/x"), pv("b", "/")}, `steps[0] ("a"): url must be a path`},
		{[]StepInput{pv("a", "/"), pv("b", "/blog*")}, "* only as a whole path segment"},
		{[]StepInput{pv("a", "/?x=1"), pv("b", "/")}, "no query string"},
		{[]StepInput{pv("a", "/"), {Name: s("b"), Type: s("pageview")}}, "url is required for a pageview step"},
		{[]StepInput{pv("a", "/"), {Name: s("b"), Type: s("pageview"), URL: s("/"), GoalName: s("x")}}, "takes url, not goalName"},
		{[]StepInput{pv("a", "/"), {Name: s("b"), Type: s("goal")}}, "goalName is required"},
		{[]StepInput{pv("a", "/"), {Name: s("b"), Type: s("goal"), GoalName: s("x"), URL: s("/")}}, "takes goalName, not url"},
		{[]StepInput{pv("a", "/"), goal("b", "bad!name")}, `steps[1] ("b"): Goal name "bad!name" is invalid`},
		{[]StepInput{pv("a", "/"), goal("b", strings.Repeat("g", 65))}, "at most 64 characters"},
		{[]StepInput{pv("a", "/"), goal("b", "identify")}, "reserved"},
	} {
		_, err := ParseFunnelSteps(c.in)
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.want) {
			t.Errorf("error %v, want EINVALID containing %q", err, c.want)
		}
	}
}

func TestNormalizeFunnelName(t *testing.T) {
	if n, slug, err := NormalizeFunnelName("name", "  Signup funnel "); err != nil || n != "Signup funnel" || slug != "signup-funnel" {
		t.Fatalf("%q %q %v", n, slug, err)
	}
	for _, bad := range []string{"", "   ", "!!!", strings.Repeat("x", 101), "a\x00b"} {
		if _, _, err := NormalizeFunnelName("name", bad); ErrorCode(err) != EINVALID {
			t.Errorf("name %q: %v", bad, err)
		}
	}
}
