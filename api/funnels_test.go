package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func funnelBody(name string, steps ...map[string]any) map[string]any {
	if steps == nil {
		steps = []map[string]any{
			{"name": "Landing", "type": "pageview", "url": "/"},
			{"name": "Pricing", "type": "pageview", "url": "/pricing"},
			{"name": "Signup", "type": "goal", "goalName": "signup"},
		}
	}
	return map[string]any{"name": name, "steps": steps}
}

// TestFunnels_CRUD: §6.13 through the real router: create, list, update,
// soft delete, reactivation, and their refusals.
func TestFunnels_CRUD(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	base := "/api/v1/admin/websites/" + e.site + "/funnels"

	f := e.do("POST", base, e.admin, funnelBody("Signup funnel")).first()
	if f["name"] != "Signup funnel" || f["slug"] != "signup-funnel" || f["isActive"] != true || f["websiteId"] != e.site || f["windowDays"] != float64(7) {
		t.Fatalf("created %v", f)
	}
	steps := f["steps"].([]any)
	if len(steps) != 3 || steps[0].(map[string]any)["id"] != "landing" || steps[2].(map[string]any)["goalName"] != "signup" {
		t.Fatalf("steps %v", steps)
	}
	if _, has := steps[2].(map[string]any)["url"]; has {
		t.Fatalf("a goal step has a url: %v", steps[2])
	}
	id := f["_id"].(string)

	// Duplicates among active funnels, case and punctuation aside.
	e.do("POST", base, e.admin, funnelBody("signup FUNNEL!")).fails(http.StatusConflict, "already named")
	// Invalid steps name the step.
	for _, c := range []struct {
		body map[string]any
		msg  []string
	}{
		{funnelBody("x", map[string]any{"name": "a", "type": "pageview", "url": "/"}), []string{"2 to 8 steps; 1 given"}},
		{funnelBody("x", map[string]any{"name": "a", "type": "pageview", "url": "/"}, map[string]any{"name": "Buy", "type": "goal", "goalName": "Bad!"}), []string{"steps[1]", `"Buy"`, "Goal name"}},
		{funnelBody("x", map[string]any{"name": "a", "type": "pageview", "url": "pricing"}, map[string]any{"name": "b", "type": "goal", "goalName": "b"}), []string{"steps[0]", "starts with /"}},
		{funnelBody("x", map[string]any{"name": "a", "type": "click"}, map[string]any{"name": "b", "type": "goal", "goalName": "b"}), []string{"steps[0]", "pageview or goal"}},
		{map[string]any{"name": "x", "steps": []any{"a", "b"}}, []string{"steps[0]", "must be an object"}},
		{map[string]any{"name": "x", "steps": []any{map[string]any{"name": 1}}}, []string{"steps[0]", "name must be a string"}},
		{map[string]any{"name": "x", "steps": "a"}, []string{"steps must be an array"}},
		{map[string]any{"steps": funnelBody("")["steps"]}, []string{"name is required"}},
		{map[string]any{"name": "x"}, []string{"steps is required"}},
		{map[string]any{"name": "!!!", "steps": funnelBody("")["steps"]}, []string{"letter or a digit"}},
		{map[string]any{"name": strings.Repeat("n", 101), "steps": funnelBody("")["steps"]}, []string{"at most 100"}},
		{map[string]any{"name": "x", "windowDays": 91, "steps": funnelBody("")["steps"]}, []string{"windowDays"}},
		{map[string]any{"name": "x", "windowDays": "7", "steps": funnelBody("")["steps"]}, []string{"windowDays"}},
	} {
		e.do("POST", base, e.admin, c.body).fails(http.StatusBadRequest, c.msg...)
	}

	g := e.do("POST", base, e.admin, map[string]any{"name": "Checkout", "windowDays": 30, "steps": funnelBody("")["steps"]}).first()
	gid := g["_id"].(string)
	list := e.do("GET", base, e.admin, nil).list()
	if len(list) != 2 || list[0]["_id"] != id || list[1]["windowDays"] != float64(30) {
		t.Fatalf("list %v", list)
	}

	// Update: steps replaced, name changed; a clash is a 409.
	u := e.do("PUT", base+"/"+gid, e.admin, map[string]any{"name": "Checkout v2", "steps": []any{
		map[string]any{"name": "Cart", "type": "pageview", "url": "/cart/*"}, map[string]any{"name": "Paid", "type": "goal", "goalName": "Purchase Done"},
	}}).first()
	if u["slug"] != "checkout-v2" || len(u["steps"].([]any)) != 2 || u["steps"].([]any)[1].(map[string]any)["goalName"] != "purchase_done" || u["windowDays"] != float64(30) {
		t.Fatalf("updated %v", u)
	}
	e.do("PUT", base+"/"+gid, e.admin, map[string]any{"name": "Signup Funnel"}).fails(http.StatusConflict)
	e.do("PUT", base+"/"+gid, e.admin, map[string]any{}).fails(http.StatusBadRequest, "Nothing to update")
	e.do("PUT", base+"/"+gid, e.admin, map[string]any{"isActive": "no"}).fails(http.StatusBadRequest, "isActive")
	e.do("PUT", base+"/0123456789abcdef01234567", e.admin, map[string]any{"name": "x"}).fails(http.StatusNotFound)
	e.do("PUT", base+"/nope", e.admin, map[string]any{"name": "x"}).fails(http.StatusBadRequest, "funnelId")

	// Delete: soft; the name is free again; reactivation into the clash is
	// a 409, and once the clash is gone it works.
	d := e.do("DELETE", base+"/"+id, e.admin, nil).first()
	if d["message"] != "Funnel deleted successfully" {
		t.Fatalf("delete answered %v", d)
	}
	e.do("DELETE", base+"/"+id, e.admin, nil).fails(http.StatusNotFound)
	if list := e.do("GET", base, e.admin, nil).list(); len(list) != 1 || list[0]["_id"] != gid {
		t.Fatalf("list after delete %v", list)
	}
	again := e.do("POST", base, e.admin, funnelBody("Signup funnel")).first()
	e.do("PUT", base+"/"+id, e.admin, map[string]any{"isActive": true}).fails(http.StatusConflict)
	r := e.do("PUT", base+"/"+id, e.admin, map[string]any{"isActive": true, "name": "Signup funnel (old)"}).first()
	if r["isActive"] != true || r["slug"] != "signup-funnel-old" {
		t.Fatalf("reactivated %v", r)
	}
	e.do("PUT", base+"/"+again["_id"].(string), e.admin, map[string]any{"isActive": false}).ok()
	if list := e.do("GET", base, e.admin, nil).list(); len(list) != 2 {
		t.Fatalf("list after reactivation %v", list)
	}

	// The audit log has the writes.
	entries := e.do("GET", "/api/v1/admin/websites/"+e.site+"/audit-log", e.admin, nil).list()
	actions := map[string]int{}
	for _, a := range entries {
		actions[a["action"].(string)]++
	}
	if actions["funnel.create"] != 3 || actions["funnel.update"] != 2 || actions["funnel.delete"] != 2 {
		t.Fatalf("audit actions %v", actions)
	}
}

