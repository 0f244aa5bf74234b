package api

import (
	"slices"
	"sync"
	"testing"

	"github.com/openfast/openfast"
)

func TestWebsiteService(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	const path = "/api/v1/admin/websites"

	var id string
	t.Run("Create", func(t *testing.T) {
		d := e.do("POST", path, tok, map[string]any{"domain": " Example.COM ", "timezone": "America/New_York", "name": "Example"}).first()
		id = d["websiteId"].(string)
		if !openfast.ValidID(id) || d["domain"] != "example.com" || len(d["trackingId"].(string)) != 21 || d["trackingId"].(string)[:5] != "dfid_" {
			t.Fatalf("created %v", d)
		}
		e.do("POST", path, tok, map[string]any{"domain": "example.com", "timezone": "UTC"}).fails(409, "already exists")
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			body any
			msg  string
		}{
			{map[string]any{"timezone": "UTC"}, "domain is required"},
			{map[string]any{"domain": "https://x.com", "timezone": "UTC"}, "bare hostname"},
			{map[string]any{"domain": "x.com/path", "timezone": "UTC"}, "bare hostname"},
			{map[string]any{"domain": "x.com:8080", "timezone": "UTC"}, "bare hostname"},
			{map[string]any{"domain": "localhost", "timezone": "UTC"}, "not a valid domain"},
			{map[string]any{"domain": "-bad-.com", "timezone": "UTC"}, "not a valid domain"},
			{map[string]any{"domain": "10.0.0.1", "timezone": "UTC"}, "IP address"},
			{map[string]any{"domain": "ok.com"}, "timezone is required"},
			{map[string]any{"domain": "ok.com", "timezone": "Mars/Base"}, "IANA"},
			{map[string]any{"domain": "ok.com", "timezone": "Local"}, "IANA"},
			{map[string]any{"domain": "ok.com", "timezone": "../../etc/passwd"}, "IANA"},
			{map[string]any{"domain": 5, "timezone": "UTC"}, "domain must be a string"},
			{map[string]any{"domain": "ok.com", "timezone": "UTC", "name": []int{}}, "name must be a string"},
			{"", "body is required"},
		} {
			e.do("POST", path, tok, tc.body).fails(400, tc.msg)
		}
	})

	t.Run("List", func(t *testing.T) {
		list := e.do("GET", path, tok, nil).list()
		if len(list) != 1 || list[0]["_id"] != id || list[0]["role"] != "owner" || list[0]["currency"] != "USD" || list[0]["timezone"] != "America/New_York" {
			t.Fatalf("list %v", list)
		}
	})

	t.Run("Get", func(t *testing.T) {
		d := e.do("GET", path+"/"+id, tok, nil).first()
		if d["_id"] != id || d["name"] != "Example" || d["kpi"] != nil || d["isCookieless"] != false {
			t.Fatalf("get %v", d)
		}
		e.do("GET", path+"/0123456789abcdef01234567", tok, nil).fails(403, "do not have access")
	})

	t.Run("Update", func(t *testing.T) {
		// kpi names a goal of the website: one with events, or customized.
		e.do("PATCH", path+"/"+id+"/goals/customizations", tok, map[string]any{"goalName": "signup", "color": "#22c55e"}).ok()
		d := e.do("PUT", path+"/"+id, tok, map[string]any{
			"name": nil, "timezone": "Asia/Kolkata", "currency": "eur", "kpi": "signup", "kpiColorScheme": "teal",
			"revenueMetric": "revenue", "isCookieless": true, "isAllHostnamesAllowed": true,
			"allowedHostnames": []string{"App.Example.com", "app.example.com"}, "excludedIps": []string{"10.0.0.0/8", "::1"},
			"excludedPaths": []string{"/admin"}, "excludedCountries": []string{"fr"}, "excludedHostnames": []string{"staging.example.com"},
		}).first()
		if d["name"] != nil || d["timezone"] != "Asia/Kolkata" || d["currency"] != "EUR" || d["kpi"] != "signup" ||
			d["kpiColorScheme"] != "teal" || d["revenueMetric"] != "revenue" || d["isCookieless"] != true ||
			!slices.Equal(toStrings(d["allowedHostnames"]), []string{"app.example.com"}) ||
			!slices.Equal(toStrings(d["excludedCountries"]), []string{"FR"}) {
			t.Fatalf("update %v", d)
		}
		// Partial: only what is sent changes.
		d = e.do("PUT", path+"/"+id, tok, map[string]any{"name": "Renamed"}).first()
		if d["name"] != "Renamed" || d["currency"] != "EUR" || d["isCookieless"] != true {
			t.Fatalf("partial update %v", d)
		}
		if got := e.do("GET", path+"/"+id, tok, nil).first(); got["name"] != "Renamed" || got["timezone"] != "Asia/Kolkata" {
			t.Fatalf("not stored: %v", got)
		}
	})

	t.Run("UpdateInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			body any
			msg  string
		}{
			{map[string]any{"currency": "euro"}, "ISO 4217"},
			{map[string]any{"kpiColorScheme": "magenta"}, "kpiColorScheme must be one of"},
			{map[string]any{"revenueMetric": "profit"}, "revenueMetric"},
			// Settings of features not built: refused, not saved and ignored.
			{map[string]any{"revenueMetric": "mrr"}, "revenueMetric mrr is not available"},
			{map[string]any{"isPublicDataEnabled": true, "name": "Changed"}, "isPublicDataEnabled cannot be turned on"},
			{map[string]any{"kpi": "Sign Up"}, "kpi"},
			{map[string]any{"isCookieless": "yes"}, "isCookieless must be true or false"},
			{map[string]any{"excludedIps": []string{"nope"}}, "excludedIps"},
			{map[string]any{"excludedPaths": []string{"admin"}}, "excludedPaths"},
			{map[string]any{"excludedCountries": []string{"FRA"}}, "excludedCountries"},
			{map[string]any{"allowedHostnames": "x.com"}, "array of strings"},
			{map[string]any{"allowedHostnames": make([]string, 101)}, "at most 100"},
			{map[string]any{"domain": ""}, "domain is required"},
			{map[string]any{"timezone": 3}, "timezone must be a string"},
			{`[]`, "JSON object"},
		} {
			e.do("PUT", path+"/"+id, tok, tc.body).fails(400, tc.msg)
		}
		if d := e.do("GET", path+"/"+id, tok, nil).first(); d["name"] == "Changed" || d["isPublicDataEnabled"] != false {
			t.Errorf("a refused update changed the website: %v", d)
		}
		e.do("PUT", path+"/"+id, tok, map[string]any{"sendWeeklyReports": false, "isPublicDashboardEnabled": false, "revenueMetric": nil}).ok()
		// Weekly reports and traffic alerts are sent (app/reports.go): they
		// can be turned on, mail configured or not.
		if d := e.do("PUT", path+"/"+id, tok, map[string]any{"sendWeeklyReports": true, "sendViralTrafficAlerts": true}).first(); d["sendWeeklyReports"] != true || d["sendViralTrafficAlerts"] != true {
			t.Errorf("weekly reports and traffic alerts not turned on: %v", d)
		}
		// The public dashboard exists (/share/{domain}): it can be turned on.
		if d := e.do("PUT", path+"/"+id, tok, map[string]any{"isPublicDashboardEnabled": true}).first(); d["isPublicDashboardEnabled"] != true {
			t.Errorf("isPublicDashboardEnabled not turned on: %v", d)
		}
		e.do("PUT", path+"/"+id, tok, map[string]any{"isPublicDashboardEnabled": false}).ok()
		other := e.website(tok)
		e.do("PUT", path+"/"+other, tok, map[string]any{"domain": "example.com"}).fails(409)
	})

	t.Run("DeleteAlwaysForbidden", func(t *testing.T) {
		e.do("DELETE", path+"/"+id, tok, nil).fails(403, "cannot be done programmatically", "openfast admin delete-website --id "+id)
		e.do("GET", path+"/"+id, tok, nil).ok()
	})

	t.Run("WebsiteKey", func(t *testing.T) {
		_, key := e.key(tok, id)
		e.do("GET", path+"/"+id, key, nil).ok()
		e.do("PUT", path+"/"+id, key, map[string]any{"name": "By key"}).ok()
		e.do("DELETE", path+"/"+id, key, nil).fails(403, "Owner-only")
		e.do("GET", path, key, nil).fails(403, "dft_")
		e.do("POST", path, key, map[string]any{"domain": "new.com", "timezone": "UTC"}).fails(403, "dft_")
	})

	t.Run("Roles", func(t *testing.T) {
		_, member := e.user("member@example.com", nil, nil)
		_, viewer := e.user("viewer@example.com", nil, nil)
		e.join(tok, id, "member@example.com", member, openfast.RoleMember)
		e.join(tok, id, "viewer@example.com", viewer, openfast.RoleViewer)
		e.do("GET", path+"/"+id, viewer, nil).ok()
		e.do("PUT", path+"/"+id, viewer, map[string]any{"name": "x"}).fails(403, "viewer")
		e.do("PUT", path+"/"+id, member, map[string]any{"name": "x"}).ok()
		e.do("DELETE", path+"/"+id, member, nil).fails(403, "owner")
		list := e.do("GET", path, viewer, nil).list()
		if len(list) != 1 || list[0]["role"] != "viewer" {
			t.Fatalf("viewer's list %v", list)
		}
	})
}

// TestWebsiteService_ConcurrentPartialUpdates: partial updates of different
// fields, sent at once, all survive.
func TestWebsiteService_ConcurrentPartialUpdates(t *testing.T) {
	e := newTestEnv(t)
	_, tok := e.user("owner@example.com", nil, nil)
	site := e.website(tok)
	flags := []string{"isCookieless", "isAttackModeEnabled", "includeRenewalRevenue", "isAllHostnamesAllowed"}
	var wg sync.WaitGroup
	for _, f := range flags {
		wg.Go(func() { e.do("PUT", "/api/v1/admin/websites/"+site, tok, map[string]any{f: true}).ok() })
	}
	wg.Wait()
	d := e.do("GET", "/api/v1/admin/websites/"+site, tok, nil).first()
	for _, f := range flags {
		if d[f] != true {
			t.Errorf("%s = %v after concurrent updates, want true", f, d[f])
		}
	}
}
