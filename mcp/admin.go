package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// The tools of the admin API (/api/v1/admin): account, websites, keys,
// tokens, team, funnels, alerts, goal customizations and audit logs. Each
// input is the REST body with the path's ids as members, in the REST
// field names.

// sent is the set of members that a tool's arguments hold, for the updates
// where a member sent as null (clear) differs from one not sent (keep).
type sent map[string]bool

// decodeSent decodes b into v (a pointer to an input's plain type, without
// its UnmarshalJSON) and returns the members that b holds.
func decodeSent(b []byte, v any) (sent, error) {
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, err
	}
	out := make(sent, len(members))
	for k := range members {
		out[k] = true
	}
	return out, nil
}

// settable is the app.Set of a member that may be null.
func (s sent) settable(field string, v *string) app.Set[string] {
	return app.Set[string]{Set: s[field], Value: v}
}

// strings is a list member, nil when it was not sent, empty for null, at
// most maxItems long (as the REST body's).
func (s sent) strings(field string, v []string, maxItems int) (*[]string, error) {
	if !s[field] {
		return nil, nil
	}
	v, err := checkList(field, v, maxItems)
	return &v, err
}

// checkList refuses a list longer than maxItems with the REST message; a
// nil list is empty.
func checkList(field string, v []string, maxItems int) ([]string, error) {
	if len(v) > maxItems {
		return nil, openfast.Errorf(openfast.EINVALID, "%s can have at most %d items.", field, maxItems)
	}
	return wireconv.NonNil(v), nil
}

// timestamp reads an optional ISO 8601 date-time as the REST body's.
func timestamp(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, openfast.Errorf(openfast.EINVALID, "%s must be an ISO 8601 date-time with a time zone, such as 2027-01-01T00:00:00Z; %q is not one.", field, openfast.Truncate(v, 40))
	}
	return &t, nil
}

