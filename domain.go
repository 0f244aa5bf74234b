package openfast

import (
	"context"
	"crypto/rand"
	"time"
)

// Limits that the stores enforce atomically.
const (
	MaxAPIKeysPerWebsite   = 10
	MaxAccessTokensPerUser = 20
)

// MaxCredentialLifetime is how far ahead a key's or token's expiresAt may
// be.
const MaxCredentialLifetime = 5 * 365 * 24 * time.Hour

// Role is a user's role on a website.
type Role string

// The website roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Rank orders roles: owner 3, member 2, viewer 1, anything else 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// User is an account. Credentials of kind account token belong to a user.
type User struct {
	ID        string
	Email     string
	Name      *string
	Image     *string
	CreatedAt time.Time
}

// Website is a tracked site and its settings.
type Website struct {
	ID         string
	TrackingID string
	OwnerID    string
	Domain     string
	Name       *string
	Timezone   string
	Currency   string
	CreatedAt  time.Time
	WebsiteSettings
}

// WebsiteSettings are the website fields that only PUT /websites/{id} changes.
type WebsiteSettings struct {
	KPI                      *string
	KPIColorScheme           *string
	RevenueMetric            *string
	SendWeeklyReports        bool
	SendViralTrafficAlerts   bool
	IsPublicDashboardEnabled bool
	IsPublicDataEnabled      bool
	IsCookieless             bool
	IsAttackModeEnabled      bool
	IncludeRenewalRevenue    bool
	IsAllHostnamesAllowed    bool
	AllowedHostnames         []string
	ExcludedIPs              []string
	ExcludedPaths            []string
	ExcludedCountries        []string
	ExcludedHostnames        []string
	// RetentionDays is how many whole days of events the website keeps
	// before today (in its timezone); nil: the server-wide retention
	// (RetentionCutoff).
	RetentionDays *int
}

// WebsiteWithRole is a website as listed for one user.
type WebsiteWithRole struct {
	*Website
	Role Role
}

// APIKey is a df_ website key. Only the SHA-256 of the raw key is kept.
type APIKey struct {
	ID         string
	WebsiteID  string
	Name       *string
	DisplayKey string
	Hash       []byte
	// Permissions are what the key may do on its website, sorted; ["*"]
	// (and nil, for keys made before keys had permissions) is every
	// website-level permission, DataFast's behaviour.
	Permissions  []string
	CreatedByKey string // displayKey of the credential that created it
	// CreatedBy is the _id of the user on whose authority the key was
	// made: the user of the token that created it, or the CreatedBy of the
	// key that created it. "" for keys made before it was recorded. When
	// that user's membership of the website ends, the key is revoked.
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	// Usage7d is how many requests the key authenticated in the last 7
	// UTC days, today included; filled in by the app, not stored here.
	Usage7d int64
	// ExpiresAt is when the key stops working (refused from that instant
	// on); nil for never, DataFast's behaviour.
	ExpiresAt *time.Time
	// AllowedIPs are the client addresses the key may be used from:
	// normalized CIDR prefixes ("10.0.0.0/8", "203.0.113.7/32"); nil for
	// any address, DataFast's behaviour.
	AllowedIPs []string
	// PreviousHash is the SHA-256 of the value the key had before its
	// last roll, which works until PreviousExpiresAt (a roll with a grace
	// period); nil when the previous value stopped at the roll.
	PreviousHash      []byte
	PreviousExpiresAt *time.Time
}

// AccessToken is a dft_ account token. Only the SHA-256 of the raw token is
// kept. An empty WebsiteIDs means every website the user can access.
type AccessToken struct {
	ID          string
	UserID      string
	Name        *string
	DisplayKey  string
	Hash        []byte
	Permissions []string
	WebsiteIDs  []string
	// CreatedBy is the _id of the user who created the token ("" for
	// tokens made before it was recorded).
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	// Usage7d is how many requests the token authenticated in the last 7
	// UTC days, today included; filled in by the app, not stored here.
	Usage7d int64
	// ExpiresAt is when the token stops working (refused from that
	// instant on); nil for never.
	ExpiresAt *time.Time
	// AllowedIPs are the client addresses the token may be used from,
	// normalized CIDR prefixes; nil for any address.
	AllowedIPs []string
}

