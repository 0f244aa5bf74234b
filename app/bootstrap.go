package app

import (
	"context"
	"fmt"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// Bootstrap creates the user with email if there is none, and a new
// account token for them with permissions ["*"] on all their websites. It
// returns the raw token, which is stored nowhere. actor names the operator
// command in the audit log.
func (a *App) Bootstrap(ctx context.Context, rawEmail, rawName, actor string) (string, *openfast.User, error) {
	email, err := openfast.NormalizeEmail(rawEmail)
	if err != nil {
		return "", nil, err
	}
	name, err := openfast.NormalizeName("name", rawName)
	if err != nil {
		return "", nil, err
	}
	u, err := a.store.UserByEmail(ctx, email)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		u = &openfast.User{ID: openfast.NewID(), Email: email, Name: name}
		if err = a.store.CreateUser(ctx, u); openfast.ErrorCode(err) == openfast.ECONFLICT {
			u, err = a.store.UserByEmail(ctx, email) // created meanwhile by another process
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("bootstrap user %s: %w", email, err)
	}
	secret, t := auth.NewAccessToken(u.ID, nil, []string{auth.PermAll}, nil)
	audit := &openfast.AuditEntry{
		ActorUserID: u.ID, ActorDisplayKey: actor, Action: openfast.AuditAccessTokenCreate,
		TargetType: "access_token", TargetID: t.ID, TargetDisplayKey: t.DisplayKey, IP: "local",
	}
	if err := a.store.CreateAccessToken(ctx, t, openfast.MaxAccessTokensPerUser, audit); err != nil {
		return "", nil, fmt.Errorf("bootstrap token for %s: %w", email, err)
	}
	a.verifier.ForgetUnknown()
	return secret.Raw, u, nil
}
