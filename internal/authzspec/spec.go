// Package authzspec states the authorization rules of the API apart from
// the code that enforces them: the DataFast endpoint index (spec §4) with
// each route's permission, least role and credential kinds, and the order
// in which a request is refused (§2.6). The authorization matrices of the
// API (through the real router) and of the app layer (its methods called
// directly) both compare what they see with Expect.
package authzspec

import (
	"slices"

	"github.com/openfast/openfast"
)

// Route is one row of the DataFast endpoint index (spec §4), plus the
// openfast extensions, written out independently of the route table.
type Route struct {
	Perm      string
	MinRole   openfast.Role // "" for account-level routes
	KeyOK     bool          // df_ keys allowed
	OwnerOnly bool
	Query     bool // Website API: the website comes from ?websiteId=
	AllSites  bool // needs a token that is not limited to some websites
	// IssuesKey: the route hands the caller the value of a df_ key (create
	// with DataFast's default permissions, or roll such a key), which
	// every website permission comes with; the caller must hold them all.
	IssuesKey bool
}

var Routes = map[string]Route{
	"POST /api/v1/goals":                                                  {Perm: "goals:write", MinRole: "member", KeyOK: true, Query: true},
	"DELETE /api/v1/goals":                                                {Perm: "goals:write", MinRole: "member", KeyOK: true, Query: true},
	"POST /api/v1/payments":                                               {Perm: "payments:write", MinRole: "member", KeyOK: true, Query: true},
	"DELETE /api/v1/payments":                                             {Perm: "payments:write", MinRole: "member", KeyOK: true, Query: true},
	"POST /api/v1/identify":                                               {Perm: "identify:write", MinRole: "member", KeyOK: true, Query: true},
	"GET /api/v1/analytics/metadata":                                      {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/overview":                                      {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/timeseries":                                    {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/realtime":                                      {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/pages":                                         {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/referrers":                                     {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/countries":                                     {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/regions":                                       {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/cities":                                        {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/browsers":                                      {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/operating-systems":                             {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/devices":                                       {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/campaigns":                                     {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/goals":                                         {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/hostnames":                                     {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/realtime/map":                                  {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/analytics/funnels/{funnelId}":                            {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/export":                                                  {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/visitors":                                                {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/visitors/{visitorId}":                                    {Perm: "analytics:read", MinRole: "viewer", KeyOK: true, Query: true},
	"GET /api/v1/admin/account":                                           {Perm: "analytics:read", KeyOK: true},
	"PUT /api/v1/admin/account":                                           {Perm: "analytics:read"},
	"GET /api/v1/admin/access-tokens":                                     {Perm: "api-keys:read", AllSites: true},
	"POST /api/v1/admin/access-tokens":                                    {Perm: "api-keys:write"},
	"DELETE /api/v1/admin/access-tokens/{tokenId}":                        {Perm: "api-keys:write"},
	"GET /api/v1/admin/access-tokens/{tokenId}/usage":                     {Perm: "api-keys:read", AllSites: true},
	"GET /api/v1/admin/websites":                                          {Perm: "websites:read"},
	"POST /api/v1/admin/websites":                                         {Perm: "websites:write", AllSites: true},
	"GET /api/v1/admin/websites/{websiteId}":                              {Perm: "settings:read", MinRole: "viewer", KeyOK: true},
	"PUT /api/v1/admin/websites/{websiteId}":                              {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}":                           {Perm: "websites:write", MinRole: "owner", OwnerOnly: true},
	"GET /api/v1/admin/websites/{websiteId}/apikeys":                      {Perm: "api-keys:read", MinRole: "viewer", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/apikeys":                     {Perm: "api-keys:write", MinRole: "member", KeyOK: true, IssuesKey: true},
	"PUT /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}":           {Perm: "api-keys:write", MinRole: "member", KeyOK: true, IssuesKey: true},
	"DELETE /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}":        {Perm: "api-keys:write", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}/usage":     {Perm: "api-keys:read", MinRole: "viewer", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/team":                         {Perm: "team:read", MinRole: "viewer", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/team":                        {Perm: "team:write", MinRole: "owner", OwnerOnly: true},
	"DELETE /api/v1/admin/websites/{websiteId}/team":                      {Perm: "team:write", MinRole: "owner", OwnerOnly: true},
	"GET /api/v1/admin/websites/{websiteId}/funnels":                      {Perm: "funnels:read", MinRole: "viewer", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/funnels":                     {Perm: "funnels:write", MinRole: "member", KeyOK: true},
	"PUT /api/v1/admin/websites/{websiteId}/funnels/{funnelId}":           {Perm: "funnels:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/funnels/{funnelId}":        {Perm: "funnels:write", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/audit-log":                    {Perm: "settings:read", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/audit-log":                                         {Perm: "settings:read", AllSites: true},
	"GET /api/v1/admin/invitations":                                       {Perm: "team:read"},
	"POST /api/v1/admin/invitations/{invitationId}/accept":                {Perm: "team:write", AllSites: true},
	"GET /api/v1/admin/websites/{websiteId}/alerts":                       {Perm: "alerts:read", MinRole: "viewer", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/alerts":                      {Perm: "alerts:write", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/alerts/history":               {Perm: "alerts:read", MinRole: "viewer", KeyOK: true},
	"PUT /api/v1/admin/websites/{websiteId}/alerts/{alertId}":             {Perm: "alerts:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/alerts/{alertId}":          {Perm: "alerts:write", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/goals/customizations":         {Perm: "goals:read", MinRole: "viewer", KeyOK: true},
	"PATCH /api/v1/admin/websites/{websiteId}/goals/customizations":       {Perm: "goals:write", MinRole: "member", KeyOK: true},
	"GET /api/v1/admin/websites/{websiteId}/integrations":                 {Perm: "settings:read", MinRole: "viewer", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/integrations/stripe":         {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/integrations/stripe":       {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/integrations/lemonsqueezy":   {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/integrations/lemonsqueezy": {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/integrations/polar":          {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/integrations/polar":        {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"POST /api/v1/admin/websites/{websiteId}/integrations/paddle":         {Perm: "settings:write", MinRole: "member", KeyOK: true},
	"DELETE /api/v1/admin/websites/{websiteId}/integrations/paddle":       {Perm: "settings:write", MinRole: "member", KeyOK: true},
}

var rank = map[openfast.Role]int{"owner": 3, "member": 2, "viewer": 1}

// Cred is one credential of the walk.
type Cred struct {
	Name  string
	Raw   string
	IsKey bool
	KeyOn string   // key: its website
	Perms []string // a key's too (["*"]: every website permission)
	Sites []string
	Roles map[string]openfast.Role
}

func has(perms []string, p string) bool {
	return slices.Contains(perms, "*") || slices.Contains(perms, p)
}

// Expect is the spec's §2.6 order applied to one case, stated apart
// from auth.Decide: 403 kind, 400 website missing or malformed, 403
// allowlist or no access (a website that does not exist is not accessible),
// 403 permission, 403 owner/role.
func Expect(sr Route, c Cred, target string) int {
	if c.IsKey && (!sr.KeyOK || sr.OwnerOnly) {
		return 403
	}
	if sr.MinRole == "" {
		if !c.IsKey && sr.AllSites && len(c.Sites) > 0 {
			return 403
		}
		if !has(c.Perms, sr.Perm) {
			return 403
		}
		return 200
	}
	if target == "" && c.IsKey {
		target = c.KeyOn
	}
	if target == "" || !openfast.ValidID(target) {
		return 400
	}
	if c.IsKey {
		if target != c.KeyOn {
			return 403
		}
		if !has(c.Perms, sr.Perm) {
			return 403
		}
		if rank["member"] < rank[sr.MinRole] {
			return 403
		}
		return 200
	}
	if len(c.Sites) > 0 && !slices.Contains(c.Sites, target) {
		return 403
	}
	role := c.Roles[target]
	if role == "" {
		return 403
	}
	if !has(c.Perms, sr.Perm) {
		return 403
	}
	if (sr.OwnerOnly && role != "owner") || rank[role] < rank[sr.MinRole] {
		return 403
	}
	return 200
}

// ExpectAction is Expect followed by what the action itself checks once
// the route's policy allowed the call: a route that issues a key with every
// website permission refuses (403) a caller that lacks some of them.
func ExpectAction(sr Route, c Cred, target string) int {
	st := Expect(sr, c, target)
	if st == 200 && sr.IssuesKey && !slices.Contains(c.Perms, "*") {
		return 403
	}
	return st
}