// Member is a user's membership of a website, with the user's profile.
type Member struct {
	WebsiteID string
	UserID    string
	Name      *string
	Email     string
	Image     *string
	Role      Role
	JoinedAt  time.Time
}

// Invitation invites an email address to a website with a role.
type Invitation struct {
	ID        string
	WebsiteID string
	Domain    string // filled when listed for the invitee
	Email     string
	Role      Role
	InvitedBy string
	CreatedAt time.Time
	ExpiresAt time.Time // set by the app, from its invitation lifetime
	// LinkHash is the SHA-256 of the secret of the invitation's link (nil:
	// no link). Stored at creation, never read back into lists.
	LinkHash []byte
}

// AuditEntry records one security-relevant change.
type AuditEntry struct {
	ID               int64
	WebsiteID        string // empty for account-level actions
	ActorUserID      string
	ActorDisplayKey  string
	Action           string
	TargetType       string
	TargetID         string
	TargetDisplayKey string
	IP               string
	CreatedAt        time.Time
}

// KeyRevoked returns the entry recording that the action a records (a
// member's removal) revoked key k: same actor, address and website. A nil
// a gives nil.
func (a *AuditEntry) KeyRevoked(k *APIKey) *AuditEntry {
	if a == nil {
		return nil
	}
	e := *a
	e.ID, e.Action, e.TargetType, e.TargetID, e.TargetDisplayKey = 0, AuditAPIKeyRevoke, "apikey", k.ID, k.DisplayKey
	return &e
}

// Audit actions.
const (
	AuditAPIKeyCreate      = "apikey.create"
	AuditAPIKeyRoll        = "apikey.roll"
	AuditAPIKeyDelete      = "apikey.delete"
	AuditAPIKeyRevoke      = "apikey.revoke" // with its maker's membership
	AuditAccessTokenCreate = "access_token.create"
	AuditAccessTokenDelete = "access_token.delete"
	AuditWebsiteCreate     = "website.create"
	AuditWebsiteUpdate     = "website.update"
	AuditWebsiteDelete     = "website.delete"
	AuditAccountUpdate     = "account.update"
	AuditTeamInvite        = "team.invite"
	AuditInvitationAccept  = "team.accept"
	AuditTeamRemove        = "team.remove"
	AuditTeamWithdraw      = "team.withdraw"
	AuditGoalCustomize     = "goal.customize"
)

// UserStore stores users.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // ECONFLICT if the email is taken
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	UpdateUserName(ctx context.Context, id, name string, audit *AuditEntry) (*User, error)
}

// MaxWebsitesByDomain bounds WebsiteStore.WebsitesByDomain.
const MaxWebsitesByDomain = 100

// WebsiteStore stores websites. CreateWebsite also makes w.OwnerID the
// website's owner, in the same transaction.
type WebsiteStore interface {
	CreateWebsite(ctx context.Context, w *Website, audit *AuditEntry) error // ECONFLICT if the owner has the domain
	Website(ctx context.Context, id string) (*Website, error)
	// WebsiteByTrackingID finds a website by the trackingId its tracker
	// snippet carries (dfid_...).
	WebsiteByTrackingID(ctx context.Context, trackingID string) (*Website, error)
	// WebsitesByDomain lists the websites of a domain (one per owner at
	// most), oldest first, at most MaxWebsitesByDomain of them.
	WebsitesByDomain(ctx context.Context, domain string) ([]*Website, error)
	WebsitesForUser(ctx context.Context, userID string) ([]WebsiteWithRole, error)
	// UpdateWebsite reads a website, lets apply change it, and stores the
	// result, atomically: concurrent updates never lose each other's
	// changes. An error from apply aborts the update and is returned.
	UpdateWebsite(ctx context.Context, id string, apply func(*Website) error, audit *AuditEntry) (*Website, error)
	// DeleteWebsite removes the website with its keys, members and
	// invitations, and records audit (if not nil) in the same transaction.
	DeleteWebsite(ctx context.Context, id string, audit *AuditEntry) error
}

