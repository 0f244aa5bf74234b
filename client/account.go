package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/openfast/openfast/wire"
)

// The Account API (/api/v1/admin): the account, access tokens, websites,
// website keys, team, invitations and the audit log.

const admin = "/api/v1/admin"

// The answers of the Account API are the shapes of package wire; these
// names are kept for the callers of this package.
type (
	Account            = wire.Account            // GET /admin/account
	Credential         = wire.Credential         // Account.Credential
	Profile            = wire.Profile            // PUT /admin/account
	AccessToken        = wire.AccessToken        // Key only in the answer that creates it
	WebsiteListItem    = wire.WebsiteListItem    // GET /admin/websites
	Website            = wire.Website            // GET and PUT /admin/websites/{id}
	CreatedWebsite     = wire.WebsiteCreated     // POST /admin/websites
	APIKey             = wire.APIKey             // Key only in the answers that create or roll it
	Deleted            = wire.APIKeyDeleted      // DELETE /admin/websites/{id}/apikeys/{keyId}
	Member             = wire.Member             // GET /admin/websites/{id}/team
	InvitationCreated  = wire.InvitationCreated  // POST /admin/websites/{id}/team
	Invitation         = wire.Invitation         // GET /admin/invitations
	AcceptedInvitation = wire.InvitationAccepted // POST /admin/invitations/{id}/accept
	AuditEntry         = wire.AuditEntry         // the audit logs
	MemberRemoved      = wire.MemberRemoved      // DELETE /admin/websites/{id}/team
	CredentialUsage    = wire.CredentialUsage    // GET .../apikeys/{keyId}/usage and /admin/access-tokens/{id}/usage
)

// Account returns the account of the calling credential (for a df_ key,
// its website owner's, with WebsiteID set).
func (c *Client) Account(ctx context.Context) (*Account, *Response, error) {
	return one[Account](ctx, c, http.MethodGet, admin+"/account", nil, nil)
}

// UpdateAccount changes the account's name.
func (c *Client) UpdateAccount(ctx context.Context, name string) (*Profile, *Response, error) {
	return one[Profile](ctx, c, http.MethodPut, admin+"/account", nil, map[string]string{"name": name})
}

