package wire

// The Account API (/api/v1/admin): the account, access tokens, websites,
// website keys, team, invitations and audit log.

// Account is the data[0] of GET /api/v1/admin/account.
type Account struct {
	ID                  string     `json:"_id"`
	Name                *string    `json:"name"`
	Email               string     `json:"email"`
	Image               *string    `json:"image"`
	HasAccess           bool       `json:"hasAccess"`
	PlanType            *string    `json:"planType"`
	IsFreeTrialActive   bool       `json:"isFreeTrialActive"`
	FreeTrialStartAt    *string    `json:"freeTrialStartAt"`
	BillingCycleStartAt *string    `json:"billingCycleStartAt"`
	BillingCycleEndAt   *string    `json:"billingCycleEndAt"`
	CreatedAt           string     `json:"createdAt"`
	WebsiteID           string     `json:"websiteId,omitempty"` // df_ website keys only: the key's website
	Credential          Credential `json:"credential"`
}

// Credential describes the calling credential in Account (an openfast
// extension of the DataFast answer).
type Credential struct {
	Type        string   `json:"type"` // website_key or account_token
	DisplayKey  string   `json:"displayKey"`
	Permissions []string `json:"permissions"` // never null
	WebsiteIDs  []string `json:"websiteIds"`  // never null; [] means all the user's websites
}

// Profile is the data[0] of PUT /api/v1/admin/account.
type Profile struct {
	ID    string  `json:"_id"`
	Name  *string `json:"name"`
	Email string  `json:"email"`
	Image *string `json:"image"`
}

// AccessToken is a dft_ account token: the items of GET
// /api/v1/admin/access-tokens and the data[0] of POST
// /api/v1/admin/access-tokens, the only answer with Key (the raw token,
// shown once).
type AccessToken struct {
	ID          string   `json:"_id"`
	Name        *string  `json:"name"`
	DisplayKey  string   `json:"displayKey"`
	Scope       string   `json:"scope"`       // always "user"
	Permissions []string `json:"permissions"` // never null; ["*"] means all
	WebsiteIDs  []string `json:"websiteIds"`  // never null; [] means all the user's websites
	LastUsedAt  *string  `json:"lastUsedAt"`
	// Usage7d is how many requests the token authenticated in the last 7
	// UTC days, today included. (openfast addition.)
	Usage7d   int64  `json:"usage7d"`
	CreatedAt string `json:"createdAt"`
	// CreatedBy is the _id of the user who made the token; null for
	// tokens made before it was recorded. (openfast addition.)
	CreatedBy *string `json:"createdBy"`
	// ExpiresAt is when the token stops working; null for never.
	// (openfast addition.)
	ExpiresAt *string `json:"expiresAt"`
	// AllowedIPs are the client addresses the token may be used from,
	// as CIDR prefixes; null for any address. (openfast addition.)
	AllowedIPs *[]string `json:"allowedIps"`
	Key        string    `json:"key,omitempty"`
}

// WebsiteListItem is an item of GET /api/v1/admin/websites: a website the
// credential can see, with the user's role on it.
type WebsiteListItem struct {
	ID         string  `json:"_id"`
	Domain     string  `json:"domain"`
	Name       *string `json:"name"`
	TrackingID string  `json:"trackingId"`
	Timezone   string  `json:"timezone"`
	Currency   string  `json:"currency"`
	Role       string  `json:"role"` // owner, member or viewer
}

// WebsiteCreated is the data[0] of POST /api/v1/admin/websites.
type WebsiteCreated struct {
	Domain     string `json:"domain"`
	TrackingID string `json:"trackingId"`
	WebsiteID  string `json:"websiteId"`
}

// Website is a website with its settings: the data[0] of GET and PUT
// /api/v1/admin/websites/{websiteId}. The lists are never null.
type Website struct {
	ID                       string   `json:"_id"`
	Domain                   string   `json:"domain"`
	Name                     *string  `json:"name"`
	TrackingID               string   `json:"trackingId"`
	Timezone                 string   `json:"timezone"`
	Currency                 string   `json:"currency"`
	KPI                      *string  `json:"kpi"`
	KPIColorScheme           *string  `json:"kpiColorScheme"`
	RevenueMetric            *string  `json:"revenueMetric"`
	IsCookieless             bool     `json:"isCookieless"`
	IncludeRenewalRevenue    bool     `json:"includeRenewalRevenue"`
	AllowedHostnames         []string `json:"allowedHostnames"`
	ExcludedIPs              []string `json:"excludedIps"`
	ExcludedPaths            []string `json:"excludedPaths"`
	ExcludedCountries        []string `json:"excludedCountries"`
	ExcludedHostnames        []string `json:"excludedHostnames"`
	IsAllHostnamesAllowed    bool     `json:"isAllHostnamesAllowed"`
	SendWeeklyReports        bool     `json:"sendWeeklyReports"`
	SendViralTrafficAlerts   bool     `json:"sendViralTrafficAlerts"`
	IsPublicDashboardEnabled bool     `json:"isPublicDashboardEnabled"`
	IsPublicDataEnabled      bool     `json:"isPublicDataEnabled"`
	IsAttackModeEnabled      bool     `json:"isAttackModeEnabled"`
	// RetentionDays is an openfast addition: the days of events kept
	// before today, null for forever (or the server-wide retention).
	RetentionDays *int   `json:"retentionDays"`
	CreatedAt     string `json:"createdAt"`
}

