package api

import (
	"context"
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

func TestGoalCustomizations(t *testing.T) {
	a := newAnalyticsEnv(t)
	path := "/api/v1/admin/websites/" + a.site + "/goals/customizations"
	_, viewer := a.user("viewer@example.com", nil, nil)
	a.join(a.admin, a.site, "viewer@example.com", viewer, openfast.RoleViewer)

	t.Run("ListTrackedGoals", func(t *testing.T) {
		res := a.do("GET", path, a.admin, nil)
		list := res.list()
		if len(list) != 2 || list[0]["goalName"] != "newsletter" || list[1]["goalName"] != "signup" ||
			list[1]["displayName"] != nil || list[1]["color"] != nil || list[1]["updatedAt"] != nil {
			t.Fatalf("list %v", list)
		}
		colors := res.json["colors"].([]any)
		if len(colors) != len(openfast.GoalPalette) {
			t.Fatalf("colors %v", colors)
		}
		if c := colors[0].(map[string]any); c["color"] != "#ef4444" || c["label"] != "Red" || c["family"] != "red" {
			t.Fatalf("first colour %v", c)
		}
		// A viewer reads them.
		if got := a.do("GET", path, viewer, nil).list(); len(got) != 2 {
			t.Fatalf("viewer list %v", got)
		}
	})

	t.Run("Upsert", func(t *testing.T) {
		res := a.do("PATCH", path, a.admin, map[string]any{"goalName": "signup", "displayName": " Sign-up ", "color": "#EF4444"})
		d := res.first()
		if d["goalName"] != "signup" || d["displayName"] != "Sign-up" || d["color"] != "#ef4444" || d["description"] != nil || d["updatedAt"] == nil {
			t.Fatalf("created %v", d)
		}
		if len(res.list()) != 1 || len(res.json["colors"].([]any)) != len(openfast.GoalPalette) {
			t.Fatalf("answer %s", res.body)
		}
		// Only what is sent changes; null clears.
		d = a.do("PATCH", path, a.admin, map[string]any{"goalName": "signup", "description": "Made an account", "color": nil}).first()
		if d["displayName"] != "Sign-up" || d["color"] != nil || d["description"] != "Made an account" {
			t.Fatalf("partial %v", d)
		}
		// A goal without events yet can be customized too.
		a.do("PATCH", path, a.admin, map[string]any{"goalName": "Upgrade Plan", "color": "#3b82f6"}).ok()
		list := a.do("GET", path, a.admin, nil).list()
		if len(list) != 3 || list[2]["goalName"] != "upgrade_plan" || list[1]["description"] != "Made an account" {
			t.Fatalf("list %v", list)
		}
		got := a.do("GET", path+"?goalName=signup", a.admin, nil).list()
		if len(got) != 1 || got[0]["displayName"] != "Sign-up" {
			t.Fatalf("filtered %v", got)
		}
		got = a.do("GET", path+"?goalName=never_seen", a.admin, nil).list()
		if len(got) != 1 || got[0]["goalName"] != "never_seen" || got[0]["updatedAt"] != nil {
			t.Fatalf("filtered on an unknown goal %v", got)
		}
		// Cleared of everything, it is gone.
		d = a.do("PATCH", path, a.admin, map[string]any{"goalName": "upgrade_plan", "color": nil}).first()
		if d["color"] != nil || d["updatedAt"] != nil {
			t.Fatalf("cleared %v", d)
		}
		if list := a.do("GET", path, a.admin, nil).list(); len(list) != 2 {
			t.Fatalf("after clearing %v", list)
		}
		entries := a.do("GET", "/api/v1/admin/websites/"+a.site+"/audit-log", a.admin, nil).list()
		if entries[0]["action"] != openfast.AuditGoalCustomize || entries[0]["target"].(map[string]any)["id"] != "upgrade_plan" {
			t.Fatalf("audit %v", entries[0])
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct {
			body any
			msg  string
		}{
			{map[string]any{"color": "#ef4444"}, "goalName is required"},
			{map[string]any{"goalName": "bad!name", "color": "#ef4444"}, "goalName must be a goal name"},
			{map[string]any{"goalName": strings.Repeat("a", 65), "color": "#ef4444"}, "goalName must be a goal name"},
			{map[string]any{"goalName": "signup"}, "Nothing to change"},
			{map[string]any{"goalName": "signup", "color": "#123456"}, "not in the palette"},
			{map[string]any{"goalName": "signup", "color": "red"}, "not in the palette"},
			{map[string]any{"goalName": "signup", "color": 5}, "color must be a string"},
			{map[string]any{"goalName": "signup", "displayName": strings.Repeat("é", 81)}, "displayName must be at most 80"},
			{map[string]any{"goalName": "signup", "description": strings.Repeat("x", 301)}, "description must be at most 300"},
			{map[string]any{"goalName": "signup", "displayName": "a\u202eb"}, "control characters"},
			{`[]`, "JSON object"},
		} {
			a.do("PATCH", path, a.admin, tc.body).fails(400, tc.msg)
		}
		a.do("PATCH", path, a.admin, map[string]any{"goalName": "signup", "description": strings.Repeat("x", 4100)}).fails(413, "4 KB")
		a.do("GET", path+"?goalName=Bad!", a.admin, nil).fails(400, "goalName")
		a.do("PATCH", path, viewer, map[string]any{"goalName": "signup", "color": "#ef4444"}).fails(403)
		a.do("PATCH", "/api/v1/admin/websites/"+a.siteB+"/goals/customizations", a.admin, map[string]any{"goalName": "signup", "color": "#ef4444"}).fails(403)
	})

	t.Run("Limit", func(t *testing.T) {
		site := a.website(a.admin)
		for i := range openfast.MaxGoalCustomizationsPerWebsite {
			_, err := a.store.UpdateGoalCustomization(context.Background(), site, "goal_"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26),
				func(g *openfast.GoalCustomization) { g.Color = &openfast.GoalPalette[0].Color }, openfast.MaxGoalCustomizationsPerWebsite, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
		p := "/api/v1/admin/websites/" + site + "/goals/customizations"
		a.do("PATCH", p, a.admin, map[string]any{"goalName": "one_more", "color": "#ef4444"}).fails(400, "at most 500")
		if list := a.do("GET", p, a.admin, nil).list(); len(list) != openfast.MaxGoalCustomizationsPerWebsite {
			t.Fatalf("%d listed", len(list))
		}
	})

	t.Run("KPI", func(t *testing.T) {
		site := "/api/v1/admin/websites/" + a.site
		a.do("PUT", site, a.admin, map[string]any{"kpi": "ghost"}).fails(400, `kpi "ghost" is not a goal of this website`)
		if d := a.do("PUT", site, a.admin, map[string]any{"kpi": "newsletter", "kpiColorScheme": "emerald"}).first(); d["kpi"] != "newsletter" || d["kpiColorScheme"] != "emerald" {
			t.Fatalf("kpi of a tracked goal: %v", d)
		}
		a.do("PATCH", path, a.admin, map[string]any{"goalName": "ghost", "displayName": "Ghost"}).ok()
		if d := a.do("PUT", site, a.admin, map[string]any{"kpi": "ghost"}).first(); d["kpi"] != "ghost" {
			t.Fatalf("kpi of a customized goal: %v", d)
		}
		if d := a.do("PUT", site, a.admin, map[string]any{"kpi": nil}).first(); d["kpi"] != nil {
			t.Fatalf("kpi cleared: %v", d)
		}
	})
}
