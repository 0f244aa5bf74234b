package cli

import (
	"testing"
)

func TestCLI_ParseStep(t *testing.T) {
	for _, tc := range []struct{ in, name, typ, target string }{
		{"Landing:pageview:/", "Landing", "pageview", "/"},
		{"Blog post:pageview:/blog/*", "Blog post", "pageview", "/blog/*"},
		{"Signup:goal:signup", "Signup", "goal", "signup"},
		{"Plan: pro:goal:plan:pro", "Plan: pro", "goal", "plan:pro"},
		{" Pay : goal : paid ", "Pay", "goal", "paid"},
	} {
		s, err := parseStep(tc.in)
		if err != nil {
			t.Errorf("parseStep(%q): %v", tc.in, err)
			continue
		}
		target := deref(s.URL) + deref(s.GoalName)
		if s.Name != tc.name || s.Type != tc.typ || target != tc.target || (s.URL != nil) != (tc.typ == "pageview") {
			t.Errorf("parseStep(%q) = %+v (target %q)", tc.in, s, target)
		}
	}
	for _, bad := range []string{"Landing", "Landing:/", "Landing:click:/", ":pageview:/", "Landing:pageview:", "pageview:/"} {
		if _, err := parseStep(bad); err == nil || exitCode(err) != ExitUsage {
			t.Errorf("parseStep(%q) = %v, want a usage error", bad, err)
		}
	}
}
