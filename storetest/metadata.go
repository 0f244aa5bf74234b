// Package storetest is the conformance suite that every implementation of
// the openfast store interfaces runs from its own tests.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// OpenFunc returns a fresh, empty store for one test.
type OpenFunc func(t *testing.T) openfast.MetadataStore

// Metadata runs the metadata store conformance suite.
func Metadata(t *testing.T, open OpenFunc) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("Websites", func(t *testing.T) { testWebsites(t, open(t)) })
	t.Run("WebsitesAfter", func(t *testing.T) { testWebsitesAfter(t, open(t)) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open(t)) })
	t.Run("APIKeyLimitConcurrent", func(t *testing.T) { testAPIKeyLimitConcurrent(t, open(t)) })
	t.Run("AccessTokens", func(t *testing.T) { testAccessTokens(t, open(t)) })
	t.Run("CredentialUsage", func(t *testing.T) { testCredentialUsage(t, open(t)) })
	t.Run("Team", func(t *testing.T) { testTeam(t, open(t)) })
	t.Run("InvitationExpiryAndWithdrawal", func(t *testing.T) { testInvitationExpiry(t, open(t)) })
	t.Run("InvitationLinks", func(t *testing.T) { testInvitationLinks(t, open(t)) })
	t.Run("AuditLog", func(t *testing.T) { testAuditLog(t, open(t)) })
	t.Run("DeleteWebsiteCascades", func(t *testing.T) { testDeleteWebsite(t, open(t)) })
	t.Run("DailySalts", func(t *testing.T) { testDailySalts(t, open(t)) })
	t.Run("PaymentClaims", func(t *testing.T) { testPaymentClaims(t, open(t)) })
	t.Run("FirstUser", func(t *testing.T) { testFirstUser(t, open(t)) })
	t.Run("PasswordsAndSessions", func(t *testing.T) { testPasswordsAndSessions(t, open(t)) })
	t.Run("GoalCustomizations", func(t *testing.T) { testGoalCustomizations(t, open(t)) })
	t.Run("Mail", func(t *testing.T) { testMail(t, open(t)) })
	t.Run("Alerts", func(t *testing.T) { testAlerts(t, open(t)) })
	t.Run("AlertLimitConcurrent", func(t *testing.T) { testAlertLimitConcurrent(t, open(t)) })
	t.Run("Funnels", func(t *testing.T) { testFunnels(t, open(t)) })
	t.Run("FunnelLimits", func(t *testing.T) { testFunnelLimits(t, open(t)) })
	t.Run("Integrations", func(t *testing.T) { testIntegrations(t, open(t)) })
	t.Run("ExchangeRates", func(t *testing.T) {
		s, ok := open(t).(openfast.ExchangeRateStore)
		if !ok {
			t.Fatal("the store keeps no exchange rates")
		}
		testExchangeRates(t, s)
	})
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if openfast.ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, openfast.ErrorCode(err), code)
	}
}

var seq atomic.Int64

func newUser(t *testing.T, s openfast.MetadataStore) *openfast.User {
	t.Helper()
	u := &openfast.User{ID: openfast.NewID(), Email: fmt.Sprintf("user%d@example.com", seq.Add(1))}
	must(t, s.CreateUser(ctx, u))
	return u
}

func newWebsite(t *testing.T, s openfast.MetadataStore, owner *openfast.User) *openfast.Website {
	t.Helper()
	w := &openfast.Website{
		ID: openfast.NewID(), TrackingID: fmt.Sprintf("dfid_%d", seq.Add(1)), OwnerID: owner.ID,
		Domain: fmt.Sprintf("site%d.example.com", seq.Add(1)), Timezone: "UTC", Currency: "USD",
	}
	must(t, s.CreateWebsite(ctx, w, nil))
	return w
}