// ptr is &v, or nil when v is empty.
func ptr(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// pageOf checks a page's limit and offset as the REST query's (0: the
// default limit).
func pageOf(limit, offset, def, maxLimit, maxOffset int) (int, int, error) {
	if limit == 0 {
		limit = def
	}
	if limit < 1 || limit > maxLimit {
		return 0, 0, openfast.Errorf(openfast.EINVALID, "limit must be an integer from 1 to %d.", maxLimit)
	}
	if offset < 0 || offset > maxOffset {
		return 0, 0, openfast.Errorf(openfast.EINVALID, "offset must be an integer from 0 to %d.", maxOffset)
	}
	return limit, offset, nil
}

// AccountUpdateInput is the body of PUT /api/v1/admin/account.
type AccountUpdateInput struct {
	Name string `json:"name" jsonschema:"the user's new name"`
}

// WebsiteCreateInput is the body of POST /api/v1/admin/websites.
type WebsiteCreateInput struct {
	Domain   string  `json:"domain" jsonschema:"the website's domain, such as example.com (no scheme, no path)"`
	Timezone string  `json:"timezone" jsonschema:"IANA timezone of its reports, such as Europe/Paris or UTC"`
	Name     *string `json:"name,omitempty" jsonschema:"a display name; default: none"`
}

// WebsiteUpdateInput is the body of PUT /api/v1/admin/websites/{websiteId},
// a partial update: only the members sent change.
type WebsiteUpdateInput struct {
	WebsiteInput
	Domain                   *string  `json:"domain,omitempty" jsonschema:"a new domain"`
	Name                     *string  `json:"name,omitempty" jsonschema:"a display name; null clears it"`
	Timezone                 *string  `json:"timezone,omitempty" jsonschema:"IANA timezone of its reports"`
	Currency                 *string  `json:"currency,omitempty" jsonschema:"ISO 4217 currency of its revenue (USD, EUR...)"`
	KPI                      *string  `json:"kpi,omitempty" jsonschema:"a goal of the website whose completions lead the key figures; null clears it"`
	KPIColorScheme           *string  `json:"kpiColorScheme,omitempty" jsonschema:"a family of the goal palette (red, emerald, violet...) for the KPI; null clears it"`
	RevenueMetric            *string  `json:"revenueMetric,omitempty" jsonschema:"revenue, or null (mrr is refused)"`
	SendWeeklyReports        *bool    `json:"sendWeeklyReports,omitempty" jsonschema:"email the team a report of each week"`
	SendViralTrafficAlerts   *bool    `json:"sendViralTrafficAlerts,omitempty" jsonschema:"email the owner an alert on a traffic spike"`
	IsPublicDashboardEnabled *bool    `json:"isPublicDashboardEnabled,omitempty" jsonschema:"the analytics page is shown read-only, without sign-in, at /share/<domain>"`
	IsPublicDataEnabled      *bool    `json:"isPublicDataEnabled,omitempty" jsonschema:"only false is taken: openfast publishes no data yet"`
	IsCookieless             *bool    `json:"isCookieless,omitempty" jsonschema:"the script stores nothing in the browser"`
	IsAttackModeEnabled      *bool    `json:"isAttackModeEnabled,omitempty" jsonschema:"events that no browser seems to have sent are dropped"`
	IncludeRenewalRevenue    *bool    `json:"includeRenewalRevenue,omitempty" jsonschema:"renewals count in revenue and conversion"`
	IsAllHostnamesAllowed    *bool    `json:"isAllHostnamesAllowed,omitempty" jsonschema:"events from any hostname count"`
	AllowedHostnames         []string `json:"allowedHostnames,omitempty" jsonschema:"other hostnames whose events count (the whole list; null or [] empties it)"`
	ExcludedHostnames        []string `json:"excludedHostnames,omitempty" jsonschema:"hostnames whose events are dropped (the whole list)"`
	ExcludedIPs              []string `json:"excludedIps,omitempty" jsonschema:"IP addresses whose events are dropped (the whole list)"`
	ExcludedPaths            []string `json:"excludedPaths,omitempty" jsonschema:"paths whose events are dropped, exact or a prefix ending in * (the whole list)"`
	ExcludedCountries        []string `json:"excludedCountries,omitempty" jsonschema:"ISO 3166 country codes whose events are dropped (the whole list)"`
	RetentionDays            *int     `json:"retentionDays,omitempty" jsonschema:"days of events kept before today, 1 to 36500; older events are deleted daily; null keeps them forever (or the server-wide retention); only the owner changes it"`
	sent                     sent
}

func (in *WebsiteUpdateInput) UnmarshalJSON(b []byte) (err error) {
	type plain WebsiteUpdateInput
	in.sent, err = decodeSent(b, (*plain)(in))
	return err
}

func (in *WebsiteUpdateInput) update() (app.WebsiteUpdate, error) {
	u := app.WebsiteUpdate{
		Domain: in.Domain, Name: in.sent.settable("name", in.Name), Timezone: in.Timezone, Currency: in.Currency,
		KPI: in.sent.settable("kpi", in.KPI), KPIColorScheme: in.sent.settable("kpiColorScheme", in.KPIColorScheme),
		RevenueMetric:     in.sent.settable("revenueMetric", in.RevenueMetric),
		SendWeeklyReports: in.SendWeeklyReports, SendViralTrafficAlerts: in.SendViralTrafficAlerts,
		IsPublicDashboardEnabled: in.IsPublicDashboardEnabled, IsPublicDataEnabled: in.IsPublicDataEnabled,
		IsCookieless: in.IsCookieless, IsAttackModeEnabled: in.IsAttackModeEnabled,
		IncludeRenewalRevenue: in.IncludeRenewalRevenue, IsAllHostnamesAllowed: in.IsAllHostnamesAllowed,
		RetentionDays: app.Set[int]{Set: in.sent["retentionDays"], Value: in.RetentionDays},
	}
	for _, f := range []struct {
		field string
		v     []string
		dst   **[]string
	}{
		{"allowedHostnames", in.AllowedHostnames, &u.AllowedHostnames}, {"excludedHostnames", in.ExcludedHostnames, &u.ExcludedHostnames},
		{"excludedIps", in.ExcludedIPs, &u.ExcludedIPs}, {"excludedPaths", in.ExcludedPaths, &u.ExcludedPaths},
		{"excludedCountries", in.ExcludedCountries, &u.ExcludedCountries},
	} {
		var err error
		if *f.dst, err = in.sent.strings(f.field, f.v, openfast.MaxListItems); err != nil {
			return u, err
		}
	}
	return u, nil
}

// APIKeyCreateInput is the body of POST .../websites/{websiteId}/apikeys.
type APIKeyCreateInput struct {
	WebsiteInput
	Name        *string  `json:"name,omitempty" jsonschema:"a name for the key"`
	Permissions []string `json:"permissions,omitempty" jsonschema:"the key's website permissions, such as [\"analytics:read\"]; default: every website permission ([\"*\"]), which only a caller holding them all may give"`
	ExpiresAt   string   `json:"expiresAt,omitempty" jsonschema:"when the key stops working, an ISO 8601 date-time with a time zone; default: never"`
	AllowedIPs  []string `json:"allowedIps,omitempty" jsonschema:"the client addresses the key works from, IPv4 or IPv6 CIDR prefixes or bare addresses, at most 32, within the caller's own; default: the caller's (any address for an unrestricted caller)"`
}

// APIKeyRollInput names the key of PUT .../apikeys/{apiKeyId} and its body.
type APIKeyRollInput struct {
	WebsiteInput
	APIKeyID           string   `json:"apiKeyId" jsonschema:"the key's _id (apikeys_list gives them)"`
	GracePeriodSeconds int64    `json:"gracePeriodSeconds,omitempty" jsonschema:"how long the previous value keeps working, in seconds, at most 604800 (7 days); default: 0, it stops at once"`
	AllowedIPs         []string `json:"allowedIps,omitempty" jsonschema:"replaces the client addresses the key works from (CIDR prefixes or bare addresses, at most 32); null: any address; not sent: the key keeps its own"`
	sent               sent
}

func (in *APIKeyRollInput) UnmarshalJSON(b []byte) (err error) {
	type plain APIKeyRollInput
	in.sent, err = decodeSent(b, (*plain)(in))
	return err
}

// APIKeyUsageInput names a website's key and the days of its usage.
type APIKeyUsageInput struct {
	WebsiteInput
	APIKeyID string `json:"apiKeyId" jsonschema:"the key's _id (apikeys_list gives them)"`
	Days     int    `json:"days,omitempty" jsonschema:"how many UTC days, today included, from 1 to 90; default: 90"`
}

// TokenUsageInput names a token and the days of its usage.
type TokenUsageInput struct {
	TokenID string `json:"tokenId" jsonschema:"the token's _id (tokens_list gives them)"`
	Days    int    `json:"days,omitempty" jsonschema:"how many UTC days, today included, from 1 to 90; default: 90"`
}

// APIKeyInput names a website's key.
type APIKeyInput struct {
	WebsiteInput
	APIKeyID string `json:"apiKeyId" jsonschema:"the key's _id (apikeys_list gives them)"`
}

// TokenCreateInput is the body of POST /api/v1/admin/access-tokens.
type TokenCreateInput struct {
	Name        *string  `json:"name,omitempty" jsonschema:"a name for the token"`
	Permissions []string `json:"permissions,omitempty" jsonschema:"the token's permissions, such as [\"analytics:read\",\"websites:read\"]; at most the calling token's; default: every permission ([\"*\"]), which only a full-access token may give"`
	WebsiteIDs  []string `json:"websiteIds,omitempty" jsonschema:"limit the token to these websites, within the calling token's; default: every website of the user (refused to a token limited to some websites)"`
	ExpiresAt   string   `json:"expiresAt,omitempty" jsonschema:"when the token stops working, an ISO 8601 date-time with a time zone; default: never"`
	AllowedIPs  []string `json:"allowedIps,omitempty" jsonschema:"the client addresses the token works from, IPv4 or IPv6 CIDR prefixes or bare addresses, at most 32, within the calling token's own; default: the calling token's (any address for an unrestricted one)"`
}

// TokenInput names an access token.
type TokenInput struct {
	TokenID string `json:"tokenId" jsonschema:"the token's _id (tokens_list gives them)"`
}

// TeamInviteInput is the body of POST .../websites/{websiteId}/team.
type TeamInviteInput struct {
	WebsiteInput
	Email string `json:"email" jsonschema:"the invitee's email; the invitation is mailed there"`
	Role  string `json:"role,omitempty" jsonschema:"viewer or member; default: viewer"`
}

// TeamRemoveInput is the body of DELETE .../websites/{websiteId}/team:
// userId removes a member, email withdraws a pending invitation.
type TeamRemoveInput struct {
	WebsiteInput
	UserID string  `json:"userId,omitempty" jsonschema:"the member to remove (team_list gives them); the keys they created on the website are revoked"`
	Email  *string `json:"email,omitempty" jsonschema:"instead of userId: the email of a pending invitation to withdraw"`
}

// InvitationInput names an invitation.
type InvitationInput struct {
	InvitationID string `json:"invitationId" jsonschema:"the invitation's _id (invitations_list gives them)"`
}

// FunnelStep is a step of a funnel's body.
type FunnelStep struct {
	Name     string `json:"name" jsonschema:"the step's name"`
	Type     string `json:"type" jsonschema:"pageview or goal"`
	URL      string `json:"url,omitempty" jsonschema:"pageview steps: the path, such as /pricing (* matches any segment)"`
	GoalName string `json:"goalName,omitempty" jsonschema:"goal steps: the goal's name"`
}

// FunnelInput is the body of a funnel's creation or update.
type FunnelInput struct {
	WebsiteInput
	Name       *string      `json:"name,omitempty" jsonschema:"the funnel's name (required to create)"`
	Steps      []FunnelStep `json:"steps,omitempty" jsonschema:"the steps in order, 2 to 8 (required to create; an update replaces them all)"`
	WindowDays *int         `json:"windowDays,omitempty" jsonschema:"the days a visitor has to complete the funnel, 1 to 90; default: 7"`
}

// FunnelUpdateInput is the body of a funnel's update.
type FunnelUpdateInput struct {
	FunnelInput
	FunnelID string `json:"funnelId" jsonschema:"the funnel's _id (funnels_list gives them)"`
	IsActive *bool  `json:"isActive,omitempty" jsonschema:"false hides the funnel, true shows it again"`
}

func (in FunnelInput) input() app.FunnelInput {
	out := app.FunnelInput{Name: in.Name, WindowDays: in.WindowDays}
	if in.Steps != nil {
		out.Steps = make([]openfast.StepInput, len(in.Steps))
		for i, s := range in.Steps {
			out.Steps[i] = openfast.StepInput{Name: &s.Name, Type: &s.Type, URL: ptr(s.URL), GoalName: ptr(s.GoalName)}
		}
	}
	return out
}

// FunnelRef names a funnel.
type FunnelRef struct {
	WebsiteInput
	FunnelID string `json:"funnelId" jsonschema:"the funnel's _id (funnels_list gives them)"`
}

// AlertTrigger is an alert's trigger.
type AlertTrigger struct {
	Type     *string `json:"type,omitempty" jsonschema:"goal (the only trigger)"`
	GoalName *string `json:"goalName,omitempty" jsonschema:"the goal whose completions fire the alert"`
}

// AlertTemplate is an alert's mail.
type AlertTemplate struct {
	Subject *string `json:"subject,omitempty" jsonschema:"the mail's subject template; null or empty for the default"`
	Message *string `json:"message,omitempty" jsonschema:"the mail's message template (required to create)"`
	sent    sent
}

func (t *AlertTemplate) UnmarshalJSON(b []byte) (err error) {
	type plain AlertTemplate
	t.sent, err = decodeSent(b, (*plain)(t))
	return err
}

// AlertDestination is where an alert is sent.
type AlertDestination struct {
	Type *string `json:"type,omitempty" jsonschema:"email (the only destination: the website owner's address)"`
}

// AlertInput is the body of an alert's creation or update.
type AlertInput struct {
	WebsiteInput
	Name        *string           `json:"name,omitempty" jsonschema:"the alert's name (required to create)"`
	Trigger     *AlertTrigger     `json:"trigger,omitempty" jsonschema:"what fires the alert: {\"type\":\"goal\",\"goalName\":\"signup\"} (goalName required to create)"`
	Template    *AlertTemplate    `json:"template,omitempty" jsonschema:"the mail: {\"subject\":...,\"message\":...} (message required to create)"`
	IsEnabled   *bool             `json:"isEnabled,omitempty" jsonschema:"false pauses the alert"`
	Destination *AlertDestination `json:"destination,omitempty" jsonschema:"{\"type\":\"email\"}"`
}

// AlertUpdateInput is the body of an alert's update.
type AlertUpdateInput struct {
	AlertInput
	AlertID string `json:"alertId" jsonschema:"the alert's _id (alerts_list gives them)"`
}

func (in AlertInput) input() app.AlertInput {
	out := app.AlertInput{Name: in.Name, Enabled: in.IsEnabled}
	if t := in.Trigger; t != nil {
		out.TriggerType, out.GoalName = t.Type, t.GoalName
	}
	if t := in.Template; t != nil {
		out.Subject, out.Message = t.sent.settable("subject", t.Subject), t.Message
	}
	if d := in.Destination; d != nil {
		out.Destination = d.Type
	}
	return out
}

// AlertRef names an alert.
type AlertRef struct {
	WebsiteInput
	AlertID string `json:"alertId" jsonschema:"the alert's _id (alerts_list gives them)"`
}

// AlertHistoryInput is the query of GET .../alerts/history.
type AlertHistoryInput struct {
	WebsiteInput
	AlertID string `json:"alertId,omitempty" jsonschema:"one alert's deliveries; default: every alert's"`
	Limit   int    `json:"limit,omitempty" jsonschema:"the number of deliveries, newest first, 1 to 100 (more is capped); default: 50"`
}

// GoalCustomizationsInput is the query of GET .../goals/customizations.
type GoalCustomizationsInput struct {
	WebsiteInput
	GoalName string `json:"goalName,omitempty" jsonschema:"one goal's customization; default: every customized goal's"`
}

// GoalCustomizeInput is the body of PATCH .../goals/customizations: only
// the members sent change, null clears one.
type GoalCustomizeInput struct {
	WebsiteInput
	GoalName    string  `json:"goalName" jsonschema:"the goal to customize"`
	DisplayName *string `json:"displayName,omitempty" jsonschema:"the name the dashboard shows; null clears it"`
	Color       *string `json:"color,omitempty" jsonschema:"a color of the palette (goal_customizations_list answers it in colors); null clears it"`
	Description *string `json:"description,omitempty" jsonschema:"a description; null clears it"`
	sent        sent
}

func (in *GoalCustomizeInput) UnmarshalJSON(b []byte) (err error) {
	type plain GoalCustomizeInput
	in.sent, err = decodeSent(b, (*plain)(in))
	return err
}

// AuditInput is the query of an audit log read.
type AuditInput struct {
	WebsiteID string `json:"websiteId,omitempty" jsonschema:"audit_log only: the website's 24-character hex id"`
	Limit     int    `json:"limit,omitempty" jsonschema:"the number of entries, newest first, 1 to 200; default: 50"`
	Offset    int    `json:"offset,omitempty" jsonschema:"the entries to skip"`
}

func (in AuditInput) page() (limit, offset int, err error) {
	return pageOf(in.Limit, in.Offset, app.DefaultAuditLimit, app.MaxAuditLimit, app.MaxAuditOffset)
}

// accountTools are the tools of the account, its tokens and invitations.
var accountTools = []Tool{
	tool("account_get", "The account of the credential in use and what it may do (GET /api/v1/admin/account): user, credential type, permissions, websites.",
		app.ActGetAccount, reads, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			return one(wireconv.Account)(a.Account(ctx, c))
		}),
	tool("account_update", "Changes the user's name (PUT /api/v1/admin/account).",
		app.ActUpdateAccount, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in AccountUpdateInput) (any, error) {
			return one(wireconv.Profile)(a.UpdateAccountName(ctx, c, &in.Name))
		}),
	tool("tokens_list", "The user's dft_ account tokens, masked (GET /api/v1/admin/access-tokens).",
		app.ActListAccessTokens, reads, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			return list(wireconv.AccessToken)(a.AccessTokens(ctx, c))
		}),
	tool("tokens_create", "Creates a dft_ account token (POST /api/v1/admin/access-tokens), with at most the calling token's permissions and websites. "+
		"The answer's key is the token's value, shown this once: hand it to the user, do not store or repeat it.",
		app.ActCreateAccessToken, adds, func(ctx context.Context, a *app.App, c app.Caller, in TokenCreateInput) (any, error) {
			nt := app.NewAccessToken{Name: in.Name}
			var err error
			if in.Permissions != nil {
				if nt.Permissions, err = checkList("permissions", in.Permissions, len(auth.Permissions)+1); err != nil {
					return nil, err
				}
			}
			if in.WebsiteIDs != nil {
				if nt.WebsiteIDs, err = checkList("websiteIds", in.WebsiteIDs, openfast.MaxListItems); err != nil {
					return nil, err
				}
			}
			if nt.ExpiresAt, err = timestamp("expiresAt", in.ExpiresAt); err != nil {
				return nil, err
			}
			if nt.AllowedIPs, err = allowedIPs(in.AllowedIPs); err != nil {
				return nil, err
			}
			raw, t, err := a.CreateAccessToken(ctx, c, nt)
			if err != nil {
				return nil, err
			}
			return success(wireconv.NewAccessToken(raw, t)), nil
		}),
	tool("tokens_delete", "Deletes one of the user's dft_ tokens (DELETE /api/v1/admin/access-tokens/{tokenId}): it stops working at once.",
		app.ActDeleteAccessToken, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in TokenInput) (any, error) {
			if err := a.DeleteAccessToken(ctx, c, in.TokenID); err != nil {
				return nil, err
			}
			return success(wireconv.Message(wireconv.AccessTokenDeleted)), nil
		}),
	tool("tokens_usage", "One of the user's dft_ tokens' requests per UTC day, oldest first, with the last 7 days' total (GET /api/v1/admin/access-tokens/{tokenId}/usage).",
		app.ActAccessTokenUsage, reads, func(ctx context.Context, a *app.App, c app.Caller, in TokenUsageInput) (any, error) {
			days, err := usageDays(in.Days)
			if err != nil {
				return nil, err
			}
			return one(wireconv.CredentialUsage)(a.AccessTokenUsage(ctx, c, in.TokenID, days))
		}),
	tool("invitations_list", "The user's pending invitations to other websites' teams (GET /api/v1/admin/invitations).",
		app.ActListInvitations, reads, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			return list(wireconv.Invitation)(a.Invitations(ctx, c))
		}),
	tool("invitations_accept", "Accepts an invitation addressed to the user's email (POST /api/v1/admin/invitations/{invitationId}/accept): the user joins the team.",
		app.ActAcceptInvitation, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in InvitationInput) (any, error) {
			return answer(func(inv *openfast.Invitation) any { return success(wireconv.InvitationAccepted(inv)) })(a.AcceptInvitation(ctx, c, in.InvitationID))
		}),
	tool("audit_log_account", "The account-level audit log of the user's actions (tokens, account), newest first (GET /api/v1/admin/audit-log).",
		app.ActAccountAuditLog, reads, func(ctx context.Context, a *app.App, c app.Caller, in AuditInput) (any, error) {
			limit, offset, err := in.page()
			if err != nil {
				return nil, err
			}
			return answer(func(p *app.AuditPage) any { return wireconv.AuditLog(p) })(a.AccountAuditLog(ctx, c, limit, offset))
		}),
}

