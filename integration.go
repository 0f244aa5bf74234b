package openfast

import (
	"context"
	"time"
)

// MaxSyncError is the longest sync error an integration keeps, in bytes.
const MaxSyncError = 500

// Audit actions of integrations.
const (
	AuditIntegrationConnect    = "integration.connect"
	AuditIntegrationDisconnect = "integration.disconnect"
)

// Integration is a website's connection to a payment provider (Stripe,
// Lemon Squeezy, Polar, Paddle): payments the provider reports, by
// webhook or by sync, are recorded as the website's payments.
type Integration struct {
	WebsiteID string
	Provider  string // the provider's name: stripe, lemonsqueezy, polar, paddle
	// Credentials is the sealed (encrypted and authenticated) credentials:
	// API key, store or organization id, webhook secret. Only the app can
	// open it, with the server's secret key.
	Credentials []byte
	// HasWebhookSecret says whether the credentials hold a webhook
	// secret (so that the secret need not be opened to say so).
	HasWebhookSecret bool
	Currency         string     // the provider account's currency, "" if unknown
	KeyExpiresAt     *time.Time // when the API key expires, if the provider says
	ConnectedAt      time.Time
	// SyncCursor is where the next sync resumes ("" before the first).
	SyncCursor string
	// SyncedAt is when the last sync ended (nil before the first) and
	// SyncError why it failed ("" when it succeeded).
	SyncedAt  *time.Time
	SyncError string
}

// IntegrationSync is the outcome of one sync of an integration.
type IntegrationSync struct {
	Cursor string
	At     time.Time
	Error  string // "" when the sync succeeded
}

// IntegrationStore stores websites' connections to payment providers.
type IntegrationStore interface {
	// SaveIntegration stores in, replacing the website's connection to
	// the same provider if it has one (the sync state starts afresh), and
	// records audit. ENOTFOUND when the website does not exist.
	SaveIntegration(ctx context.Context, in *Integration, audit *AuditEntry) error
	// Integrations lists a website's connections, by provider.
	Integrations(ctx context.Context, websiteID string) ([]*Integration, error)
	// Integration returns a website's connection to a provider, or
	// ENOTFOUND.
	Integration(ctx context.Context, websiteID, provider string) (*Integration, error)
	// DeleteIntegration removes a website's connection to a provider (not
	// the payments recorded), or returns ENOTFOUND.
	DeleteIntegration(ctx context.Context, websiteID, provider string, audit *AuditEntry) error
	// AllIntegrations lists every connection of every website, for the
	// sync loop, by website and provider.
	AllIntegrations(ctx context.Context) ([]*Integration, error)
	// SetIntegrationSync records a sync's outcome, if the connection is
	// still the one made at connectedAt (a connection replaced or removed
	// meanwhile is left alone). An empty cursor keeps the stored one.
	SetIntegrationSync(ctx context.Context, websiteID, provider string, connectedAt time.Time, s IntegrationSync) error
}
