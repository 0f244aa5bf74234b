package api

import (
	"testing"

	"github.com/openfast/openfast"
)

// TestWebsiteService_RetentionDays: retentionDays is shown by GET and set
// by PUT, 1 to 36500 or null, and only the owner changes it.
func TestWebsiteService_RetentionDays(t *testing.T) {
	e := newTestEnv(t)
	_, owner := e.user("owner@example.com", nil, nil)
	_, member := e.user("member@example.com", nil, nil)
	id := e.website(owner)
	e.join(owner, id, "member@example.com", member, openfast.RoleMember)
	path := "/api/v1/admin/websites/" + id

	if d := e.do("GET", path, owner, nil).first(); d["retentionDays"] != nil {
		t.Fatalf("a new website keeps data forever, got retentionDays %v", d["retentionDays"])
	}
	if d := e.do("PUT", path, owner, map[string]any{"retentionDays": 90}).first(); d["retentionDays"] != float64(90) {
		t.Fatalf("PUT answered retentionDays %v", d["retentionDays"])
	}
	if d := e.do("GET", path, owner, nil).first(); d["retentionDays"] != float64(90) {
		t.Fatalf("GET answered retentionDays %v", d["retentionDays"])
	}
	for _, bad := range []any{0, -1, 36501, 1.5, "30", true, []int{30}, 1e12} {
		e.do("PUT", path, owner, map[string]any{"retentionDays": bad}).fails(400, "retentionDays must be")
	}
	// A member changes the other settings, and may send retentionDays
	// unchanged (a form that shows it), but not change it.
	e.do("PUT", path, member, map[string]any{"isCookieless": true, "retentionDays": 90}).ok()
	e.do("PUT", path, member, map[string]any{"retentionDays": 30}).fails(403, "owner")
	e.do("PUT", path, member, map[string]any{"retentionDays": nil}).fails(403, "owner")
	if d := e.do("GET", path, owner, nil).first(); d["retentionDays"] != float64(90) || d["isCookieless"] != true {
		t.Fatalf("after the member's updates: %v", d)
	}
	if d := e.do("PUT", path, owner, map[string]any{"retentionDays": nil}).first(); d["retentionDays"] != nil {
		t.Fatalf("null: retentionDays %v", d["retentionDays"])
	}
}