// CreateAccessTokenParams is the body of POST /admin/access-tokens. Nil
// Permissions means all ("*"); nil WebsiteIDs means all websites.
type CreateAccessTokenParams struct {
	Name        *string  `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	WebsiteIDs  []string `json:"websiteIds,omitempty"`
	// ExpiresAt, ISO 8601, is when the token stops working; "" is never.
	ExpiresAt string `json:"expiresAt,omitempty"`
	// AllowedIPs are the CIDR prefixes or addresses the token may be used
	// from; nil is the caller's (any address for an unrestricted caller).
	AllowedIPs []string `json:"allowedIps,omitempty"`
}

// AccessTokens lists the account tokens of the caller's user, masked.
func (c *Client) AccessTokens(ctx context.Context) ([]AccessToken, *Response, error) {
	return many[AccessToken](ctx, c, http.MethodGet, admin+"/access-tokens", nil, nil)
}

// CreateAccessToken creates an account token; the answer holds its raw
// value (Key), shown this once.
func (c *Client) CreateAccessToken(ctx context.Context, p CreateAccessTokenParams) (*AccessToken, *Response, error) {
	return one[AccessToken](ctx, c, http.MethodPost, admin+"/access-tokens", nil, p)
}

// DeleteAccessToken revokes an account token of the caller's user.
func (c *Client) DeleteAccessToken(ctx context.Context, tokenID string) (*Message, *Response, error) {
	return one[Message](ctx, c, http.MethodDelete, admin+"/access-tokens/"+seg(tokenID), nil, nil)
}

// CreateWebsiteParams is the body of POST /admin/websites.
type CreateWebsiteParams struct {
	Domain   string  `json:"domain"`
	Timezone string  `json:"timezone"`
	Name     *string `json:"name,omitempty"`
}

// Websites lists the websites the credential can see, with the user's role.
func (c *Client) Websites(ctx context.Context) ([]WebsiteListItem, *Response, error) {
	return many[WebsiteListItem](ctx, c, http.MethodGet, admin+"/websites", nil, nil)
}

// CreateWebsite creates a website owned by the caller's user.
func (c *Client) CreateWebsite(ctx context.Context, p CreateWebsiteParams) (*CreatedWebsite, *Response, error) {
	return one[CreatedWebsite](ctx, c, http.MethodPost, admin+"/websites", nil, p)
}

// Website returns one website with its settings.
func (c *Client) Website(ctx context.Context, websiteID string) (*Website, *Response, error) {
	return one[Website](ctx, c, http.MethodGet, admin+"/websites/"+seg(websiteID), nil, nil)
}

// UpdateWebsite changes the members of changes (a partial update: domain,
// name, timezone, currency, isCookieless, excludedPaths...) and returns the
// website.
func (c *Client) UpdateWebsite(ctx context.Context, websiteID string, changes map[string]any) (*Website, *Response, error) {
	return one[Website](ctx, c, http.MethodPut, admin+"/websites/"+seg(websiteID), nil, changes)
}

// DeleteWebsite asks to delete a website. DataFast, and openfast, refuse it
// with a 403 whose message says how to do it instead.
func (c *Client) DeleteWebsite(ctx context.Context, websiteID string) (*Response, error) {
	return c.call(ctx, http.MethodDelete, admin+"/websites/"+seg(websiteID), nil, nil, nil)
}

func apiKeysPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/apikeys"
}

// APIKeys lists the keys of a website, masked.
func (c *Client) APIKeys(ctx context.Context, websiteID string) ([]APIKey, *Response, error) {
	return many[APIKey](ctx, c, http.MethodGet, apiKeysPath(websiteID), nil, nil)
}

// CreateAPIKey creates a website key (name may be nil; nil permissions
// means every website permission, which the caller must hold); the answer
// holds its raw value, shown this once.
func (c *Client) CreateAPIKey(ctx context.Context, websiteID string, name *string, permissions []string) (*APIKey, *Response, error) {
	return c.CreateAPIKeyWith(ctx, websiteID, CreateAPIKeyParams{Name: name, Permissions: permissions})
}

// CreateAPIKeyParams is the body of POST .../apikeys. Nil Permissions
// means every website permission; "" ExpiresAt means never.
type CreateAPIKeyParams struct {
	Name        *string  `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	// ExpiresAt, ISO 8601, is when the key stops working.
	ExpiresAt string `json:"expiresAt,omitempty"`
	// AllowedIPs are the CIDR prefixes or addresses the key may be used
	// from; nil is the caller's (any address for an unrestricted caller).
	AllowedIPs []string `json:"allowedIps,omitempty"`
}

// CreateAPIKeyWith creates a website key from p; the answer holds its raw
// value, shown this once.
func (c *Client) CreateAPIKeyWith(ctx context.Context, websiteID string, p CreateAPIKeyParams) (*APIKey, *Response, error) {
	return one[APIKey](ctx, c, http.MethodPost, apiKeysPath(websiteID), nil, p)
}

// RollAPIKey gives a website key a new value; the old value stops working.
func (c *Client) RollAPIKey(ctx context.Context, websiteID, keyID string) (*APIKey, *Response, error) {
	return one[APIKey](ctx, c, http.MethodPut, apiKeysPath(websiteID)+"/"+seg(keyID), nil, nil)
}

// RollAPIKeyParams is the body of PUT .../apikeys/{apiKeyId}.
type RollAPIKeyParams struct {
	// GracePeriodSeconds keeps the previous value working that long.
	GracePeriodSeconds int `json:"gracePeriodSeconds,omitempty"`
	// AllowedIPs, when not nil, replaces the key's allowedIps: a pointer
	// to a nil list sends null (any address); nil keeps the key's.
	AllowedIPs *[]string `json:"allowedIps,omitempty"`
}

// RollAPIKeyWith is RollAPIKey with a body.
func (c *Client) RollAPIKeyWith(ctx context.Context, websiteID, keyID string, p RollAPIKeyParams) (*APIKey, *Response, error) {
	return one[APIKey](ctx, c, http.MethodPut, apiKeysPath(websiteID)+"/"+seg(keyID), nil, p)
}

