package storetest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// CopyStore is a metadata store that can be exported and imported.
type CopyStore interface {
	openfast.MetadataStore
	openfast.MetadataCopier
}

// MetadataCopy checks export and import: a store filled through its
// services, exported and imported into a fresh store, exports the same
// rows, and importing again inserts nothing.
func MetadataCopy(t *testing.T, open func(t *testing.T) CopyStore) {
	src := open(t)
	site := fillForCopy(t, src)
	want, err := src.ExportMetadata(ctx)
	must(t, err)
	if len(want.Users) != 3 || len(want.Websites) != 2 || len(want.Members) != 3 || len(want.Invitations) != 2 ||
		len(want.APIKeys) != 2 || len(want.AccessTokens) != 1 || len(want.AuditLog) != 4 || len(want.PaymentClaims) != 2 ||
		len(want.PasswordHashes) != 1 || len(want.GoalCustomizations) != 1 || len(want.Alerts) != 1 || len(want.AlertLogs) != 2 ||
		len(want.MailClaims) != 1 || len(want.MailOptOuts) != 1 || len(want.MailKey) != 32 || len(want.Funnels) != 2 ||
		len(want.Integrations) != 1 || len(want.CredentialUsage) != 2 {
		t.Fatalf("export counts: %+v", want.Counts())
	}
	for _, k := range want.APIKeys {
		if k.AllowedIPs == nil {
			t.Fatalf("export of key %s lost its allowedIps", k.ID)
		}
	}
	if want.AccessTokens[0].AllowedIPs == nil {
		t.Fatal("export of the token lost its allowedIps")
	}
	kept := 0
	for _, w := range want.Websites {
		if w.RetentionDays != nil && *w.RetentionDays == 400 {
			kept++
		}
	}
	if kept != 1 {
		t.Fatal("export of the websites lost a retentionDays")
	}

	dst := open(t)
	n, err := dst.ImportMetadata(ctx, want)
	must(t, err)
	if n != want.Rows() {
		t.Fatalf("import inserted %d rows, want %d", n, want.Rows())
	}
	got, err := dst.ExportMetadata(ctx)
	must(t, err)
	if a, b := dumpJSON(t, want), dumpJSON(t, got); a != b {
		t.Fatalf("round trip differs:\n got %s\nwant %s", b, a)
	}
	n, err = dst.ImportMetadata(ctx, want)
	must(t, err)
	if n != 0 {
		t.Fatalf("second import inserted %d rows, want 0", n)
	}

	// The copy works: keys and tokens are found by hash, and new audit
	// entries do not collide with the imported ones.
	k, err := dst.APIKeyByHash(ctx, want.APIKeys[0].Hash)
	must(t, err)
	if k.ID != want.APIKeys[0].ID {
		t.Fatalf("APIKeyByHash after import = %+v", k)
	}
	tok, err := dst.AccessTokenByHash(ctx, want.AccessTokens[0].Hash)
	must(t, err)
	if tok.ID != want.AccessTokens[0].ID || len(tok.Permissions) != 2 {
		t.Fatalf("AccessTokenByHash after import = %+v", tok)
	}
	// Passwords came along (sessions did not).
	for id, h := range want.PasswordHashes {
		if got, err := dst.PasswordHash(ctx, id); err != nil || got != h {
			t.Fatalf("password hash after import: %q, %v; want %q", got, err, h)
		}
		if list, err := dst.Sessions(ctx, id); err != nil || len(list) != 0 {
			t.Fatalf("sessions after import: %v, %v", list, err)
		}
	}
	// The mail claims and the key came along: no report goes out twice,
	// and the links already sent keep working.
	if ok, err := dst.ClaimMail(ctx, &openfast.MailClaim{WebsiteID: site, Kind: openfast.MailWeekly, Period: "2026-11-30", ClaimedAt: time.Now()}); err != nil || ok {
		t.Fatalf("claim of a copied mail claim: %v, %v; want refused", ok, err)
	}
	if key, err := dst.MailKey(ctx); err != nil || !bytes.Equal(key, want.MailKey) {
		t.Fatalf("mail key after import: %x, %v; want %x", key, err, want.MailKey)
	}
	// The claims came along: the copy refuses the source's payments.
	if ok, err := dst.ClaimPayment(ctx, site, "tx_1", time.Now(), time.Time{}); err != nil || ok {
		t.Fatalf("claim of a copied claim's transaction id: %v, %v; want refused", ok, err)
	}
	var w *openfast.Website
	for _, x := range want.Websites {
		if x.ID == site {
			w = x
		}
	}
	must(t, dst.CreateAPIKey(ctx, newKey(w.ID), openfast.MaxAPIKeysPerWebsite, &openfast.AuditEntry{
		WebsiteID: w.ID, ActorUserID: w.OwnerID, ActorDisplayKey: "dft_x...y", Action: openfast.AuditAPIKeyCreate, TargetType: "apikey", TargetID: "k", TargetDisplayKey: "df_x...y", IP: "::1",
	}))
	entries, total, err := dst.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0)
	must(t, err)
	if total != 4 || entries[0].ID <= want.AuditLog[len(want.AuditLog)-1].ID {
		t.Fatalf("audit log after import: total %d, newest %+v", total, entries[0])
	}
}

