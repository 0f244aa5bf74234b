package main

import (
	"strings"
	"testing"
)

// TestCLI_Funnels: the funnels commands against a real server: create with
// --step flags, list, update, delete and bring back, results, and the
// errors of each.
func TestCLI_Funnels(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	owner := newCLIUser(t)
	owner.login(t, srv, runBootstrap(t, dataDir, "owner@example.com", "Owner"))
	var created []struct {
		WebsiteID string `json:"websiteId"`
	}
	owner.json(t, &created, "websites", "create", "--domain", "funnels.example.com", "--timezone", "UTC")
	site := created[0].WebsiteID

	out := owner.ok(t, "funnels", "create", site, "--name", "Signup funnel", "--step", "Landing:pageview:/", "--step", "Pricing:pageview:/pricing/*", "--step", "Signup:goal:signup")
	if !strings.Contains(out, "Created funnel ") || !strings.Contains(out, "slug signup-funnel") || !strings.Contains(out, "Landing (/) → Pricing (/pricing/*) → Signup (goal signup)") {
		t.Errorf("funnels create:\n%s", out)
	}
	id := objectIDField.FindString(strings.TrimPrefix(out, "Created funnel "))
	owner.ok(t, "config", "set-website", site)

	owner.fail(t, 1, "(HTTP 409)", "funnels", "create", "--name", "signup FUNNEL", "--step", "A:pageview:/", "--step", "B:goal:b")
	owner.fail(t, 1, `steps[1] ("B")`, "funnels", "create", "--name", "Bad", "--step", "A:pageview:/", "--step", "B:pageview:pricing")
	owner.fail(t, 2, "--step \"A:click:/\"", "funnels", "create", "--name", "Bad", "--step", "A:click:/", "--step", "B:goal:b")
	owner.fail(t, 2, "give 2 to 8 --step flags", "funnels", "create", "--name", "Bad", "--step", "A:pageview:/")
	owner.fail(t, 2, "--name is required", "funnels", "create", "--step", "A:pageview:/", "--step", "B:goal:b")
	owner.fail(t, 2, "nothing to change", "funnels", "update", id)

	out = owner.ok(t, "funnels", "list")
	if row := tableRow(t, out, id); len(row) < 4 || row[1] != "Signup funnel" || row[2] != "signup-funnel" || row[3] != "7d" {
		t.Errorf("funnels list row %q:\n%s", row, out)
	}
	var list []map[string]any
	owner.json(t, &list, "funnels", "list")
	if len(list) != 1 || list[0]["slug"] != "signup-funnel" || len(list[0]["steps"].([]any)) != 3 || list[0]["windowDays"] != float64(7) {
		t.Errorf("funnels list --json = %v", list)
	}

	out = owner.ok(t, "funnels", "update", id, "--name", "Signup v2", "--window-days", "14", "--step", "Home:pageview:/", "--step", "Paid:goal:plan:pro")
	if !strings.Contains(out, "slug signup-v2, active): Home (/) → Paid (goal plan:pro)") {
		t.Errorf("funnels update:\n%s", out)
	}

	// Results: the range and filter flags reach the server, which checks them.
	owner.fail(t, 2, "--from and --to go together", "funnels", "results", id, "--from", "2026-01-01")
	owner.fail(t, 1, "(HTTP 400)", "funnels", "results", id, "--timezone", "Mars/Olympus")
	owner.fail(t, 1, "(HTTP 404)", "funnels", "results", "0123456789abcdef01234567")
	if r := owner.run(t, "", "funnels", "results", id, "--from", "2026-01-01", "--to", "2026-01-31", "--filter", "device=desktop"); r.code != 0 {
		if !strings.Contains(r.stderr, "(HTTP 503)") {
			t.Errorf("funnels results exited with %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
	} else if !strings.Contains(r.stdout, "Signup v2: 0 visitors") || !strings.Contains(r.stdout, "MEDIAN TIME") {
		t.Errorf("funnels results:\n%s", r.stdout)
	}

	out = owner.ok(t, "funnels", "delete", id, "--yes")
	if !strings.Contains(out, "Funnel deleted successfully: funnel "+id) {
		t.Errorf("funnels delete:\n%s", out)
	}
	owner.fail(t, 1, "(HTTP 404)", "funnels", "delete", id, "--yes")
	owner.fail(t, 1, "(HTTP 404)", "funnels", "results", id)
	if out := owner.ok(t, "funnels", "list"); strings.Contains(out, id) {
		t.Errorf("a deleted funnel is listed:\n%s", out)
	}
	if out := owner.ok(t, "funnels", "update", id, "--active=true"); !strings.Contains(out, "active)") {
		t.Errorf("funnels update --active=true:\n%s", out)
	}
	if out := owner.ok(t, "funnels", "list"); !strings.Contains(out, id) {
		t.Errorf("a reactivated funnel is not listed:\n%s", out)
	}
}
