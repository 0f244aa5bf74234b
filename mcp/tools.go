package mcp

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// Tool is one MCP tool: the app action whose policy decides who sees and
// calls it, and how it is added to a server for a caller.
type Tool struct {
	Name        string
	Description string
	Action      app.Action
	add         func(s *mcp.Server, a *app.App, c app.Caller, log *slog.Logger)
}

// tool makes a Tool whose input is In (its JSON schema is inferred from
// In's fields and their jsonschema descriptions) and whose result is the
// JSON that run returns, the REST answer's, as structured content and as
// text. An error of run is a tool error with the API's message.
func tool[In any](name, desc string, act app.Action, run func(ctx context.Context, a *app.App, c app.Caller, in In) (any, error)) Tool {
	t := Tool{Name: name, Description: desc, Action: act}
	t.add = func(s *mcp.Server, a *app.App, c app.Caller, log *slog.Logger) {
		mcp.AddTool(s, &mcp.Tool{Name: name, Description: desc}, func(ctx context.Context, _ *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
			out, err := run(ctx, a, c, in)
			if err != nil {
				return nil, nil, toolError(log, name, c, err)
			}
			return nil, out, nil
		})
	}
	return t
}

// ReadInput is the input of the analytics reads: the query parameters of
// their REST twins, which the same parser reads (unknown or misplaced
// values are refused with the same messages).
type ReadInput struct {
	WebsiteID string            `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	StartAt   string            `json:"startAt,omitempty" jsonschema:"start of the range, ISO 8601 date or date-time (e.g. 2026-01-01); with endAt; default: all time"`
	EndAt     string            `json:"endAt,omitempty" jsonschema:"end of the range, ISO 8601 date or date-time; with startAt"`
	Timezone  string            `json:"timezone,omitempty" jsonschema:"IANA timezone of the dates and buckets (e.g. Europe/Paris); default: the website's"`
	Fields    string            `json:"fields,omitempty" jsonschema:"comma-separated fields to return (timeseries: required, e.g. visitors,sessions,revenue)"`
	Interval  string            `json:"interval,omitempty" jsonschema:"timeseries only, required: hour, day, week or month"`
	Limit     int               `json:"limit,omitempty" jsonschema:"paged reads: the number of rows"`
	Offset    int               `json:"offset,omitempty" jsonschema:"paged reads: the rows to skip"`
	Filters   map[string]string `json:"filters,omitempty" jsonschema:"filters by dimension, e.g. {\"filter_country\": \"is:US\"} or {\"filter_referrer\": \"contains:google\"}; names as in the REST API's filter_* query parameters"`
}

// params is in as the query string of the REST twin.
func (in ReadInput) params() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("websiteId", in.WebsiteID)
	set("startAt", in.StartAt)
	set("endAt", in.EndAt)
	set("timezone", in.Timezone)
	set("fields", in.Fields)
	set("interval", in.Interval)
	if in.Limit != 0 {
		q.Set("limit", strconv.Itoa(in.Limit))
	}
	if in.Offset != 0 {
		q.Set("offset", strconv.Itoa(in.Offset))
	}
	for k, v := range in.Filters {
		q.Set(k, v)
	}
	return q
}

func (in ReadInput) read() app.Read {
	return app.Read{WebsiteID: in.WebsiteID, Params: in.params()}
}

// success is the REST success envelope of data.
func success(data any) any {
	return wire.Success[any]{Status: wire.StatusSuccess, Data: data}
}

// breakdownTool is the tool of one breakdown endpoint.
func breakdownTool(e analytics.Endpoint, what string) Tool {
	name := "analytics_" + strings.ReplaceAll(e.Name, "-", "_")
	desc := "Breakdown of " + what + " (GET /api/v1/analytics/" + e.Name + "): rows of " + strings.Join(e.Fields, ", ") +
		", with pagination (limit, offset), date range and filters."
	return tool(name, desc, app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
		rows, total, q, err := a.Breakdown(ctx, c, e, in.read())
		if err != nil {
			return nil, err
		}
		return wire.Paged[wire.BreakdownRow, wire.Pagination]{
			Status: wire.StatusSuccess, Data: rows, Pagination: wire.Pagination{Limit: q.Limit, Offset: q.Offset, Total: total},
		}, nil
	})
}

// WebsiteInput names a website of the admin API.
type WebsiteInput struct {
	WebsiteID string `json:"websiteId" jsonschema:"the website's 24-character hex id (websites_list gives them)"`
}

// VisitorInput names one visitor.
type VisitorInput struct {
	WebsiteID string `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	VisitorID string `json:"visitorId" jsonschema:"the visitor's datafast_visitor_id"`
}

