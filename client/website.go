package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/openfast/openfast/wire"
)

// The Website API (/api/v1): analytics, visitors, and the server-side
// goals, payments and identify. websiteID is required with a dft_ account
// token and must be empty with a df_ website key.

const websiteAPI = "/api/v1"

// The answers of the Website API are the shapes of package wire; these
// names are kept for the callers of this package. The analytics rows of
// the overview, the metadata and the breakdowns hold only the fields asked
// for and are decoded as Row; wire.Overview, wire.Metadata and
// wire.BreakdownRow are their typed forms (decode Response.Data).
type (
	Timeseries      = wire.Timeseries      // the whole answer of GET /analytics/timeseries
	RealtimeMap     = wire.RealtimeMap     // GET /analytics/realtime/map
	VisitorRow      = wire.VisitorRow      // GET /visitors
	VisitorProfile  = wire.VisitorProfile  // GET /visitors/{visitorId}
	GoalCreated     = wire.GoalCreated     // POST /goals
	Deletion        = wire.Deletion        // DELETE /goals and DELETE /payments
	PaymentRecorded = wire.PaymentRecorded // POST /payments, without the envelope
	Identified      = wire.Identified      // POST /identify
)

// Reports lists the analytics reports of GET /api/v1/analytics/<report>
// that answer rows: the breakdowns.
var Reports = []string{
	"pages", "referrers", "countries", "regions", "cities", "browsers",
	"operating-systems", "devices", "campaigns", "goals", "hostnames",
}

// Filter operators (§5.1 of the DataFast reference).
const (
	OpIs             = "is"
	OpIsNot          = "is_not"
	OpContains       = "contains"
	OpDoesNotContain = "does_not_contain"
)

// Filter restricts an analytics read to rows whose Dimension (country,
// device, page, referrer, utm_source...) matches Values under Op (empty
// means is). Values OR together.
type Filter struct {
	Dimension string
	Op        string
	Values    []string
}

// Value returns the filter's parameter value: "[op:]v1,v2".
func (f Filter) Value() string {
	v := strings.Join(f.Values, ",")
	if f.Op != "" {
		v = f.Op + ":" + v
	}
	return v
}

// Query holds the parameters shared by the analytics reads and the visitors
// list. Empty members are not sent, so that the server's defaults apply.
type Query struct {
	StartAt  string   // YYYY-MM-DD or an ISO 8601 instant; with EndAt
	EndAt    string   // YYYY-MM-DD or an ISO 8601 instant; with StartAt
	Timezone string   // IANA name; default the website's
	Fields   []string // columns to return
	Interval string   // timeseries: hour, day, week or month
	Limit    int
	Offset   int
	Filters  []Filter
	// Extra holds further parameters, sent as they are.
	Extra url.Values
}

