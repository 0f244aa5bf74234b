package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openfast/openfast"
)

func newFunnel(websiteID, name string) *openfast.Funnel {
	return &openfast.Funnel{
		ID: openfast.NewID(), WebsiteID: websiteID, Name: name, Slug: openfast.Slugify(name), WindowDays: 7,
		Steps: []openfast.FunnelStep{
			{ID: "landing", Name: "Landing", Type: openfast.FunnelStepPageview, URL: "/"},
			{ID: "blog", Name: "Blog", Type: openfast.FunnelStepPageview, URL: "/blog/*"},
			{ID: "signup", Name: "Signup", Type: openfast.FunnelStepGoal, GoalName: "signup"},
		},
	}
}

func funnelAudit(w *openfast.Website, action, id string) *openfast.AuditEntry {
	return &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: w.OwnerID, ActorDisplayKey: "dft_a...b", Action: action, TargetType: "funnel", TargetID: id, IP: "127.0.0.1"}
}

// testFunnels: create, read back, list (active only unless asked), the
// slug conflict among active funnels, update with its checks, soft delete
// and reactivation, the audit entries, and websites kept apart.
func testFunnels(t *testing.T, s openfast.MetadataStore) {
	w := newWebsite(t, s, newUser(t, s))
	other := newWebsite(t, s, newUser(t, s))
	f := newFunnel(w.ID, "Signup funnel")
	must(t, s.CreateFunnel(ctx, f, openfast.MaxFunnelsPerWebsite, funnelAudit(w, openfast.AuditFunnelCreate, f.ID)))
	if !f.IsActive || f.CreatedAt.IsZero() || !f.UpdatedAt.Equal(f.CreatedAt) {
		t.Fatalf("created funnel %+v", f)
	}
	got, err := s.Funnel(ctx, w.ID, f.ID)
	must(t, err)
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("read back\n got %+v\nwant %+v", got, f)
	}
	_, err = s.Funnel(ctx, other.ID, f.ID)
	wantCode(t, err, openfast.ENOTFOUND)

	// Same slug, other spelling: a conflict; another website: fine.
	wantCode(t, s.CreateFunnel(ctx, newFunnel(w.ID, "signup  FUNNEL"), openfast.MaxFunnelsPerWebsite, nil), openfast.ECONFLICT)
	must(t, s.CreateFunnel(ctx, newFunnel(other.ID, "Signup funnel"), openfast.MaxFunnelsPerWebsite, nil))
	g := newFunnel(w.ID, "Checkout")
	must(t, s.CreateFunnel(ctx, g, openfast.MaxFunnelsPerWebsite, nil))

	// Renaming onto another active funnel's slug: a conflict, nothing changed.
	_, err = s.UpdateFunnel(ctx, w.ID, g.ID, func(x *openfast.Funnel) error {
		x.Name, x.Slug = "Signup Funnel", "signup-funnel"
		return nil
	}, openfast.MaxFunnelsPerWebsite, nil)
	wantCode(t, err, openfast.ECONFLICT)
	// An error of apply aborts.
	_, err = s.UpdateFunnel(ctx, w.ID, g.ID, func(x *openfast.Funnel) error {
		x.Name = "changed"
		return openfast.Errorf(openfast.EINVALID, "no")
	}, openfast.MaxFunnelsPerWebsite, nil)
	wantCode(t, err, openfast.EINVALID)
	if x, _ := s.Funnel(ctx, w.ID, g.ID); x.Name != "Checkout" {
		t.Fatalf("aborted updates changed the funnel: %+v", x)
	}
	upd, err := s.UpdateFunnel(ctx, w.ID, g.ID, func(x *openfast.Funnel) error {
		x.Name, x.Slug, x.WindowDays = "Checkout v2", "checkout-v2", 30
		x.Steps = x.Steps[1:]
		return nil
	}, openfast.MaxFunnelsPerWebsite, funnelAudit(w, openfast.AuditFunnelUpdate, g.ID))
	must(t, err)
	if got, _ := s.Funnel(ctx, w.ID, g.ID); !reflect.DeepEqual(got, upd) || len(got.Steps) != 2 || got.WindowDays != 30 || got.CreatedAt != g.CreatedAt {
		t.Fatalf("updated funnel %+v, returned %+v", got, upd)
	}
	_, err = s.UpdateFunnel(ctx, other.ID, g.ID, func(*openfast.Funnel) error { return nil }, openfast.MaxFunnelsPerWebsite, nil)
	wantCode(t, err, openfast.ENOTFOUND)

	// Soft delete: gone from the active list, still readable; its name is free.
	_, err = s.UpdateFunnel(ctx, w.ID, f.ID, func(x *openfast.Funnel) error { x.IsActive = false; return nil },
		openfast.MaxFunnelsPerWebsite, funnelAudit(w, openfast.AuditFunnelDelete, f.ID))
	must(t, err)
	list, err := s.Funnels(ctx, w.ID, false)
	must(t, err)
	if len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("active funnels %+v", list)
	}
	all, err := s.Funnels(ctx, w.ID, true)
	must(t, err)
	if len(all) != 2 || all[0].ID != f.ID || all[0].IsActive {
		t.Fatalf("all funnels %+v", all)
	}
	again := newFunnel(w.ID, "Signup funnel")
	must(t, s.CreateFunnel(ctx, again, openfast.MaxFunnelsPerWebsite, nil))
	// Reactivating into the clash: refused; once the clash is gone: fine.
	reactivate := func(x *openfast.Funnel) error { x.IsActive = true; return nil }
	_, err = s.UpdateFunnel(ctx, w.ID, f.ID, reactivate, openfast.MaxFunnelsPerWebsite, nil)
	wantCode(t, err, openfast.ECONFLICT)
	_, err = s.UpdateFunnel(ctx, w.ID, again.ID, func(x *openfast.Funnel) error { x.IsActive = false; return nil }, openfast.MaxFunnelsPerWebsite, nil)
	must(t, err)
	_, err = s.UpdateFunnel(ctx, w.ID, f.ID, reactivate, openfast.MaxFunnelsPerWebsite, nil)
	must(t, err)
	// Reactivating beyond the limit: refused.
	_, err = s.UpdateFunnel(ctx, w.ID, again.ID, func(x *openfast.Funnel) error { x.IsActive = true; x.Name, x.Slug = "Again", "again"; return nil }, 2, nil)
	wantCode(t, err, openfast.ELIMIT)

	entries, total, err := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0)
	must(t, err)
	if total != 3 || entries[0].Action != openfast.AuditFunnelDelete || entries[2].Action != openfast.AuditFunnelCreate {
		t.Fatalf("audit log %d: %+v", total, entries)
	}

	// Deleting the website deletes its funnels.
	must(t, s.DeleteWebsite(ctx, w.ID, nil))
	if all, err := s.Funnels(ctx, w.ID, true); err != nil || len(all) != 0 {
		t.Fatalf("funnels of a deleted website: %v, %v", all, err)
	}
}