// FunnelResultInput names a funnel and the range of its results.
type FunnelResultInput struct {
	ReadInput
	FunnelID string `json:"funnelId" jsonschema:"the funnel's id (funnels_list gives them)"`
}

// GoalInput is the body of POST /api/v1/goals.
type GoalInput struct {
	WebsiteID   string            `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	VisitorID   string            `json:"datafast_visitor_id" jsonschema:"the visitor who completed the goal: a datafast_visitor_id that has visited the website"`
	Name        string            `json:"name" jsonschema:"the goal's name: lowercase letters, digits, underscores and hyphens, at most 64 characters"`
	Metadata    map[string]string `json:"metadata,omitempty" jsonschema:"custom parameters of the event, string values"`
	Description string            `json:"description,omitempty" jsonschema:"an optional description"`
}

// PaymentInput is the body of POST /api/v1/payments.
type PaymentInput struct {
	WebsiteID     string   `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	Amount        *float64 `json:"amount" jsonschema:"the amount in major units (29.99)"`
	Currency      string   `json:"currency" jsonschema:"ISO 4217 currency code (USD, EUR...)"`
	TransactionID string   `json:"transaction_id" jsonschema:"the payment's unique id at the payment provider; a second payment with the same id is not added"`
	VisitorID     string   `json:"datafast_visitor_id,omitempty" jsonschema:"the paying visitor, for attribution"`
	Email         string   `json:"email,omitempty" jsonschema:"the customer's email"`
	Name          string   `json:"name,omitempty" jsonschema:"the customer's name"`
	CustomerID    string   `json:"customer_id,omitempty" jsonschema:"the customer's id at the provider"`
	Renewal       bool     `json:"renewal,omitempty" jsonschema:"a subscription renewal"`
	Refunded      bool     `json:"refunded,omitempty" jsonschema:"a refunded payment"`
	IsFreeTrial   bool     `json:"is_free_trial,omitempty" jsonschema:"the start of a free trial"`
	Timestamp     string   `json:"timestamp,omitempty" jsonschema:"when it was paid, ISO 8601; default: now"`
}