// websiteTools are the tools of websites, their keys and their team.
var websiteTools = []Tool{
	tool("websites_list", "The websites the account token's user can access, with their role (GET /api/v1/admin/websites).",
		app.ActListWebsites, reads, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			return list(wireconv.WebsiteListItem)(a.Websites(ctx, c))
		}),
	tool("website_get", "A website's settings (GET /api/v1/admin/websites/{websiteId}).",
		app.ActGetWebsite, reads, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
			return one(func(w *app.Website) wire.Website { return wireconv.Website(w.Website) })(a.Website(ctx, c, in.WebsiteID))
		}),
	tool("website_create", "Adds a website, owned by the token's user (POST /api/v1/admin/websites); the answer has its id and tracking id.",
		app.ActCreateWebsite, adds, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteCreateInput) (any, error) {
			return answer(func(w *openfast.Website) any { return success(wireconv.WebsiteCreated(w)) })(
				a.CreateWebsite(ctx, c, app.NewWebsite{Domain: &in.Domain, Timezone: ptr(in.Timezone), Name: in.Name}))
		}),
	tool("website_update", "Changes a website's settings (PUT /api/v1/admin/websites/{websiteId}): only the members sent change; lists are replaced whole.",
		app.ActUpdateWebsite, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteUpdateInput) (any, error) {
			u, err := in.update()
			if err != nil {
				return nil, err
			}
			return one(wireconv.Website)(a.UpdateWebsite(ctx, c, in.WebsiteID, u))
		}),
	tool("website_delete", "Deleting a website (DELETE /api/v1/admin/websites/{websiteId}) is refused, as in DataFast: "+
		"the answer names the operator command that deletes it on the server.",
		app.ActDeleteWebsite, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
			return nil, a.DeleteWebsite(ctx, c, in.WebsiteID)
		}),
	websiteList("apikeys_list", "A website's df_ keys, masked (GET /api/v1/admin/websites/{websiteId}/apikeys).",
		app.ActListAPIKeys, (*app.App).APIKeys, wireconv.APIKey),
	tool("apikeys_create", "Creates a df_ key of the website (POST /api/v1/admin/websites/{websiteId}/apikeys). "+
		"The answer's key is the key's value, shown this once: hand it to the user, do not store or repeat it.",
		app.ActCreateAPIKey, adds, func(ctx context.Context, a *app.App, c app.Caller, in APIKeyCreateInput) (any, error) {
			nk := app.NewAPIKey{Name: in.Name}
			var err error
			if in.Permissions != nil {
				if nk.Permissions, err = checkList("permissions", in.Permissions, len(auth.WebsitePermissions)+1); err != nil {
					return nil, err
				}
			}
			if nk.ExpiresAt, err = timestamp("expiresAt", in.ExpiresAt); err != nil {
				return nil, err
			}
			if nk.AllowedIPs, err = allowedIPs(in.AllowedIPs); err != nil {
				return nil, err
			}
			raw, k, err := a.CreateAPIKey(ctx, c, in.WebsiteID, nk)
			if err != nil {
				return nil, err
			}
			return success(wireconv.NewAPIKey(raw, k)), nil
		}),
	tool("apikeys_roll", "Gives a df_ key a new value, same _id and permissions (PUT /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}); "+
		"the previous value stops working at once, or after gracePeriodSeconds. The answer's key is the new value, shown this once.",
		app.ActRollAPIKey, replaces, func(ctx context.Context, a *app.App, c app.Caller, in APIKeyRollInput) (any, error) {
			maxGrace := int64(app.MaxRollGrace / time.Second)
			if in.GracePeriodSeconds < 0 || in.GracePeriodSeconds > maxGrace {
				return nil, openfast.Errorf(openfast.EINVALID, "gracePeriodSeconds must be a whole number of seconds from 0 to %d.", maxGrace)
			}
			roll := app.KeyRoll{Grace: time.Duration(in.GracePeriodSeconds) * time.Second, SetAllowedIPs: in.sent["allowedIps"]}
			if roll.SetAllowedIPs && in.AllowedIPs != nil {
				var err error
				if roll.AllowedIPs, err = allowedIPs(in.AllowedIPs); err != nil {
					return nil, err
				}
			}
			raw, k, err := a.RollAPIKeyWith(ctx, c, in.WebsiteID, in.APIKeyID, roll)
			if err != nil {
				return nil, err
			}
			return success(wireconv.NewAPIKey(raw, k)), nil
		}),
	tool("apikeys_usage", "A df_ key's requests per UTC day, oldest first, with the last 7 days' total (GET /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}/usage).",
		app.ActAPIKeyUsage, reads, func(ctx context.Context, a *app.App, c app.Caller, in APIKeyUsageInput) (any, error) {
			days, err := usageDays(in.Days)
			if err != nil {
				return nil, err
			}
			return one(wireconv.CredentialUsage)(a.APIKeyUsage(ctx, c, in.WebsiteID, in.APIKeyID, days))
		}),
	tool("apikeys_delete", "Deletes a df_ key (DELETE /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}): it stops working at once.",
		app.ActDeleteAPIKey, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in APIKeyInput) (any, error) {
			if err := a.DeleteAPIKey(ctx, c, in.WebsiteID, in.APIKeyID); err != nil {
				return nil, err
			}
			return success(wireconv.APIKeyDeleted(in.APIKeyID)), nil
		}),
	websiteList("team_list", "A website's members and their roles (GET /api/v1/admin/websites/{websiteId}/team).",
		app.ActListTeam, (*app.App).Members, wireconv.Member),
	tool("team_invite", "Invites someone to a website's team by email (POST /api/v1/admin/websites/{websiteId}/team, owners only); "+
		"the invitation is mailed to them.",
		app.ActInviteMember, adds, func(ctx context.Context, a *app.App, c app.Caller, in TeamInviteInput) (any, error) {
			ni := app.NewInvitation{Email: &in.Email}
			if in.Role != "" {
				ni.Role = (*openfast.Role)(&in.Role)
			}
			_, inv, err := a.Invite(ctx, c, in.WebsiteID, ni)
			if err != nil {
				return nil, err
			}
			return success(wireconv.InvitationCreated(inv)), nil
		}),
	tool("team_remove", "Removes a member from a website's team (userId), revoking the keys they created, or withdraws a pending invitation (email) "+
		"(DELETE /api/v1/admin/websites/{websiteId}/team, owners only).",
		app.ActRemoveMember, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in TeamRemoveInput) (any, error) {
			if in.Email != nil {
				if in.UserID != "" {
					return nil, openfast.Errorf(openfast.EINVALID, "Give userId (remove a member) or email (withdraw an invitation), not both.")
				}
				if err := a.WithdrawInvitation(ctx, c, in.WebsiteID, in.Email); err != nil {
					return nil, err
				}
				return success(wireconv.InvitationWithdrawn()), nil
			}
			return answer(func(revoked []*openfast.APIKey) any { return success(wireconv.MemberRemoved(revoked)) })(
				a.RemoveMember(ctx, c, in.WebsiteID, in.UserID))
		}),
	tool("audit_log", "A website's audit log (settings, keys, team, funnels, alerts), newest first (GET /api/v1/admin/websites/{websiteId}/audit-log).",
		app.ActWebsiteAuditLog, reads, func(ctx context.Context, a *app.App, c app.Caller, in AuditInput) (any, error) {
			limit, offset, err := in.page()
			if err != nil {
				return nil, err
			}
			return answer(func(p *app.AuditPage) any { return wireconv.AuditLog(p) })(a.WebsiteAuditLog(ctx, c, in.WebsiteID, limit, offset))
		}),
}

