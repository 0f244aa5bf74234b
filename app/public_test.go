package app_test

import (
	"context"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// TestPublicCaller: a public dashboard exists while its website shares
// it, and its caller reads that website's analytics metadata only: no
// account, settings, team, keys or visitor identities, no other website.
func TestPublicCaller(t *testing.T) {
	ctx := context.Background()
	a, store := newApp(t)
	owner := &openfast.User{ID: openfast.NewID(), Email: "owner@example.com"}
	if err := store.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_public", OwnerID: owner.ID, Domain: "shop.example.com", Timezone: "UTC", Currency: "USD"}
	other := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_other", OwnerID: owner.ID, Domain: "other.example.com", Timezone: "UTC", Currency: "USD"}
	for _, w := range []*openfast.Website{site, other} {
		if err := store.CreateWebsite(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
	}
	share := func(on bool) {
		t.Helper()
		if _, err := store.UpdateWebsite(ctx, site.ID, func(w *openfast.Website) error { w.IsPublicDashboardEnabled = on; return nil }, nil); err != nil {
			t.Fatal(err)
		}
		a.InvalidateCaches()
	}
	for _, domain := range []string{"shop.example.com", "nobody.example.com", "not a domain"} {
		if _, _, err := a.PublicCaller(ctx, domain, "192.0.2.1"); openfast.ErrorCode(err) != openfast.ENOTFOUND {
			t.Fatalf("%s not shared: %v", domain, err)
		}
	}
	share(true)
	c, w, err := a.PublicCaller(ctx, "Shop.Example.com", "192.0.2.1")
	if err != nil || w.ID != site.ID || !c.IsPublic() {
		t.Fatalf("shared: %+v %v", w, err)
	}
	if m, err := a.Metadata(ctx, c, site.ID); err != nil || m.ID != site.ID {
		t.Fatalf("metadata: %v", err)
	}
	for name, call := range map[string]func() error{
		"Account":       func() error { _, err := a.Account(ctx, c); return err },
		"Websites":      func() error { _, err := a.Websites(ctx, c); return err },
		"Website":       func() error { _, err := a.Website(ctx, c, site.ID); return err },
		"Members":       func() error { _, err := a.Members(ctx, c, site.ID); return err },
		"APIKeys":       func() error { _, err := a.APIKeys(ctx, c, site.ID); return err },
		"OtherMetadata": func() error { _, err := a.Metadata(ctx, c, other.ID); return err },
		"Visitors":      func() error { _, _, err := a.Visitors(ctx, c, app.Read{WebsiteID: site.ID}); return err },
		"Visitor":       func() error { _, err := a.Visitor(ctx, c, site.ID, "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"); return err },
		"RealtimeMap":   func() error { _, err := a.RealtimeMap(ctx, c, site.ID); return err },
		"RealtimeFeed":  func() error { _, err := a.RealtimeFeed(ctx, c, site.ID); return err },
	} {
		if err := call(); openfast.ErrorCode(err) != openfast.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", name, err)
		}
	}
	// Turned off, the caller made before reads nothing more.
	share(false)
	if _, err := a.Metadata(ctx, c, site.ID); openfast.ErrorCode(err) != openfast.ENOTFOUND {
		t.Fatalf("metadata after unsharing: %v", err)
	}
}
