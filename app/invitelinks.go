package app

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// An invitation's link carries a random secret (Invite returns it; only
// its SHA-256 is stored). Whoever opens the link learns the website, the
// role and the invited email, and can accept it: by signing in as the user
// with that email, or, when no user has it, by creating that user. The
// invited email binds: no other account can accept. The link works while
// the invitation is pending and unexpired, once.

// maxLinkSecret bounds the secret read from a link before it is hashed.
const maxLinkSecret = 64

// InvitationLink is the invitation a link opens.
type InvitationLink struct {
	*openfast.Invitation
	// HasAccount reports whether a user with the invited email exists: it
	// then accepts signed in, else by creating the account.
	HasAccount bool
}

var linkNotFound = openfast.Errorf(openfast.ENOTFOUND, "This invitation link is not valid: it may have been used, withdrawn or mistyped. Ask the website owner for a new one.")

// invitationByLink returns the pending, unexpired invitation of a link's
// secret, opened from client address ip. A secret that opens nothing
// counts as a failed authentication of the address, as an unknown key
// does: an address that guesses too often is refused (ERATELIMIT) before
// its secret is even looked up.
func (a *App) invitationByLink(ctx context.Context, secret, ip string) (*openfast.Invitation, error) {
	now, addr := a.now(), addressKey(ip)
	if a.failures != nil {
		if retry, ok := a.failures.allow(addr, now); !ok {
			return nil, a.failures.refusal(retry)
		}
	}
	unknown := func() (*openfast.Invitation, error) {
		if a.failures != nil {
			a.failures.fail(addr, now)
		}
		return nil, linkNotFound
	}
	if secret == "" || len(secret) > maxLinkSecret {
		return unknown()
	}
	h := sha256.Sum256([]byte(secret))
	inv, err := a.store.InvitationByLinkHash(ctx, h[:])
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return unknown()
	}
	if err != nil {
		return nil, fmt.Errorf("invitation by link: %w", err)
	}
	if inv.CreatedAt.Before(a.invitationsSince(a.now())) {
		return nil, openfast.Errorf(openfast.EFORBIDDEN, "This invitation has expired: ask the website owner for a new one.")
	}
	inv.ExpiresAt = inv.CreatedAt.Add(a.inviteTTL)
	return inv, nil
}

// InvitationByLink returns the invitation a link's secret opens, for a
// client at address ip. Anyone holding the link may read it: the secret is
// the credential.
func (a *App) InvitationByLink(ctx context.Context, secret, ip string) (*InvitationLink, error) {
	inv, err := a.invitationByLink(ctx, secret, ip)
	if err != nil {
		return nil, err
	}
	out := &InvitationLink{Invitation: inv}
	switch _, err := a.store.UserByEmail(ctx, inv.Email); openfast.ErrorCode(err) {
	case "":
		out.HasAccount = true
	case openfast.ENOTFOUND:
	default:
		return nil, err
	}
	return out, nil
}

// AcceptInvitationByLink accepts the invitation of a link for the caller,
// whose user must have the invited email.
func (a *App) AcceptInvitationByLink(ctx context.Context, c Caller, secret string) (*openfast.Invitation, error) {
	if _, err := authorize(c, ActAcceptInvitation, ""); err != nil {
		return nil, err
	}
	inv, err := a.invitationByLink(ctx, secret, c.IP)
	if err != nil {
		return nil, err
	}
	me, err := a.store.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	if me.Email != inv.Email {
		return nil, openfast.Errorf(openfast.EFORBIDDEN, "This invitation is for %s, and you are signed in as %s: sign in with the invited email to accept it.", inv.Email, me.Email)
	}
	return a.AcceptInvitation(ctx, c, inv.ID)
}

// NewInvitedUser is the form of a link's invitee without an account.
type NewInvitedUser struct {
	Secret         string
	Name, Password string
	IP, UserAgent  string
}

// AcceptInvitationAsNewUser creates the user of the invited email with a
// name and password, accepts the invitation and signs the user in. It
// returns the session's cookie value, the session and the accepted
// invitation. When a user has the email already, it is ECONFLICT: they
// sign in and accept.
func (a *App) AcceptInvitationAsNewUser(ctx context.Context, in NewInvitedUser) (string, *openfast.Session, *openfast.Invitation, error) {
	inv, err := a.invitationByLink(ctx, in.Secret, in.IP)
	if err != nil {
		return "", nil, nil, err
	}
	name, err := openfast.NormalizeName("name", in.Name)
	if err != nil {
		return "", nil, nil, err
	}
	if err := auth.CheckPassword(in.Password); err != nil {
		return "", nil, nil, openfast.Errorf(openfast.EINVALID, "Password: %s.", err.Error())
	}
	accountExists := openfast.Errorf(openfast.ECONFLICT, "An account with the email %s exists already: sign in to accept the invitation.", inv.Email)
	if _, err := a.store.UserByEmail(ctx, inv.Email); err == nil {
		return "", nil, nil, accountExists
	} else if openfast.ErrorCode(err) != openfast.ENOTFOUND {
		return "", nil, nil, err
	}
	hash, err := withHashing(ctx, func() string { return auth.HashPassword(in.Password) })
	if err != nil {
		return "", nil, nil, err
	}
	u := &openfast.User{ID: openfast.NewID(), Email: inv.Email, Name: name}
	if err := a.store.CreateUser(ctx, u); err != nil {
		if openfast.ErrorCode(err) == openfast.ECONFLICT {
			return "", nil, nil, accountExists
		}
		return "", nil, nil, fmt.Errorf("create invited user: %w", err)
	}
	audit := func(action, targetType, targetID string) *openfast.AuditEntry {
		return &openfast.AuditEntry{ActorUserID: u.ID, ActorDisplayKey: SessionDisplayKey, Action: action, TargetType: targetType, TargetID: targetID, IP: in.IP}
	}
	if err := a.store.SetPassword(ctx, u.ID, hash, "", audit(openfast.AuditPasswordSet, "user", u.ID)); err != nil {
		return "", nil, nil, fmt.Errorf("set the invited user's password: %w", err)
	}
	accepted, err := a.store.AcceptInvitation(ctx, inv.ID, u, a.invitationsSince(a.now()), audit(openfast.AuditInvitationAccept, "invitation", inv.ID))
	if err != nil {
		return "", nil, nil, err
	}
	a.verifier.Invalidate()
	raw, s, err := a.startSession(ctx, u.ID, in.IP, in.UserAgent, a.now())
	if err != nil {
		return "", nil, nil, err
	}
	return raw, s, accepted, nil
}
