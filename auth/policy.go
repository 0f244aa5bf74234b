package auth

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/openfast/openfast"
)

// Principal is an authenticated credential, as the policy sees it.
type Principal struct {
	Kind       Kind
	ID         string // the key's or token's ID
	DisplayKey string

	// Website key: the one website it belongs to, and the user on whose
	// authority it was made ("" for keys made before that was recorded).
	// Its permissions are in Permissions. Public dashboard (KindPublic):
	// the website whose analytics it reads, as a viewer.
	WebsiteID string
	KeyMaker  string

	// Account token: its user, permissions, website allowlist (empty means
	// every website the user can access), and the user's roles. A website
	// key has permissions too, on its website.
	UserID      string
	Permissions []string
	WebsiteIDs  []string
	Memberships map[string]openfast.Role

	// ExpiresAt is when the key or token stops working; zero for never.
	// The verifier compares it with the request's time on every request,
	// cached or not.
	ExpiresAt time.Time

	// AllowedIPs are the client addresses the key or token may be used
	// from, parsed (ParseAllowedIPs); nil for any address. The verifier
	// checks the request's address against them on every request, cached
	// or not (AllowsIP).
	AllowedIPs []netip.Prefix
}

// RoleOn returns the role the principal acts with on a website: a website
// key acts as a member of its own website (write access is capped at member
// level), an account token with its user's role.
func (p *Principal) RoleOn(websiteID string) openfast.Role {
	switch p.Kind {
	case KindWebsiteKey:
		if websiteID == p.WebsiteID {
			return openfast.RoleMember
		}
	case KindAccountToken:
		return p.Memberships[websiteID]
	case KindPublic:
		if websiteID == p.WebsiteID {
			return openfast.RoleViewer
		}
	}
	return ""
}

// Scope says where a route finds the website it acts on.
type Scope uint8

// Route scopes.
const (
	// ScopeAccount routes act on the account, not on one website.
	ScopeAccount Scope = iota
	// ScopeWebsitePath routes name the website in the path: /websites/{websiteId}/...
	ScopeWebsitePath
	// ScopeWebsiteQuery routes are the Website API: a website key implies its
	// website, an account token names it with ?websiteId=.
	ScopeWebsiteQuery
)

// Policy is a route's declaration of what it needs.
type Policy struct {
	Scope           Scope
	Permission      string        // needed on account tokens; "" for none
	MinRole         openfast.Role // website scopes: the least role that may call it
	OwnerOnly       bool          // website scopes: owner only, and never a website key
	AllowWebsiteKey bool          // whether df_ keys may call it at all
	AllWebsites     bool          // account scope: the token must not be limited to some websites
	AllowPublic     bool          // whether a public dashboard's visitor (KindPublic) may call it
}

// Target is what the request acts on, as looked up by the caller of Decide.
type Target struct {
	WebsiteID string        // from the path or the query; "" when absent
	Role      openfast.Role // the principal's role on it ("" for none)
}

// Decision is the outcome of Decide. A denial carries an application error
// code, a client-safe message and a short reason for metrics.
type Decision struct {
	Allowed bool
	Code    string
	Reason  string
	Message string
}

// Err returns nil for an allowed decision and an *openfast.Error otherwise.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &openfast.Error{Code: d.Code, Message: d.Message}
}

// Denial reasons.
const (
	ReasonUnauthenticated = "unauthenticated"
	ReasonKind            = "credential_kind"
	ReasonWebsiteMissing  = "website_missing"
	ReasonWebsiteInvalid  = "website_invalid"
	ReasonWebsiteScope    = "website_scope"
	ReasonPermission      = "permission"
	ReasonNoAccess        = "no_access"
	ReasonOwnerOnly       = "owner_only"
	ReasonRole            = "role"
)

var allow = Decision{Allowed: true}

