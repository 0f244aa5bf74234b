package app_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// FuzzAlertTemplate: an alert's subject and message come from any member
// of a website. Checking one never panics and answers EINVALID or nothing;
// rendering one (also one that fails the check, as an older version may
// have saved) never panics, keeps to its cap and writes valid UTF-8.
func FuzzAlertTemplate(f *testing.F) {
	for _, s := range []string{
		"{{visitor}} reached {{goal}} on {{website}} from {{country}}",
		"plan {{params.plan}} / {{plan}} / {{ missing }}",
		"{{ .Foo }} {{range}} {{", "{{{{visitor}}}}", "}}{{", "{{params.}}", "{{params.a.b}}",
		strings.Repeat("{{x}}", 50), "é{{x}}\xff",
	} {
		f.Add(s, "pro")
	}
	f.Fuzz(func(t *testing.T, tmpl, param string) {
		if err := app.CheckAlertTemplate(tmpl); err != nil && openfast.ErrorCode(err) != openfast.EINVALID {
			t.Fatalf("check %q: %v", tmpl, err)
		}
		const max = 200
		out := app.RenderAlertTemplate(tmpl, "v1", "signup", "example.com", "FR", map[string]string{"plan": param, "x": param}, max)
		if len(out) > max {
			t.Fatalf("render %q: %d bytes, more than %d", tmpl, len(out), max)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("render %q: invalid UTF-8 %q", tmpl, out)
		}
	})
}

// FuzzUnsubscribeToken: an unsubscribe link's token comes from anyone. A
// token this installation did not sign is EINVALID (never another error,
// never a panic), and no change is made.
func FuzzUnsubscribeToken(f *testing.F) {
	a, _ := newApp(f)
	for _, s := range []string{
		"", ".", "...", "0123456789abcdef01234567.0123456789abcdef01234567.weekly.AAAA",
		"0123456789abcdef01234567.0123456789abcdef01234567.viral." + strings.Repeat("A", 43),
		"0123456789abcdef01234567.0123456789abcdef01234567.weekly.%%%", strings.Repeat("a.", 600),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		ctx := context.Background()
		for _, call := range []func() (*app.Unsubscription, error){
			func() (*app.Unsubscription, error) { return a.Unsubscription(ctx, token) },
			func() (*app.Unsubscription, error) { return a.Unsubscribe(ctx, token) },
		} {
			if u, err := call(); openfast.ErrorCode(err) != openfast.EINVALID {
				t.Fatalf("token %q: %+v, %v; want EINVALID", token, u, err)
			}
		}
	})
}