func hashOf(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

func newKey(websiteID string) *openfast.APIKey {
	id := openfast.NewID()
	return &openfast.APIKey{ID: id, WebsiteID: websiteID, DisplayKey: "df_test...0000", Hash: hashOf(id), CreatedByKey: "test"}
}

func testUsers(t *testing.T, s openfast.MetadataStore) {
	name := "Ann"
	u := &openfast.User{ID: openfast.NewID(), Email: "ann@example.com", Name: &name}
	must(t, s.CreateUser(ctx, u))
	wantCode(t, s.CreateUser(ctx, &openfast.User{ID: openfast.NewID(), Email: "ann@example.com"}), openfast.ECONFLICT)
	got, err := s.UserByEmail(ctx, "ann@example.com")
	must(t, err)
	if got.ID != u.ID || *got.Name != "Ann" || got.CreatedAt.IsZero() {
		t.Fatalf("UserByEmail = %+v", got)
	}
	_, err = s.UserByID(ctx, openfast.NewID())
	wantCode(t, err, openfast.ENOTFOUND)
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantCode(t, err, openfast.ENOTFOUND)
	got, err = s.UpdateUserName(ctx, u.ID, "Annie", nil)
	must(t, err)
	if *got.Name != "Annie" || got.Email != u.Email {
		t.Fatalf("UpdateUserName = %+v", got)
	}
	_, err = s.UpdateUserName(ctx, openfast.NewID(), "x", nil)
	wantCode(t, err, openfast.ENOTFOUND)
}

func testWebsites(t *testing.T, s openfast.MetadataStore) {
	owner := newUser(t, s)
	w := newWebsite(t, s, owner)
	dup := *w
	dup.ID, dup.TrackingID = openfast.NewID(), "dfid_dup"
	wantCode(t, s.CreateWebsite(ctx, &dup, nil), openfast.ECONFLICT)
	// Another owner may use the same domain.
	other := newUser(t, s)
	dup.OwnerID = other.ID
	dup.CreatedAt = w.CreatedAt.Add(time.Second) // made later: the ids are random
	must(t, s.CreateWebsite(ctx, &dup, nil))

	// Both websites of the domain, oldest first.
	byDomain, err := s.WebsitesByDomain(ctx, w.Domain)
	must(t, err)
	if len(byDomain) != 2 || byDomain[0].ID != w.ID || byDomain[1].ID != dup.ID {
		t.Fatalf("WebsitesByDomain(%s) = %+v", w.Domain, byDomain)
	}
	if none, err := s.WebsitesByDomain(ctx, "nobody.example.com"); err != nil || len(none) != 0 {
		t.Fatalf("WebsitesByDomain of an unknown domain = %+v, %v", none, err)
	}

	roles, err := s.Memberships(ctx, owner.ID)
	must(t, err)
	if len(roles) != 1 || roles[w.ID] != openfast.RoleOwner {
		t.Fatalf("owner memberships %v", roles)
	}
	list, err := s.WebsitesForUser(ctx, owner.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != w.ID || list[0].Role != openfast.RoleOwner {
		t.Fatalf("WebsitesForUser %+v", list)
	}

	kpi := "signup"
	got, err := s.UpdateWebsite(ctx, w.ID, func(w *openfast.Website) error {
		w.Timezone, w.KPI, w.IsCookieless = "Europe/Paris", &kpi, true
		w.ExcludedIPs = []string{"10.0.0.0/8"}
		return nil
	}, nil)
	must(t, err)
	if got.Timezone != "Europe/Paris" {
		t.Fatalf("UpdateWebsite returned %+v", got)
	}
	got, err = s.Website(ctx, w.ID)
	must(t, err)
	if got.Timezone != "Europe/Paris" || *got.KPI != "signup" || !got.IsCookieless || len(got.ExcludedIPs) != 1 || got.TrackingID != w.TrackingID {
		t.Fatalf("stored website %+v", got)
	}
	// A failing change stores nothing.
	_, err = s.UpdateWebsite(ctx, w.ID, func(w *openfast.Website) error {
		w.Timezone = "UTC"
		return openfast.Errorf(openfast.EINVALID, "no")
	}, nil)
	wantCode(t, err, openfast.EINVALID)
	if got, _ := s.Website(ctx, w.ID); got.Timezone != "Europe/Paris" {
		t.Fatal("a failed update was stored")
	}
	_, err = s.UpdateWebsite(ctx, dup.ID, func(x *openfast.Website) error { x.Domain = "taken.example.com"; return nil }, nil)
	must(t, err)
	third := newWebsite(t, s, other)
	_, err = s.UpdateWebsite(ctx, third.ID, func(x *openfast.Website) error { x.Domain = "taken.example.com"; return nil }, nil)
	wantCode(t, err, openfast.ECONFLICT)
	_, err = s.UpdateWebsite(ctx, openfast.NewID(), func(*openfast.Website) error { return nil }, nil)
	wantCode(t, err, openfast.ENOTFOUND)
	_, err = s.Website(ctx, openfast.NewID())
	wantCode(t, err, openfast.ENOTFOUND)
	byTracking, err := s.WebsiteByTrackingID(ctx, w.TrackingID)
	must(t, err)
	if byTracking.ID != w.ID {
		t.Fatalf("WebsiteByTrackingID = %s, want %s", byTracking.ID, w.ID)
	}
	_, err = s.WebsiteByTrackingID(ctx, "dfid_nope")
	wantCode(t, err, openfast.ENOTFOUND)
}

func testAPIKeys(t *testing.T, s openfast.MetadataStore) {
	w := newWebsite(t, s, newUser(t, s))
	k := newKey(w.ID)
	must(t, s.CreateAPIKey(ctx, k, 10, nil))
	got, err := s.APIKeyByHash(ctx, k.Hash)
	must(t, err)
	if got.ID != k.ID || got.WebsiteID != w.ID || got.Name != nil || got.LastUsedAt != nil || got.Permissions != nil || got.CreatedBy != "" || got.CreatedByKey != "test" || got.ExpiresAt != nil || got.AllowedIPs != nil {
		t.Fatalf("APIKeyByHash %+v", got)
	}
	// An address allowlist is kept as given, and a roll replaces it (nil:
	// any address).
	limited := newKey(w.ID)
	limited.AllowedIPs = []string{"10.0.0.0/8", "2001:db8::/32"}
	must(t, s.CreateAPIKey(ctx, limited, 10, nil))
	if got, err = s.APIKeyByHash(ctx, limited.Hash); err != nil || !slices.Equal(got.AllowedIPs, limited.AllowedIPs) {
		t.Fatalf("APIKeyByHash of a key with allowedIps = %+v, %v", got, err)
	}
	if got, err = s.RollAPIKey(ctx, w.ID, limited.ID, hashOf("limited rolled"), "df_lim...0000", "", nil, []string{"192.0.2.1/32"}, nil); err != nil || !slices.Equal(got.AllowedIPs, []string{"192.0.2.1/32"}) {
		t.Fatalf("RollAPIKey with allowedIps = %+v, %v", got, err)
	}
	if got, err = s.APIKeyByHash(ctx, hashOf("limited rolled")); err != nil || !slices.Equal(got.AllowedIPs, []string{"192.0.2.1/32"}) {
		t.Fatalf("APIKeyByHash after a roll with allowedIps = %+v, %v", got, err)
	}
	if got, err = s.RollAPIKey(ctx, w.ID, limited.ID, hashOf("limited rolled again"), "df_lim...0001", "", nil, nil, nil); err != nil || got.AllowedIPs != nil {
		t.Fatalf("RollAPIKey without allowedIps = %+v, %v", got, err)
	}
	if got, err = s.APIKeyByHash(ctx, hashOf("limited rolled again")); err != nil || got.AllowedIPs != nil {
		t.Fatalf("APIKeyByHash after a roll without allowedIps = %+v, %v", got, err)
	}
	must(t, s.DeleteAPIKey(ctx, w.ID, limited.ID, nil))
	// An expiry is kept to the millisecond, and survives a roll.
	expiring := newKey(w.ID)
	expires := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	expiring.ExpiresAt = &expires
	must(t, s.CreateAPIKey(ctx, expiring, 10, nil))
	if got, err = s.APIKeyByHash(ctx, expiring.Hash); err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) {
		t.Fatalf("APIKeyByHash of an expiring key = %+v, %v", got, err)
	}
	if got, err = s.RollAPIKey(ctx, w.ID, expiring.ID, hashOf("expiring rolled"), "df_exp...0000", "", nil, nil, nil); err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) {
		t.Fatalf("RollAPIKey of an expiring key = %+v, %v", got, err)
	}
	must(t, s.DeleteAPIKey(ctx, w.ID, expiring.ID, nil))
	// Permissions and the maker are kept as given.
	narrow := newKey(w.ID)
	narrow.Permissions, narrow.CreatedBy = []string{"analytics:read", "goals:write"}, openfast.NewID()
	must(t, s.CreateAPIKey(ctx, narrow, 10, nil))
	if got, err = s.APIKeyByHash(ctx, narrow.Hash); err != nil || !slices.Equal(got.Permissions, narrow.Permissions) || got.CreatedBy != narrow.CreatedBy {
		t.Fatalf("APIKeyByHash of a key with permissions and a maker = %+v, %v", got, err)
	}
	must(t, s.DeleteAPIKey(ctx, w.ID, narrow.ID, nil))
	_, err = s.APIKeyByHash(ctx, hashOf("nope"))
	wantCode(t, err, openfast.ENOTFOUND)

	roller := openfast.NewID()
	rolled, err := s.RollAPIKey(ctx, w.ID, k.ID, hashOf("new"), "df_new...0000", roller, nil, nil, nil)
	must(t, err)
	if rolled.ID != k.ID || rolled.DisplayKey != "df_new...0000" || rolled.CreatedBy != roller || rolled.PreviousHash != nil || rolled.PreviousExpiresAt != nil {
		t.Fatalf("RollAPIKey %+v", rolled)
	}
	_, err = s.APIKeyByHash(ctx, k.Hash)
	wantCode(t, err, openfast.ENOTFOUND)
	// With a grace period the previous value is found too, until the
	// next roll without one.
	until := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	graced, err := s.RollAPIKey(ctx, w.ID, k.ID, hashOf("newer"), "df_nwr...0000", roller, &until, nil, nil)
	must(t, err)
	if !bytes.Equal(graced.PreviousHash, hashOf("new")) || graced.PreviousExpiresAt == nil || !graced.PreviousExpiresAt.Equal(until) {
		t.Fatalf("RollAPIKey with a grace period %+v", graced)
	}
	for _, h := range [][]byte{hashOf("new"), hashOf("newer")} {
		if got, err := s.APIKeyByHash(ctx, h); err != nil || got.ID != k.ID || !bytes.Equal(got.Hash, hashOf("newer")) {
			t.Fatalf("APIKeyByHash during the grace = %+v, %v", got, err)
		}
	}
	rolled, err = s.RollAPIKey(ctx, w.ID, k.ID, hashOf("new"), "df_new...0000", roller, nil, nil, nil)
	must(t, err)
	if rolled.PreviousHash != nil || rolled.PreviousExpiresAt != nil {
		t.Fatalf("RollAPIKey after a grace %+v", rolled)
	}
	_, err = s.APIKeyByHash(ctx, hashOf("newer"))
	wantCode(t, err, openfast.ENOTFOUND)
	_, err = s.RollAPIKey(ctx, openfast.NewID(), k.ID, hashOf("x"), "x", "", nil, nil, nil)
	wantCode(t, err, openfast.ENOTFOUND)

	at := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.TouchCredentials(ctx, map[string]time.Time{k.ID: at}, nil))
	must(t, s.TouchCredentials(ctx, map[string]time.Time{k.ID: at.Add(-time.Hour)}, nil)) // never backwards
	keys, err := s.APIKeys(ctx, w.ID)
	must(t, err)
	if len(keys) != 1 || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(at) {
		t.Fatalf("lastUsedAt %+v", keys[0].LastUsedAt)
	}

	for i := 1; i < 3; i++ {
		must(t, s.CreateAPIKey(ctx, newKey(w.ID), 3, nil))
	}
	wantCode(t, s.CreateAPIKey(ctx, newKey(w.ID), 3, nil), openfast.ELIMIT)
	wantCode(t, s.DeleteAPIKey(ctx, openfast.NewID(), k.ID, nil), openfast.ENOTFOUND)
	must(t, s.DeleteAPIKey(ctx, w.ID, k.ID, nil))
	wantCode(t, s.DeleteAPIKey(ctx, w.ID, k.ID, nil), openfast.ENOTFOUND)
	must(t, s.CreateAPIKey(ctx, newKey(w.ID), 3, nil))
}

