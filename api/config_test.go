package api

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/mail"
)

// testConfig is what the tests set up: the stores of the app and the
// settings of the server over it.
type testConfig struct {
	Store       openfast.MetadataStore
	Logger      *slog.Logger
	RateLimit   int
	RateBurst   int
	CacheTTL    time.Duration
	Now         func() time.Time
	Events      func(w http.ResponseWriter, r *http.Request) error
	EventStore  openfast.EventStore
	EventWriter openfast.EventWriter
	Analytics   analytics.Store
	Rates       app.Rates
	SeparateOps bool
	// The read limits of the app (0: its defaults).
	QueryTimeout       time.Duration
	MaxReadsPerWebsite int
	MaxReads           int
	// AuthFailureLimit is the app's (0: its default; negative: none).
	AuthFailureLimit int
	TrustedProxies   []netip.Prefix
	// Mail is the app's sender (nil: mail not configured).
	Mail mail.Sender
	// Providers are the app's payment providers (fakes); SecretKey seals
	// their credentials (nil: a random key); AllowTestPayments is the
	// app's; SyncInterval is the app's (0: its default).
	Providers         map[string]integrations.Provider
	SecretKey         []byte
	AllowTestPayments bool
	// MaxWebhookReplays is the app's (0: its default).
	MaxWebhookReplays int
	// PublicURL is the app's (nil: none).
	PublicURL *url.URL
	// Ingest, when set, serves /api/events with the real ingest handler
	// over this writer, telling the app of accepted events (alerts).
	Ingest *ingest.Writer
	// Compress is the server's Config.Compress.
	Compress bool
}

// server returns the app over the config's stores and the server over it.
func (c testConfig) server() (*Server, error) {
	if c.SecretKey == nil {
		c.SecretKey = make([]byte, app.SecretKeySize)
		rand.Read(c.SecretKey)
	}
	a, err := app.New(app.Config{
		Metadata: c.Store, Events: c.EventStore, Writer: c.EventWriter, Analytics: c.Analytics,
		CacheTTL: c.CacheTTL, Now: c.Now, Logger: c.Logger,
		QueryTimeout: c.QueryTimeout, MaxReadsPerWebsite: c.MaxReadsPerWebsite, MaxReads: c.MaxReads,
		AuthFailureLimit: c.AuthFailureLimit, Rates: c.Rates, Mail: c.Mail,
		Providers: c.Providers, SecretKey: c.SecretKey, AllowTestPayments: c.AllowTestPayments, PublicURL: c.PublicURL,
		MaxWebhookReplays: c.MaxWebhookReplays,
	})
	if err != nil {
		return nil, err
	}
	if c.Ingest != nil {
		c.Events = ingest.NewHandler(ingest.Config{Writer: c.Ingest, Website: a.TrackedWebsite, Accepted: a.ObserveEvent}).ServeEvent
	}
	return New(Config{App: a, Logger: c.Logger, RateLimit: c.RateLimit, RateBurst: c.RateBurst, Events: c.Events,
		SeparateOps: c.SeparateOps, TrustedProxies: c.TrustedProxies, Compress: c.Compress})
}
