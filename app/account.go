package app

import (
	"context"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// Account is the account a caller acts for, with what the calling
// credential may do.
type Account struct {
	User *openfast.User
	// WebsiteID is the website of a calling website key ("" for a token).
	WebsiteID string
	// The calling credential: its kind, displayKey, permissions and
	// websites (a website key's permissions are on its one website).
	Kind        auth.Kind
	DisplayKey  string
	Permissions []string
	WebsiteIDs  []string
}

// Account returns the caller's account. A website key acts for the owner
// of its website.
func (a *App) Account(ctx context.Context, c Caller) (*Account, error) {
	if _, err := authorize(c, ActGetAccount, ""); err != nil {
		return nil, err
	}
	acc := &Account{Kind: c.Kind, DisplayKey: c.DisplayKey, Permissions: c.Permissions, WebsiteIDs: c.WebsiteIDs}
	userID := c.UserID
	if c.Kind == auth.KindWebsiteKey {
		site, err := a.website(ctx, c.Principal.WebsiteID)
		if err != nil {
			return nil, err
		}
		userID = site.OwnerID
		acc.WebsiteID = c.Principal.WebsiteID
		acc.WebsiteIDs = []string{c.Principal.WebsiteID}
	}
	u, err := a.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	acc.User = u
	return acc, nil
}

// UpdateAccountName changes the caller's user's name, the one part of the
// account that can change. name nil means not given.
func (a *App) UpdateAccountName(ctx context.Context, c Caller, name *string) (*openfast.User, error) {
	if _, err := authorize(c, ActUpdateAccount, ""); err != nil {
		return nil, err
	}
	if name == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "name is required.")
	}
	n, err := openfast.NormalizeName("name", *name)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "name must not be empty.")
	}
	return a.store.UpdateUserName(ctx, c.UserID, *n, c.audit("", openfast.AuditAccountUpdate, "user", c.UserID, ""))
}

// AuditPage is one page of an audit log, newest first.
type AuditPage struct {
	Entries       []*openfast.AuditEntry
	Limit, Offset int
	Total         int
}

// Page bounds of the audit logs.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 200
	MaxAuditOffset    = 1_000_000_000
)

// WebsiteAuditLog reads a website's audit log.
func (a *App) WebsiteAuditLog(ctx context.Context, c Caller, websiteID string, limit, offset int) (*AuditPage, error) {
	id, err := authorize(c, ActWebsiteAuditLog, websiteID)
	if err != nil {
		return nil, err
	}
	return a.auditLog(ctx, openfast.AuditQuery{WebsiteID: id}, limit, offset)
}

// AccountAuditLog reads the account-level entries (tokens, account) of the
// caller's user's actions.
func (a *App) AccountAuditLog(ctx context.Context, c Caller, limit, offset int) (*AuditPage, error) {
	if _, err := authorize(c, ActAccountAuditLog, ""); err != nil {
		return nil, err
	}
	return a.auditLog(ctx, openfast.AuditQuery{UserID: c.UserID}, limit, offset)
}

func (a *App) auditLog(ctx context.Context, q openfast.AuditQuery, limit, offset int) (*AuditPage, error) {
	if limit < 1 || limit > MaxAuditLimit {
		return nil, openfast.Errorf(openfast.EINVALID, "limit must be an integer from 1 to %d.", MaxAuditLimit)
	}
	if offset < 0 || offset > MaxAuditOffset {
		return nil, openfast.Errorf(openfast.EINVALID, "offset must be an integer from 0 to %d.", MaxAuditOffset)
	}
	entries, total, err := a.store.AuditLog(ctx, q, limit, offset)
	if err != nil {
		return nil, err
	}
	return &AuditPage{Entries: entries, Limit: limit, Offset: offset, Total: total}, nil
}
