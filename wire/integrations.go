package wire

// Integrations (/api/v1/admin/websites/{websiteId}/integrations, §6.16)
// and the payment providers' webhooks (/api/webhooks/{provider}/{websiteId}).

// Integrations is data[0] of GET .../integrations: each provider's
// connection and the website's currency. No secret is in it.
type Integrations struct {
	Stripe       ProviderConnection `json:"stripe"`
	LemonSqueezy ProviderConnection `json:"lemonsqueezy"`
	Polar        ProviderConnection `json:"polar"`
	Paddle       ProviderConnection `json:"paddle"`
	Shopify      StoreConnection    `json:"shopify"`
	WooCommerce  StoreConnection    `json:"woocommerce"`
	Currency     string             `json:"currency"`
}

// ProviderConnection is one payment provider's connection. connected and
// keyExpiresAt (Paddle's key expiry; null when unknown) are DataFast's;
// the other members are openfast extensions: where the provider sends its
// webhooks, whether a webhook secret is stored, when the connection was
// made, and how the last sync went (null before the first).
type ProviderConnection struct {
	Connected         bool    `json:"connected"`
	KeyExpiresAt      *string `json:"keyExpiresAt"`
	Currency          *string `json:"currency"`
	WebhookURL        string  `json:"webhookUrl"`
	WebhookConfigured bool    `json:"webhookConfigured"`
	ConnectedAt       *string `json:"connectedAt"`
	LastSyncedAt      *string `json:"lastSyncedAt"`
	LastSyncError     *string `json:"lastSyncError"`
}

// StoreConnection is a store platform connected by its own install flow
// (Shopify, WooCommerce), which openfast does not have: never connected.
type StoreConnection struct {
	Connected bool `json:"connected"`
}

// IntegrationConnected is data[0] of POST .../integrations/{provider}:
// the message and the provider account's currency (null when the provider
// does not say).
type IntegrationConnected struct {
	Message  string  `json:"message"`
	Currency *string `json:"currency"`
}

// WebhookReceived is data[0] of a payment provider's accepted webhook: how
// many payments it reported, and of them how many were recorded, were
// recorded before, and could not be recorded (the server logs why).
type WebhookReceived struct {
	Message     string `json:"message"`
	Payments    int    `json:"payments"`
	Recorded    int    `json:"recorded"`
	Duplicates  int    `json:"duplicates"`
	NotRecorded int    `json:"notRecorded"`
}

// IntegrationProvider is a payment provider that can be connected: its
// name (in the paths), its label, and the members of the connect body
// that carry its API key and its store or organization id ("" when it has
// none).
type IntegrationProvider struct {
	Name         string
	Label        string
	KeyField     string
	AccountField string
}

// IntegrationProviders are the payment providers, in the order of the
// integrations response.
var IntegrationProviders = []IntegrationProvider{
	{"stripe", "Stripe", "stripeRak", ""},
	{"lemonsqueezy", "Lemon Squeezy", "lemonsqueezyApiKey", "lemonsqueezyStoreId"},
	{"polar", "Polar", "polarAccessToken", "polarOrgId"},
	{"paddle", "Paddle", "paddleApiKey", ""},
}

// WebhookSecretField is the connect body's member for the provider's
// webhook signing secret (an openfast extension of §6.16).
const WebhookSecretField = "webhookSecret"
