package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// TestAnalyticsExport: the analytics page links the period's events in
// each format, and the link downloads them; a public dashboard has no
// such link and an outsider gets nothing.
func TestAnalyticsExport(t *testing.T) {
	a := newAnalyticsEnv(t)
	page := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site+"?period=all", nil)
	m := regexp.MustCompile(`href="(/websites/[0-9a-f]+/export\?format=csv[^"]*)"`).FindStringSubmatch(page.body)
	if page.status != 200 || m == nil {
		t.Fatalf("page %d has no CSV export link", page.status)
	}
	link := html.UnescapeString(m[1])
	if !strings.Contains(link, "period=all") {
		t.Errorf("link %q lacks the period", link)
	}
	got := do(t, a.owner, "GET", a.srv.URL+link, nil)
	if got.status != 200 || !strings.HasPrefix(got.body, "website_id,timestamp,type,") || strings.Count(got.body, "\n") < 4 {
		t.Fatalf("export: %d\n%s", got.status, short(got.body))
	}
	if bad := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site+"/export?format=xml", nil); bad.status != 400 {
		t.Errorf("format=xml: %d", bad.status)
	}
	if p := do(t, a.client(t), "GET", a.srv.URL+link, nil); p.status == 200 {
		t.Errorf("a stranger downloaded the export")
	}
}