func deny(code, reason, format string, args ...any) Decision {
	return Decision{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Decide decides whether principal p may call a route with policy pol on
// target t, in the order of the spec (§2.6): 401 no credential; 403
// credential kind; 400 website missing or malformed; 403 website outside
// the credential's allowlist or not accessible to its user; 403
// permission; 403 owner-only or role. A website that does not exist is not
// accessible, so it is refused with 403 like any other website the caller
// cannot see: a credential learns nothing about websites it has no access
// to. t.Role is only read for account tokens: a website key always acts as
// a member of its own website.
func Decide(pol Policy, p *Principal, t Target) Decision {
	if p == nil || p.Kind == KindNone {
		return deny(openfast.EUNAUTHORIZED, ReasonUnauthenticated, "Missing or invalid API token.")
	}
	if p.Kind == KindPublic && (!pol.AllowPublic || pol.Scope == ScopeAccount || t.WebsiteID != p.WebsiteID) {
		return deny(openfast.EFORBIDDEN, ReasonKind, "A public dashboard reads the analytics of its own website only.")
	}
	isKey := p.Kind == KindWebsiteKey
	if isKey && (!pol.AllowWebsiteKey || pol.OwnerOnly) {
		if pol.OwnerOnly {
			return deny(openfast.EFORBIDDEN, ReasonKind, "Owner-only actions need a dft_ account token whose user is the website owner; df_ website keys are capped at member level.")
		}
		if pol.Scope == ScopeAccount {
			return deny(openfast.EFORBIDDEN, ReasonKind, "This route manages account-level resources and needs a dft_ account token; df_ website keys cannot call it.")
		}
		return deny(openfast.EFORBIDDEN, ReasonKind, "This route needs a dft_ account token; df_ website keys cannot call it.")
	}

	if pol.Scope == ScopeAccount {
		if !isKey && pol.AllWebsites && len(p.WebsiteIDs) > 0 {
			return deny(openfast.EFORBIDDEN, ReasonWebsiteScope, "This action needs an account token that is not limited to some websites.")
		}
		if pol.Permission != "" && !HasPermission(p.Permissions, pol.Permission) {
			return deny(openfast.EFORBIDDEN, ReasonPermission, "This %s lacks the %s permission.", map[bool]string{true: "key", false: "token"}[isKey], pol.Permission)
		}
		return allow
	}

	id := t.WebsiteID
	if id == "" {
		return deny(openfast.EINVALID, ReasonWebsiteMissing, "websiteId query parameter is required with a dft_ account token.")
	}
	if !openfast.ValidID(id) {
		return deny(openfast.EINVALID, ReasonWebsiteInvalid, "websiteId must be a 24-character hex ObjectId.")
	}
	role := t.Role
	if isKey {
		if id != p.WebsiteID {
			return deny(openfast.EFORBIDDEN, ReasonWebsiteScope, "This df_ key belongs to another website.")
		}
		if pol.Permission != "" && !HasPermission(p.Permissions, pol.Permission) {
			return deny(openfast.EFORBIDDEN, ReasonPermission, "This key lacks the %s permission.", pol.Permission)
		}
		role = openfast.RoleMember
	} else {
		if len(p.WebsiteIDs) > 0 && !slices.Contains(p.WebsiteIDs, id) {
			return deny(openfast.EFORBIDDEN, ReasonWebsiteScope, "This token is not allowed to access this website.")
		}
		if role.Rank() == 0 {
			return deny(openfast.EFORBIDDEN, ReasonNoAccess, "You do not have access to this website, or it does not exist.")
		}
		if pol.Permission != "" && !HasPermission(p.Permissions, pol.Permission) {
			return deny(openfast.EFORBIDDEN, ReasonPermission, "This token lacks the %s permission.", pol.Permission)
		}
	}
	if pol.OwnerOnly && role != openfast.RoleOwner {
		return deny(openfast.EFORBIDDEN, ReasonOwnerOnly, "Only the website owner can do this.")
	}
	if role.Rank() < pol.MinRole.Rank() {
		return deny(openfast.EFORBIDDEN, ReasonRole, "Your role on this website (%s) cannot do this; it needs %s or above.", role, pol.MinRole)
	}
	return allow
}
