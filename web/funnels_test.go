package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// funnelForm is the builder's form for steps given as name, type, target.
func funnelForm(name string, steps ...[3]string) url.Values {
	f := url.Values{"name": {name}, "windowDays": {"7"}}
	for i, s := range steps {
		n := string(rune('1' + i))
		f.Set("step"+n+"_name", s[0])
		f.Set("step"+n+"_type", s[1])
		if s[1] == "goal" {
			f.Set("step"+n+"_goal", s[2])
		} else {
			f.Set("step"+n+"_url", s[2])
		}
	}
	return f
}

// TestFunnelPages: the owner builds a funnel with the form, sees its
// results over the page's period and filters, edits and deletes it; a
// form problem is shown in the form; a viewer sees the funnels and gets
// 403 for every write, whatever the page offers.
func TestFunnelPages(t *testing.T) {
	a := newAnalyticsEnv(t)
	base := a.srv.URL + "/websites/" + a.site + "/funnels"

	list := do(t, a.owner, "GET", base, nil)
	if list.status != 200 || !strings.Contains(list.body, "No funnel yet") || !strings.Contains(list.body, `<option value="/pricing">`) ||
		!strings.Contains(list.body, `<option value="signup">`) || !strings.Contains(list.body, `name="step8_url"`) {
		t.Fatalf("empty funnels page: %d\n%s", list.status, list.body)
	}
	// The analytics page links here with its period and filters.
	if p := do(t, a.owner, "GET", a.srv.URL+"/websites/"+a.site+"?period=7d", nil); !strings.Contains(p.body, `href="/websites/`+a.site+`/funnels?period=7d"`) {
		t.Errorf("the analytics page does not link to its funnels:\n%s", p.body)
	}

	// A problem with a step is shown in the form, with what was typed.
	bad := do(t, a.owner, "POST", base, funnelForm("Signup", [3]string{"Home", "pageview", "/"}, [3]string{"Pricing", "pageview", "pricing"}))
	if bad.status != 400 || !strings.Contains(bad.body, "Invalid step steps[1] (&#34;Pricing&#34;)") || !strings.Contains(bad.body, `value="pricing"`) {
		t.Fatalf("a bad step: %d\n%s", bad.status, bad.body)
	}

	created := do(t, a.owner, "POST", base+"?period=all", funnelForm("Signup", [3]string{"Home", "pageview", "/"}, [3]string{"Pricing", "pageview", "/pricing"}))
	page, ok := strings.CutPrefix(created.location, "/websites/"+a.site+"/funnels/")
	if created.status != http.StatusSeeOther || !ok || !strings.HasSuffix(page, "?period=all") {
		t.Fatalf("create: %d %s\n%s", created.status, created.location, created.body)
	}
	id := strings.TrimSuffix(page, "?period=all")
	res := do(t, a.owner, "GET", a.srv.URL+created.location, nil)
	for _, want := range []string{"<strong>2</strong> visitors started", "<strong>1</strong> reached the last step", "50%", `<rect x="0" y="50" width="10" height="50"/>`, "<code>/pricing</code>", "5 min"} {
		if !strings.Contains(res.body, want) {
			t.Fatalf("results lack %q:\n%s", want, res.body)
		}
	}
	// A filter of the page narrows the results.
	filtered := do(t, a.owner, "GET", a.srv.URL+created.location+"&filter_country=is%3AFR", nil)
	if !strings.Contains(filtered.body, "<strong>1</strong> visitor started") || !strings.Contains(filtered.body, "Country <em>is</em> <strong>FR</strong>") {
		t.Fatalf("filtered results:\n%s", filtered.body)
	}
	// The same name again: a conflict, in the form.
	if dup := do(t, a.owner, "POST", base, funnelForm("signup", [3]string{"A", "pageview", "/"}, [3]string{"B", "goal", "signup"})); dup.status != 409 || !strings.Contains(dup.body, "already named") {
		t.Fatalf("duplicate: %d\n%s", dup.status, dup.body)
	}

	// Edit: steps replaced.
	edit := do(t, a.owner, "POST", base+"/"+id, funnelForm("Signup v2", [3]string{"Blog", "pageview", "/blog"}, [3]string{"Signed up", "goal", "signup"}))
	if edit.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", edit.status, edit.body)
	}
	if p := do(t, a.owner, "GET", base+"/"+id+"?period=all", nil); !strings.Contains(p.body, "Signup v2") || !strings.Contains(p.body, "<code>goal signup</code>") || !strings.Contains(p.body, "2 min") {
		t.Fatalf("after the edit:\n%s", p.body)
	}

	// A viewer reads, and every write is refused by the app.
	owner := a.env
	viewer := owner.join(t, owner.invite(t, a.owner, a.site, "vic@example.com", "viewer"), "Vic")
	if p := do(t, viewer, "GET", base, nil); p.status != 200 || !strings.Contains(p.body, "Signup v2") || strings.Contains(p.body, "funnel-form") {
		t.Fatalf("viewer's list: %d\n%s", p.status, p.body)
	}
	if p := do(t, viewer, "GET", base+"/"+id, nil); p.status != 200 || strings.Contains(p.body, "/delete") {
		t.Fatalf("viewer's funnel page: %d\n%s", p.status, p.body)
	}
	for _, w := range []struct {
		path string
		form url.Values
	}{
		{base, funnelForm("Mine", [3]string{"A", "pageview", "/"}, [3]string{"B", "pageview", "/b"})},
		{base + "/" + id, funnelForm("Mine", [3]string{"A", "pageview", "/"}, [3]string{"B", "pageview", "/b"})},
		{base + "/" + id + "/delete", url.Values{}},
	} {
		if r := do(t, viewer, "POST", w.path, w.form); r.status != 403 {
			t.Errorf("viewer POST %s: %d", w.path, r.status)
		}
	}

	// Delete: back to the list, without it; its page is gone.
	del := do(t, a.owner, "POST", base+"/"+id+"/delete?period=all", url.Values{})
	if del.status != http.StatusSeeOther || del.location != "/websites/"+a.site+"/funnels?period=all" {
		t.Fatalf("delete: %d %s", del.status, del.location)
	}
	if p := do(t, a.owner, "GET", base+"/"+id, nil); p.status != 404 {
		t.Fatalf("a deleted funnel's page: %d", p.status)
	}
	if p := do(t, a.owner, "GET", base, nil); !strings.Contains(p.body, "No funnel yet") || !strings.Contains(p.body, "Deleted funnels") ||
		!strings.Contains(p.body, `action="/websites/`+a.site+`/funnels/`+id+`/restore"`) {
		t.Fatalf("the list after the delete:\n%s", p.body)
	}
	// Restore: refused to a viewer, and while an active funnel has the name.
	if r := do(t, viewer, "POST", base+"/"+id+"/restore", url.Values{}); r.status != 403 {
		t.Errorf("viewer restore: %d", r.status)
	}
	other := do(t, a.owner, "POST", base, funnelForm("Signup V2", [3]string{"A", "pageview", "/"}, [3]string{"B", "goal", "signup"}))
	if r := do(t, a.owner, "POST", base+"/"+id+"/restore", url.Values{}); r.status != 409 || !strings.Contains(r.body, "already named") {
		t.Fatalf("restore into a clash: %d\n%s", r.status, r.body)
	}
	otherID := strings.TrimPrefix(other.location, "/websites/"+a.site+"/funnels/")
	do(t, a.owner, "POST", base+"/"+otherID+"/delete", url.Values{})
	if r := do(t, a.owner, "POST", base+"/"+id+"/restore", url.Values{}); r.status != http.StatusSeeOther || r.location != "/websites/"+a.site+"/funnels/"+id {
		t.Fatalf("restore: %d %s\n%s", r.status, r.location, r.body)
	}
	if p := do(t, a.owner, "GET", base+"/"+id, nil); p.status != 200 {
		t.Fatalf("a restored funnel's page: %d", p.status)
	}
	// Another website's funnels are not found.
	if p := do(t, a.owner, "GET", a.srv.URL+"/websites/0123456789abcdef01234567/funnels", nil); p.status != 404 {
		t.Fatalf("an unknown website's funnels: %d", p.status)
	}
}
