package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/openfast/openfast/wire"
)

// Alerts (/api/v1/admin/websites/{websiteId}/alerts).
type (
	Alert       = wire.Alert       // GET, POST and PUT .../alerts
	AlertLog    = wire.AlertLog    // history entries
	AlertCounts = wire.AlertCounts // the history's counts
)

// AlertParams is the body of CreateAlert (Name, GoalName and Message
// required) and UpdateAlert (only the set members are sent). ClearSubject
// sends "subject": null (back to the default subject).
type AlertParams struct {
	Name         *string
	GoalName     *string
	Subject      *string
	ClearSubject bool
	Message      *string
	Enabled      *bool
}

func (p AlertParams) body() map[string]any {
	body := map[string]any{}
	if p.Name != nil {
		body["name"] = *p.Name
	}
	if p.GoalName != nil {
		body["trigger"] = map[string]any{"type": "goal", "goalName": *p.GoalName}
	}
	tmpl := map[string]any{}
	if p.Subject != nil {
		tmpl["subject"] = *p.Subject
	} else if p.ClearSubject {
		tmpl["subject"] = nil
	}
	if p.Message != nil {
		tmpl["message"] = *p.Message
	}
	if len(tmpl) > 0 {
		body["template"] = tmpl
	}
	if p.Enabled != nil {
		body["isEnabled"] = *p.Enabled
	}
	return body
}

func alertsPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/alerts"
}

// Alerts lists a website's alerts, each with its recent history.
func (c *Client) Alerts(ctx context.Context, websiteID string) ([]Alert, *Response, error) {
	return many[Alert](ctx, c, http.MethodGet, alertsPath(websiteID), nil, nil)
}

// CreateAlert creates an alert (mailed to the website owner, by email).
func (c *Client) CreateAlert(ctx context.Context, websiteID string, p AlertParams) (*Alert, *Response, error) {
	body := p.body()
	body["destination"] = map[string]any{"type": "email"}
	return one[Alert](ctx, c, http.MethodPost, alertsPath(websiteID), nil, body)
}

// UpdateAlert changes the set members of an alert.
func (c *Client) UpdateAlert(ctx context.Context, websiteID, alertID string, p AlertParams) (*Alert, *Response, error) {
	return one[Alert](ctx, c, http.MethodPut, alertsPath(websiteID)+"/"+seg(alertID), nil, p.body())
}

// DeleteAlert deletes an alert (its history stays).
func (c *Client) DeleteAlert(ctx context.Context, websiteID, alertID string) (*Message, *Response, error) {
	return one[Message](ctx, c, http.MethodDelete, alertsPath(websiteID)+"/"+seg(alertID), nil, nil)
}

// AlertHistory returns the newest history entries of a website (of one
// alert when alertID is not ""), at most limit (0: the server's 50), and
// the counts of all of them.
func (c *Client) AlertHistory(ctx context.Context, websiteID, alertID string, limit int) ([]AlertLog, AlertCounts, *Response, error) {
	q := url.Values{}
	if alertID != "" {
		q.Set("alertId", alertID)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var logs []AlertLog
	resp, err := c.call(ctx, http.MethodGet, alertsPath(websiteID)+"/history", q, nil, &logs)
	if err != nil {
		return nil, AlertCounts{}, resp, err
	}
	var top struct {
		Counts AlertCounts `json:"counts"`
	}
	if err := json.Unmarshal(resp.Body, &top); err != nil {
		return nil, AlertCounts{}, resp, fmt.Errorf("alert history counts: %w", err)
	}
	return logs, top.Counts, resp, nil
}