// reportTools are the tools of funnels, alerts and goal customizations.
var reportTools = []Tool{
	websiteList("funnels_list", "A website's active funnels and their steps (GET /api/v1/admin/websites/{websiteId}/funnels); funnel_results reads one.",
		app.ActListFunnels, (*app.App).Funnels, wireconv.Funnel),
	tool("funnels_create", "Creates a funnel: a name and 2 to 8 steps, each a pageview (url) or a goal (goalName) (POST /api/v1/admin/websites/{websiteId}/funnels).",
		app.ActCreateFunnel, adds, func(ctx context.Context, a *app.App, c app.Caller, in FunnelInput) (any, error) {
			return one(wireconv.Funnel)(a.CreateFunnel(ctx, c, in.WebsiteID, in.input()))
		}),
	tool("funnels_update", "Changes a funnel (PUT /api/v1/admin/websites/{websiteId}/funnels/{funnelId}): only the members sent change; steps are replaced whole.",
		app.ActUpdateFunnel, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in FunnelUpdateInput) (any, error) {
			u := in.input()
			u.IsActive = in.IsActive
			return one(wireconv.Funnel)(a.UpdateFunnel(ctx, c, in.WebsiteID, in.FunnelID, u))
		}),
	tool("funnels_delete", "Deletes a funnel (DELETE /api/v1/admin/websites/{websiteId}/funnels/{funnelId}).",
		app.ActDeleteFunnel, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in FunnelRef) (any, error) {
			if err := a.DeleteFunnel(ctx, c, in.WebsiteID, in.FunnelID); err != nil {
				return nil, err
			}
			return success(wireconv.Message(wireconv.FunnelDeleted)), nil
		}),
	websiteList("alerts_list", "A website's goal alerts and their recent deliveries (GET /api/v1/admin/websites/{websiteId}/alerts).",
		app.ActListAlerts, (*app.App).Alerts, wireconv.Alert),
	tool("alerts_create", "Creates an alert that mails the website's owner when a goal is completed (POST /api/v1/admin/websites/{websiteId}/alerts): "+
		"name, trigger.goalName and template.message are required.",
		app.ActCreateAlert, adds, func(ctx context.Context, a *app.App, c app.Caller, in AlertInput) (any, error) {
			return one(wireconv.Alert)(a.CreateAlert(ctx, c, in.WebsiteID, in.input()))
		}),
	tool("alerts_update", "Changes an alert (PUT /api/v1/admin/websites/{websiteId}/alerts/{alertId}): only the members sent change.",
		app.ActUpdateAlert, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in AlertUpdateInput) (any, error) {
			return one(wireconv.Alert)(a.UpdateAlert(ctx, c, in.WebsiteID, in.AlertID, in.input()))
		}),
	tool("alerts_delete", "Deletes an alert (DELETE /api/v1/admin/websites/{websiteId}/alerts/{alertId}).",
		app.ActDeleteAlert, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in AlertRef) (any, error) {
			if err := a.DeleteAlert(ctx, c, in.WebsiteID, in.AlertID); err != nil {
				return nil, err
			}
			return success(wireconv.Message(wireconv.AlertDeleted)), nil
		}),
	tool("alerts_history", "A website's alert deliveries, newest first, with the counts sent and failed (GET /api/v1/admin/websites/{websiteId}/alerts/history).",
		app.ActAlertHistory, reads, func(ctx context.Context, a *app.App, c app.Caller, in AlertHistoryInput) (any, error) {
			limit := app.DefaultAlertHistoryLimit
			if in.Limit != 0 {
				if in.Limit < 1 {
					return nil, openfast.Errorf(openfast.EINVALID, "limit must be an integer from 1 to %d.", app.MaxAlertHistoryLimit)
				}
				limit = min(in.Limit, app.MaxAlertHistoryLimit)
			}
			logs, counts, err := a.AlertHistory(ctx, c, in.WebsiteID, in.AlertID, limit)
			if err != nil {
				return nil, err
			}
			return wireconv.AlertHistory(logs, counts), nil
		}),
	tool("goal_customizations_list", "The display names, colors and descriptions given to a website's goals, with the palette of colors "+
		"(GET /api/v1/admin/websites/{websiteId}/goals/customizations).",
		app.ActListGoalCustomizations, reads, func(ctx context.Context, a *app.App, c app.Caller, in GoalCustomizationsInput) (any, error) {
			return answer(goalCustomizations)(a.GoalCustomizations(ctx, c, in.WebsiteID, in.GoalName))
		}),
	tool("goal_customize", "Sets a goal's display name, color or description (PATCH /api/v1/admin/websites/{websiteId}/goals/customizations): "+
		"only the members sent change, null clears one.",
		app.ActCustomizeGoal, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in GoalCustomizeInput) (any, error) {
			g, err := a.CustomizeGoal(ctx, c, in.WebsiteID, app.GoalCustomizationUpdate{
				GoalName: &in.GoalName, DisplayName: in.sent.settable("displayName", in.DisplayName),
				Color: in.sent.settable("color", in.Color), Description: in.sent.settable("description", in.Description),
			})
			if err != nil {
				return nil, err
			}
			return goalCustomizations([]*openfast.GoalCustomization{g}), nil
		}),
}

func goalCustomizations(goals []*openfast.GoalCustomization) any {
	return wireconv.GoalCustomizations(goals)
}

// adminTools are the tools of the admin API.
var adminTools = slices.Concat(accountTools, websiteTools, reportTools)

// allowedIPs is the allowedIps of a new key or token or of a roll, as the
// REST body's: nil when not sent, at most auth.MaxAllowedIPs entries (an
// empty list is refused by the app, as with REST).
func allowedIPs(v []string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	return checkList("allowedIps", v, auth.MaxAllowedIPs)
}

// usageDays is the days of a usage read, as the REST query's days: 1 to
// openfast.UsageDays, which is also the default (0).
func usageDays(days int) (int, error) {
	if days == 0 {
		return openfast.UsageDays, nil
	}
	if days < 1 || days > openfast.UsageDays {
		return 0, openfast.Errorf(openfast.EINVALID, "days must be an integer from 1 to %d.", openfast.UsageDays)
	}
	return days, nil
}
