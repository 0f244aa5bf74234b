package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// The Account API (/api/v1/admin): the account, access tokens, websites,
// website keys, team, invitations and the audit log.

const admin = "/api/v1/admin"

// Account is the data of GET /admin/account.
type Account struct {
	ID                  string      `json:"_id"`
	Name                *string     `json:"name"`
	Email               string      `json:"email"`
	Image               *string     `json:"image"`
	HasAccess           bool        `json:"hasAccess"`
	PlanType            *string     `json:"planType"`
	IsFreeTrialActive   bool        `json:"isFreeTrialActive"`
	FreeTrialStartAt    *string     `json:"freeTrialStartAt"`
	BillingCycleStartAt *string     `json:"billingCycleStartAt"`
	BillingCycleEndAt   *string     `json:"billingCycleEndAt"`
	CreatedAt           string      `json:"createdAt,omitempty"`
	WebsiteID           string      `json:"websiteId,omitempty"` // df_ keys only: the key's website
	Credential          *Credential `json:"credential,omitempty"`
}

// Credential describes the calling credential (an openfast extension of
// the account answer; nil from servers without it).
type Credential struct {
	Type        string   `json:"type"`
	DisplayKey  string   `json:"displayKey"`
	Permissions []string `json:"permissions"`
	WebsiteIDs  []string `json:"websiteIds"`
}

// Profile is the data of PUT /admin/account.
type Profile struct {
	ID    string  `json:"_id"`
	Name  *string `json:"name"`
	Email string  `json:"email"`
	Image *string `json:"image"`
}

// Account returns the account of the calling credential (for a df_ key,
// its website owner's, with WebsiteID set).
func (c *Client) Account(ctx context.Context) (*Account, *Response, error) {
	return one[Account](ctx, c, http.MethodGet, admin+"/account", nil, nil)
}

// UpdateAccount changes the account's name.
func (c *Client) UpdateAccount(ctx context.Context, name string) (*Profile, *Response, error) {
	return one[Profile](ctx, c, http.MethodPut, admin+"/account", nil, map[string]string{"name": name})
}

// AccessToken is a dft_ account token. Key is set only in the answer that
// creates it.
type AccessToken struct {
	ID          string   `json:"_id"`
	Name        *string  `json:"name"`
	DisplayKey  string   `json:"displayKey"`
	Scope       string   `json:"scope"`
	Permissions []string `json:"permissions"`
	WebsiteIDs  []string `json:"websiteIds"`
	LastUsedAt  *string  `json:"lastUsedAt"`
	CreatedAt   string   `json:"createdAt"`
	Key         string   `json:"key,omitempty"`
}