// TestFunnels_Access: viewers read, members write, df_ keys of the website
// act like members, other websites' credentials are refused.
func TestFunnels_Access(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	base := "/api/v1/admin/websites/" + e.site + "/funnels"
	_, viewer := e.user("viewer@example.com", nil, nil)
	_, member := e.user("member@example.com", nil, nil)
	e.join(e.admin, e.site, "viewer@example.com", viewer, "viewer")
	e.join(e.admin, e.site, "member@example.com", member, "member")
	_, key := e.key(e.admin, e.site)
	_, outsider := e.user("outsider@example.com", nil, nil)
	other := e.website(outsider)
	_, otherKey := e.key(outsider, other)

	f := e.do("POST", base, member, funnelBody("By member")).first()
	e.do("POST", base, viewer, funnelBody("By viewer")).fails(http.StatusForbidden)
	e.do("DELETE", base+"/"+f["_id"].(string), viewer, nil).fails(http.StatusForbidden)
	if list := e.do("GET", base, viewer, nil).list(); len(list) != 1 {
		t.Fatalf("viewer lists %v", list)
	}
	e.do("POST", base, key, funnelBody("By key")).ok()
	e.do("GET", base, otherKey, nil).fails(http.StatusForbidden)
	e.do("GET", base, outsider, nil).fails(http.StatusForbidden)
	// A token without funnels:write reads but does not write.
	_, reader := e.user("owner@example.com", []string{"funnels:read"}, nil)
	e.do("GET", base, reader, nil).ok()
	e.do("PUT", base+"/"+f["_id"].(string), reader, map[string]any{"name": "x"}).fails(http.StatusForbidden, "funnels:write")
	// Another website's funnel is not found through this website.
	of := e.do("POST", "/api/v1/admin/websites/"+other+"/funnels", outsider, funnelBody("Theirs")).first()
	e.do("DELETE", base+"/"+of["_id"].(string), e.admin, nil).fails(http.StatusNotFound)
}