// usageQuery is the days of a usage read; 0 is the server's default (90).
func usageQuery(days int) url.Values {
	if days == 0 {
		return nil
	}
	return url.Values{"days": {strconv.Itoa(days)}}
}

// APIKeyUsage reads a website key's requests per UTC day over the last
// days days (1 to 90; 0 means 90).
func (c *Client) APIKeyUsage(ctx context.Context, websiteID, keyID string, days int) (*CredentialUsage, *Response, error) {
	return object[CredentialUsage](ctx, c, http.MethodGet, apiKeysPath(websiteID)+"/"+seg(keyID)+"/usage", usageQuery(days), nil)
}

// AccessTokenUsage reads one of the caller's user's tokens' requests per
// UTC day over the last days days (1 to 90; 0 means 90).
func (c *Client) AccessTokenUsage(ctx context.Context, tokenID string, days int) (*CredentialUsage, *Response, error) {
	return object[CredentialUsage](ctx, c, http.MethodGet, admin+"/access-tokens/"+seg(tokenID)+"/usage", usageQuery(days), nil)
}

// DeleteAPIKey revokes a website key.
func (c *Client) DeleteAPIKey(ctx context.Context, websiteID, keyID string) (*Deleted, *Response, error) {
	return one[Deleted](ctx, c, http.MethodDelete, apiKeysPath(websiteID)+"/"+seg(keyID), nil, nil)
}

func teamPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/team"
}

// Team lists the members of a website.
func (c *Client) Team(ctx context.Context, websiteID string) ([]Member, *Response, error) {
	return many[Member](ctx, c, http.MethodGet, teamPath(websiteID), nil, nil)
}

// InviteMember invites email to a website as role (viewer or member; empty
// means the server's default, viewer). Owner only.
func (c *Client) InviteMember(ctx context.Context, websiteID, email, role string) (*InvitationCreated, *Response, error) {
	body := map[string]string{"email": email}
	if role != "" {
		body["role"] = role
	}
	return one[InvitationCreated](ctx, c, http.MethodPost, teamPath(websiteID), nil, body)
}

// RemoveMember removes a user from a website. Owner only. The answer lists
// the website keys revoked with the membership.
func (c *Client) RemoveMember(ctx context.Context, websiteID, userID string) (*MemberRemoved, *Response, error) {
	return one[MemberRemoved](ctx, c, http.MethodDelete, teamPath(websiteID), nil, map[string]string{"userId": userID})
}

// Invitations lists the pending invitations addressed to the caller's
// email (an openfast route).
func (c *Client) Invitations(ctx context.Context) ([]Invitation, *Response, error) {
	return many[Invitation](ctx, c, http.MethodGet, admin+"/invitations", nil, nil)
}

// AcceptInvitation accepts an invitation addressed to the caller (an
// openfast route).
func (c *Client) AcceptInvitation(ctx context.Context, invitationID string) (*AcceptedInvitation, *Response, error) {
	return one[AcceptedInvitation](ctx, c, http.MethodPost, admin+"/invitations/"+seg(invitationID)+"/accept", nil, nil)
}

// Page selects a page of a list; zero values mean the server's defaults.
type Page struct {
	Limit  int
	Offset int
}

func (p Page) query(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	return q
}

// AuditLog lists the audit log of a website, newest first.
func (c *Client) AuditLog(ctx context.Context, websiteID string, p Page) ([]AuditEntry, *Response, error) {
	return many[AuditEntry](ctx, c, http.MethodGet, admin+"/websites/"+seg(websiteID)+"/audit-log", p.query(nil), nil)
}

// AccountAuditLog lists the account-level entries (tokens, account) of the
// caller's user, newest first.
func (c *Client) AccountAuditLog(ctx context.Context, p Page) ([]AuditEntry, *Response, error) {
	return many[AuditEntry](ctx, c, http.MethodGet, admin+"/audit-log", p.query(nil), nil)
}