// testAPIKeyLimitConcurrent: the key limit holds under concurrent creation.
func testAPIKeyLimitConcurrent(t *testing.T, s openfast.MetadataStore) {
	for range 5 {
		w := newWebsite(t, s, newUser(t, s))
		var ok, limited atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				err := s.CreateAPIKey(ctx, newKey(w.ID), openfast.MaxAPIKeysPerWebsite, nil)
				switch openfast.ErrorCode(err) {
				case "":
					ok.Add(1)
				case openfast.ELIMIT:
					limited.Add(1)
				default:
					t.Errorf("CreateAPIKey: %v", err)
				}
			})
		}
		wg.Wait()
		keys, err := s.APIKeys(ctx, w.ID)
		must(t, err)
		if ok.Load() != 10 || limited.Load() != 30 || len(keys) != 10 {
			t.Fatalf("%d created, %d limited, %d stored; want 10, 30, 10", ok.Load(), limited.Load(), len(keys))
		}
	}
}

func testAccessTokens(t *testing.T, s openfast.MetadataStore) {
	u := newUser(t, s)
	name := "CI"
	tok := &openfast.AccessToken{ID: openfast.NewID(), UserID: u.ID, Name: &name, DisplayKey: "dft_abc...0000", Hash: hashOf("t1"),
		Permissions: []string{"analytics:read"}, WebsiteIDs: []string{"0123456789abcdef01234567"}, CreatedBy: u.ID}
	must(t, s.CreateAccessToken(ctx, tok, 2, nil))
	got, err := s.AccessTokenByHash(ctx, hashOf("t1"))
	must(t, err)
	if got.ID != tok.ID || *got.Name != "CI" || len(got.Permissions) != 1 || got.WebsiteIDs[0] != "0123456789abcdef01234567" || !bytes.Equal(got.Hash, hashOf("t1")) || got.CreatedBy != u.ID || got.ExpiresAt != nil || got.AllowedIPs != nil {
		t.Fatalf("AccessTokenByHash %+v", got)
	}
	expires := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	allowed := []string{"127.0.0.1/32", "::1/128"}
	must(t, s.CreateAccessToken(ctx, &openfast.AccessToken{ID: openfast.NewID(), UserID: u.ID, DisplayKey: "x", Hash: hashOf("t2"), Permissions: []string{"*"}, ExpiresAt: &expires, AllowedIPs: allowed}, 2, nil))
	if got, err := s.AccessTokenByHash(ctx, hashOf("t2")); err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) || !slices.Equal(got.AllowedIPs, allowed) {
		t.Fatalf("AccessTokenByHash of an expiring token with allowedIps = %+v, %v", got, err)
	}
	wantCode(t, s.CreateAccessToken(ctx, &openfast.AccessToken{ID: openfast.NewID(), UserID: u.ID, DisplayKey: "x", Hash: hashOf("t3")}, 2, nil), openfast.ELIMIT)
	list, err := s.AccessTokens(ctx, u.ID)
	must(t, err)
	if len(list) != 2 || list[1].WebsiteIDs == nil {
		t.Fatalf("AccessTokens %+v", list)
	}
	for _, l := range list {
		if want := map[bool]string{true: u.ID, false: ""}[l.ID == tok.ID]; l.CreatedBy != want {
			t.Fatalf("token %s: CreatedBy = %q, want %q", l.ID, l.CreatedBy, want)
		}
	}
	other := newUser(t, s)
	_, err = s.AccessToken(ctx, other.ID, tok.ID)
	wantCode(t, err, openfast.ENOTFOUND)
	wantCode(t, s.DeleteAccessToken(ctx, other.ID, tok.ID, nil), openfast.ENOTFOUND)
	must(t, s.DeleteAccessToken(ctx, u.ID, tok.ID, nil))
	_, err = s.AccessTokenByHash(ctx, hashOf("t1"))
	wantCode(t, err, openfast.ENOTFOUND)
}

