package analytics

import (
	"regexp"
	"strings"
	"testing"
)

// TestStepPathPattern: * stands for one or more bytes other than "/",
// every other byte for itself, whatever it means in a regular expression
// or a LIKE pattern; the prefix is the text before the first *.
func TestStepPathPattern(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"/blog/*", []string{"/blog/a", "/blog/post-1", "/blog/a.b"}, []string{"/blog/", "/blog/a/b", "/blog", "/blogs/a", "x/blog/a"}},
		{"/*/start", []string{"/docs/start", "/a/start"}, []string{"//start", "/a/b/start", "/docs/start/"}},
		{"/p-*", []string{"/p-1", "/p-x"}, []string{"/p-", "/p-1/2", "/q-1"}},
		{"*", []string{"a", "abc"}, []string{"", "/", "a/b"}},
		{"/a_b", []string{"/a_b"}, []string{"/axb"}},
		{"/a%b", []string{"/a%b"}, []string{"/aXYb", "/ab"}},
		{"/v1.*", []string{"/v1.2"}, []string{"/v1x2", "/v1."}},
		{`/(a)+[b]$^\*`, []string{`/(a)+[b]$^\x`}, []string{"/aab", `/(a)+[b]$^\`}},
		{"/pricing", []string{"/pricing"}, []string{"/pricing/", "/Pricing", "/pricing?x=1"}},
	}
	for _, c := range cases {
		p := StepPathPattern(c.pattern)
		if p.Wildcard != strings.Contains(c.pattern, "*") {
			t.Fatalf("%q: wildcard %v", c.pattern, p.Wildcard)
		}
		match := func(path string) bool { return path == p.Exact }
		if p.Wildcard {
			re := regexp.MustCompile(p.Regexp)
			prefix, _, _ := strings.Cut(c.pattern, "*")
			if p.Prefix != prefix {
				t.Fatalf("%q: prefix %q", c.pattern, p.Prefix)
			}
			match = func(path string) bool { return strings.HasPrefix(path, p.Prefix) && re.MatchString(path) }
		}
		for _, path := range c.match {
			if !match(path) {
				t.Errorf("%q does not match %q", c.pattern, path)
			}
		}
		for _, path := range c.miss {
			if match(path) {
				t.Errorf("%q matches %q", c.pattern, path)
			}
		}
	}
}