// APIKey is a df_ website key: the items of GET
// /api/v1/admin/websites/{websiteId}/apikeys and the data[0] of POST
// .../apikeys and PUT .../apikeys/{apiKeyId}, the only answers with Key
// (the raw key, shown once).
type APIKey struct {
	ID         string  `json:"_id"`
	Name       *string `json:"name"`
	DisplayKey string  `json:"displayKey"`
	WebsiteID  string  `json:"websiteId"`
	LastUsedAt *string `json:"lastUsedAt"`
	// Usage7d is how many requests the key authenticated in the last 7
	// UTC days, today included. (openfast addition.)
	Usage7d   int64  `json:"usage7d"`
	CreatedAt string `json:"createdAt"`
	// Permissions are what the key may do on its website, never null;
	// ["*"] is every website permission, DataFast's keys. (openfast
	// addition.)
	Permissions []string `json:"permissions"`
	// CreatedBy is the _id of the user on whose authority the key's
	// value was issued (who made or last rolled it); null for keys made
	// before it was recorded. The key is revoked when that user leaves
	// the website. (openfast addition.)
	CreatedBy *string `json:"createdBy"`
	// ExpiresAt is when the key stops working; null for never.
	// (openfast addition.)
	ExpiresAt *string `json:"expiresAt"`
	// PreviousKeyExpiresAt is until when the value the key had before
	// its last roll keeps working (a roll with gracePeriodSeconds); null
	// when it no longer does. (openfast addition.)
	PreviousKeyExpiresAt *string `json:"previousKeyExpiresAt"`
	// AllowedIPs are the client addresses the key may be used from, as
	// CIDR prefixes; null for any address. (openfast addition.)
	AllowedIPs *[]string `json:"allowedIps"`
	Key        string    `json:"key,omitempty"`
}

// RevokedAPIKey is an item of revokedApiKeys in the answer to removing a
// team member: a key made on the member's authority, revoked with the
// membership.
type RevokedAPIKey struct {
	ID         string `json:"_id"`
	DisplayKey string `json:"displayKey"`
}

// MemberRemoved is the data[0] of DELETE
// /api/v1/admin/websites/{websiteId}/team removing a member: DataFast's
// message, and the website keys revoked with the membership (never null;
// an openfast addition).
type MemberRemoved struct {
	Message        string          `json:"message"`
	RevokedAPIKeys []RevokedAPIKey `json:"revokedApiKeys"`
}

// APIKeyDeleted is the data[0] of DELETE
// /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}.
type APIKeyDeleted struct {
	ID      string `json:"_id"`
	Deleted bool   `json:"deleted"` // always true
}

// Member is an item of GET /api/v1/admin/websites/{websiteId}/team.
type Member struct {
	UserID   string  `json:"userId"`
	Name     *string `json:"name"`
	Email    string  `json:"email"`
	Image    *string `json:"image"`
	Role     string  `json:"role"` // owner, member or viewer
	JoinedAt string  `json:"joinedAt"`
}

// InvitationCreated is the data[0] of POST
// /api/v1/admin/websites/{websiteId}/team.
type InvitationCreated struct {
	Message      string `json:"message"`
	InvitationID string `json:"invitationId"`
	Email        string `json:"email"`
	Role         string `json:"role"` // viewer or member
}

// Invitation is an item of GET /api/v1/admin/invitations (an openfast
// route): a pending invitation addressed to the caller.
type Invitation struct {
	ID        string `json:"_id"`
	WebsiteID string `json:"websiteId"`
	Domain    string `json:"domain"`
	Email     string `json:"email"`
	Role      string `json:"role"` // viewer or member
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt"` // it can no longer be accepted after
}

// InvitationAccepted is the data[0] of POST
// /api/v1/admin/invitations/{invitationId}/accept (an openfast route).
type InvitationAccepted struct {
	Domain    string `json:"domain"`
	Message   string `json:"message"`
	Role      string `json:"role"`
	WebsiteID string `json:"websiteId"`
}

// AuditEntry is an item of the audit logs (openfast routes): GET
// /api/v1/admin/websites/{websiteId}/audit-log and GET
// /api/v1/admin/audit-log, in a Paged[AuditEntry, Pagination].
type AuditEntry struct {
	ID        int64       `json:"id"`
	WebsiteID *string     `json:"websiteId"` // null for account-level entries
	Action    string      `json:"action"`
	Actor     AuditActor  `json:"actor"`
	Target    AuditTarget `json:"target"`
	IP        string      `json:"ip"`
	CreatedAt string      `json:"createdAt"`
}

// AuditActor is who acted in an AuditEntry.
type AuditActor struct {
	UserID     *string `json:"userId"` // null for a website key
	DisplayKey string  `json:"displayKey"`
}

// AuditTarget is what an AuditEntry acted on.
type AuditTarget struct {
	Type       string  `json:"type"`
	ID         string  `json:"id"`
	DisplayKey *string `json:"displayKey"`
}

// CredentialUsage answers GET
// /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}/usage and GET
// /api/v1/admin/access-tokens/{tokenId}/usage: a key's or token's
// requests per UTC day. (openfast addition.)
type CredentialUsage struct {
	ID string `json:"_id"` // the key's or token's _id
	// Usage7d is the requests of the last 7 UTC days, today included,
	// whatever the days asked for.
	Usage7d int64 `json:"usage7d"`
	// Total is the requests of the days listed.
	Total int64 `json:"total"`
	// Days has one entry per UTC day, oldest first, today last; a day
	// without requests is listed with 0.
	Days []UsageDay `json:"days"`
}

// UsageDay is one UTC day of a CredentialUsage.
type UsageDay struct {
	Date     string `json:"date"` // YYYY-MM-DD
	Requests int64  `json:"requests"`
}