func testTeam(t *testing.T, s openfast.MetadataStore) {
	owner, bob := newUser(t, s), newUser(t, s)
	w := newWebsite(t, s, owner)
	inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleMember, InvitedBy: owner.ID}
	must(t, s.CreateInvitation(ctx, inv, time.Time{}, nil))
	wantCode(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}, time.Time{}, nil), openfast.ECONFLICT)
	wantCode(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: owner.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}, time.Time{}, nil), openfast.ECONFLICT)
	pending, err := s.PendingInvitations(ctx, bob.Email, time.Time{})
	must(t, err)
	if len(pending) != 1 || pending[0].Domain != w.Domain || pending[0].Role != openfast.RoleMember {
		t.Fatalf("PendingInvitations %+v", pending)
	}
	_, err = s.AcceptInvitation(ctx, inv.ID, owner, time.Time{}, nil) // not the invitee
	wantCode(t, err, openfast.ENOTFOUND)
	got, err := s.AcceptInvitation(ctx, inv.ID, bob, time.Time{}, nil)
	must(t, err)
	if got.WebsiteID != w.ID {
		t.Fatalf("AcceptInvitation %+v", got)
	}
	_, err = s.AcceptInvitation(ctx, inv.ID, bob, time.Time{}, nil)
	wantCode(t, err, openfast.ENOTFOUND)
	members, err := s.Members(ctx, w.ID)
	must(t, err)
	if len(members) != 2 || members[0].UserID != owner.ID || members[1].UserID != bob.ID || members[1].Role != openfast.RoleMember || members[1].Email != bob.Email {
		t.Fatalf("Members %+v", members)
	}
	// Bob made two keys on w, and one on a website of his own; the owner
	// made one on w.
	bobsSite := newWebsite(t, s, bob)
	var bobsKeys []*openfast.APIKey
	for _, site := range []string{w.ID, w.ID, bobsSite.ID} {
		k := newKey(site)
		k.CreatedBy = bob.ID
		must(t, s.CreateAPIKey(ctx, k, 10, nil))
		bobsKeys = append(bobsKeys, k)
	}
	ownersKey := newKey(w.ID)
	ownersKey.CreatedBy = owner.ID
	must(t, s.CreateAPIKey(ctx, ownersKey, 10, nil))

	_, err = s.RemoveMember(ctx, w.ID, owner.ID, nil) // the owner stays
	wantCode(t, err, openfast.ENOTFOUND)
	audit := &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_own...0000", Action: openfast.AuditTeamRemove, TargetType: "user", TargetID: bob.ID, IP: "192.0.2.1"}
	revoked, err := s.RemoveMember(ctx, w.ID, bob.ID, audit)
	must(t, err)
	wantRevoked := []string{bobsKeys[0].ID, bobsKeys[1].ID}
	slices.Sort(wantRevoked)
	if len(revoked) != 2 || revoked[0].ID != wantRevoked[0] || revoked[1].ID != wantRevoked[1] {
		t.Fatalf("RemoveMember revoked %+v, want bob's two keys on the website", revoked)
	}
	for _, k := range bobsKeys[:2] {
		_, err = s.APIKeyByHash(ctx, k.Hash)
		wantCode(t, err, openfast.ENOTFOUND)
	}
	for _, k := range []*openfast.APIKey{bobsKeys[2], ownersKey} {
		if _, err = s.APIKeyByHash(ctx, k.Hash); err != nil {
			t.Fatalf("a key not made by bob on w was revoked: %v", err)
		}
	}
	entries, _, err := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0)
	must(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.TargetID)
		if e.ActorUserID != owner.ID || e.IP != "192.0.2.1" {
			t.Errorf("audit entry %+v: want the remover as actor", e)
		}
	}
	wantActions := []string{openfast.AuditAPIKeyRevoke + " " + wantRevoked[1], openfast.AuditAPIKeyRevoke + " " + wantRevoked[0], openfast.AuditTeamRemove + " " + bob.ID}
	if !slices.Equal(actions, wantActions) {
		t.Fatalf("audit log %q, want %q", actions, wantActions)
	}
	_, err = s.RemoveMember(ctx, w.ID, bob.ID, nil)
	wantCode(t, err, openfast.ENOTFOUND)
	roles, err := s.Memberships(ctx, bob.ID)
	must(t, err)
	if _, ok := roles[w.ID]; ok || len(roles) != 1 {
		t.Fatalf("removed member keeps %v", roles)
	}
	// After removal the email can be invited again.
	must(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}, time.Time{}, nil))
}

