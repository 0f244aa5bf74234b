package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestSettingsRetention: the owner chooses "Keep data for" on Settings →
// General (a preset or custom days, or forever), with the warning; a
// member saves the rest of the form and sees it read-only, as a viewer
// does.
func TestSettingsRetention(t *testing.T) {
	e := newEnv(t)
	owner, id := e.ownerWithSite(t)
	member := e.join(t, e.invite(t, owner, id, "meg@example.com", "member"), "Meg")
	viewer := e.join(t, e.invite(t, owner, id, "vic@example.com", "viewer"), "Vic")
	base := e.srv.URL + "/websites/" + id + "/settings"
	page := do(t, owner, "GET", base, nil)
	if !strings.Contains(page.body, `<select name="retentionDays">`) || !strings.Contains(page.body, "deleted for good") ||
		!strings.Contains(page.body, `<option value="" selected>Forever</option>`) {
		t.Fatalf("owner's general page:\n%s", page.body)
	}
	form := url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}, "retentionDays": {"365"}}
	save := func(c *http.Client, form url.Values) answer {
		t.Helper()
		return do(t, c, "POST", base, form)
	}
	days := func() string {
		w, err := e.store.Website(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if w.RetentionDays == nil {
			return "forever"
		}
		return strconv.Itoa(*w.RetentionDays)
	}
	if a := save(owner, form); a.status != http.StatusSeeOther || days() != "365" {
		t.Fatalf("1 year: %d, %s\n%s", a.status, days(), a.body)
	}
	if a := do(t, owner, "GET", base, nil); !strings.Contains(a.body, `<option value="365" selected>1 year</option>`) {
		t.Fatalf("1 year not selected:\n%s", a.body)
	}
	form.Set("retentionDays", "custom")
	form.Set("retentionCustom", "45")
	if a := save(owner, form); a.status != http.StatusSeeOther || days() != "45" {
		t.Fatalf("custom 45: %d, %s", a.status, days())
	}
	if a := do(t, owner, "GET", base, nil); !strings.Contains(a.body, `<option value="custom" selected>`) || !strings.Contains(a.body, `value="45"`) {
		t.Fatalf("custom 45 not shown:\n%s", a.body)
	}
	for _, bad := range []string{"0", "x", "36501"} {
		form.Set("retentionCustom", bad)
		if a := save(owner, form); a.status != 400 || !strings.Contains(a.body, "days") || days() != "45" {
			t.Fatalf("custom %q: %d, %s", bad, a.status, days())
		}
	}
	// The member's form has no select: saving it keeps the retention.
	if a := do(t, member, "GET", base, nil); strings.Contains(a.body, `name="retentionDays"`) || !strings.Contains(a.body, "Keep data for: <strong>45 days</strong>") {
		t.Fatalf("member's general page:\n%s", a.body)
	}
	if a := save(member, url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}, "isCookieless": {"on"}}); a.status != http.StatusSeeOther || days() != "45" {
		t.Fatalf("member's save: %d, %s", a.status, days())
	}
	if a := save(member, url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}, "retentionDays": {""}}); a.status != 403 || days() != "45" {
		t.Fatalf("member's forever: %d, %s", a.status, days())
	}
	if a := do(t, viewer, "GET", base, nil); !strings.Contains(a.body, "<dt>Keep data for</dt><dd>45 days</dd>") {
		t.Fatalf("viewer's general page:\n%s", a.body)
	}
	form.Set("retentionDays", "")
	if a := save(owner, form); a.status != http.StatusSeeOther || days() != "forever" {
		t.Fatalf("forever: %d, %s", a.status, days())
	}
}
