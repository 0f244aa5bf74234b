package app

import (
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// Action is one thing a caller can do, with the policy that decides who
// may. The methods of App decide with their action's policy themselves; a
// front door may also decide before it reads a request's body, so that a
// caller who may not act learns nothing from the validation of its input.
type Action struct {
	Name   string
	Policy auth.Policy
}

// Policy shapes, named for what they guard.
func accountAction(name, perm string, websiteKey bool) Action {
	return Action{name, auth.Policy{Scope: auth.ScopeAccount, Permission: perm, AllowWebsiteKey: websiteKey}}
}

// accountWideAction acts on the whole account: a token limited to some
// websites may not call it (it would see or make more than its websites).
func accountWideAction(name, perm string) Action {
	return Action{name, auth.Policy{Scope: auth.ScopeAccount, Permission: perm, AllWebsites: true}}
}

// websiteAction acts on the website named in the path of the admin API.
func websiteAction(name, perm string, min openfast.Role) Action {
	return Action{name, auth.Policy{Scope: auth.ScopeWebsitePath, Permission: perm, MinRole: min, AllowWebsiteKey: true}}
}

func ownerAction(name, perm string) Action {
	return Action{name, auth.Policy{Scope: auth.ScopeWebsitePath, Permission: perm, MinRole: openfast.RoleOwner, OwnerOnly: true}}
}

// websiteAPIAction is an action of the Website API: a website key implies
// its website, an account token names it.
func websiteAPIAction(name, perm string, min openfast.Role) Action {
	return Action{name, auth.Policy{Scope: auth.ScopeWebsiteQuery, Permission: perm, MinRole: min, AllowWebsiteKey: true}}
}

// publicAction also admits the visitor of a public dashboard (PublicCaller).
func publicAction(act Action) Action {
	act.Policy.AllowPublic = true
	return act
}

// The actions.
var (
	ActGetAccount    = accountAction("account.get", auth.PermAnalyticsRead, true)
	ActUpdateAccount = accountAction("account.update", auth.PermAnalyticsRead, false)

	ActListAccessTokens  = accountWideAction("access_tokens.list", auth.PermAPIKeysRead)
	ActCreateAccessToken = accountAction("access_tokens.create", auth.PermAPIKeysWrite, false)
	ActDeleteAccessToken = accountAction("access_tokens.delete", auth.PermAPIKeysWrite, false)
	ActAccessTokenUsage  = accountWideAction("access_tokens.usage", auth.PermAPIKeysRead)

	ActListWebsites  = accountAction("websites.list", auth.PermWebsitesRead, false)
	ActCreateWebsite = accountWideAction("websites.create", auth.PermWebsitesWrite)
	ActGetWebsite    = websiteAction("websites.get", auth.PermSettingsRead, openfast.RoleViewer)
	ActUpdateWebsite = websiteAction("websites.update", auth.PermSettingsWrite, openfast.RoleMember)
	ActDeleteWebsite = ownerAction("websites.delete", auth.PermWebsitesWrite)

	ActListAPIKeys  = websiteAction("apikeys.list", auth.PermAPIKeysRead, openfast.RoleViewer)
	ActCreateAPIKey = websiteAction("apikeys.create", auth.PermAPIKeysWrite, openfast.RoleMember)
	ActRollAPIKey   = websiteAction("apikeys.roll", auth.PermAPIKeysWrite, openfast.RoleMember)
	ActDeleteAPIKey = websiteAction("apikeys.delete", auth.PermAPIKeysWrite, openfast.RoleMember)
	ActAPIKeyUsage  = websiteAction("apikeys.usage", auth.PermAPIKeysRead, openfast.RoleViewer)

	ActListTeam         = websiteAction("team.list", auth.PermTeamRead, openfast.RoleViewer)
	ActInviteMember     = ownerAction("team.invite", auth.PermTeamWrite)
	ActRemoveMember     = ownerAction("team.remove", auth.PermTeamWrite)
	ActWebsiteAuditLog  = websiteAction("audit_log.website", auth.PermSettingsRead, openfast.RoleMember)
	ActAccountAuditLog  = accountWideAction("audit_log.account", auth.PermSettingsRead)
	ActListInvitations  = accountAction("invitations.list", auth.PermTeamRead, false)
	ActAcceptInvitation = accountWideAction("invitations.accept", auth.PermTeamWrite)

	ActListAlerts   = websiteAction("alerts.list", auth.PermAlertsRead, openfast.RoleViewer)
	ActCreateAlert  = websiteAction("alerts.create", auth.PermAlertsWrite, openfast.RoleMember)
	ActUpdateAlert  = websiteAction("alerts.update", auth.PermAlertsWrite, openfast.RoleMember)
	ActDeleteAlert  = websiteAction("alerts.delete", auth.PermAlertsWrite, openfast.RoleMember)
	ActAlertHistory = websiteAction("alerts.history", auth.PermAlertsRead, openfast.RoleViewer)
	ActListFunnels  = websiteAction("funnels.list", auth.PermFunnelsRead, openfast.RoleViewer)
	ActCreateFunnel = websiteAction("funnels.create", auth.PermFunnelsWrite, openfast.RoleMember)
	ActUpdateFunnel = websiteAction("funnels.update", auth.PermFunnelsWrite, openfast.RoleMember)
	ActDeleteFunnel = websiteAction("funnels.delete", auth.PermFunnelsWrite, openfast.RoleMember)

	ActReadAnalytics = publicAction(websiteAPIAction("analytics.read", auth.PermAnalyticsRead, openfast.RoleViewer))
	ActWriteGoals    = websiteAPIAction("goals.write", auth.PermGoalsWrite, openfast.RoleMember)
	ActWritePayments = websiteAPIAction("payments.write", auth.PermPaymentsWrite, openfast.RoleMember)
	ActWriteIdentify = websiteAPIAction("identify.write", auth.PermIdentifyWrite, openfast.RoleMember)

	ActListIntegrations      = websiteAction("integrations.list", auth.PermSettingsRead, openfast.RoleViewer)
	ActConnectIntegration    = websiteAction("integrations.connect", auth.PermSettingsWrite, openfast.RoleMember)
	ActDisconnectIntegration = websiteAction("integrations.disconnect", auth.PermSettingsWrite, openfast.RoleMember)

	ActListGoalCustomizations = websiteAction("goal_customizations.list", auth.PermGoalsRead, openfast.RoleViewer)
	ActCustomizeGoal          = websiteAction("goal_customizations.update", auth.PermGoalsWrite, openfast.RoleMember)
)

// Actions lists every action, for tests and documentation.
var Actions = []Action{
	ActGetAccount, ActUpdateAccount,
	ActListAccessTokens, ActCreateAccessToken, ActDeleteAccessToken, ActAccessTokenUsage,
	ActListWebsites, ActCreateWebsite, ActGetWebsite, ActUpdateWebsite, ActDeleteWebsite,
	ActListAPIKeys, ActCreateAPIKey, ActRollAPIKey, ActDeleteAPIKey, ActAPIKeyUsage,
	ActListTeam, ActInviteMember, ActRemoveMember, ActWebsiteAuditLog, ActAccountAuditLog,
	ActListInvitations, ActAcceptInvitation,
	ActListFunnels, ActCreateFunnel, ActUpdateFunnel, ActDeleteFunnel,
	ActReadAnalytics, ActWriteGoals, ActWritePayments, ActWriteIdentify,
	ActListGoalCustomizations, ActCustomizeGoal,
	ActListAlerts, ActCreateAlert, ActUpdateAlert, ActDeleteAlert, ActAlertHistory,
	ActListIntegrations, ActConnectIntegration, ActDisconnectIntegration,
}

// Target is the website an action of p acts on: for the Website API, a
// website key with no website named acts on its own.
func Target(act Action, p *auth.Principal, websiteID string) auth.Target {
	t := auth.Target{WebsiteID: websiteID}
	if act.Policy.Scope == auth.ScopeAccount {
		return auth.Target{}
	}
	if t.WebsiteID == "" && act.Policy.Scope == auth.ScopeWebsiteQuery && p != nil && p.Kind == auth.KindWebsiteKey {
		t.WebsiteID = p.WebsiteID
	}
	if p != nil {
		t.Role = p.RoleOn(t.WebsiteID)
	}
	return t
}

// Decide decides whether p may do act on websiteID ("" for account
// actions, or for a website key's own website in the Website API).
func Decide(act Action, p *auth.Principal, websiteID string) (auth.Decision, auth.Target) {
	t := Target(act, p, websiteID)
	return auth.Decide(act.Policy, p, t), t
}

// authorize is the check every App method makes first. It returns the
// website the action acts on.
func authorize(c Caller, act Action, websiteID string) (string, error) {
	d, t := Decide(act, c.Principal, websiteID)
	if !d.Allowed {
		return "", d.Err()
	}
	return t.WebsiteID, nil
}