// APIKeyStore stores website keys.
type APIKeyStore interface {
	// CreateAPIKey inserts k unless its website already has limit keys, in
	// which case it returns ELIMIT. The check and the insert are atomic,
	// also across processes.
	CreateAPIKey(ctx context.Context, k *APIKey, limit int, audit *AuditEntry) error
	APIKeys(ctx context.Context, websiteID string) ([]*APIKey, error)
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// RollAPIKey replaces the hash and displayKey of a key, keeping its ID.
	// The new value is issued on the authority of user rolledBy, who
	// becomes the key's CreatedBy ("" for unknown): whoever learns a key's
	// value answers for it.
	// RollAPIKey gives a key a new value. With previousUntil set, the
	// previous value keeps working until then; nil ends it at once. The
	// key's AllowedIPs become allowedIPs (nil: any address).
	RollAPIKey(ctx context.Context, websiteID, id string, hash []byte, displayKey, rolledBy string, previousUntil *time.Time, allowedIPs []string, audit *AuditEntry) (*APIKey, error)
	DeleteAPIKey(ctx context.Context, websiteID, id string, audit *AuditEntry) error
}

// AccessTokenStore stores account tokens.
type AccessTokenStore interface {
	// CreateAccessToken inserts t unless its user already has limit tokens
	// (ELIMIT), atomically.
	CreateAccessToken(ctx context.Context, t *AccessToken, limit int, audit *AuditEntry) error
	AccessTokens(ctx context.Context, userID string) ([]*AccessToken, error)
	AccessToken(ctx context.Context, userID, id string) (*AccessToken, error)
	AccessTokenByHash(ctx context.Context, hash []byte) (*AccessToken, error)
	DeleteAccessToken(ctx context.Context, userID, id string, audit *AuditEntry) error
}

// CredentialUseStore records when credentials were last used, and how
// often.
type CredentialUseStore interface {
	// TouchCredentials sets lastUsedAt of the given key and token IDs.
	TouchCredentials(ctx context.Context, keys, tokens map[string]time.Time) error
	// AddCredentialUsage adds each count to the stored count of its
	// credential and day (creating it at zero), so that the counts of
	// several processes sharing the store add up. All or none are added.
	AddCredentialUsage(ctx context.Context, counts []CredentialUsage) error
	// CredentialUsage returns the stored counts of the credentials of kind
	// with the given IDs, for the days from from (a UTC midnight) on, in no
	// particular order. IDs without counts have no rows.
	CredentialUsage(ctx context.Context, kind string, ids []string, from time.Time) ([]CredentialUsage, error)
	// DeleteCredentialUsageBefore deletes the counts of the days before
	// day (a UTC midnight).
	DeleteCredentialUsageBefore(ctx context.Context, day time.Time) error
}

// The kinds of credential that usage is counted for.
const (
	CredentialAPIKey      = "apikey"
	CredentialAccessToken = "access_token"
)

// UsageDays is how many UTC days of credential usage are kept, today
// included.
const UsageDays = 90

// CredentialUsage is how many requests one credential authenticated on
// one UTC day.
type CredentialUsage struct {
	Kind         string // CredentialAPIKey or CredentialAccessToken
	CredentialID string
	Day          time.Time // 00:00 UTC of the day
	Requests     int64
}

