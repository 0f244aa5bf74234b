// Package wireconv turns domain values into the wire types that the front
// doors answer with (api's REST answers and mcp's tool results), so that
// both answer the same JSON.
package wireconv

import (
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/wire"
)

// Time is the API's time format: ISO 8601 UTC with milliseconds.
func Time(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Funnel is a funnel as the API answers it.
func Funnel(f *openfast.Funnel) wire.Funnel {
	out := wire.Funnel{
		ID: f.ID, WebsiteID: f.WebsiteID, Name: f.Name, Slug: f.Slug, WindowDays: f.WindowDays,
		IsActive: f.IsActive, CreatedAt: Time(f.CreatedAt), Steps: make([]wire.FunnelStepDef, len(f.Steps)),
	}
	for i, s := range f.Steps {
		d := wire.FunnelStepDef{ID: s.ID, Name: s.Name, Type: s.Type}
		if s.Type == openfast.FunnelStepPageview {
			d.URL = &s.URL
		} else {
			d.GoalName = &s.GoalName
		}
		out.Steps[i] = d
	}
	return out
}

// TimePtr is Time of t, or nil.
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

// NullableList is a list whose nil has a meaning of its own (allowedIps:
// any address): null for nil.
func NullableList(v []string) *[]string {
	if v == nil {
		return nil
	}
	return &v
}

// APIKey is a website's df_ key as the API lists it, masked.
func APIKey(k *openfast.APIKey) wire.APIKey {
	var createdBy *string
	if k.CreatedBy != "" {
		createdBy = &k.CreatedBy
	}
	return wire.APIKey{
		ID: k.ID, Name: k.Name, DisplayKey: k.DisplayKey, WebsiteID: k.WebsiteID,
		LastUsedAt: TimePtr(k.LastUsedAt), Usage7d: k.Usage7d, CreatedAt: Time(k.CreatedAt),
		Permissions: auth.KeyPermissions(k.Permissions), CreatedBy: createdBy,
		ExpiresAt: TimePtr(k.ExpiresAt), PreviousKeyExpiresAt: TimePtr(k.PreviousExpiresAt),
		AllowedIPs: NullableList(k.AllowedIPs),
	}
}

// NonNil is s, or an empty list: the API answers [] rather than null.
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// optional is s, or nil (null) when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Map converts each item of list with conv, into a list that is never nil.
func Map[T, W any](list []T, conv func(T) W) []W {
	out := make([]W, 0, len(list))
	for _, v := range list {
		out = append(out, conv(v))
	}
	return out
}

// AccessToken is a user's dft_ token as the API lists it, masked.
func AccessToken(t *openfast.AccessToken) wire.AccessToken {
	return wire.AccessToken{
		ID: t.ID, Name: t.Name, DisplayKey: t.DisplayKey, Scope: "user",
		Permissions: NonNil(t.Permissions), WebsiteIDs: NonNil(t.WebsiteIDs),
		LastUsedAt: TimePtr(t.LastUsedAt), Usage7d: t.Usage7d, CreatedAt: Time(t.CreatedAt), CreatedBy: optional(t.CreatedBy),
		ExpiresAt: TimePtr(t.ExpiresAt), AllowedIPs: NullableList(t.AllowedIPs),
	}
}

// Website is a website's settings as the API answers them.
func Website(w *openfast.Website) wire.Website {
	return wire.Website{
		ID: w.ID, Domain: w.Domain, Name: w.Name, TrackingID: w.TrackingID, Timezone: w.Timezone, Currency: w.Currency,
		KPI: w.KPI, KPIColorScheme: w.KPIColorScheme, RevenueMetric: w.RevenueMetric,
		IsCookieless: w.IsCookieless, IncludeRenewalRevenue: w.IncludeRenewalRevenue,
		AllowedHostnames: NonNil(w.AllowedHostnames), ExcludedIPs: NonNil(w.ExcludedIPs), ExcludedPaths: NonNil(w.ExcludedPaths),
		ExcludedCountries: NonNil(w.ExcludedCountries), ExcludedHostnames: NonNil(w.ExcludedHostnames),
		IsAllHostnamesAllowed: w.IsAllHostnamesAllowed, SendWeeklyReports: w.SendWeeklyReports,
		SendViralTrafficAlerts: w.SendViralTrafficAlerts, IsPublicDashboardEnabled: w.IsPublicDashboardEnabled,
		IsPublicDataEnabled: w.IsPublicDataEnabled, IsAttackModeEnabled: w.IsAttackModeEnabled,
		RetentionDays: w.RetentionDays, CreatedAt: Time(w.CreatedAt),
	}
}

// WebsiteListItem is a website of the list of the caller's websites.
func WebsiteListItem(site openfast.WebsiteWithRole) wire.WebsiteListItem {
	return wire.WebsiteListItem{
		ID: site.ID, Domain: site.Domain, Name: site.Name, TrackingID: site.TrackingID,
		Timezone: site.Timezone, Currency: site.Currency, Role: string(site.Role),
	}
}

// Account is the account of the calling credential.
func Account(acc *app.Account) wire.Account {
	u := acc.User
	return wire.Account{
		ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image, HasAccess: true,
		CreatedAt: Time(u.CreatedAt), WebsiteID: acc.WebsiteID,
		Credential: wire.Credential{Type: acc.Kind.String(), DisplayKey: acc.DisplayKey, Permissions: NonNil(acc.Permissions), WebsiteIDs: NonNil(acc.WebsiteIDs)},
	}
}

// Profile is the user's profile, the answer of an account update.
func Profile(u *openfast.User) wire.Profile {
	return wire.Profile{ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image}
}

// Member is a member of a website's team.
func Member(m *openfast.Member) wire.Member {
	return wire.Member{UserID: m.UserID, Name: m.Name, Email: m.Email, Image: m.Image, Role: string(m.Role), JoinedAt: Time(m.JoinedAt)}
}

// Invitation is a pending invitation of the caller.
func Invitation(inv *openfast.Invitation) wire.Invitation {
	return wire.Invitation{
		ID: inv.ID, WebsiteID: inv.WebsiteID, Domain: inv.Domain, Email: inv.Email, Role: string(inv.Role),
		CreatedAt: Time(inv.CreatedAt), ExpiresAt: Time(inv.ExpiresAt),
	}
}

// AlertLog is one delivery of an alert.
func AlertLog(l *openfast.AlertLog) wire.AlertLog {
	return wire.AlertLog{
		AlertID: l.AlertID, AlertName: l.AlertName, GoalName: l.GoalName, Status: l.Status,
		Error: l.Error, VisitorID: l.VisitorID, Firings: l.Firings, TriggeredAt: Time(l.TriggeredAt),
	}
}

// Alert is an alert with its recent deliveries.
func Alert(v app.AlertView) wire.Alert {
	a := v.Alert
	return wire.Alert{
		ID: a.ID, WebsiteID: a.WebsiteID, Name: a.Name,
		Trigger:     wire.AlertTrigger{Type: "goal", GoalName: a.GoalName},
		Destination: wire.AlertDestination{Type: "email"},
		Template:    wire.AlertTemplate{Subject: a.Subject, Message: a.Message},
		IsEnabled:   a.Enabled, RecentLogs: Map(v.RecentLogs, AlertLog),
		CreatedAt: Time(a.CreatedAt), UpdatedAt: Time(a.UpdatedAt),
	}
}

// AuditLog is a page of an audit log, newest first.
func AuditLog(page *app.AuditPage) wire.Paged[wire.AuditEntry, wire.Pagination] {
	return wire.Paged[wire.AuditEntry, wire.Pagination]{
		Status: wire.StatusSuccess, Data: Map(page.Entries, AuditEntry),
		Pagination: wire.Pagination{Limit: page.Limit, Offset: page.Offset, Total: page.Total},
	}
}

// AuditEntry is one entry of an audit log.
func AuditEntry(e *openfast.AuditEntry) wire.AuditEntry {
	return wire.AuditEntry{
		ID: e.ID, WebsiteID: optional(e.WebsiteID), Action: e.Action,
		Actor:  wire.AuditActor{UserID: optional(e.ActorUserID), DisplayKey: e.ActorDisplayKey},
		Target: wire.AuditTarget{Type: e.TargetType, ID: e.TargetID, DisplayKey: optional(e.TargetDisplayKey)},
		IP:     e.IP, CreatedAt: Time(e.CreatedAt),
	}
}

// goalColors is the palette as the API answers it.
var goalColors = func() []wire.GoalColor {
	out := make([]wire.GoalColor, len(openfast.GoalPalette))
	for i, c := range openfast.GoalPalette {
		out[i] = wire.GoalColor{Color: c.Color, Label: c.Label, Family: c.Family}
	}
	return out
}()

// GoalCustomizations is the answer of the goal customizations' read and
// update: the goals' customizations and the palette of colors.
func GoalCustomizations(goals []*openfast.GoalCustomization) wire.GoalCustomizations {
	out := wire.GoalCustomizations{Status: wire.StatusSuccess, Data: make([]wire.GoalCustomization, 0, len(goals)), Colors: goalColors}
	for _, g := range goals {
		item := wire.GoalCustomization{GoalName: g.GoalName, DisplayName: g.DisplayName, Color: g.Color, Description: g.Description}
		if !g.Empty() && !g.UpdatedAt.IsZero() {
			item.UpdatedAt = TimePtr(&g.UpdatedAt)
		}
		out.Data = append(out.Data, item)
	}
	return out
}

// GoalsDeleted is the data of DELETE /api/v1/goals.
func GoalsDeleted(del *openfast.EventDeletion, n int64) []wire.Deletion {
	msg := "Goal events deleted successfully"
	if !del.Start.IsZero() {
		msg = "Goal events deleted successfully within time range"
	}
	return deletion(del, n, msg)
}

// PaymentsDeleted is the data of DELETE /api/v1/payments.
func PaymentsDeleted(del *openfast.EventDeletion, n int64) []wire.Deletion {
	var msg string
	switch {
	case del.TransactionID != "":
		msg = "Payment deleted successfully"
	case del.Visitor != nil && !del.Start.IsZero():
		msg = "All payments for visitor deleted successfully within time range"
	case del.Visitor != nil:
		msg = "All payments for visitor deleted successfully"
	default:
		msg = "Payments deleted successfully within time range"
	}
	return deletion(del, n, msg)
}

// deletion is the answer of a deletion of goals or payments: what it
// selected, a message and how many events it deleted.
func deletion(del *openfast.EventDeletion, n int64, message string) []wire.Deletion {
	out := wire.Deletion{Message: message, Deleted: n, GoalName: del.Goal, TransactionID: del.TransactionID}
	if del.Visitor != nil {
		out.VisitorID = del.Visitor.String()
	}
	if !del.Start.IsZero() {
		out.TimeRange = &wire.TimeRange{Start: Time(del.Start), End: Time(del.End)}
	}
	return []wire.Deletion{out}
}

// The messages of the answers that carry nothing else.
const (
	AccessTokenDeleted = "Access token deleted successfully"
	AlertDeleted       = "Alert deleted successfully"
	FunnelDeleted      = "Funnel deleted successfully"
)

// Message is the data of an answer that carries a message alone.
func Message(msg string) []wire.Message { return []wire.Message{{Message: msg}} }

// NewAPIKey is the answer of a key's creation or roll: the key with its
// raw value, which this answer is the only one to hold.
func NewAPIKey(raw string, k *openfast.APIKey) []wire.APIKey {
	out := APIKey(k)
	out.Key = raw
	return []wire.APIKey{out}
}

// APIKeyDeleted is the answer of a key's deletion.
func APIKeyDeleted(id string) []wire.APIKeyDeleted {
	return []wire.APIKeyDeleted{{ID: id, Deleted: true}}
}

// NewAccessToken is the answer of a token's creation: the token with its
// raw value, which this answer is the only one to hold.
func NewAccessToken(raw string, t *openfast.AccessToken) []wire.AccessToken {
	out := AccessToken(t)
	out.Key = raw
	return []wire.AccessToken{out}
}

// WebsiteCreated is the answer of a website's creation.
func WebsiteCreated(site *openfast.Website) []wire.WebsiteCreated {
	return []wire.WebsiteCreated{{WebsiteID: site.ID, Domain: site.Domain, TrackingID: site.TrackingID}}
}

// InvitationCreated is the answer of an invitation. The invite link's
// secret is not in it: the app mails it to the invitee.
func InvitationCreated(inv *openfast.Invitation) []wire.InvitationCreated {
	return []wire.InvitationCreated{{
		Message: "Invitation created. Send the invite link to the user.", InvitationID: inv.ID, Email: inv.Email, Role: string(inv.Role),
	}}
}

// InvitationWithdrawn is the answer of the withdrawal of an invitation.
func InvitationWithdrawn() []wire.MemberRemoved {
	return []wire.MemberRemoved{{Message: "Invitation withdrawn", RevokedAPIKeys: []wire.RevokedAPIKey{}}}
}

// MemberRemoved is the answer of a member's removal: the keys it revoked
// (those the member had created).
func MemberRemoved(revoked []*openfast.APIKey) []wire.MemberRemoved {
	out := wire.MemberRemoved{Message: "Team member removed successfully", RevokedAPIKeys: []wire.RevokedAPIKey{}}
	for _, k := range revoked {
		out.RevokedAPIKeys = append(out.RevokedAPIKeys, wire.RevokedAPIKey{ID: k.ID, DisplayKey: k.DisplayKey})
	}
	return []wire.MemberRemoved{out}
}

// InvitationAccepted is the answer of an invitation's acceptance.
func InvitationAccepted(inv *openfast.Invitation) []wire.InvitationAccepted {
	return []wire.InvitationAccepted{{Message: "Invitation accepted", WebsiteID: inv.WebsiteID, Domain: inv.Domain, Role: string(inv.Role)}}
}

// AlertHistory is the answer of an alert history read.
func AlertHistory(logs []*openfast.AlertLog, counts openfast.AlertLogCounts) wire.AlertHistory {
	return wire.AlertHistory{
		Status: wire.StatusSuccess, Data: Map(logs, AlertLog),
		Counts: wire.AlertCounts{Sent: counts.Sent, Failed: counts.Failed, Total: counts.Total},
	}
}

// GoalCreated is the data of POST /api/v1/goals.
func GoalCreated(eventID string) []wire.GoalCreated {
	return []wire.GoalCreated{{Message: "Custom event created successfully", EventID: eventID}}
}

// PaymentRecorded is the answer of POST /api/v1/payments (without the
// status envelope, as DataFast's): dup says the transaction was already
// recorded, and nothing was added.
func PaymentRecorded(tx string, dup bool) wire.PaymentRecorded {
	msg := "Payment recorded and attributed successfully"
	if dup {
		msg = "Payment already recorded (duplicate transaction_id): nothing was added"
	}
	return wire.PaymentRecorded{Message: msg, TransactionID: tx}
}

// Identified is the data of POST /api/v1/identify.
func Identified(profileID string) wire.Identified {
	return wire.Identified{Message: "User profile created successfully", ProfileID: profileID}
}

// CredentialUsage is a key's or token's requests per UTC day as the API
// answers it.
func CredentialUsage(u *app.CredentialUsage) wire.CredentialUsage {
	out := wire.CredentialUsage{ID: u.ID, Usage7d: u.Usage7d, Total: u.Total, Days: make([]wire.UsageDay, len(u.Days))}
	for i, d := range u.Days {
		out.Days[i] = wire.UsageDay{Date: d.Day.Format(time.DateOnly), Requests: d.Requests}
	}
	return out
}
