package client

import (
	"context"
	"net/http"

	"github.com/openfast/openfast/wire"
)

// Funnels (/api/v1/admin/websites/{id}/funnels) and their results
// (/api/v1/analytics/funnels/{funnelId}).

type (
	Funnel       = wire.Funnel        // the funnels of the Account API
	FunnelResult = wire.FunnelResult  // GET /analytics/funnels/{funnelId}
	FunnelStep   = wire.FunnelStepDef // a step of a Funnel
)

// FunnelParams is the body of CreateFunnel and UpdateFunnel; nil members
// are not sent (a creation needs Name and Steps; Steps replace every step).
type FunnelParams struct {
	Name       *string      `json:"name,omitempty"`
	Steps      []FunnelStep `json:"steps,omitempty"`
	WindowDays *int         `json:"windowDays,omitempty"`
	IsActive   *bool        `json:"isActive,omitempty"`
}

func funnelsPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/funnels"
}

// Funnels lists a website's active funnels.
func (c *Client) Funnels(ctx context.Context, websiteID string) ([]Funnel, *Response, error) {
	return many[Funnel](ctx, c, http.MethodGet, funnelsPath(websiteID), nil, nil)
}

// CreateFunnel creates a funnel.
func (c *Client) CreateFunnel(ctx context.Context, websiteID string, p FunnelParams) (*Funnel, *Response, error) {
	return one[Funnel](ctx, c, http.MethodPost, funnelsPath(websiteID), nil, p)
}

// UpdateFunnel changes a funnel; IsActive true reactivates a deleted one.
func (c *Client) UpdateFunnel(ctx context.Context, websiteID, funnelID string, p FunnelParams) (*Funnel, *Response, error) {
	return one[Funnel](ctx, c, http.MethodPut, funnelsPath(websiteID)+"/"+seg(funnelID), nil, p)
}

// DeleteFunnel deletes a funnel (softly: UpdateFunnel can bring it back).
func (c *Client) DeleteFunnel(ctx context.Context, websiteID, funnelID string) (*Message, *Response, error) {
	return one[Message](ctx, c, http.MethodDelete, funnelsPath(websiteID)+"/"+seg(funnelID), nil, nil)
}

// FunnelResults reads a funnel's results over q's range and filters (its
// Fields, Limit and Offset do not apply).
func (c *Client) FunnelResults(ctx context.Context, websiteID, funnelID string, q Query) (*FunnelResult, *Response, error) {
	return one[FunnelResult](ctx, c, http.MethodGet, websiteAPI+"/analytics/funnels/"+seg(funnelID), q.values(websiteID, "filter_"), nil)
}
