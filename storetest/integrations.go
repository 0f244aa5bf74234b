package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func newIntegration(websiteID, provider string, at time.Time) *openfast.Integration {
	return &openfast.Integration{
		WebsiteID: websiteID, Provider: provider, Credentials: []byte("sealed " + provider), HasWebhookSecret: true,
		Currency: "USD", ConnectedAt: at.UTC().Truncate(time.Millisecond),
	}
}

func testIntegrations(t *testing.T, s openfast.MetadataStore) {
	owner := newUser(t, s)
	w, w2 := newWebsite(t, s, owner), newWebsite(t, s, owner)
	at := time.Now().UTC().Truncate(time.Millisecond)
	expires := at.Add(90 * 24 * time.Hour)

	wantCode(t, s.SaveIntegration(ctx, newIntegration(openfast.NewID(), "stripe", at), nil), openfast.ENOTFOUND)
	_, err := s.Integration(ctx, w.ID, "stripe")
	wantCode(t, err, openfast.ENOTFOUND)
	if list, err := s.Integrations(ctx, w.ID); err != nil || len(list) != 0 {
		t.Fatalf("Integrations of a website without any = %v, %v", list, err)
	}

	stripe := newIntegration(w.ID, "stripe", at)
	paddle := newIntegration(w.ID, "paddle", at)
	paddle.KeyExpiresAt, paddle.HasWebhookSecret, paddle.Currency = &expires, false, ""
	other := newIntegration(w2.ID, "stripe", at)
	audit := &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, Action: openfast.AuditIntegrationConnect, TargetType: "integration", TargetID: "stripe"}
	must(t, s.SaveIntegration(ctx, stripe, audit))
	must(t, s.SaveIntegration(ctx, paddle, nil))
	must(t, s.SaveIntegration(ctx, other, nil))
	if audit.ID == 0 {
		t.Fatal("the connection's audit entry was not recorded")
	}

	list, err := s.Integrations(ctx, w.ID)
	must(t, err)
	if len(list) != 2 || list[0].Provider != "paddle" || list[1].Provider != "stripe" {
		t.Fatalf("Integrations = %+v", list)
	}
	p := list[0]
	if p.KeyExpiresAt == nil || !p.KeyExpiresAt.Equal(expires) || p.HasWebhookSecret || p.Currency != "" || !p.ConnectedAt.Equal(at) ||
		p.SyncedAt != nil || p.SyncCursor != "" || p.SyncError != "" {
		t.Fatalf("paddle integration = %+v", p)
	}
	got, err := s.Integration(ctx, w.ID, "stripe")
	must(t, err)
	if !bytes.Equal(got.Credentials, stripe.Credentials) || !got.HasWebhookSecret || got.Currency != "USD" || got.KeyExpiresAt != nil {
		t.Fatalf("stripe integration = %+v", got)
	}

	// A sync's outcome is kept; an empty cursor keeps the last one.
	synced := at.Add(time.Minute)
	must(t, s.SetIntegrationSync(ctx, w.ID, "stripe", at, openfast.IntegrationSync{Cursor: "cur_1", At: synced}))
	must(t, s.SetIntegrationSync(ctx, w.ID, "stripe", at, openfast.IntegrationSync{At: synced.Add(time.Minute), Error: "provider unreachable"}))
	got, err = s.Integration(ctx, w.ID, "stripe")
	must(t, err)
	if got.SyncCursor != "cur_1" || got.SyncedAt == nil || !got.SyncedAt.Equal(synced.Add(time.Minute)) || got.SyncError != "provider unreachable" {
		t.Fatalf("after syncs: %+v", got)
	}

	// Connecting again replaces the connection and starts its sync afresh;
	// the outcome of a sync of the old connection is then left alone.
	again := newIntegration(w.ID, "stripe", at.Add(time.Hour))
	again.Credentials = []byte("new sealed")
	must(t, s.SaveIntegration(ctx, again, nil))
	must(t, s.SetIntegrationSync(ctx, w.ID, "stripe", at, openfast.IntegrationSync{Cursor: "stale", At: synced}))
	got, err = s.Integration(ctx, w.ID, "stripe")
	must(t, err)
	if string(got.Credentials) != "new sealed" || got.SyncCursor != "" || got.SyncedAt != nil || !got.ConnectedAt.Equal(again.ConnectedAt) {
		t.Fatalf("after reconnecting: %+v", got)
	}

	all, err := s.AllIntegrations(ctx)
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("AllIntegrations = %d rows, want 3", len(all))
	}

	must(t, s.DeleteIntegration(ctx, w.ID, "stripe", &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, Action: openfast.AuditIntegrationDisconnect}))
	wantCode(t, s.DeleteIntegration(ctx, w.ID, "stripe", nil), openfast.ENOTFOUND)
	_, err = s.Integration(ctx, w.ID, "stripe")
	wantCode(t, err, openfast.ENOTFOUND)
	if _, err := s.Integration(ctx, w2.ID, "stripe"); err != nil {
		t.Fatalf("the other website's connection: %v", err)
	}

	// The connections go with their website.
	must(t, s.DeleteWebsite(ctx, w.ID, nil))
	all, err = s.AllIntegrations(ctx)
	must(t, err)
	if len(all) != 1 || all[0].WebsiteID != w2.ID {
		t.Fatalf("AllIntegrations after deleting the website = %+v", all)
	}
}
