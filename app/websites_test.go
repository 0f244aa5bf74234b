package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/sqlite"
)

// TestDeleteWebsiteAsOperator: the operator's deletion removes the website
// and leaves an entry in its owner's account audit log.
// newApp returns an App over a fresh SQLite store, and the store.
func newApp(t testing.TB) (*app.App, *sqlite.DB) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		t.Fatal(err)
	}
	return a, store
}

func TestDeleteWebsiteAsOperator(t *testing.T) {
	ctx := context.Background()
	a, store := newApp(t)
	_, owner, err := a.Bootstrap(ctx, "owner@example.com", "Owner", "test")
	if err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_deleteme", OwnerID: owner.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	if err := store.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteWebsiteAsOperator(ctx, site.ID, "openfast admin delete-website"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Website(ctx, site.ID); openfast.ErrorCode(err) != openfast.ENOTFOUND {
		t.Fatalf("website still there: %v", err)
	}
	if _, err := a.TrackedWebsite(ctx, site.TrackingID); openfast.ErrorCode(err) != openfast.ENOTFOUND {
		t.Fatalf("tracked website after deletion: %v", err)
	}
	entries, _, err := store.AuditLog(ctx, openfast.AuditQuery{UserID: owner.ID}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Action != openfast.AuditWebsiteDelete || entries[0].TargetID != site.ID || entries[0].ActorDisplayKey != "openfast admin delete-website" {
		t.Fatalf("audit log: %+v", entries)
	}
	if err := a.DeleteWebsiteAsOperator(ctx, site.ID, "again"); openfast.ErrorCode(err) != openfast.ENOTFOUND {
		t.Fatalf("second deletion: %v", err)
	}
}
