package app_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/internal/authzspec"
)

// appRoute is how the matrix calls the app method behind one route.
type appRoute struct {
	action app.Action
	call   func(ctx context.Context, a *app.App, c app.Caller, websiteID string) error
}

// someID names a key, token, invitation or user that does not exist.
const someID = "0123456789abcdef0123abcd"

// fullKeys names, per website, a key with every website permission that
// the matrix rolls.
var fullKeys = map[string]string{}

func ptr[T any](v T) *T { return &v }

// appRoutes maps every route of the spec table to its app method, called
// with an input that is valid as far as it can be (the caller's own
// resources do not exist, so writes end in 404, 409 or a limit).
var appRoutes = map[string]appRoute{
	"GET /api/v1/admin/account": {app.ActGetAccount, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.Account(ctx, c)
		return err
	}},
	"PUT /api/v1/admin/account": {app.ActUpdateAccount, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.UpdateAccountName(ctx, c, ptr("Ann"))
		return err
	}},
	"GET /api/v1/admin/access-tokens": {app.ActListAccessTokens, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.AccessTokens(ctx, c)
		return err
	}},
	"POST /api/v1/admin/access-tokens": {app.ActCreateAccessToken, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, _, err := a.CreateAccessToken(ctx, c, app.NewAccessToken{Permissions: []string{auth.PermAnalyticsRead}})
		return err
	}},
	"DELETE /api/v1/admin/access-tokens/{tokenId}": {app.ActDeleteAccessToken, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		return a.DeleteAccessToken(ctx, c, someID)
	}},
	"GET /api/v1/admin/access-tokens/{tokenId}/usage": {app.ActAccessTokenUsage, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.AccessTokenUsage(ctx, c, someID, 0)
		return err
	}},
	"GET /api/v1/admin/websites": {app.ActListWebsites, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.Websites(ctx, c)
		return err
	}},
	"POST /api/v1/admin/websites": {app.ActCreateWebsite, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.CreateWebsite(ctx, c, app.NewWebsite{Domain: ptr("created.example.com"), Timezone: ptr("UTC")})
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}": {app.ActGetWebsite, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Website(ctx, c, site)
		return err
	}},
	"PUT /api/v1/admin/websites/{websiteId}": {app.ActUpdateWebsite, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.UpdateWebsite(ctx, c, site, app.WebsiteUpdate{IsCookieless: ptr(false)})
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}/goals/customizations": {app.ActListGoalCustomizations, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.GoalCustomizations(ctx, c, site, "")
		return err
	}},
	"PATCH /api/v1/admin/websites/{websiteId}/goals/customizations": {app.ActCustomizeGoal, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.CustomizeGoal(ctx, c, site, app.GoalCustomizationUpdate{GoalName: ptr("signup"), Color: app.Set[string]{Set: true, Value: ptr("#ef4444")}})
		return err
	}},
	"DELETE /api/v1/admin/websites/{websiteId}": {app.ActDeleteWebsite, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		return a.DeleteWebsite(ctx, c, site)
	}},
	"GET /api/v1/admin/websites/{websiteId}/apikeys": {app.ActListAPIKeys, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.APIKeys(ctx, c, site)
		return err
	}},
	"POST /api/v1/admin/websites/{websiteId}/apikeys": {app.ActCreateAPIKey, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.CreateAPIKey(ctx, c, site, app.NewAPIKey{})
		return err
	}},
	"PUT /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}": {app.ActRollAPIKey, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		id := fullKeys[site]
		if id == "" {
			id = someID
		}
		_, _, err := a.RollAPIKey(ctx, c, site, id)
		return err
	}},
	"DELETE /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}": {app.ActDeleteAPIKey, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		return a.DeleteAPIKey(ctx, c, site, someID)
	}},
	"GET /api/v1/admin/websites/{websiteId}/apikeys/{apiKeyId}/usage": {app.ActAPIKeyUsage, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.APIKeyUsage(ctx, c, site, someID, 0)
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}/alerts": {app.ActListAlerts, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Alerts(ctx, c, site)
		return err
	}},
	"POST /api/v1/admin/websites/{websiteId}/alerts": {app.ActCreateAlert, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.CreateAlert(ctx, c, site, app.AlertInput{Name: ptr("Signups"), GoalName: ptr("signup"), Message: ptr("Somebody signed up.")})
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}/alerts/history": {app.ActAlertHistory, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.AlertHistory(ctx, c, site, "", 0)
		return err
	}},
	"PUT /api/v1/admin/websites/{websiteId}/alerts/{alertId}": {app.ActUpdateAlert, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.UpdateAlert(ctx, c, site, someID, app.AlertInput{Enabled: ptr(false)})
		return err
	}},
	"DELETE /api/v1/admin/websites/{websiteId}/alerts/{alertId}": {app.ActDeleteAlert, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		return a.DeleteAlert(ctx, c, site, someID)
	}},
	"GET /api/v1/admin/websites/{websiteId}/team": {app.ActListTeam, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Members(ctx, c, site)
		return err
	}},
	"POST /api/v1/admin/websites/{websiteId}/team": {app.ActInviteMember, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.Invite(ctx, c, site, app.NewInvitation{Email: ptr("invitee@example.com")})
		return err
	}},
	"DELETE /api/v1/admin/websites/{websiteId}/team": {app.ActRemoveMember, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.RemoveMember(ctx, c, site, someID)
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}/audit-log": {app.ActWebsiteAuditLog, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.WebsiteAuditLog(ctx, c, site, 10, 0)
		return err
	}},
	"GET /api/v1/admin/audit-log": {app.ActAccountAuditLog, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.AccountAuditLog(ctx, c, 10, 0)
		return err
	}},
	"GET /api/v1/admin/invitations": {app.ActListInvitations, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.Invitations(ctx, c)
		return err
	}},
	"POST /api/v1/admin/invitations/{invitationId}/accept": {app.ActAcceptInvitation, func(ctx context.Context, a *app.App, c app.Caller, _ string) error {
		_, err := a.AcceptInvitation(ctx, c, someID)
		return err
	}},
	"GET /api/v1/admin/websites/{websiteId}/funnels": {app.ActListFunnels, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Funnels(ctx, c, site)
		return err
	}},
	"POST /api/v1/admin/websites/{websiteId}/funnels": {app.ActCreateFunnel, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.CreateFunnel(ctx, c, site, app.FunnelInput{Name: ptr("Signup"), Steps: []openfast.StepInput{
			{Name: ptr("Landing"), Type: ptr("pageview"), URL: ptr("/")}, {Name: ptr("Signup"), Type: ptr("goal"), GoalName: ptr("signup")}}})
		return err
	}},
	"PUT /api/v1/admin/websites/{websiteId}/funnels/{funnelId}": {app.ActUpdateFunnel, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.UpdateFunnel(ctx, c, site, someID, app.FunnelInput{Name: ptr("Renamed")})
		return err
	}},
	"DELETE /api/v1/admin/websites/{websiteId}/funnels/{funnelId}": {app.ActDeleteFunnel, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		return a.DeleteFunnel(ctx, c, site, someID)
	}},
	"GET /api/v1/analytics/funnels/{funnelId}": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.FunnelResult(ctx, c, app.Read{WebsiteID: site}, someID)
		return err
	}},
	"GET /api/v1/analytics/metadata": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Metadata(ctx, c, site)
		return err
	}},
	"GET /api/v1/analytics/overview": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Overview(ctx, c, app.Read{WebsiteID: site, Params: url.Values{}})
		return err
	}},
	"GET /api/v1/analytics/timeseries": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.Timeseries(ctx, c, app.Read{WebsiteID: site})
		return err
	}},
	"GET /api/v1/analytics/realtime": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Realtime(ctx, c, app.Read{WebsiteID: site})
		return err
	}},
	"GET /api/v1/analytics/realtime/map": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.RealtimeMap(ctx, c, site)
		return err
	}},
	"GET /api/v1/export": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		x, err := a.StartExport(ctx, c, app.ExportRequest{Read: app.Read{WebsiteID: site}, Format: "csv"})
		if err == nil {
			x.Close()
		}
		return err
	}},
	"GET /api/v1/visitors": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.Visitors(ctx, c, app.Read{WebsiteID: site})
		return err
	}},
	"GET /api/v1/visitors/{visitorId}": {app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Visitor(ctx, c, site, "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd")
		return err
	}},
	"POST /api/v1/goals": {app.ActWriteGoals, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.CreateGoal(ctx, c, site, app.NewGoal{VisitorID: "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd", Name: ptr("signup")})
		return err
	}},
	"DELETE /api/v1/goals": {app.ActWriteGoals, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.DeleteGoals(ctx, c, site, app.EventSelection{GoalName: "signup"})
		return err
	}},
	"POST /api/v1/payments": {app.ActWritePayments, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.CreatePayment(ctx, c, site, app.NewPayment{Amount: ptr(9.99), Currency: ptr("USD"), TransactionID: ptr("tx_1")})
		return err
	}},
	"DELETE /api/v1/payments": {app.ActWritePayments, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, _, err := a.DeletePayments(ctx, c, site, app.EventSelection{TransactionID: "tx_1"})
		return err
	}},
	"POST /api/v1/identify": {app.ActWriteIdentify, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Identify(ctx, c, site, app.NewIdentity{UserID: ptr("u1"), VisitorID: "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"})
		return err
	}},
}

