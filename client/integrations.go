package client

import (
	"context"
	"net/http"

	"github.com/openfast/openfast/wire"
)

// Integrations (/api/v1/admin/websites/{websiteId}/integrations, §6.16).
type (
	Integrations         = wire.Integrations         // GET .../integrations
	ProviderConnection   = wire.ProviderConnection   // one provider of it
	IntegrationConnected = wire.IntegrationConnected // POST .../integrations/{provider}
)

func integrationsPath(websiteID string) string {
	return admin + "/websites/" + seg(websiteID) + "/integrations"
}

// Integrations returns the payment providers' connections to a website.
func (c *Client) Integrations(ctx context.Context, websiteID string) (*Integrations, *Response, error) {
	return one[Integrations](ctx, c, http.MethodGet, integrationsPath(websiteID), nil, nil)
}

// ConnectIntegration connects a payment provider (stripe, lemonsqueezy,
// polar, paddle) to a website with the body members of §6.16
// (stripeRak; lemonsqueezyApiKey and lemonsqueezyStoreId; polarAccessToken
// and polarOrgId; paddleApiKey) and, optionally, webhookSecret.
func (c *Client) ConnectIntegration(ctx context.Context, websiteID, provider string, body map[string]string) (*IntegrationConnected, *Response, error) {
	return one[IntegrationConnected](ctx, c, http.MethodPost, integrationsPath(websiteID)+"/"+seg(provider), nil, body)
}

// DisconnectIntegration disconnects a payment provider from a website;
// the payments recorded stay.
func (c *Client) DisconnectIntegration(ctx context.Context, websiteID, provider string) (*Message, *Response, error) {
	return one[Message](ctx, c, http.MethodDelete, integrationsPath(websiteID)+"/"+seg(provider), nil, nil)
}