// testFunnelLimits: the active limit holds under concurrent creations, and
// the inactive funnels kept are bounded.
func testFunnelLimits(t *testing.T, s openfast.MetadataStore) {
	w := newWebsite(t, s, newUser(t, s))
	const limit = 5
	var ok, limited atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			err := s.CreateFunnel(ctx, newFunnel(w.ID, fmt.Sprintf("Funnel %d", i)), limit, nil)
			switch openfast.ErrorCode(err) {
			case "":
				ok.Add(1)
			case openfast.ELIMIT:
				limited.Add(1)
			default:
				t.Errorf("CreateFunnel: %v", err)
			}
		})
	}
	wg.Wait()
	list, err := s.Funnels(ctx, w.ID, false)
	must(t, err)
	if ok.Load() != limit || limited.Load() != 20-limit || len(list) != limit {
		t.Fatalf("%d created, %d limited, %d stored; want %d, %d, %d", ok.Load(), limited.Load(), len(list), limit, 20-limit, limit)
	}

	// Deleting more than MaxInactiveFunnelsPerWebsite keeps the newest deletions.
	var first string
	for i := range openfast.MaxInactiveFunnelsPerWebsite + 2 {
		f := newFunnel(w.ID, fmt.Sprintf("Gone %d", i))
		must(t, s.CreateFunnel(ctx, f, openfast.MaxInactiveFunnelsPerWebsite+limit+2, nil))
		if i == 0 {
			first = f.ID
		}
		_, err := s.UpdateFunnel(ctx, w.ID, f.ID, func(x *openfast.Funnel) error { x.IsActive = false; return nil }, limit, nil)
		must(t, err)
	}
	all, err := s.Funnels(ctx, w.ID, true)
	must(t, err)
	if len(all) != limit+openfast.MaxInactiveFunnelsPerWebsite {
		t.Fatalf("%d funnels kept, want %d", len(all), limit+openfast.MaxInactiveFunnelsPerWebsite)
	}
	_, err = s.Funnel(ctx, w.ID, first)
	wantCode(t, err, openfast.ENOTFOUND)
}