// Every breakdown reads through one method; every provider connects and
// disconnects through one each.
func init() {
	appRoutes["GET /api/v1/admin/websites/{websiteId}/integrations"] = appRoute{app.ActListIntegrations, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
		_, err := a.Integrations(ctx, c, site)
		return err
	}}
	for _, p := range app.Providers {
		appRoutes["POST /api/v1/admin/websites/{websiteId}/integrations/"+p.Name] = appRoute{app.ActConnectIntegration, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
			_, err := a.ConnectIntegration(ctx, c, site, p.Name, app.IntegrationInput{APIKey: ptr("key_1"), Account: ptr("1")})
			return err
		}}
		appRoutes["DELETE /api/v1/admin/websites/{websiteId}/integrations/"+p.Name] = appRoute{app.ActDisconnectIntegration, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
			_, err := a.DisconnectIntegration(ctx, c, site, p.Name)
			return err
		}}
	}
	for _, e := range []analytics.Endpoint{analytics.Pages, analytics.Referrers, analytics.Countries, analytics.Regions, analytics.Cities,
		analytics.Browsers, analytics.OperatingSystems, analytics.Devices, analytics.Campaigns, analytics.Goals, analytics.Hostnames} {
		appRoutes["GET /api/v1/analytics/"+e.Name] = appRoute{app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, site string) error {
			_, _, _, err := a.Breakdown(ctx, c, e, app.Read{WebsiteID: site})
			return err
		}}
	}
}

