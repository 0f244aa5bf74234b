package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/openfast/openfast"
)

// Members lists a website's team.
func (a *App) Members(ctx context.Context, c Caller, websiteID string) ([]*openfast.Member, error) {
	id, err := authorize(c, ActListTeam, websiteID)
	if err != nil {
		return nil, err
	}
	return a.store.Members(ctx, id)
}

// NewInvitation is the input of Invite: the invitee's email (required)
// and role (nil means viewer).
type NewInvitation struct {
	Email *string
	Role  *openfast.Role
}

// Invite invites an email address to a website. The owner cannot invite
// themselves. It returns the secret of the invitation's link (see
// InvitationByLink), which is stored nowhere: only its SHA-256 is kept.
func (a *App) Invite(ctx context.Context, c Caller, websiteID string, in NewInvitation) (linkSecret string, inv *openfast.Invitation, err error) {
	id, err := authorize(c, ActInviteMember, websiteID)
	if err != nil {
		return "", nil, err
	}
	if in.Email == nil {
		return "", nil, openfast.Errorf(openfast.EINVALID, "email is required.")
	}
	addr, err := openfast.NormalizeEmail(*in.Email)
	if err != nil {
		return "", nil, err
	}
	role := openfast.RoleViewer
	if in.Role != nil {
		role = *in.Role
	}
	if role != openfast.RoleViewer && role != openfast.RoleMember {
		return "", nil, openfast.Errorf(openfast.EINVALID, "role must be viewer or member.")
	}
	me, err := a.store.UserByID(ctx, c.UserID)
	if err != nil {
		return "", nil, err
	}
	if me.Email == addr {
		return "", nil, openfast.Errorf(openfast.EINVALID, "You cannot invite yourself.")
	}
	now := a.now()
	linkSecret = rand.Text() // 26 base32 characters: 130 random bits
	h := sha256.Sum256([]byte(linkSecret))
	inv = &openfast.Invitation{ID: openfast.NewID(), WebsiteID: id, Email: addr, Role: role, InvitedBy: c.UserID, CreatedAt: now.UTC(), LinkHash: h[:]}
	if err := a.store.CreateInvitation(ctx, inv, a.invitationsSince(now), c.audit(id, openfast.AuditTeamInvite, "invitation", inv.ID, "")); err != nil {
		return "", nil, err
	}
	inv.ExpiresAt = inv.CreatedAt.Add(a.inviteTTL)
	inv.LinkHash = nil
	return linkSecret, inv, nil
}

// WebsiteInvitations lists a website's pending invitations, for those who
// may see its team.
func (a *App) WebsiteInvitations(ctx context.Context, c Caller, websiteID string) ([]*openfast.Invitation, error) {
	id, err := authorize(c, ActListTeam, websiteID)
	if err != nil {
		return nil, err
	}
	invs, err := a.store.WebsiteInvitations(ctx, id, a.invitationsSince(a.now()))
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		inv.ExpiresAt = inv.CreatedAt.Add(a.inviteTTL)
	}
	return invs, nil
}

// invitationsSince is the creation time from which invitations are still
// valid at now.
func (a *App) invitationsSince(now time.Time) time.Time { return now.Add(-a.inviteTTL) }

// WithdrawInvitation deletes the pending invitation of an email address to
// a website, so that it can no longer be accepted.
func (a *App) WithdrawInvitation(ctx context.Context, c Caller, websiteID string, email *string) error {
	id, err := authorize(c, ActRemoveMember, websiteID)
	if err != nil {
		return err
	}
	if email == nil {
		return openfast.Errorf(openfast.EINVALID, "email is required.")
	}
	addr, err := openfast.NormalizeEmail(*email)
	if err != nil {
		return err
	}
	return a.store.WithdrawInvitation(ctx, id, addr, c.audit(id, openfast.AuditTeamWithdraw, "invitation", addr, ""))
}

// RemoveMember removes a user from a website's team; the owner cannot
// remove themselves. The website keys made on the user's authority on the
// website (made or last rolled by them, or by their keys) are revoked in
// the same transaction, each with an audit entry, and returned: a removed
// member keeps no access through them.
func (a *App) RemoveMember(ctx context.Context, c Caller, websiteID, userID string) (revoked []*openfast.APIKey, err error) {
	id, err := authorize(c, ActRemoveMember, websiteID)
	if err != nil {
		return nil, err
	}
	if userID == "" {
		return nil, openfast.Errorf(openfast.EINVALID, "userId is required.")
	}
	if err := openfast.CheckID("userId", userID); err != nil {
		return nil, err
	}
	if userID == c.UserID {
		return nil, openfast.Errorf(openfast.EINVALID, "You cannot remove yourself from a website you own.")
	}
	revoked, err = a.store.RemoveMember(ctx, id, userID, c.audit(id, openfast.AuditTeamRemove, "user", userID, ""))
	if err != nil {
		return nil, err
	}
	a.verifier.Invalidate()
	return revoked, nil
}

// Invitations lists the invitations addressed to the caller's user.
func (a *App) Invitations(ctx context.Context, c Caller) ([]*openfast.Invitation, error) {
	if _, err := authorize(c, ActListInvitations, ""); err != nil {
		return nil, err
	}
	me, err := a.store.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	invs, err := a.store.PendingInvitations(ctx, me.Email, a.invitationsSince(a.now()))
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		inv.ExpiresAt = inv.CreatedAt.Add(a.inviteTTL)
	}
	return invs, nil
}

// AcceptInvitation makes the caller's user a member. Only the invitee
// (the user whose email the invitation names) can accept.
func (a *App) AcceptInvitation(ctx context.Context, c Caller, invitationID string) (*openfast.Invitation, error) {
	if _, err := authorize(c, ActAcceptInvitation, ""); err != nil {
		return nil, err
	}
	if err := openfast.CheckID("invitationId", invitationID); err != nil {
		return nil, err
	}
	me, err := a.store.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	inv, err := a.store.AcceptInvitation(ctx, invitationID, me, a.invitationsSince(a.now()), c.audit("", openfast.AuditInvitationAccept, "invitation", invitationID, ""))
	if err != nil {
		return nil, err
	}
	a.verifier.Invalidate()
	return inv, nil
}