// fillForCopy fills s and returns the id of the website with the audit
// entries.
func fillForCopy(t *testing.T, s openfast.MetadataStore) string {
	owner, bob, carol := newUser(t, s), newUser(t, s), newUser(t, s)
	w := newWebsite(t, s, owner)
	w2 := &openfast.Website{
		ID: openfast.NewID(), TrackingID: "dfid_copy", OwnerID: bob.ID, Domain: "copy.example.com", Timezone: "Europe/Paris", Currency: "EUR",
	}
	name := "Shop"
	w2.Name = &name
	w2.IsCookieless, w2.ExcludedIPs, w2.AllowedHostnames = true, []string{"10.0.0.1"}, []string{"shop.example.com"}
	retention := 400
	w2.RetentionDays = &retention // carried with the settings document
	audit := func(action, target string) *openfast.AuditEntry {
		return &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_a...b", Action: action, TargetType: "apikey", TargetID: target, TargetDisplayKey: "df_a...b", IP: "127.0.0.1"}
	}
	must(t, s.CreateWebsite(ctx, w2, nil))
	must(t, s.SetPassword(ctx, bob.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "", nil))
	must(t, s.CreateSession(ctx, newSession(bob, time.Now().UTC()), 10, nil))
	k1, k2 := newKey(w.ID), newKey(w.ID)
	keyName := "Prod"
	keyExpires := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Millisecond)
	k1.Name, k1.ExpiresAt, k1.AllowedIPs = &keyName, &keyExpires, []string{"10.0.0.0/8", "203.0.113.7/32"}
	must(t, s.CreateAPIKey(ctx, k1, openfast.MaxAPIKeysPerWebsite, audit(openfast.AuditAPIKeyCreate, k1.ID)))
	must(t, s.CreateAPIKey(ctx, k2, openfast.MaxAPIKeysPerWebsite, audit(openfast.AuditAPIKeyCreate, k2.ID)))
	if _, err := s.RollAPIKey(ctx, w.ID, k2.ID, hashOf("k2 rolled"), "df_k2r...0000", "", &keyExpires, []string{"2001:db8::/32"}, nil); err != nil {
		t.Fatal(err)
	}
	used := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.TouchCredentials(ctx, map[string]time.Time{k1.ID: used}, nil))
	must(t, s.AddCredentialUsage(ctx, []openfast.CredentialUsage{
		{Kind: openfast.CredentialAPIKey, CredentialID: k1.ID, Day: openfast.UsageDay(used), Requests: 12},
		{Kind: openfast.CredentialAPIKey, CredentialID: k1.ID, Day: openfast.UsageDay(used).AddDate(0, 0, -1), Requests: 3},
	}))
	tok := &openfast.AccessToken{ID: openfast.NewID(), UserID: owner.ID, DisplayKey: "dft_t...0000", Hash: hashOf("token"),
		Permissions: []string{"analytics:read", "websites:read"}, WebsiteIDs: []string{w.ID}, ExpiresAt: &keyExpires,
		AllowedIPs: []string{"192.0.2.0/24"}}
	must(t, s.CreateAccessToken(ctx, tok, openfast.MaxAccessTokensPerUser, &openfast.AuditEntry{
		ActorUserID: owner.ID, ActorDisplayKey: "dft_a...b", Action: openfast.AuditAccessTokenCreate, TargetType: "access_token", TargetID: tok.ID, TargetDisplayKey: tok.DisplayKey, IP: "127.0.0.1"}))
	accepted := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: carol.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}
	must(t, s.CreateInvitation(ctx, accepted, time.Time{}, audit(openfast.AuditTeamInvite, carol.ID)))
	_, err := s.AcceptInvitation(ctx, accepted.ID, carol, time.Time{}, nil)
	must(t, err)
	must(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w2.ID, Email: "dave@example.com", Role: openfast.RoleMember, InvitedBy: bob.ID, LinkHash: hashOf("link")}, time.Time{}, nil))
	for _, c := range []openfast.PaymentClaim{{WebsiteID: w.ID, TransactionID: "tx_1"}, {WebsiteID: w2.ID, TransactionID: "tx_1"}} {
		if ok, err := s.ClaimPayment(ctx, c.WebsiteID, c.TransactionID, used, time.Time{}); err != nil || !ok {
			t.Fatalf("claim %s: %v, %v", c.TransactionID, ok, err)
		}
	}
	_, err = s.UpdateGoalCustomization(ctx, w.ID, "signup", func(g *openfast.GoalCustomization) {
		g.DisplayName, g.Color = &keyName, &openfast.GoalPalette[0].Color
	}, openfast.MaxGoalCustomizationsPerWebsite, nil)
	must(t, err)
	al := newAlert(w.ID, "signup")
	subject := "Signup: {{visitor}}"
	al.Subject = &subject
	must(t, s.CreateAlert(ctx, al, openfast.MaxAlertsPerWebsite, nil))
	must(t, s.AddAlertLogs(ctx, []*openfast.AlertLog{newAlertLog(al, openfast.AlertSent, used), newAlertLog(al, openfast.AlertFailed, used)}, openfast.MaxAlertLogsPerWebsite))
	sent := used.Add(time.Second)
	claim := &openfast.MailClaim{WebsiteID: w.ID, Kind: openfast.MailWeekly, Period: "2026-11-30", ClaimedAt: used}
	if ok, err := s.ClaimMail(ctx, claim); err != nil || !ok {
		t.Fatalf("claim mail: %v, %v", ok, err)
	}
	claim.FinishedAt, claim.Sent = &sent, 2
	must(t, s.FinishMail(ctx, claim))
	must(t, s.SetMailOptOut(ctx, &openfast.MailOptOut{UserID: carol.ID, WebsiteID: w.ID, Kind: openfast.MailWeekly, CreatedAt: used}, true))
	_, err = s.MailKey(ctx)
	must(t, err)
	active, deleted := newFunnel(w.ID, "Signup funnel"), newFunnel(w2.ID, "Old")
	must(t, s.CreateFunnel(ctx, active, openfast.MaxFunnelsPerWebsite, nil))
	must(t, s.CreateFunnel(ctx, deleted, openfast.MaxFunnelsPerWebsite, nil))
	_, err = s.UpdateFunnel(ctx, w2.ID, deleted.ID, func(f *openfast.Funnel) error { f.IsActive = false; return nil }, openfast.MaxFunnelsPerWebsite, nil)
	must(t, err)
	in := newIntegration(w.ID, "paddle", used)
	expires := used.Add(time.Hour)
	in.KeyExpiresAt = &expires
	must(t, s.SaveIntegration(ctx, in, nil))
	must(t, s.SetIntegrationSync(ctx, w.ID, "paddle", in.ConnectedAt, openfast.IntegrationSync{Cursor: "cur", At: expires, Error: "failed"}))
	return w.ID
}

// dumpJSON is a dump in a canonical form: empty and missing lists alike.
func dumpJSON(t *testing.T, d *openfast.MetadataDump) string {
	t.Helper()
	for _, w := range d.Websites {
		for _, l := range []*[]string{&w.AllowedHostnames, &w.ExcludedIPs, &w.ExcludedPaths, &w.ExcludedCountries, &w.ExcludedHostnames} {
			if len(*l) == 0 {
				*l = nil
			}
		}
	}
	b, err := json.Marshal(d)
	must(t, err)
	return string(b)
}