// denials are the messages with which auth.Decide refuses; an allowed call
// may fail after the decision, but never with one of these.
var denials = []string{
	"Missing or invalid API token.", "Owner-only actions need", "This route ", "This action needs an account token",
	"websiteId query parameter is required", "websiteId must be a 24-character", "This df_ key belongs to another website.",
	"This token is not allowed to access this website.", "You do not have access to this website", "This token lacks the ",
	"Only the website owner can do this.", "Your role on this website", "This key lacks the ",
	"A credential cannot create a key that can do more than itself", "A credential cannot roll a key that can do more than itself",
}

func isDenial(err error) bool {
	msg := openfast.ErrorMessage(err)
	return slices.ContainsFunc(denials, func(d string) bool { return strings.HasPrefix(msg, d) })
}

// TestAuthorizationMatrix_App walks every route of the spec table ×
// credential × target website through the app methods directly, without
// HTTP, and compares each outcome with the spec's expectation: the app
// layer decides by itself, so the dashboard and the MCP server, which call
// it like the API does, get the same answers.
func TestAuthorizationMatrix_App(t *testing.T) {
	ctx := context.Background()
	a, store := newApp(t)

	// Every route maps to an action with the spec's policy, and every
	// action is behind some route.
	used := map[string]bool{}
	for name, sr := range authzspec.Routes {
		r, ok := appRoutes[name]
		if !ok {
			t.Fatalf("route %s has no app method in this test", name)
		}
		used[r.action.Name] = true
		p := r.action.Policy
		if p.Permission != sr.Perm || p.MinRole != sr.MinRole || p.AllowWebsiteKey != (sr.KeyOK && !sr.OwnerOnly) || p.OwnerOnly != sr.OwnerOnly || p.AllWebsites != sr.AllSites {
			t.Fatalf("action %s of %s declares %+v, spec says %+v", r.action.Name, name, p, sr)
		}
	}
	for _, act := range app.Actions {
		if !used[act.Name] {
			t.Fatalf("action %s is behind no route of the spec table", act.Name)
		}
	}

	user := func(email string) *openfast.User {
		u := &openfast.User{ID: openfast.NewID(), Email: email}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	owner, member, viewer, outsider := user("owner@example.com"), user("member@example.com"), user("viewer@example.com"), user("outsider@example.com")
	site := func(u *openfast.User, domain string) string {
		w := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + auth.RandomBase62(16), OwnerID: u.ID, Domain: domain, Timezone: "UTC", Currency: "USD"}
		if err := store.CreateWebsite(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
		return w.ID
	}
	siteA, siteB := site(owner, "a.example.com"), site(outsider, "b.example.com")
	for _, m := range []struct {
		u    *openfast.User
		role openfast.Role
	}{{member, openfast.RoleMember}, {viewer, openfast.RoleViewer}} {
		inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: siteA, Email: m.u.Email, Role: m.role, InvitedBy: owner.ID}
		if err := store.CreateInvitation(ctx, inv, time.Time{}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := store.AcceptInvitation(ctx, inv.ID, m.u, time.Time{}, nil); err != nil {
			t.Fatal(err)
		}
	}

	type castMember struct {
		cred   authzspec.Cred
		caller app.Caller
	}
	for _, site := range []string{siteA, siteB} {
		_, k := auth.NewAPIKey(site, nil, []string{auth.PermAll}, &auth.Principal{Kind: auth.KindAccountToken})
		if err := store.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite, nil); err != nil {
			t.Fatal(err)
		}
		fullKeys[site] = k.ID
	}
	t.Cleanup(func() { clear(fullKeys) })

	permSets := [][]string{{"*"}}
	for _, sr := range authzspec.Routes {
		if !slices.ContainsFunc(permSets, func(p []string) bool { return p[0] == sr.Perm }) {
			permSets = append(permSets, []string{sr.Perm})
		}
	}
	permSets = append(permSets, []string{"goals:read", "payments:read"})
	var cast []castMember
	for _, k := range []struct{ name, site string }{{"df_ site A", siteA}, {"df_ site B", siteB}} {
		for _, perms := range permSets {
			cast = append(cast, castMember{
				authzspec.Cred{Name: fmt.Sprintf("%s perms=%v", k.name, perms), IsKey: true, KeyOn: k.site, Perms: perms},
				app.Caller{Principal: &auth.Principal{Kind: auth.KindWebsiteKey, ID: openfast.NewID(), DisplayKey: "df_…test", WebsiteID: k.site, Permissions: perms}, IP: "test"},
			})
		}
	}
	for _, u := range []struct {
		u     *openfast.User
		roles map[string]openfast.Role
	}{
		{owner, map[string]openfast.Role{siteA: "owner"}},
		{member, map[string]openfast.Role{siteA: "member"}},
		{viewer, map[string]openfast.Role{siteA: "viewer"}},
		{outsider, map[string]openfast.Role{siteB: "owner"}},
	} {
		for _, perms := range permSets {
			for _, sites := range [][]string{{}, {siteA}, {siteB}, {siteA, siteB}} {
				cast = append(cast, castMember{
					authzspec.Cred{Name: fmt.Sprintf("dft_ %v perms=%v sites=%d", u.roles, perms, len(sites)), Perms: perms, Sites: sites, Roles: u.roles},
					app.Caller{Principal: &auth.Principal{
						Kind: auth.KindAccountToken, ID: openfast.NewID(), DisplayKey: "dft_…test", UserID: u.u.ID,
						Permissions: perms, WebsiteIDs: sites, Memberships: u.roles,
					}, IP: "test"},
				})
			}
		}
	}

	missing := "0123456789abcdef01234567"
	cases := 0
	for name, sr := range authzspec.Routes {
		r := appRoutes[name]
		for _, target := range []string{siteA, siteB, missing, "not-an-objectid", ""} {
			if sr.MinRole == "" && target != siteA {
				continue
			}
			websiteID := target
			if sr.MinRole == "" {
				websiteID = ""
			}
			if !sr.Query && target == "" {
				continue
			}
			for _, m := range cast {
				want := authzspec.ExpectAction(sr, m.cred, target)
				err := r.call(ctx, a, m.caller, websiteID)
				cases++
				switch want {
				case 200:
					if isDenial(err) {
						t.Fatalf("%s on %q as %s: refused (%v), want allowed", name, target, m.cred.Name, err)
					}
				default:
					wantCode := map[int]string{400: openfast.EINVALID, 403: openfast.EFORBIDDEN}[want]
					if openfast.ErrorCode(err) != wantCode || !isDenial(err) {
						t.Fatalf("%s on %q as %s: %v (%s), want a %d denial", name, target, m.cred.Name, err, openfast.ErrorCode(err), want)
					}
				}
			}
		}
	}
	t.Logf("app authorization matrix: %d routes × %d credentials: %d cases checked", len(authzspec.Routes), len(cast), cases)
	if cases < 2000 {
		t.Fatalf("only %d cases", cases)
	}
}
