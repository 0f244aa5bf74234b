package mcp

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	Annotations *mcp.ToolAnnotations
	add         func(s *mcp.Server, a *app.App, c app.Caller, log *slog.Logger)
}

// effect is what a tool does to the account's data, which its MCP
// annotations tell the agent.
type effect int

const (
	reads      effect = iota // changes nothing
	adds                     // adds something new at each call
	addsOnce                 // adds once: a repeated call adds nothing (payments by transaction_id)
	overwrites               // changes or deletes what exists; repeating it changes nothing more
	replaces                 // changes what exists, anew at each call (a key's roll)
)

// annotations are the MCP tool annotations of e. No tool reaches outside
// the server.
func (e effect) annotations() *mcp.ToolAnnotations {
	closed := false
	yes, no := true, false
	a := &mcp.ToolAnnotations{OpenWorldHint: &closed}
	switch e {
	case reads:
		a.ReadOnlyHint = true
	case adds:
		a.DestructiveHint = &no
	case addsOnce:
		a.DestructiveHint, a.IdempotentHint = &no, true
	case overwrites:
		a.DestructiveHint, a.IdempotentHint = &yes, true
	case replaces:
		a.DestructiveHint = &yes
	}
	return a
}

// tool makes a Tool whose input is In (its JSON schema is inferred from
// In's fields and their jsonschema descriptions) and whose result is the
// JSON that run returns, the REST answer's, as structured content and as
// text. An error of run is a tool error with the API's message.
func tool[In any](name, desc string, act app.Action, e effect, run func(ctx context.Context, a *app.App, c app.Caller, in In) (any, error)) Tool {
	t := Tool{Name: name, Description: desc, Action: act, Annotations: e.annotations()}
	t.add = func(s *mcp.Server, a *app.App, c app.Caller, log *slog.Logger) {
		mcp.AddTool(s, &mcp.Tool{Name: name, Description: desc, Annotations: t.Annotations}, func(ctx context.Context, _ *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
			out, err := run(ctx, a, c, in)
			if err != nil {
				return nil, nil, toolError(log, name, c, err)
			}
			return nil, out, nil
		})
	}
	return t
}

// list is the answer of a list: the success envelope of items, each
// converted by conv (the REST handler's converter). Its result takes the
// app method's results as they are: list(conv)(a.Method(...)).
func list[T, W any](conv func(T) W) func([]T, error) (any, error) {
	return func(items []T, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return success(wireconv.Map(items, conv)), nil
	}
}

// one is the answer of one object: the success envelope of a list of it.
func one[T, W any](conv func(T) W) func(T, error) (any, error) {
	return func(v T, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return success([]W{conv(v)}), nil
	}
}

// answer is the answer of an app method whose result converts to the
// whole REST answer or to its data (conv wraps it as needed).
func answer[T any](conv func(T) any) func(T, error) (any, error) {
	return func(v T, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return conv(v), nil
	}
}