// TestFunnels_Limit: at most MaxFunnelsPerWebsite active funnels.
func TestFunnels_Limit(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	base := "/api/v1/admin/websites/" + e.site + "/funnels"
	var last string
	for i := range 50 {
		last = e.do("POST", base, e.admin, funnelBody(fmt.Sprintf("Funnel %d", i))).first()["_id"].(string)
	}
	e.do("POST", base, e.admin, funnelBody("One too many")).fails(http.StatusBadRequest, "at most 50 active funnels")
	e.do("DELETE", base+"/"+last, e.admin, nil).ok()
	e.do("POST", base, e.admin, funnelBody("One more")).ok()
	e.do("PUT", base+"/"+last, e.admin, map[string]any{"isActive": true}).fails(http.StatusBadRequest, "at most 50")
}

// TestFunnelResults: GET /api/v1/analytics/funnels/{funnelId} answers 404
// for unknown, deleted and other websites' funnels, 400 for bad
// parameters, and otherwise the computed result.
func TestFunnelResults(t *testing.T) {
	a := newAnalyticsEnv(t)
	base := "/api/v1/admin/websites/" + a.site + "/funnels"
	f := a.do("POST", base, a.admin, funnelBody("Signup funnel")).first()
	id := f["_id"].(string)
	theirs := a.do("POST", "/api/v1/admin/websites/"+a.siteB+"/funnels", a.ownerB, funnelBody("Theirs")).first()["_id"].(string)
	results := "/api/v1/analytics/funnels/"

	a.do("GET", results+"0123456789abcdef01234567"+a.q, a.admin, nil).fails(http.StatusNotFound, "Funnel not found")
	a.do("GET", results+"nope"+a.q, a.admin, nil).fails(http.StatusBadRequest, "funnelId")
	a.do("GET", results+theirs+a.q, a.admin, nil).fails(http.StatusNotFound)
	a.do("GET", results+theirs, a.keyA, nil).fails(http.StatusNotFound)
	a.do("GET", results+id, a.keyB, nil).fails(http.StatusNotFound)
	a.do("GET", results+id+a.q+"&startAt=2026-03-09", a.admin, nil).fails(http.StatusBadRequest)
	a.do("GET", results+id+a.q+"&timezone=Mars/Olympus", a.admin, nil).fails(http.StatusBadRequest)
	a.do("GET", results+id, a.admin, nil).fails(http.StatusBadRequest, "websiteId")

	// The fixture: three visitors on /, V1 on to /pricing five minutes
	// later and to the goal signup one minute after that, with a payment.
	d := a.do("GET", results+id+a.q+"&startAt=2026-03-09&endAt=2026-03-10", a.keyA, nil).first()
	want := []struct {
		visitors float64
		median   any
	}{{3, nil}, {1, float64(300)}, {1, float64(60)}}
	steps := d["steps"].([]any)
	if d["funnelId"] != id || d["name"] != "Signup funnel" || d["visitors"] != float64(3) || d["conversions"] != float64(1) ||
		d["window_days"] != float64(7) || d["currency"] != "USD" || len(steps) != 3 {
		t.Fatalf("result %v", d)
	}
	for i, w := range want {
		st := steps[i].(map[string]any)
		if st["visitors"] != w.visitors || st["median_seconds_from_previous"] != w.median {
			t.Fatalf("step %d: %v", i, st)
		}
	}
	// A filter narrows it: the French visitor only reached the first step.
	d = a.do("GET", results+id+a.q+"&filter_country=FR", a.admin, nil).first()
	if d["visitors"] != float64(1) || d["conversions"] != float64(0) {
		t.Fatalf("filtered result %v", d)
	}

	a.do("DELETE", base+"/"+id, a.admin, nil).ok()
	a.do("GET", results+id+a.q, a.admin, nil).fails(http.StatusNotFound, "Funnel not found")
}