func testAuditLog(t *testing.T, s openfast.MetadataStore) {
	owner := newUser(t, s)
	w := newWebsite(t, s, owner)
	for i := range 5 {
		k := newKey(w.ID)
		must(t, s.CreateAPIKey(ctx, k, 10, &openfast.AuditEntry{
			WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_abc...0000", Action: openfast.AuditAPIKeyCreate,
			TargetType: "apikey", TargetID: k.ID, TargetDisplayKey: fmt.Sprint(i), IP: "127.0.0.1",
		}))
	}
	// A refused action records nothing.
	wantCode(t, s.CreateAPIKey(ctx, newKey(w.ID), 5, &openfast.AuditEntry{WebsiteID: w.ID, Action: "refused"}), openfast.ELIMIT)
	entries, total, err := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 2, 1)
	must(t, err)
	if total != 5 || len(entries) != 2 || entries[0].TargetDisplayKey != "3" || entries[1].TargetDisplayKey != "2" || entries[0].IP != "127.0.0.1" || entries[0].CreatedAt.IsZero() {
		t.Fatalf("AuditLog total %d entries %+v", total, entries)
	}
	entries, total, err = s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: openfast.NewID()}, 10, 0)
	must(t, err)
	if total != 0 || len(entries) != 0 {
		t.Fatal("another website's log is not empty")
	}
	// Account-level entries (no website) are read by the acting user.
	tok := &openfast.AccessToken{ID: openfast.NewID(), UserID: owner.ID, DisplayKey: "x", Hash: hashOf("audit"), Permissions: []string{"*"}}
	must(t, s.CreateAccessToken(ctx, tok, 10, &openfast.AuditEntry{
		ActorUserID: owner.ID, ActorDisplayKey: "dft_abc...0000", Action: openfast.AuditAccessTokenCreate,
		TargetType: "access_token", TargetID: tok.ID, TargetDisplayKey: "x", IP: "127.0.0.1",
	}))
	entries, total, err = s.AuditLog(ctx, openfast.AuditQuery{UserID: owner.ID}, 10, 0)
	must(t, err)
	if total != 1 || len(entries) != 1 || entries[0].TargetID != tok.ID || entries[0].WebsiteID != "" {
		t.Fatalf("account log total %d entries %+v", total, entries)
	}
	entries, _, err = s.AuditLog(ctx, openfast.AuditQuery{UserID: newUser(t, s).ID}, 10, 0)
	must(t, err)
	if len(entries) != 0 {
		t.Fatal("another user's account log is not empty")
	}
}

