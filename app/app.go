// Package app holds openfast's application services: one method per action
// (create a key, roll it, update a website, invite, record a payment, read
// an overview...). Each method takes the caller and a typed input, decides
// with auth.Decide and the action's policy whether the caller may act,
// validates, writes the audit entry, drops the caches the change makes
// stale, and returns domain values or an *openfast.Error.
//
// Every front door (the JSON API today; the dashboard and the MCP server
// next) calls these methods and nothing else, so a rule written here holds
// whichever way a request comes in. The stores are reached only from here.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/mail"
)

// Config configures an App.
type Config struct {
	// Metadata keeps users, websites, credentials, teams and the audit log.
	Metadata openfast.MetadataStore
	// Events and Writer, when set, serve the server-side writes of the
	// Website API: goals, payments and identify.
	Events openfast.EventStore
	Writer openfast.EventWriter
	// Analytics, when set, serves the analytics reads.
	Analytics analytics.Store
	// Rates, when set, converts payments to each website's currency in the
	// analytics reads, and a payment in a currency without a rate is
	// refused (nil: amounts are added as they are, any currency accepted).
	Rates Rates
	// CacheTTL bounds how long a verified credential, or a website's
	// settings, are trusted without asking the store again. Changes made
	// through this App take effect at once whatever its value; 0 means 5 s.
	CacheTTL time.Duration
	// InvitationTTL is how long an invitation can be accepted; 0 means
	// DefaultInvitationTTL.
	InvitationTTL time.Duration
	// QueryTimeout bounds each analytics read; a read that runs longer is
	// stopped and answered with EUNAVAILABLE. 0 means DefaultQueryTimeout.
	QueryTimeout time.Duration
	// MaxReadsPerWebsite and MaxReads bound the analytics reads that run
	// at once for one website and in total; beyond them a read is refused
	// with ERATELIMIT and a RetryError. 0 means DefaultMaxReadsPerWebsite
	// and DefaultMaxReads().
	MaxReadsPerWebsite int
	MaxReads           int
	// AuthFailureLimit is how many failed authentications (malformed or
	// unknown credentials) one client address may make per minute, in
	// bursts of as many; beyond it every credential from that address is
	// refused with ERATELIMIT, unread, until its allowance refills. 0 means
	// DefaultAuthFailureLimit; a negative value disables the limit.
	AuthFailureLimit int
	// Mail, when set, delivers the server's email (alerts, weekly reports,
	// traffic alerts); nil means mail is not configured, and alerts are
	// recorded as failed, reports and traffic alerts not sent.
	Mail mail.Sender
	// PublicURL is the address people reach the server at: the links in
	// mail (unsubscribe, dashboard) start with it. Without it no weekly
	// report or traffic alert is sent.
	PublicURL *url.URL
	// SecretKey (SecretKeySize bytes) seals the payment providers'
	// credentials at rest; nil: no provider can be connected.
	SecretKey []byte
	// Providers are the payment providers that can be connected, by name
	// (integrations.Stripe...); a provider missing here is refused as not
	// supported.
	Providers map[string]integrations.Provider
	// AllowTestPayments accepts the providers' test-mode keys.
	AllowTestPayments bool
	// MaxWebhookReplays bounds the webhook events remembered to refuse
	// replays; 0 means DefaultMaxWebhookReplays.
	MaxWebhookReplays int
	// SyncInterval is how often Run syncs the connected providers; 0
	// means DefaultSyncInterval.
	SyncInterval time.Duration
	// Retention configures the deletion of old events (retention.go).
	Retention RetentionConfig
	// Now returns the current time; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultInvitationTTL is how long an invitation can be accepted unless
// configured otherwise.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// App is the application layer over the stores.
type App struct {
	store        openfast.MetadataStore
	eventStore   openfast.EventStore
	eventWriter  openfast.EventWriter
	analytics    *analytics.Service
	rates        Rates
	mail         mail.Sender
	publicURL    *url.URL
	mailState    mailState
	alerts       *alertEngine
	reads        *readGate
	exports      *exportGate
	queryTimeout time.Duration
	verifier     *Verifier
	failures     *failureLimiter[netip.Addr] // nil: no limit on failed authentications
	signIns      *signInLimits
	websites     *genCache[string, *Website]
	inviteTTL    time.Duration
	now          func() time.Time
	log          *slog.Logger

	sealer            *sealer // nil without a secret key
	providers         map[string]integrations.Provider
	allowTestPayments bool
	syncInterval      time.Duration
	syncs             *syncRuns
	replays           *replayCache
	retention         *retention
}

// New returns the App of cfg.
func New(cfg Config) (*App, error) {
	if cfg.Metadata == nil {
		return nil, errors.New("app: Config.Metadata is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	if cfg.InvitationTTL < 0 {
		return nil, errors.New("app: Config.InvitationTTL must not be negative")
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = DefaultInvitationTTL
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.MaxReadsPerWebsite <= 0 {
		cfg.MaxReadsPerWebsite = DefaultMaxReadsPerWebsite
	}
	if cfg.MaxReads <= 0 {
		cfg.MaxReads = DefaultMaxReads()
	}
	a := &App{
		store:        cfg.Metadata,
		eventStore:   cfg.Events,
		eventWriter:  cfg.Writer,
		verifier:     NewVerifier(cfg.Metadata, cfg.CacheTTL, cfg.Now),
		websites:     newGenCache[string, *Website](cfg.CacheTTL, maxCachedWebsites),
		reads:        newReadGate(cfg.MaxReadsPerWebsite, cfg.MaxReads),
		exports:      newExportGate(),
		queryTimeout: cfg.QueryTimeout,
		inviteTTL:    cfg.InvitationTTL,
		now:          cfg.Now,
		log:          cfg.Logger,
		rates:        cfg.Rates,
		mail:         cfg.Mail,
		publicURL:    cfg.PublicURL,
		signIns:      newSignInLimits(),
	}
	a.alerts = newAlertEngine(a, cfg.CacheTTL)
	ret, err := newRetention(cfg.Retention, cfg.Events)
	if err != nil {
		return nil, err
	}
	a.retention = ret
	if cfg.SecretKey != nil {
		s, err := newSealer(cfg.SecretKey)
		if err != nil {
			return nil, err
		}
		a.sealer = s
	}
	a.providers, a.allowTestPayments, a.syncInterval = cfg.Providers, cfg.AllowTestPayments, cfg.SyncInterval
	if a.syncInterval <= 0 {
		a.syncInterval = DefaultSyncInterval
	}
	// The syncs started by a connection outlive its request; Run's end
	// does not stop them (they are bounded by syncTimeout).
	a.syncs = &syncRuns{running: map[string]*syncRun{}, base: context.Background()}
	if cfg.MaxWebhookReplays <= 0 {
		cfg.MaxWebhookReplays = DefaultMaxWebhookReplays
	}
	a.replays = newReplayCache(cfg.MaxWebhookReplays)
	if cfg.AuthFailureLimit == 0 {
		cfg.AuthFailureLimit = DefaultAuthFailureLimit
	}
	if cfg.AuthFailureLimit > 0 {
		a.failures = newFailureLimiter(cfg.AuthFailureLimit)
	}
	if cfg.Analytics != nil {
		a.analytics = &analytics.Service{Store: cfg.Analytics, Now: cfg.Now}
		if cfg.Rates != nil {
			a.analytics.Rates = cfg.Rates
		}
	}
	return a, nil
}

// Rates are exchange rates (rates.Table).
type Rates interface {
	analytics.Rates
	// Known reports whether a currency has rates.
	Known(currency string) bool
}

// Caller is who acts: an authenticated credential and the client address
// it acts from (recorded in the audit log).
type Caller struct {
	*auth.Principal
	IP string
}

// audit returns the audit entry of an action of c on a website ("" for
// account-level actions).
func (c Caller) audit(websiteID, action, targetType, targetID, targetDisplayKey string) *openfast.AuditEntry {
	return &openfast.AuditEntry{
		WebsiteID: websiteID, ActorUserID: c.UserID, ActorDisplayKey: c.DisplayKey,
		Action: action, TargetType: targetType, TargetID: targetID, TargetDisplayKey: targetDisplayKey, IP: c.IP,
	}
}

// Now is the App's clock.
func (a *App) Now() time.Time { return a.now() }

// Run runs the App's background work (writing credential last-use times,
// deleting expired dashboard sessions, sending the weekly reports and
// traffic alerts) until ctx ends, then flushes the last-use times and
// delivers the alerts waiting for their minute.
func (a *App) Run(ctx context.Context) {
	go a.sweepSessions(ctx)
	go a.runMail(ctx)
	go a.runIntegrationSync(ctx)
	go a.runRetention(ctx)
	a.verifier.RunUsageFlusher(ctx, time.Second, func(err error) {
		a.log.Error("flush credential use", "error", err)
	})
	// Alerts waiting for their minute are delivered now.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.alerts.shutdown(sctx)
}

// InvalidateCaches makes every cached credential and website stale, for a
// change another server made (see openfast.ChangeWatcher).
func (a *App) InvalidateCaches() {
	a.verifier.Invalidate()
	a.websites.invalidate()
	a.alerts.invalidate()
}

// Ready reports whether the metadata store answers.
func (a *App) Ready(ctx context.Context) error {
	if err := a.store.Ping(ctx); err != nil {
		a.log.Error("readiness check failed", "error", err)
		return openfast.Errorf(openfast.EUNAVAILABLE, "The store is not reachable.")
	}
	return nil
}

// Authenticate turns a raw bearer credential, presented from the client
// address ip, into a principal. On refusal it returns a nil principal and
// the reason (FailMalformed, FailUnknown, FailExpired, FailAddress), and
// counts the failure against ip, except FailAddress: a credential that
// exists, used from an address outside its allowedIps, is refused with
// EFORBIDDEN and is no guess to slow down. An address that failed too
// often is refused before its credential is even parsed: the reason is
// then FailTooManyFailures and err a RetryError with ERATELIMIT. Otherwise
// err is set only when the store failed.
func (a *App) Authenticate(ctx context.Context, raw, ip string, now time.Time) (*auth.Principal, string, error) {
	if a.failures == nil {
		return a.verifier.VerifyAt(ctx, raw, ip, now)
	}
	addr := addressKey(ip)
	if retry, ok := a.failures.allow(addr, now); !ok {
		return nil, FailTooManyFailures, a.failures.refusal(retry)
	}
	p, reason, err := a.verifier.VerifyAt(ctx, raw, ip, now)
	if p == nil && (err == nil || reason == FailExpired) {
		a.failures.fail(addr, now)
	}
	return p, reason, err
}

// FlushUsage writes the pending credential last-use times now.
func (a *App) FlushUsage(ctx context.Context) error { return a.verifier.FlushUsage(ctx) }

// lastUsed is the newer of the stored last use and the one this process saw.
func (a *App) lastUsed(kind auth.Kind, id string, stored *time.Time) *time.Time {
	seen, ok := a.verifier.LastUsed(kind, id)
	if ok && (stored == nil || seen.After(*stored)) {
		return &seen
	}
	return stored
}
