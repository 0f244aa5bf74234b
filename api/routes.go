package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/auth"
)

// Policies of the route table, named for what they guard.
var (
	account = func(perm string, websiteKey bool) auth.Policy {
		return auth.Policy{Scope: auth.ScopeAccount, Permission: perm, AllowWebsiteKey: websiteKey}
	}
	onWebsite = func(perm string, min openfast.Role) auth.Policy {
		return auth.Policy{Scope: auth.ScopeWebsitePath, Permission: perm, MinRole: min, AllowWebsiteKey: true}
	}
	ownerOnly = func(perm string) auth.Policy {
		return auth.Policy{Scope: auth.ScopeWebsitePath, Permission: perm, MinRole: openfast.RoleOwner, OwnerOnly: true}
	}
	websiteAPI = func(perm string) auth.Policy {
		return auth.Policy{Scope: auth.ScopeWebsiteQuery, Permission: perm, MinRole: openfast.RoleViewer, AllowWebsiteKey: true}
	}
	websiteAPIWrite = func(perm string) auth.Policy {
		return auth.Policy{Scope: auth.ScopeWebsiteQuery, Permission: perm, MinRole: openfast.RoleMember, AllowWebsiteKey: true}
	}
)

// routeTable is every route of the API with its authorization policy.
func (s *Server) routeTable() []route {
	const admin = "/api/v1/admin"
	const site = admin + "/websites/{websiteId}"
	return []route{
		{method: http.MethodGet, path: "/healthz", public: true, handle: s.healthz},
		{method: http.MethodGet, path: "/readyz", public: true, handle: s.readyz},
		{method: http.MethodGet, path: "/metrics", public: true, handle: s.serveMetrics},
		{method: http.MethodGet, path: "/api/v1/openapi.json", public: true, handle: serveOpenAPI},
		{method: http.MethodGet, path: "/js/script.js", public: true, handle: serveTracker},
		{method: http.MethodPost, path: "/api/events", public: true, handle: s.serveEvent},
		{method: http.MethodOptions, path: "/api/events", public: true, handle: preflightEvents},

		{method: http.MethodGet, path: admin + "/account", policy: account(auth.PermAnalyticsRead, true), handle: s.getAccount},
		{method: http.MethodPut, path: admin + "/account", policy: account(auth.PermAnalyticsRead, false), handle: s.updateAccount},

		{method: http.MethodGet, path: admin + "/access-tokens", policy: account(auth.PermAPIKeysRead, false), handle: s.listAccessTokens},
		{method: http.MethodPost, path: admin + "/access-tokens", policy: account(auth.PermAPIKeysWrite, false), handle: s.createAccessToken},
		{method: http.MethodDelete, path: admin + "/access-tokens/{tokenId}", policy: account(auth.PermAPIKeysWrite, false), handle: s.deleteAccessToken},

		{method: http.MethodGet, path: admin + "/websites", policy: account(auth.PermWebsitesRead, false), handle: s.listWebsites},
		{method: http.MethodPost, path: admin + "/websites", policy: account(auth.PermWebsitesWrite, false), handle: s.createWebsite},
		{method: http.MethodGet, path: site, policy: onWebsite(auth.PermSettingsRead, openfast.RoleViewer), handle: s.getWebsite},
		{method: http.MethodPut, path: site, policy: onWebsite(auth.PermSettingsWrite, openfast.RoleMember), handle: s.updateWebsite},
		{method: http.MethodDelete, path: site, policy: ownerOnly(auth.PermWebsitesWrite), handle: s.deleteWebsite},

		{method: http.MethodGet, path: site + "/apikeys", policy: onWebsite(auth.PermAPIKeysRead, openfast.RoleViewer), handle: s.listAPIKeys},
		{method: http.MethodPost, path: site + "/apikeys", policy: onWebsite(auth.PermAPIKeysWrite, openfast.RoleMember), handle: s.createAPIKey},
		{method: http.MethodPut, path: site + "/apikeys/{apiKeyId}", policy: onWebsite(auth.PermAPIKeysWrite, openfast.RoleMember), handle: s.rollAPIKey},
		{method: http.MethodDelete, path: site + "/apikeys/{apiKeyId}", policy: onWebsite(auth.PermAPIKeysWrite, openfast.RoleMember), handle: s.deleteAPIKey},

		{method: http.MethodGet, path: site + "/team", policy: onWebsite(auth.PermTeamRead, openfast.RoleViewer), handle: s.listTeam},
		{method: http.MethodPost, path: site + "/team", policy: ownerOnly(auth.PermTeamWrite), handle: s.inviteMember},
		{method: http.MethodDelete, path: site + "/team", policy: ownerOnly(auth.PermTeamWrite), handle: s.removeMember},
		{method: http.MethodGet, path: site + "/audit-log", policy: onWebsite(auth.PermSettingsRead, openfast.RoleMember), handle: s.listAuditLog},

		{method: http.MethodGet, path: admin + "/audit-log", policy: account(auth.PermSettingsRead, false), handle: s.listAccountAuditLog},
		{method: http.MethodGet, path: admin + "/invitations", policy: account(auth.PermTeamRead, false), handle: s.listInvitations},
		{method: http.MethodPost, path: admin + "/invitations/{invitationId}/accept",
			policy: auth.Policy{Scope: auth.ScopeAccount, Permission: auth.PermTeamWrite, AllWebsites: true}, handle: s.acceptInvitation},

		{method: http.MethodGet, path: "/api/v1/analytics/metadata", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getMetadata},
		{method: http.MethodGet, path: "/api/v1/analytics/overview", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getOverview},
		{method: http.MethodGet, path: "/api/v1/analytics/timeseries", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getTimeseries},
		{method: http.MethodGet, path: "/api/v1/analytics/realtime", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getRealtime},
		{method: http.MethodGet, path: "/api/v1/analytics/realtime/map", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getRealtimeMap},
		{method: http.MethodGet, path: "/api/v1/analytics/pages", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Pages)},
		{method: http.MethodGet, path: "/api/v1/analytics/referrers", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Referrers)},
		{method: http.MethodGet, path: "/api/v1/analytics/countries", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Countries)},
		{method: http.MethodGet, path: "/api/v1/analytics/regions", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Regions)},
		{method: http.MethodGet, path: "/api/v1/analytics/cities", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Cities)},
		{method: http.MethodGet, path: "/api/v1/analytics/browsers", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Browsers)},
		{method: http.MethodGet, path: "/api/v1/analytics/operating-systems", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.OperatingSystems)},
		{method: http.MethodGet, path: "/api/v1/analytics/devices", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Devices)},
		{method: http.MethodGet, path: "/api/v1/analytics/campaigns", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Campaigns)},
		{method: http.MethodGet, path: "/api/v1/analytics/goals", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Goals)},
		{method: http.MethodGet, path: "/api/v1/analytics/hostnames", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.breakdown(analytics.Hostnames)},
		{method: http.MethodGet, path: "/api/v1/visitors", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.listVisitors},
		{method: http.MethodGet, path: "/api/v1/visitors/{visitorId}", policy: websiteAPI(auth.PermAnalyticsRead), handle: s.getVisitor},
		{method: http.MethodPost, path: "/api/v1/goals", policy: websiteAPIWrite(auth.PermGoalsWrite), handle: s.createGoal},
		{method: http.MethodDelete, path: "/api/v1/goals", policy: websiteAPIWrite(auth.PermGoalsWrite), handle: s.deleteGoals},
		{method: http.MethodPost, path: "/api/v1/payments", policy: websiteAPIWrite(auth.PermPaymentsWrite), handle: s.createPayment},
		{method: http.MethodDelete, path: "/api/v1/payments", policy: websiteAPIWrite(auth.PermPaymentsWrite), handle: s.deletePayments},
		{method: http.MethodPost, path: "/api/v1/identify", policy: websiteAPIWrite(auth.PermIdentifyWrite), handle: s.identify},
	}
}