// IdentifyInput is the body of POST /api/v1/identify.
type IdentifyInput struct {
	WebsiteID  string         `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	VisitorID  string         `json:"datafast_visitor_id" jsonschema:"the visitor to identify"`
	UserID     string         `json:"user_id" jsonschema:"your user's id"`
	Properties map[string]any `json:"properties,omitempty" jsonschema:"the user's properties (name, email, image...), as the REST body's other members"`
}

// Tools are the tools of the MCP server, in the order of the tools list.
var Tools = []Tool{
	tool("analytics_overview", "Overview of a website's analytics for a date range (GET /api/v1/analytics/overview): visitors, sessions, bounce rate, "+
		"average session duration, revenue, payments, revenue per visitor, conversion rate.",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			row, err := a.Overview(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return success([]*wire.Overview{row}), nil
		}),
	tool("analytics_timeseries", "Time series of a website's metrics (GET /api/v1/analytics/timeseries): fields and interval are required.",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			ts, q, err := a.Timeseries(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return wire.Timeseries{
				Status: wire.StatusSuccess, Fields: ts.Fields, Interval: ts.Interval, Timezone: ts.Timezone, Currency: ts.Currency,
				Totals: ts.Totals, Data: ts.Data, Pagination: wire.Pagination{Limit: q.Limit, Offset: q.Offset, Total: ts.Total},
			}, nil
		}),
	tool("analytics_realtime", "The number of visitors on the website now (GET /api/v1/analytics/realtime).",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			n, err := a.Realtime(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return success([]wire.Realtime{{Visitors: n}}), nil
		}),
	breakdownTool(analytics.Pages, "pages (hostname and path)"),
	breakdownTool(analytics.Referrers, "referrers"),
	breakdownTool(analytics.Countries, "countries"),
	breakdownTool(analytics.Regions, "regions"),
	breakdownTool(analytics.Cities, "cities"),
	breakdownTool(analytics.Browsers, "browsers"),
	breakdownTool(analytics.OperatingSystems, "operating systems"),
	breakdownTool(analytics.Devices, "device types"),
	breakdownTool(analytics.Campaigns, "campaigns (UTM parameters, ref, source, via)"),
	breakdownTool(analytics.Goals, "goals (custom events): completions and visitors"),
	breakdownTool(analytics.Hostnames, "hostnames"),
	tool("visitors_list", "Visitors of a website (GET /api/v1/visitors), newest first, with pagination, date range and filters.",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			page, q, err := a.Visitors(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return wire.Paged[wire.VisitorRow, wire.VisitorsPagination]{
				Status: wire.StatusSuccess, Data: page.Rows, Pagination: wire.VisitorsPagination{Limit: q.Limit, Offset: q.Offset, HasMore: page.HasMore},
			}, nil
		}),
	tool("visitor_get", "One visitor's profile (GET /api/v1/visitors/{visitorId}): identity, location, device, activity, goals and payments.",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in VisitorInput) (any, error) {
			profile, err := a.Visitor(ctx, c, in.WebsiteID, in.VisitorID)
			if err != nil {
				return nil, err
			}
			return success(profile), nil
		}),
	tool("funnel_results", "A funnel's results for a date range (GET /api/v1/analytics/funnels/{funnelId}): visitors and conversion at each step.",
		app.ActReadAnalytics, func(ctx context.Context, a *app.App, c app.Caller, in FunnelResultInput) (any, error) {
			res, err := a.FunnelResult(ctx, c, in.read(), in.FunnelID)
			if err != nil {
				return nil, err
			}
			return success([]*wire.FunnelResult{res}), nil
		}),
	tool("funnels_list", "A website's active funnels and their steps (GET /api/v1/admin/websites/{websiteId}/funnels); funnel_results reads one.",
		app.ActListFunnels, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
			list, err := a.Funnels(ctx, c, in.WebsiteID)
			if err != nil {
				return nil, err
			}
			out := make([]wire.Funnel, 0, len(list))
			for _, f := range list {
				out = append(out, wireconv.Funnel(f))
			}
			return success(out), nil
		}),
	tool("goals_create", "Records a goal (custom event) of a visitor who has visited the website (POST /api/v1/goals).",
		app.ActWriteGoals, func(ctx context.Context, a *app.App, c app.Caller, in GoalInput) (any, error) {
			g := app.NewGoal{VisitorID: in.VisitorID, Description: in.Description}
			if in.Name != "" {
				g.Name = &in.Name
			}
			if in.Metadata != nil {
				g.Metadata = make(map[string]any, len(in.Metadata))
				for k, v := range in.Metadata {
					g.Metadata[k] = v
				}
			}
			id, err := a.CreateGoal(ctx, c, in.WebsiteID, g)
			if err != nil {
				return nil, err
			}
			return success([]wire.GoalCreated{{Message: "Custom event created successfully", EventID: id}}), nil
		}),
	tool("payments_create", "Records a payment, attributed to the visitor or customer (POST /api/v1/payments); once per transaction_id.",
		app.ActWritePayments, func(ctx context.Context, a *app.App, c app.Caller, in PaymentInput) (any, error) {
			p := app.NewPayment{Amount: in.Amount, VisitorID: in.VisitorID, Email: in.Email, Name: in.Name, CustomerID: in.CustomerID,
				Renewal: in.Renewal, Refunded: in.Refunded, IsFreeTrial: in.IsFreeTrial, Timestamp: in.Timestamp}
			if in.Currency != "" {
				p.Currency = &in.Currency
			}
			if in.TransactionID != "" {
				p.TransactionID = &in.TransactionID
			}
			tx, dup, err := a.CreatePayment(ctx, c, in.WebsiteID, p)
			if err != nil {
				return nil, err
			}
			msg := "Payment recorded and attributed successfully"
			if dup {
				msg = "Payment already recorded (duplicate transaction_id): nothing was added"
			}
			return wire.PaymentRecorded{Message: msg, TransactionID: tx}, nil
		}),
	tool("identify", "Links a visitor to your user and their properties (POST /api/v1/identify).",
		app.ActWriteIdentify, func(ctx context.Context, a *app.App, c app.Caller, in IdentifyInput) (any, error) {
			id := app.NewIdentity{VisitorID: in.VisitorID, Properties: in.Properties}
			if in.UserID != "" {
				id.UserID = &in.UserID
			}
			if id.Properties == nil {
				id.Properties = map[string]any{}
			}
			profileID, err := a.Identify(ctx, c, in.WebsiteID, id)
			if err != nil {
				return nil, err
			}
			return success(wire.Identified{Message: "User profile created successfully", ProfileID: profileID}), nil
		}),
	tool("team_list", "A website's members and their roles (GET /api/v1/admin/websites/{websiteId}/team).",
		app.ActListTeam, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
			members, err := a.Members(ctx, c, in.WebsiteID)
			if err != nil {
				return nil, err
			}
			out := make([]wire.Member, 0, len(members))
			for _, m := range members {
				out = append(out, wire.Member{UserID: m.UserID, Name: m.Name, Email: m.Email, Image: m.Image, Role: string(m.Role), JoinedAt: isoTime(m.JoinedAt)})
			}
			return success(out), nil
		}),
	tool("account_get", "The account of the credential in use and what it may do (GET /api/v1/admin/account): user, credential type, permissions, websites.",
		app.ActGetAccount, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			acc, err := a.Account(ctx, c)
			if err != nil {
				return nil, err
			}
			u := acc.User
			cred := wire.Credential{Type: acc.Kind.String(), DisplayKey: acc.DisplayKey, Permissions: nonNil(acc.Permissions), WebsiteIDs: nonNil(acc.WebsiteIDs)}
			return success([]wire.Account{{ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image, HasAccess: true,
				CreatedAt: isoTime(u.CreatedAt), WebsiteID: acc.WebsiteID, Credential: cred}}), nil
		}),
	tool("websites_list", "The websites the account token's user can access, with their role (GET /api/v1/admin/websites).",
		app.ActListWebsites, func(ctx context.Context, a *app.App, c app.Caller, _ struct{}) (any, error) {
			sites, err := a.Websites(ctx, c)
			if err != nil {
				return nil, err
			}
			out := make([]wire.WebsiteListItem, 0, len(sites))
			for _, site := range sites {
				out = append(out, wire.WebsiteListItem{
					ID: site.ID, Domain: site.Domain, Name: site.Name, TrackingID: site.TrackingID,
					Timezone: site.Timezone, Currency: site.Currency, Role: string(site.Role),
				})
			}
			return success(out), nil
		}),
	tool("apikeys_list", "A website's df_ keys, masked (GET /api/v1/admin/websites/{websiteId}/apikeys).",
		app.ActListAPIKeys, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
			keys, err := a.APIKeys(ctx, c, in.WebsiteID)
			if err != nil {
				return nil, err
			}
			out := make([]wire.APIKey, 0, len(keys))
			for _, k := range keys {
				out = append(out, wireconv.APIKey(k))
			}
			return success(out), nil
		}),
}

// isoTime is the API's time format.
func isoTime(t time.Time) string { return wireconv.Time(t) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