func testDeleteWebsite(t *testing.T, s openfast.MetadataStore) {
	owner, bob := newUser(t, s), newUser(t, s)
	w := newWebsite(t, s, owner)
	k := newKey(w.ID)
	must(t, s.CreateAPIKey(ctx, k, 10, nil))
	inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}
	must(t, s.CreateInvitation(ctx, inv, time.Time{}, nil))
	audit := &openfast.AuditEntry{ActorUserID: owner.ID, ActorDisplayKey: "operator", Action: openfast.AuditWebsiteDelete, TargetType: "website", TargetID: w.ID, IP: "local"}
	must(t, s.DeleteWebsite(ctx, w.ID, audit))
	wantCode(t, s.DeleteWebsite(ctx, w.ID, &openfast.AuditEntry{ActorUserID: owner.ID, ActorDisplayKey: "operator", Action: "refused", IP: "local"}), openfast.ENOTFOUND)
	entries, _, err := s.AuditLog(ctx, openfast.AuditQuery{UserID: owner.ID}, 10, 0)
	must(t, err)
	if len(entries) != 1 || entries[0].Action != openfast.AuditWebsiteDelete || entries[0].TargetID != w.ID {
		t.Fatalf("owner's account log after the deletion: %+v", entries)
	}
	_, err = s.APIKeyByHash(ctx, k.Hash)
	wantCode(t, err, openfast.ENOTFOUND)
	roles, err := s.Memberships(ctx, owner.ID)
	must(t, err)
	pending, err2 := s.PendingInvitations(ctx, bob.Email, time.Time{})
	must(t, err2)
	if len(roles) != 0 || len(pending) != 0 {
		t.Fatalf("left behind: roles %v, invitations %v", roles, pending)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

func testDailySalts(t *testing.T, s openfast.MetadataStore) {
	var wg sync.WaitGroup
	salts := make([][]byte, 8)
	for i := range salts {
		wg.Go(func() {
			var err error
			salts[i], err = s.DailySalt(ctx, "2026-03-29")
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, salt := range salts {
		if len(salt) != 32 || !bytes.Equal(salt, salts[0]) {
			t.Fatalf("concurrent callers got different salts for one day: %x", salts)
		}
	}
	next, err := s.DailySalt(ctx, "2026-03-30")
	must(t, err)
	if bytes.Equal(next, salts[0]) {
		t.Fatal("two days share a salt")
	}
	again, err := s.DailySalt(ctx, "2026-03-29")
	must(t, err)
	if !bytes.Equal(again, salts[0]) {
		t.Fatal("yesterday's salt changed while it is still kept")
	}
	// Two days later the first salt is gone: asking for it makes a new one.
	_, err = s.DailySalt(ctx, "2026-03-31")
	must(t, err)
	again, err = s.DailySalt(ctx, "2026-03-29")
	must(t, err)
	if bytes.Equal(again, salts[0]) {
		t.Fatal("a salt two days old was kept")
	}
	_, err = s.DailySalt(ctx, "29/03/2026")
	wantCode(t, err, openfast.EINVALID)
}

// testInvitationExpiry: an invitation made before the cutoff is neither
// listed nor acceptable, does not block a new one, and a pending
// invitation can be withdrawn once.
func testInvitationExpiry(t *testing.T, s openfast.MetadataStore) {
	owner, bob := newUser(t, s), newUser(t, s)
	w := newWebsite(t, s, owner)
	made := time.Now().Add(-8 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	old := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID, CreatedAt: made}
	must(t, s.CreateInvitation(ctx, old, time.Time{}, nil))
	cutoff := made.Add(time.Millisecond) // the invitation is a millisecond too old
	pending, err := s.PendingInvitations(ctx, bob.Email, cutoff)
	must(t, err)
	if len(pending) != 0 {
		t.Fatalf("an expired invitation is listed: %+v", pending[0])
	}
	if all, err := s.PendingInvitations(ctx, bob.Email, made); err != nil || len(all) != 1 {
		t.Fatalf("the invitation at the cutoff: %d, %v", len(all), err)
	}
	_, err = s.AcceptInvitation(ctx, old.ID, bob, cutoff, nil)
	wantCode(t, err, openfast.EFORBIDDEN)
	if roles, err := s.Memberships(ctx, bob.ID); err != nil || len(roles) != 0 {
		t.Fatalf("an expired invitation made a membership: %v %v", roles, err)
	}

	// A new invitation replaces the expired one.
	fresh := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleMember, InvitedBy: owner.ID}
	must(t, s.CreateInvitation(ctx, fresh, cutoff, nil))
	_, err = s.AcceptInvitation(ctx, old.ID, bob, time.Time{}, nil)
	wantCode(t, err, openfast.ENOTFOUND)

	// Withdrawn: gone, once.
	audit := &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_a...b", Action: openfast.AuditTeamWithdraw, TargetType: "invitation", TargetID: bob.Email, IP: "127.0.0.1"}
	must(t, s.WithdrawInvitation(ctx, w.ID, bob.Email, audit))
	wantCode(t, s.WithdrawInvitation(ctx, w.ID, bob.Email, nil), openfast.ENOTFOUND)
	_, err = s.AcceptInvitation(ctx, fresh.ID, bob, cutoff, nil)
	wantCode(t, err, openfast.ENOTFOUND)
	entries, _, err := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0)
	must(t, err)
	if len(entries) == 0 || entries[0].Action != openfast.AuditTeamWithdraw {
		t.Fatalf("website audit log after a withdrawal: %+v", entries)
	}
}

// testInvitationLinks: an invitation is found by the hash of its link's
// secret while it is pending, and no longer once accepted or withdrawn; a
// website lists its pending invitations.
func testInvitationLinks(t *testing.T, s openfast.MetadataStore) {
	owner, bob, carol := newUser(t, s), newUser(t, s), newUser(t, s)
	w, other := newWebsite(t, s, owner), newWebsite(t, s, owner)
	made := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: bob.Email, Role: openfast.RoleMember, InvitedBy: owner.ID, CreatedAt: made, LinkHash: hashOf("link-bob")}
	must(t, s.CreateInvitation(ctx, inv, time.Time{}, nil))
	must(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: w.ID, Email: carol.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID, LinkHash: hashOf("link-carol")}, time.Time{}, nil))
	must(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: other.ID, Email: bob.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID}, time.Time{}, nil))
	// Two invitations cannot share a link.
	wantCode(t, s.CreateInvitation(ctx, &openfast.Invitation{ID: openfast.NewID(), WebsiteID: other.ID, Email: carol.Email, Role: openfast.RoleViewer, InvitedBy: owner.ID, LinkHash: hashOf("link-bob")}, time.Time{}, nil), openfast.ECONFLICT)

	got, err := s.InvitationByLinkHash(ctx, hashOf("link-bob"))
	must(t, err)
	if got.ID != inv.ID || got.WebsiteID != w.ID || got.Domain != w.Domain || got.Email != bob.Email || got.Role != openfast.RoleMember || !got.CreatedAt.Equal(made) {
		t.Fatalf("InvitationByLinkHash %+v", got)
	}
	_, err = s.InvitationByLinkHash(ctx, hashOf("no such link"))
	wantCode(t, err, openfast.ENOTFOUND)

	list, err := s.WebsiteInvitations(ctx, w.ID, time.Time{})
	must(t, err)
	if len(list) != 2 || list[0].Email != bob.Email || list[1].Email != carol.Email || list[0].Domain != w.Domain {
		t.Fatalf("WebsiteInvitations %+v", list)
	}
	if list, err := s.WebsiteInvitations(ctx, w.ID, made.Add(time.Millisecond)); err != nil || len(list) != 1 || list[0].Email != carol.Email {
		t.Fatalf("WebsiteInvitations since: %+v %v", list, err)
	}

	// Accepted: the link is used up.
	_, err = s.AcceptInvitation(ctx, inv.ID, bob, time.Time{}, nil)
	must(t, err)
	_, err = s.InvitationByLinkHash(ctx, hashOf("link-bob"))
	wantCode(t, err, openfast.ENOTFOUND)
	// Withdrawn: gone too.
	must(t, s.WithdrawInvitation(ctx, w.ID, carol.Email, nil))
	_, err = s.InvitationByLinkHash(ctx, hashOf("link-carol"))
	wantCode(t, err, openfast.ENOTFOUND)
	if list, err := s.WebsiteInvitations(ctx, w.ID, time.Time{}); err != nil || len(list) != 0 {
		t.Fatalf("WebsiteInvitations after accept and withdraw: %+v %v", list, err)
	}
}
