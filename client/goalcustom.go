package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/openfast/openfast/wire"
)

// The goal customizations of a website (/admin/websites/{id}/goals/customizations).
type (
	GoalCustomization = wire.GoalCustomization // an item of data
	GoalColor         = wire.GoalColor         // an item of the top-level colors
)

func goalCustomizationsPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/goals/customizations"
}

// GoalCustomizations lists the customizations of a website's goals (the
// customized ones and the tracked ones; only goalName when not ""), with
// the palette that colours come from.
func (c *Client) GoalCustomizations(ctx context.Context, websiteID, goalName string) ([]GoalCustomization, []GoalColor, *Response, error) {
	var q url.Values
	if goalName != "" {
		q = url.Values{"goalName": {goalName}}
	}
	return c.goalCustomizations(ctx, http.MethodGet, websiteID, q, nil)
}

// CustomizeGoal changes the customization of the goal named by the member
// goalName of changes: displayName, color and description are set when
// present, cleared when nil.
func (c *Client) CustomizeGoal(ctx context.Context, websiteID string, changes map[string]any) ([]GoalCustomization, []GoalColor, *Response, error) {
	return c.goalCustomizations(ctx, http.MethodPatch, websiteID, nil, changes)
}

func (c *Client) goalCustomizations(ctx context.Context, method, websiteID string, q url.Values, body any) ([]GoalCustomization, []GoalColor, *Response, error) {
	path := goalCustomizationsPath(websiteID)
	goals, resp, err := many[GoalCustomization](ctx, c, method, path, q, body)
	if err != nil {
		return nil, nil, resp, err
	}
	var colors []GoalColor
	if err := json.Unmarshal(resp.Member("colors"), &colors); err != nil {
		return nil, nil, resp, fmt.Errorf("%s %s: decode colors: %w", method, path, err)
	}
	return goals, colors, resp, nil
}