// values encodes the query; prefix is "filter_" for analytics reads and ""
// for the visitors list, whose filters are not prefixed.
func (q Query) values(websiteID, prefix string) url.Values {
	v := websiteQuery(websiteID)
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("startAt", q.StartAt)
	set("endAt", q.EndAt)
	set("timezone", q.Timezone)
	set("interval", q.Interval)
	if len(q.Fields) > 0 {
		v.Set("fields", strings.Join(q.Fields, ","))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	for _, f := range q.Filters {
		v.Add(prefix+f.Dimension, f.Value())
	}
	for k, list := range q.Extra {
		for _, s := range list {
			v.Add(k, s)
		}
	}
	return v
}

// Row is one row of an analytics answer. Numbers are json.Number.
type Row map[string]any

// Overview returns the aggregate metrics of GET /analytics/overview
// (visitors, sessions, bounce_rate, revenue...).
func (c *Client) Overview(ctx context.Context, websiteID string, q Query) (Row, *Response, error) {
	row, resp, err := one[Row](ctx, c, http.MethodGet, websiteAPI+"/analytics/overview", q.values(websiteID, "filter_"), nil)
	if err != nil {
		return nil, resp, err
	}
	return *row, resp, nil
}

// Timeseries returns the buckets of GET /analytics/timeseries. Fields and
// Interval are required by DataFast.
func (c *Client) Timeseries(ctx context.Context, websiteID string, q Query) (*Timeseries, *Response, error) {
	resp, err := c.Do(ctx, http.MethodGet, websiteAPI+"/analytics/timeseries", q.values(websiteID, "filter_"), nil)
	if err != nil {
		return nil, nil, err
	}
	var ts Timeseries
	d := json.NewDecoder(bytes.NewReader(resp.Body))
	d.UseNumber()
	if err := d.Decode(&ts); err != nil {
		return nil, resp, fmt.Errorf("GET /analytics/timeseries: decode: %w", err)
	}
	return &ts, resp, nil
}

// Realtime returns the number of visitors active now.
func (c *Client) Realtime(ctx context.Context, websiteID string) (int64, *Response, error) {
	row, resp, err := one[wire.Realtime](ctx, c, http.MethodGet, websiteAPI+"/analytics/realtime", websiteQuery(websiteID), nil)
	if err != nil {
		return 0, resp, err
	}
	return row.Visitors, resp, nil
}

// RealtimeMap returns the data object of GET /analytics/realtime/map
// (count, visitors, recentEvents, recentPayments...).
func (c *Client) RealtimeMap(ctx context.Context, websiteID string) (*RealtimeMap, *Response, error) {
	return object[RealtimeMap](ctx, c, http.MethodGet, websiteAPI+"/analytics/realtime/map", websiteQuery(websiteID), nil)
}

// Metadata returns the website's metadata (domain, timezone, name, kpi,
// currency...).
func (c *Client) Metadata(ctx context.Context, websiteID string, fields ...string) (Row, *Response, error) {
	q := websiteQuery(websiteID)
	if len(fields) > 0 {
		q.Set("fields", strings.Join(fields, ","))
	}
	row, resp, err := one[Row](ctx, c, http.MethodGet, websiteAPI+"/analytics/metadata", q, nil)
	if err != nil {
		return nil, resp, err
	}
	return *row, resp, nil
}

// Breakdown returns the rows of one breakdown report (one of Reports:
// pages, referrers, countries...), sorted by visitors, and the pagination
// in the Response.
func (c *Client) Breakdown(ctx context.Context, websiteID, report string, q Query) ([]Row, *Response, error) {
	return many[Row](ctx, c, http.MethodGet, websiteAPI+"/analytics/"+seg(report), q.values(websiteID, "filter_"), nil)
}

// Visitors lists visitors. Filters are sent un-prefixed (country=,
// device=, page=...), as the visitors list takes them; Extra carries the
// list's other parameters (isCustomer, completedGoal, visitedPageContains).
func (c *Client) Visitors(ctx context.Context, websiteID string, q Query) ([]VisitorRow, *Response, error) {
	return many[VisitorRow](ctx, c, http.MethodGet, websiteAPI+"/visitors", q.values(websiteID, ""), nil)
}

// Visitor returns one visitor's profile and activity.
func (c *Client) Visitor(ctx context.Context, websiteID, visitorID string) (*VisitorProfile, *Response, error) {
	return object[VisitorProfile](ctx, c, http.MethodGet, websiteAPI+"/visitors/"+seg(visitorID), websiteQuery(websiteID), nil)
}

// GoalParams is the body of POST /goals.
type GoalParams struct {
	VisitorID   string            `json:"datafast_visitor_id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// CreateGoal records a custom goal of a visitor that has visited the
// website.
func (c *Client) CreateGoal(ctx context.Context, websiteID string, p GoalParams) (*GoalCreated, *Response, error) {
	return one[GoalCreated](ctx, c, http.MethodPost, websiteAPI+"/goals", websiteQuery(websiteID), p)
}

// DeleteGoalsParams selects the goal events to delete: a visitor, a goal
// name, a time range (Start and End, ISO 8601 or YYYY-MM-DD), or several
// of them together.
type DeleteGoalsParams struct {
	VisitorID  string
	Name       string
	Start, End string
}

func rangeQuery(q url.Values, start, end string) {
	if start != "" {
		q.Set("start", start)
	}
	if end != "" {
		q.Set("end", end)
	}
}

// DeleteGoals deletes goal events.
func (c *Client) DeleteGoals(ctx context.Context, websiteID string, p DeleteGoalsParams) (*Deletion, *Response, error) {
	q := websiteQuery(websiteID)
	if p.VisitorID != "" {
		q.Set("datafast_visitor_id", p.VisitorID)
	}
	if p.Name != "" {
		q.Set("name", p.Name)
	}
	rangeQuery(q, p.Start, p.End)
	return one[Deletion](ctx, c, http.MethodDelete, websiteAPI+"/goals", q, nil)
}

// PaymentParams is the body of POST /payments.
type PaymentParams struct {
	Amount        float64 `json:"amount"`
	Currency      string  `json:"currency"`
	TransactionID string  `json:"transaction_id"`
	VisitorID     string  `json:"datafast_visitor_id,omitempty"`
	Email         string  `json:"email,omitempty"`
	Name          string  `json:"name,omitempty"`
	CustomerID    string  `json:"customer_id,omitempty"`
	Renewal       bool    `json:"renewal,omitempty"`
	Refunded      bool    `json:"refunded,omitempty"`
	IsFreeTrial   bool    `json:"is_free_trial,omitempty"`
	Timestamp     string  `json:"timestamp,omitempty"`
}

// CreatePayment records a payment; a transaction id already recorded is
// answered with a message and not added twice.
func (c *Client) CreatePayment(ctx context.Context, websiteID string, p PaymentParams) (*PaymentRecorded, *Response, error) {
	return object[PaymentRecorded](ctx, c, http.MethodPost, websiteAPI+"/payments", websiteQuery(websiteID), p)
}

// DeletePaymentsParams selects the payments to delete: a transaction id
// (which wins over the rest), a visitor, a time range, or a visitor within
// a time range.
type DeletePaymentsParams struct {
	TransactionID string
	VisitorID     string
	Start, End    string
}

// DeletePayments deletes payments.
func (c *Client) DeletePayments(ctx context.Context, websiteID string, p DeletePaymentsParams) (*Deletion, *Response, error) {
	q := websiteQuery(websiteID)
	if p.TransactionID != "" {
		q.Set("transaction_id", p.TransactionID)
	}
	if p.VisitorID != "" {
		q.Set("datafast_visitor_id", p.VisitorID)
	}
	rangeQuery(q, p.Start, p.End)
	return one[Deletion](ctx, c, http.MethodDelete, websiteAPI+"/payments", q, nil)
}

// IdentifyParams is the body of POST /identify: the visitor, the
// application's user id, and properties kept as profile metadata.
type IdentifyParams struct {
	VisitorID  string
	UserID     string
	Properties map[string]any
}

// Identify ties a visitor to a user of the application.
func (c *Client) Identify(ctx context.Context, websiteID string, p IdentifyParams) (*Identified, *Response, error) {
	body := map[string]any{}
	for k, v := range p.Properties {
		body[k] = v
	}
	body["user_id"] = p.UserID
	body["datafast_visitor_id"] = p.VisitorID
	return object[Identified](ctx, c, http.MethodPost, websiteAPI+"/identify", websiteQuery(websiteID), body)
}
