package openfast_test

import (
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

// FuzzParseFunnelSteps: a funnel's steps come from any member of a website.
// Reading them never panics and answers EINVALID or steps that keep the
// rules: a pageview step's url starts with "/" and has no query, fragment
// or partial "*" segment; a goal step's goalName is a valid goal name;
// step ids are unique.
func FuzzParseFunnelSteps(f *testing.F) {
	f.Add("Landing", "pageview", "/", "", "Signup", "goal", "", "signup")
	f.Add("Blog", "pageview", "/blog/*", "", "Blog", "pageview", "/blog/*/comments", "")
	f.Add("a", "pageview", "/a*", "", "b", "goal", "/x", "Sign Up")
	f.Add("", "other", "x?y#z", "", "é", "goal", "", strings.Repeat("g", 65))
	f.Fuzz(func(t *testing.T, n1, t1, u1, g1, n2, t2, u2, g2 string) {
		step := func(name, typ, url, goal string) openfast.StepInput {
			s := openfast.StepInput{Name: &name, Type: &typ}
			if url != "" {
				s.URL = &url
			}
			if goal != "" {
				s.GoalName = &goal
			}
			return s
		}
		steps, err := openfast.ParseFunnelSteps([]openfast.StepInput{step(n1, t1, u1, g1), step(n2, t2, u2, g2)})
		if err != nil {
			if openfast.ErrorCode(err) != openfast.EINVALID {
				t.Fatalf("steps: %v, want EINVALID", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, s := range steps {
			if ids[s.ID] {
				t.Fatalf("two steps with id %q: %+v", s.ID, steps)
			}
			ids[s.ID] = true
			switch s.Type {
			case openfast.FunnelStepPageview:
				if !strings.HasPrefix(s.URL, "/") || strings.ContainsAny(s.URL, "?#") {
					t.Fatalf("pageview step with url %q", s.URL)
				}
				for _, seg := range strings.Split(s.URL, "/") {
					if strings.Contains(seg, "*") && seg != "*" {
						t.Fatalf("url %q has a partial * segment", s.URL)
					}
				}
			case openfast.FunnelStepGoal:
				if s.GoalName == "" {
					t.Fatalf("goal step without a goal name: %+v", s)
				}
			default:
				t.Fatalf("step of type %q", s.Type)
			}
		}
	})
}
