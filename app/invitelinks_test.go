package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

func TestInvitationLinks(t *testing.T) {
	ctx := context.Background()
	a, store, now := newClockApp(t)
	raw, _, err := a.CreateFirstUser(ctx, app.FirstUserInput{Email: "ann@example.com", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	owner, _, err := a.Session(ctx, raw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	site, err := a.CreateWebsite(ctx, owner, app.NewWebsite{Domain: ptr("shop.example.com"), Timezone: ptr("UTC")})
	if err != nil {
		t.Fatal(err)
	}
	if owner, _, err = a.Session(ctx, raw, "192.0.2.1"); err != nil { // with the new website's membership
		t.Fatal(err)
	}
	member := openfast.RoleMember
	secret, inv, err := a.Invite(ctx, owner, site.ID, app.NewInvitation{Email: ptr("Bob@Example.com"), Role: &member})
	if err != nil || len(secret) < 26 || inv.LinkHash != nil {
		t.Fatalf("invite: %q %+v %v", secret, inv, err)
	}
	pending, err := a.WebsiteInvitations(ctx, owner, site.ID)
	if err != nil || len(pending) != 1 || pending[0].Email != "bob@example.com" || !pending[0].ExpiresAt.Equal(pending[0].CreatedAt.Add(app.DefaultInvitationTTL)) {
		t.Fatalf("website invitations: %+v %v", pending, err)
	}

	for _, bad := range []string{"", "AAAAAAAAAAAAAAAAAAAAAAAAAA", secret + "X"} {
		_, err := a.InvitationByLink(ctx, bad, "192.0.2.9")
		wantErr(t, err, openfast.ENOTFOUND, "not valid")
	}
	link, err := a.InvitationByLink(ctx, secret, "192.0.2.9")
	if err != nil || link.HasAccount || link.Email != "bob@example.com" || link.Domain != "shop.example.com" || link.Role != openfast.RoleMember {
		t.Fatalf("link: %+v %v", link, err)
	}

	// A new user: name and password, then signed in, a member.
	_, _, _, err = a.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{Secret: secret, Name: "Bob", Password: "short"})
	wantErr(t, err, openfast.EINVALID, "at least 10 characters")
	sessRaw, sess, accepted, err := a.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{Secret: secret, Name: "Bob", Password: goodPassword, IP: "192.0.2.9", UserAgent: "Firefox"})
	if err != nil || accepted.WebsiteID != site.ID {
		t.Fatalf("accept as a new user: %+v %v", accepted, err)
	}
	bob, _, err := a.Session(ctx, sessRaw, "192.0.2.9")
	if err != nil || bob.UserID != sess.UserID || bob.Memberships[site.ID] != openfast.RoleMember {
		t.Fatalf("bob's session: %+v %v", bob, err)
	}
	if u, err := store.UserByEmail(ctx, "bob@example.com"); err != nil || deref(u.Name) != "Bob" {
		t.Fatalf("bob: %+v %v", u, err)
	}
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "bob@example.com", Password: goodPassword, IP: "192.0.2.9"}); err != nil {
		t.Fatalf("bob signs in with his password: %v", err)
	}
	// Once.
	_, err = a.InvitationByLink(ctx, secret, "192.0.2.9")
	wantErr(t, err, openfast.ENOTFOUND, "not valid")
	_, _, _, err = a.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{Secret: secret, Name: "Eve", Password: goodPassword})
	wantErr(t, err, openfast.ENOTFOUND, "not valid")

	// An existing user accepts signed in, and only with the invited email.
	if _, err := a.SetPasswordAsOperator(ctx, "carol@example.com", goodPassword, "test"); err != nil {
		t.Fatal(err)
	}
	secret, _, err = a.Invite(ctx, owner, site.ID, app.NewInvitation{Email: ptr("carol@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if link, err := a.InvitationByLink(ctx, secret, "192.0.2.9"); err != nil || !link.HasAccount || link.Role != openfast.RoleViewer {
		t.Fatalf("carol's link: %+v %v", link, err)
	}
	_, _, _, err = a.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{Secret: secret, Password: goodPassword})
	wantErr(t, err, openfast.ECONFLICT, "sign in to accept")
	_, err = a.AcceptInvitationByLink(ctx, bob, secret)
	wantErr(t, err, openfast.EFORBIDDEN, "This invitation is for carol@example.com")
	carolRaw, _, err := a.SignIn(ctx, app.SignInInput{Email: "carol@example.com", Password: goodPassword, IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	carol, _, err := a.Session(ctx, carolRaw, "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	if inv, err := a.AcceptInvitationByLink(ctx, carol, secret); err != nil || inv.WebsiteID != site.ID {
		t.Fatalf("carol accepts: %+v %v", inv, err)
	}
	_, err = a.AcceptInvitationByLink(ctx, carol, secret)
	wantErr(t, err, openfast.ENOTFOUND, "not valid")

	// Expired with the invitation; gone when withdrawn.
	secret, _, err = a.Invite(ctx, owner, site.ID, app.NewInvitation{Email: ptr("dave@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(app.DefaultInvitationTTL + time.Second)
	_, err = a.InvitationByLink(ctx, secret, "192.0.2.9")
	wantErr(t, err, openfast.EFORBIDDEN, "expired")
	_, _, _, err = a.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{Secret: secret, Password: goodPassword})
	wantErr(t, err, openfast.EFORBIDDEN, "expired")
	secret, _, err = a.Invite(ctx, owner, site.ID, app.NewInvitation{Email: ptr("dave@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.WithdrawInvitation(ctx, owner, site.ID, ptr("dave@example.com")); err != nil {
		t.Fatal(err)
	}
	_, err = a.InvitationByLink(ctx, secret, "192.0.2.9")
	wantErr(t, err, openfast.ENOTFOUND, "not valid")

	// A viewer sees the team but cannot invite.
	if carol, _, err = a.Session(ctx, carolRaw, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WebsiteInvitations(ctx, carol, site.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Invite(ctx, carol, site.ID, app.NewInvitation{Email: ptr("erin@example.com")})
	wantErr(t, err, openfast.EFORBIDDEN, "owner")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestInvitationLinks_GuessesLimited: link secrets that open nothing count
// as failed authentications of the address; past the limit even a valid
// link is refused from that address, and other addresses are not.
func TestInvitationLinks_GuessesLimited(t *testing.T) {
	ctx := context.Background()
	a, _, _ := newClockApp(t)
	raw, _, err := a.CreateFirstUser(ctx, app.FirstUserInput{Email: "ann@example.com", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	owner, _, _ := a.Session(ctx, raw, "192.0.2.1")
	site, err := a.CreateWebsite(ctx, owner, app.NewWebsite{Domain: ptr("shop.example.com"), Timezone: ptr("UTC")})
	if err != nil {
		t.Fatal(err)
	}
	owner, _, _ = a.Session(ctx, raw, "192.0.2.1")
	secret, _, err := a.Invite(ctx, owner, site.ID, app.NewInvitation{Email: ptr("bob@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	for range app.DefaultAuthFailureLimit {
		_, err := a.InvitationByLink(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAA", "203.0.113.7")
		wantErr(t, err, openfast.ENOTFOUND, "not valid")
	}
	_, err = a.InvitationByLink(ctx, secret, "203.0.113.7")
	wantErr(t, err, openfast.ERATELIMIT, "Too many failed authentications")
	if _, err := a.InvitationByLink(ctx, secret, "198.51.100.2"); err != nil {
		t.Fatal("another address:", err)
	}
}
