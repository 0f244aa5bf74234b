package storetest

import (
	"sync"
	"testing"

	"github.com/openfast/openfast"
)

func strp(s string) *string { return &s }

func testGoalCustomizations(t *testing.T, s openfast.MetadataStore) {
	owner := newUser(t, s)
	w := newWebsite(t, s, owner)
	audit := &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_a...b", Action: openfast.AuditGoalCustomize,
		TargetType: "goal", TargetID: "signup", IP: "127.0.0.1"}

	list, err := s.GoalCustomizations(ctx, w.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("fresh website has customizations: %+v", list)
	}
	g, err := s.UpdateGoalCustomization(ctx, w.ID, "signup", func(g *openfast.GoalCustomization) {
		g.DisplayName, g.Color = strp("Sign-up"), strp("#ef4444")
	}, 10, audit)
	must(t, err)
	if g.GoalName != "signup" || *g.DisplayName != "Sign-up" || *g.Color != "#ef4444" || g.Description != nil || g.UpdatedAt.IsZero() {
		t.Fatalf("created %+v", g)
	}
	// Only what apply changes changes.
	g, err = s.UpdateGoalCustomization(ctx, w.ID, "signup", func(g *openfast.GoalCustomization) {
		if g.DisplayName == nil || *g.DisplayName != "Sign-up" {
			t.Errorf("apply sees %+v", g)
		}
		g.Description, g.Color = strp("People who made an account"), nil
	}, 10, nil)
	must(t, err)
	if *g.DisplayName != "Sign-up" || g.Color != nil || *g.Description != "People who made an account" {
		t.Fatalf("updated %+v", g)
	}
	_, err = s.UpdateGoalCustomization(ctx, w.ID, "checkout", func(g *openfast.GoalCustomization) { g.Color = strp("#3b82f6") }, 10, nil)
	must(t, err)
	list, err = s.GoalCustomizations(ctx, w.ID)
	must(t, err)
	if len(list) != 2 || list[0].GoalName != "checkout" || list[1].GoalName != "signup" || *list[1].Description != "People who made an account" {
		t.Fatalf("list %+v", list)
	}
	entries, _, err := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0)
	must(t, err)
	if len(entries) != 1 || entries[0].Action != openfast.AuditGoalCustomize || entries[0].TargetID != "signup" {
		t.Fatalf("audit %+v", entries)
	}

	// The limit counts new customizations only; clearing all frees one.
	_, err = s.UpdateGoalCustomization(ctx, w.ID, "third", func(g *openfast.GoalCustomization) { g.Color = strp("#3b82f6") }, 2, nil)
	wantCode(t, err, openfast.ELIMIT)
	_, err = s.UpdateGoalCustomization(ctx, w.ID, "checkout", func(g *openfast.GoalCustomization) { g.Color = strp("#22c55e") }, 2, nil)
	must(t, err)
	g, err = s.UpdateGoalCustomization(ctx, w.ID, "checkout", func(g *openfast.GoalCustomization) { g.Color = nil }, 2, nil)
	must(t, err)
	if !g.Empty() {
		t.Fatalf("cleared %+v", g)
	}
	_, err = s.UpdateGoalCustomization(ctx, w.ID, "third", func(g *openfast.GoalCustomization) { g.Color = strp("#3b82f6") }, 2, nil)
	must(t, err)

	// Concurrent creations never pass the limit.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.UpdateGoalCustomization(ctx, w.ID, "race_"+string(rune('a'+i)), func(g *openfast.GoalCustomization) { g.Color = strp("#3b82f6") }, 4, nil)
		}()
	}
	wg.Wait()
	list, err = s.GoalCustomizations(ctx, w.ID)
	must(t, err)
	if len(list) != 4 {
		t.Fatalf("%d customizations after concurrent creations with limit 4", len(list))
	}

	_, err = s.UpdateGoalCustomization(ctx, openfast.NewID(), "signup", func(g *openfast.GoalCustomization) { g.Color = strp("#3b82f6") }, 10, nil)
	wantCode(t, err, openfast.ENOTFOUND)

	// They go with their website.
	must(t, s.DeleteWebsite(ctx, w.ID, nil))
	list, err = s.GoalCustomizations(ctx, w.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("customizations of a deleted website: %+v", list)
	}
}
