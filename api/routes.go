package api

import (
	"net/http"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
)

// routeTable is every route of the API with its authorization policy.
func (s *Server) routeTable() []route {
	const admin = "/api/v1/admin"
	const site = admin + "/websites/{websiteId}"
	routes := []route{
		{method: http.MethodGet, path: "/healthz", public: true, handle: s.healthz},
		{method: http.MethodGet, path: "/readyz", public: true, ops: true, handle: s.readyz},
		{method: http.MethodGet, path: "/metrics", public: true, ops: true, handle: s.serveMetrics},
		{method: http.MethodGet, path: "/api/v1/openapi.json", public: true, handle: serveOpenAPI},
		{method: http.MethodGet, path: "/js/script.js", public: true, handle: serveTracker},
		{method: http.MethodGet, path: "/js/script.cookieless.js", public: true, handle: serveCookielessTracker},
		{method: http.MethodPost, path: eventsRoute, public: true, handle: s.serveEvent},
		{method: http.MethodOptions, path: eventsRoute, public: true, handle: preflightEvents},
		{method: http.MethodPost, path: "/api/webhooks/{provider}/{websiteId}", public: true, handle: s.receiveWebhook},

		{method: http.MethodGet, path: admin + "/account", action: app.ActGetAccount, handle: s.getAccount},
		{method: http.MethodPut, path: admin + "/account", action: app.ActUpdateAccount, handle: s.updateAccount},

		{method: http.MethodGet, path: admin + "/access-tokens", action: app.ActListAccessTokens, handle: s.listAccessTokens},
		{method: http.MethodPost, path: admin + "/access-tokens", action: app.ActCreateAccessToken, handle: s.createAccessToken},
		{method: http.MethodDelete, path: admin + "/access-tokens/{tokenId}", action: app.ActDeleteAccessToken, handle: s.deleteAccessToken},
		{method: http.MethodGet, path: admin + "/access-tokens/{tokenId}/usage", action: app.ActAccessTokenUsage, handle: s.accessTokenUsage},

		{method: http.MethodGet, path: admin + "/websites", action: app.ActListWebsites, handle: s.listWebsites},
		{method: http.MethodPost, path: admin + "/websites", action: app.ActCreateWebsite, handle: s.createWebsite},
		{method: http.MethodGet, path: site, action: app.ActGetWebsite, handle: s.getWebsite},
		{method: http.MethodPut, path: site, action: app.ActUpdateWebsite, handle: s.updateWebsite},
		{method: http.MethodDelete, path: site, action: app.ActDeleteWebsite, handle: s.deleteWebsite},

		{method: http.MethodGet, path: site + "/apikeys", action: app.ActListAPIKeys, handle: s.listAPIKeys},
		{method: http.MethodPost, path: site + "/apikeys", action: app.ActCreateAPIKey, handle: s.createAPIKey},
		{method: http.MethodPut, path: site + "/apikeys/{apiKeyId}", action: app.ActRollAPIKey, handle: s.rollAPIKey},
		{method: http.MethodDelete, path: site + "/apikeys/{apiKeyId}", action: app.ActDeleteAPIKey, handle: s.deleteAPIKey},
		{method: http.MethodGet, path: site + "/apikeys/{apiKeyId}/usage", action: app.ActAPIKeyUsage, handle: s.apiKeyUsage},

		{method: http.MethodGet, path: site + "/alerts", action: app.ActListAlerts, handle: s.listAlerts},
		{method: http.MethodPost, path: site + "/alerts", action: app.ActCreateAlert, handle: s.createAlert},
		{method: http.MethodGet, path: site + "/alerts/history", action: app.ActAlertHistory, handle: s.alertHistory},
		{method: http.MethodPut, path: site + "/alerts/{alertId}", action: app.ActUpdateAlert, handle: s.updateAlert},
		{method: http.MethodDelete, path: site + "/alerts/{alertId}", action: app.ActDeleteAlert, handle: s.deleteAlert},

		{method: http.MethodGet, path: site + "/team", action: app.ActListTeam, handle: s.listTeam},
		{method: http.MethodPost, path: site + "/team", action: app.ActInviteMember, handle: s.inviteMember},
		{method: http.MethodDelete, path: site + "/team", action: app.ActRemoveMember, handle: s.removeMember},
		{method: http.MethodGet, path: site + "/funnels", action: app.ActListFunnels, handle: s.listFunnels},
		{method: http.MethodPost, path: site + "/funnels", action: app.ActCreateFunnel, handle: s.createFunnel},
		{method: http.MethodPut, path: site + "/funnels/{funnelId}", action: app.ActUpdateFunnel, handle: s.updateFunnel},
		{method: http.MethodDelete, path: site + "/funnels/{funnelId}", action: app.ActDeleteFunnel, handle: s.deleteFunnel},
		{method: http.MethodGet, path: site + "/audit-log", action: app.ActWebsiteAuditLog, handle: s.listAuditLog},
		{method: http.MethodGet, path: site + "/goals/customizations", action: app.ActListGoalCustomizations, handle: s.listGoalCustomizations},
		{method: http.MethodPatch, path: site + "/goals/customizations", action: app.ActCustomizeGoal, handle: s.customizeGoal},

		{method: http.MethodGet, path: site + "/integrations", action: app.ActListIntegrations, handle: s.listIntegrations},
	}
	for _, p := range app.Providers {
		routes = append(routes,
			route{method: http.MethodPost, path: site + "/integrations/" + p.Name, action: app.ActConnectIntegration, handle: s.connectIntegration(p)},
			route{method: http.MethodDelete, path: site + "/integrations/" + p.Name, action: app.ActDisconnectIntegration, handle: s.disconnectIntegration(p)})
	}
	return append(routes, []route{
		{method: http.MethodGet, path: admin + "/audit-log", action: app.ActAccountAuditLog, handle: s.listAccountAuditLog},
		{method: http.MethodGet, path: admin + "/invitations", action: app.ActListInvitations, handle: s.listInvitations},
		{method: http.MethodPost, path: admin + "/invitations/{invitationId}/accept", action: app.ActAcceptInvitation, handle: s.acceptInvitation},

		{method: http.MethodGet, path: "/api/v1/analytics/metadata", action: app.ActReadAnalytics, handle: s.getMetadata},
		{method: http.MethodGet, path: "/api/v1/analytics/overview", action: app.ActReadAnalytics, handle: s.getOverview},
		{method: http.MethodGet, path: "/api/v1/export", action: app.ActReadAnalytics, handle: s.getExport},
		{method: http.MethodGet, path: "/api/v1/analytics/timeseries", action: app.ActReadAnalytics, handle: s.getTimeseries},
		{method: http.MethodGet, path: "/api/v1/analytics/realtime", action: app.ActReadAnalytics, handle: s.getRealtime},
		{method: http.MethodGet, path: "/api/v1/analytics/realtime/map", action: app.ActReadAnalytics, handle: s.getRealtimeMap},
		{method: http.MethodGet, path: "/api/v1/analytics/pages", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Pages)},
		{method: http.MethodGet, path: "/api/v1/analytics/referrers", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Referrers)},
		{method: http.MethodGet, path: "/api/v1/analytics/countries", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Countries)},
		{method: http.MethodGet, path: "/api/v1/analytics/regions", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Regions)},
		{method: http.MethodGet, path: "/api/v1/analytics/cities", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Cities)},
		{method: http.MethodGet, path: "/api/v1/analytics/browsers", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Browsers)},
		{method: http.MethodGet, path: "/api/v1/analytics/operating-systems", action: app.ActReadAnalytics, handle: s.breakdown(analytics.OperatingSystems)},
		{method: http.MethodGet, path: "/api/v1/analytics/devices", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Devices)},
		{method: http.MethodGet, path: "/api/v1/analytics/campaigns", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Campaigns)},
		{method: http.MethodGet, path: "/api/v1/analytics/goals", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Goals)},
		{method: http.MethodGet, path: "/api/v1/analytics/hostnames", action: app.ActReadAnalytics, handle: s.breakdown(analytics.Hostnames)},
		{method: http.MethodGet, path: "/api/v1/analytics/funnels/{funnelId}", action: app.ActReadAnalytics, handle: s.getFunnelResult},
		{method: http.MethodGet, path: "/api/v1/visitors", action: app.ActReadAnalytics, handle: s.listVisitors},
		{method: http.MethodGet, path: "/api/v1/visitors/{visitorId}", action: app.ActReadAnalytics, handle: s.getVisitor},
		{method: http.MethodPost, path: "/api/v1/goals", action: app.ActWriteGoals, handle: s.createGoal},
		{method: http.MethodDelete, path: "/api/v1/goals", action: app.ActWriteGoals, handle: s.deleteGoals},
		{method: http.MethodPost, path: "/api/v1/payments", action: app.ActWritePayments, handle: s.createPayment},
		{method: http.MethodDelete, path: "/api/v1/payments", action: app.ActWritePayments, handle: s.deletePayments},
		{method: http.MethodPost, path: "/api/v1/identify", action: app.ActWriteIdentify, handle: s.identify},
	}...)
}