// UsageDay is the UTC midnight that starts the day of t.
func UsageDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TeamStore stores memberships and invitations.
type TeamStore interface {
	Members(ctx context.Context, websiteID string) ([]*Member, error)
	// Memberships returns the user's role on each website they belong to.
	Memberships(ctx context.Context, userID string) (map[string]Role, error)
	// CreateInvitation returns ECONFLICT when the email is already a member
	// or already has a pending invitation to the website made at or after
	// since; older pending invitations of the email to the website, which
	// have expired, are deleted.
	CreateInvitation(ctx context.Context, inv *Invitation, since time.Time, audit *AuditEntry) error
	// PendingInvitations lists the invitations addressed to email made at
	// or after since (the older ones have expired).
	PendingInvitations(ctx context.Context, email string, since time.Time) ([]*Invitation, error)
	// AcceptInvitation turns the invitation into a membership of user, whose
	// email must be the invitation's (else ENOTFOUND). An invitation made
	// before since has expired: EFORBIDDEN.
	AcceptInvitation(ctx context.Context, id string, user *User, since time.Time, audit *AuditEntry) (*Invitation, error)
	// WebsiteInvitations lists a website's pending invitations made at or
	// after since, the oldest first.
	WebsiteInvitations(ctx context.Context, websiteID string, since time.Time) ([]*Invitation, error)
	// InvitationByLinkHash returns the pending invitation whose link secret
	// hashes to hash (expired or not: the caller checks its age), or
	// ENOTFOUND; an accepted or withdrawn invitation is not found.
	InvitationByLinkHash(ctx context.Context, hash []byte) (*Invitation, error)
	// WithdrawInvitation deletes the pending invitation of email to a
	// website, expired or not, or returns ENOTFOUND.
	WithdrawInvitation(ctx context.Context, websiteID, email string, audit *AuditEntry) error
	// RemoveMember returns ENOTFOUND when the user is not a member.
	//
	// The website keys made on the user's authority on this website
	// (APIKey.CreatedBy) are deleted in the same transaction, each with an
	// AuditAPIKeyRevoke entry made from audit, and returned.
	RemoveMember(ctx context.Context, websiteID, userID string, audit *AuditEntry) ([]*APIKey, error)
}

// AuditQuery selects audit entries: a website's, when WebsiteID is set;
// otherwise the account-level entries (no website) of UserID's actions.
type AuditQuery struct {
	WebsiteID string
	UserID    string
}

// AuditLogStore reads the audit log.
type AuditLogStore interface {
	// AuditLog returns the selected entries, newest first, and their total count.
	AuditLog(ctx context.Context, q AuditQuery, limit, offset int) ([]*AuditEntry, int, error)
}

// MetadataStore is everything the account API needs from a metadata store.
type MetadataStore interface {
	UserStore
	WebsiteStore
	APIKeyStore
	AccessTokenStore
	CredentialUseStore
	TeamStore
	AuditLogStore
	SaltStore
	PaymentClaimStore
	SignInStore
	GoalCustomizationStore
	MailStore
	AlertStore
	FunnelStore
	IntegrationStore
	Ping(ctx context.Context) error
	Close() error
}

// SaltStore keeps the daily salts from which cookieless visitor ids are
// derived, so that every server of an installation, and a server after a
// restart, derives the same id for the same visitor on the same day. Old
// salts are deleted: yesterday's visitors cannot be linked to today's.
type SaltStore interface {
	// DailySalt returns the salt of a UTC day (YYYY-MM-DD), creating a
	// random one if the day has none, and deletes the salts of days before
	// the day before it.
	DailySalt(ctx context.Context, day string) ([]byte, error)
}

// NewDailySalt is what a SaltStore stores for a day it has no salt for:
// a random 32-byte salt, and the first day whose salt it keeps with it
// (the day before; older ones are deleted). A day that is not YYYY-MM-DD
// is EINVALID.
func NewDailySalt(day string) (salt []byte, keepFrom string, err error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil, "", Errorf(EINVALID, "salt day %q is not a date", day)
	}
	salt = make([]byte, 32)
	rand.Read(salt)
	return salt, d.AddDate(0, 0, -1).Format(time.DateOnly), nil
}

// ChangeWatcher is implemented by metadata stores that several servers
// share: it tells a server, as soon as another one commits it, of a change
// that can revoke or narrow access, so that its caches drop what they hold.
type ChangeWatcher interface {
	// WatchChanges calls changed after each such change until ctx ends,
	// and lost when it stops hearing of changes for a while (it goes on
	// trying; caches then expire by their TTL only).
	WatchChanges(ctx context.Context, changed func(), lost func(error))
}

// KeepWatching runs watch until ctx ends: when watch returns before that,
// it tells lost why and runs it again a second later. A ChangeWatcher's
// watch calls changed once it listens, for what it may have missed.
func KeepWatching(ctx context.Context, watch func(context.Context) error, lost func(error)) {
	for ctx.Err() == nil {
		err := watch(ctx)
		if ctx.Err() != nil {
			return
		}
		lost(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