// CreateAccessTokenParams is the body of POST /admin/access-tokens. Nil
// Permissions means all ("*"); nil WebsiteIDs means all websites.
type CreateAccessTokenParams struct {
	Name        *string  `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	WebsiteIDs  []string `json:"websiteIds,omitempty"`
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

// Website is a website as GET /admin/websites lists it (with Role) or as
// GET /admin/websites/{id} returns it (with its settings).
type Website struct {
	ID                       string   `json:"_id"`
	Domain                   string   `json:"domain"`
	Name                     *string  `json:"name"`
	TrackingID               string   `json:"trackingId"`
	Timezone                 string   `json:"timezone"`
	Currency                 string   `json:"currency"`
	Role                     string   `json:"role,omitempty"`
	KPI                      *string  `json:"kpi,omitempty"`
	KPIColorScheme           *string  `json:"kpiColorScheme,omitempty"`
	RevenueMetric            *string  `json:"revenueMetric,omitempty"`
	IsCookieless             bool     `json:"isCookieless,omitempty"`
	IncludeRenewalRevenue    bool     `json:"includeRenewalRevenue,omitempty"`
	AllowedHostnames         []string `json:"allowedHostnames,omitempty"`
	ExcludedIPs              []string `json:"excludedIps,omitempty"`
	ExcludedPaths            []string `json:"excludedPaths,omitempty"`
	ExcludedCountries        []string `json:"excludedCountries,omitempty"`
	ExcludedHostnames        []string `json:"excludedHostnames,omitempty"`
	IsAllHostnamesAllowed    bool     `json:"isAllHostnamesAllowed,omitempty"`
	SendWeeklyReports        bool     `json:"sendWeeklyReports,omitempty"`
	SendViralTrafficAlerts   bool     `json:"sendViralTrafficAlerts,omitempty"`
	IsPublicDashboardEnabled bool     `json:"isPublicDashboardEnabled,omitempty"`
	IsPublicDataEnabled      bool     `json:"isPublicDataEnabled,omitempty"`
	IsAttackModeEnabled      bool     `json:"isAttackModeEnabled,omitempty"`
	CreatedAt                string   `json:"createdAt,omitempty"`
}

// CreateWebsiteParams is the body of POST /admin/websites.
type CreateWebsiteParams struct {
	Domain   string  `json:"domain"`
	Timezone string  `json:"timezone"`
	Name     *string `json:"name,omitempty"`
}

// CreatedWebsite is the data of POST /admin/websites.
type CreatedWebsite struct {
	WebsiteID  string `json:"websiteId"`
	Domain     string `json:"domain"`
	TrackingID string `json:"trackingId"`
}

// Websites lists the websites the credential can see, with the user's role.
func (c *Client) Websites(ctx context.Context) ([]Website, *Response, error) {
	return many[Website](ctx, c, http.MethodGet, admin+"/websites", nil, nil)
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

// APIKey is a df_ website key. Key is set only in the answers that create
// or roll it.
type APIKey struct {
	ID         string  `json:"_id"`
	Name       *string `json:"name"`
	DisplayKey string  `json:"displayKey"`
	WebsiteID  string  `json:"websiteId"`
	LastUsedAt *string `json:"lastUsedAt"`
	CreatedAt  string  `json:"createdAt"`
	Key        string  `json:"key,omitempty"`
}

// Deleted is the data of the deletes that answer data[0].deleted.
type Deleted struct {
	ID      string `json:"_id,omitempty"`
	Deleted bool   `json:"deleted"`
}

func apiKeysPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/apikeys"
}

// APIKeys lists the keys of a website, masked.
func (c *Client) APIKeys(ctx context.Context, websiteID string) ([]APIKey, *Response, error) {
	return many[APIKey](ctx, c, http.MethodGet, apiKeysPath(websiteID), nil, nil)
}

// CreateAPIKey creates a website key (name may be nil); the answer holds
// its raw value, shown this once.
func (c *Client) CreateAPIKey(ctx context.Context, websiteID string, name *string) (*APIKey, *Response, error) {
	body := map[string]any{}
	if name != nil {
		body["name"] = *name
	}
	return one[APIKey](ctx, c, http.MethodPost, apiKeysPath(websiteID), nil, body)
}

// RollAPIKey gives a website key a new value; the old value stops working.
func (c *Client) RollAPIKey(ctx context.Context, websiteID, keyID string) (*APIKey, *Response, error) {
	return one[APIKey](ctx, c, http.MethodPut, apiKeysPath(websiteID)+"/"+seg(keyID), nil, nil)
}

// DeleteAPIKey revokes a website key.
func (c *Client) DeleteAPIKey(ctx context.Context, websiteID, keyID string) (*Deleted, *Response, error) {
	return one[Deleted](ctx, c, http.MethodDelete, apiKeysPath(websiteID)+"/"+seg(keyID), nil, nil)
}

// Member is a user with a role on a website.
type Member struct {
	UserID   string  `json:"userId"`
	Name     *string `json:"name"`
	Email    string  `json:"email"`
	Image    *string `json:"image"`
	Role     string  `json:"role"`
	JoinedAt string  `json:"joinedAt"`
}

// InvitationCreated is the data of POST /admin/websites/{id}/team.
type InvitationCreated struct {
	Message      string `json:"message"`
	InvitationID string `json:"invitationId"`
	Email        string `json:"email"`
	Role         string `json:"role"`
}

// Invitation is a pending invitation addressed to the caller.
type Invitation struct {
	ID        string `json:"_id"`
	WebsiteID string `json:"websiteId"`
	Domain    string `json:"domain"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	CreatedAt string `json:"createdAt"`
}

// AcceptedInvitation is the data of POST /admin/invitations/{id}/accept.
type AcceptedInvitation struct {
	Message   string `json:"message"`
	WebsiteID string `json:"websiteId"`
	Domain    string `json:"domain"`
	Role      string `json:"role"`
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

// RemoveMember removes a user from a website. Owner only.
func (c *Client) RemoveMember(ctx context.Context, websiteID, userID string) (*Message, *Response, error) {
	return one[Message](ctx, c, http.MethodDelete, teamPath(websiteID), nil, map[string]string{"userId": userID})
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

// AuditEntry is one entry of an audit log (an openfast route).
type AuditEntry struct {
	ID        json.Number `json:"id"`
	WebsiteID *string     `json:"websiteId"`
	Action    string      `json:"action"`
	Actor     struct {
		UserID     *string `json:"userId"`
		DisplayKey string  `json:"displayKey"`
	} `json:"actor"`
	Target struct {
		Type       string  `json:"type"`
		ID         string  `json:"id"`
		DisplayKey *string `json:"displayKey"`
	} `json:"target"`
	IP        string `json:"ip"`
	CreatedAt string `json:"createdAt"`
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