// websiteList is the tool of a website's list, answered as its REST twin:
// fetch is the app method (a method expression such as (*app.App).Funnels)
// and conv the REST handler's converter.
func websiteList[T, W any](name, desc string, act app.Action, fetch func(*app.App, context.Context, app.Caller, string) ([]T, error), conv func(T) W) Tool {
	return tool(name, desc, act, reads, func(ctx context.Context, a *app.App, c app.Caller, in WebsiteInput) (any, error) {
		return list(conv)(fetch(a, ctx, c, in.WebsiteID))
	})
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
	return tool(name, desc, app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
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
	WebsiteID string `json:"websiteId" jsonschema:"the website's 24-character hex id (websites_list gives them; a df_ key's own is in account_get)"`
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

// SiteInput names the website of a Website API call.
type SiteInput struct {
	WebsiteID string `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
}

// GoalsDeleteInput selects the goal events to delete (the query of
// DELETE /api/v1/goals).
type GoalsDeleteInput struct {
	WebsiteID string `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	VisitorID string `json:"datafast_visitor_id,omitempty" jsonschema:"delete this visitor's goals"`
	Name      string `json:"name,omitempty" jsonschema:"delete the goals of this name"`
	StartAt   string `json:"startAt,omitempty" jsonschema:"with endAt: delete the goals within this range, ISO 8601"`
	EndAt     string `json:"endAt,omitempty" jsonschema:"with startAt: the end of the range, ISO 8601"`
}

// PaymentsDeleteInput selects the payments to delete (the query of
// DELETE /api/v1/payments).
type PaymentsDeleteInput struct {
	WebsiteID     string `json:"websiteId,omitempty" jsonschema:"the website's 24-character hex id; required with a dft_ account token, omitted with a df_ website key"`
	TransactionID string `json:"transaction_id,omitempty" jsonschema:"delete the payment of this transaction id"`
	VisitorID     string `json:"datafast_visitor_id,omitempty" jsonschema:"delete this visitor's payments"`
	StartAt       string `json:"startAt,omitempty" jsonschema:"with endAt: delete the payments within this range, ISO 8601"`
	EndAt         string `json:"endAt,omitempty" jsonschema:"with startAt: the end of the range, ISO 8601"`
}

// Tools are the tools of the MCP server, in the order of the tools list.
var Tools = slices.Concat(analyticsTools, adminTools)

// analyticsTools are the tools of the Website API: analytics reads,
// visitors, and the server-side writes (goals, payments, identify).
var analyticsTools = []Tool{
	tool("analytics_overview", "Overview of a website's analytics for a date range (GET /api/v1/analytics/overview): visitors, sessions, bounce rate, "+
		"average session duration, revenue, payments, revenue per visitor, conversion rate.",
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			row, err := a.Overview(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return success([]*wire.Overview{row}), nil
		}),
	tool("analytics_timeseries", "Time series of a website's metrics (GET /api/v1/analytics/timeseries): fields and interval are required.",
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
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
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			n, err := a.Realtime(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return success([]wire.Realtime{{Visitors: n}}), nil
		}),
	tool("analytics_realtime_map", "The visitors on the website now, with their location, page and device, for a live map (GET /api/v1/analytics/realtime/map).",
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in SiteInput) (any, error) {
			return answer(success)(a.RealtimeMap(ctx, c, in.WebsiteID))
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
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in ReadInput) (any, error) {
			page, q, err := a.Visitors(ctx, c, in.read())
			if err != nil {
				return nil, err
			}
			return wire.Paged[wire.VisitorRow, wire.VisitorsPagination]{
				Status: wire.StatusSuccess, Data: page.Rows, Pagination: wire.VisitorsPagination{Limit: q.Limit, Offset: q.Offset, HasMore: page.HasMore},
			}, nil
		}),
	tool("visitor_get", "One visitor's profile (GET /api/v1/visitors/{visitorId}): identity, location, device, activity, goals and payments.",
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in VisitorInput) (any, error) {
			profile, err := a.Visitor(ctx, c, in.WebsiteID, in.VisitorID)
			if err != nil {
				return nil, err
			}
			return success(profile), nil
		}),
	tool("funnel_results", "A funnel's results for a date range (GET /api/v1/analytics/funnels/{funnelId}): visitors and conversion at each step.",
		app.ActReadAnalytics, reads, func(ctx context.Context, a *app.App, c app.Caller, in FunnelResultInput) (any, error) {
			res, err := a.FunnelResult(ctx, c, in.read(), in.FunnelID)
			if err != nil {
				return nil, err
			}
			return success([]*wire.FunnelResult{res}), nil
		}),
	tool("goals_create", "Records a goal (custom event) of a visitor who has visited the website (POST /api/v1/goals).",
		app.ActWriteGoals, adds, func(ctx context.Context, a *app.App, c app.Caller, in GoalInput) (any, error) {
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
			return success(wireconv.GoalCreated(id)), nil
		}),
	tool("payments_create", "Records a payment, attributed to the visitor or customer (POST /api/v1/payments); once per transaction_id.",
		app.ActWritePayments, addsOnce, func(ctx context.Context, a *app.App, c app.Caller, in PaymentInput) (any, error) {
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
			return wireconv.PaymentRecorded(tx, dup), nil
		}),
	tool("identify", "Links a visitor to your user and their properties (POST /api/v1/identify).",
		app.ActWriteIdentify, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in IdentifyInput) (any, error) {
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
			return success(wireconv.Identified(profileID)), nil
		}),
	tool("goals_delete", "Deletes goal events (DELETE /api/v1/goals): those of a visitor, of a goal name, or within a date range; "+
		"at least one of datafast_visitor_id, name, or startAt with endAt.",
		app.ActWriteGoals, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in GoalsDeleteInput) (any, error) {
			del, n, err := a.DeleteGoals(ctx, c, in.WebsiteID, app.EventSelection{VisitorID: in.VisitorID, GoalName: in.Name, Start: in.StartAt, End: in.EndAt})
			if err != nil {
				return nil, err
			}
			return success(wireconv.GoalsDeleted(del, n)), nil
		}),
	tool("payments_delete", "Deletes payments (DELETE /api/v1/payments): one by transaction_id, a visitor's, or those within a date range.",
		app.ActWritePayments, overwrites, func(ctx context.Context, a *app.App, c app.Caller, in PaymentsDeleteInput) (any, error) {
			del, n, err := a.DeletePayments(ctx, c, in.WebsiteID, app.EventSelection{VisitorID: in.VisitorID, TransactionID: in.TransactionID, Start: in.StartAt, End: in.EndAt})
			if err != nil {
				return nil, err
			}
			return success(wireconv.PaymentsDeleted(del, n)), nil
		}),
}
