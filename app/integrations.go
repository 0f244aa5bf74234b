package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/wire"
)

// Integrations (§6.16): a website's connections to payment providers are
// read with settings:read (viewer and up) and made or removed with
// settings:write (member and up). The credentials are sealed with the
// server's secret key before they are stored, and never returned.

// ProviderInfo is how a payment provider is named and connected: its
// label, and the members of the connect body (§6.16) that carry its API
// key and its store or organization id ("" when it has none).
type ProviderInfo = wire.IntegrationProvider

// Providers lists the payment providers that can be connected, in the
// order of the integrations response.
var Providers = wire.IntegrationProviders

// WebhookSecretField is the connect body's member for the provider's
// webhook signing secret (an openfast extension of §6.16).
const WebhookSecretField = wire.WebhookSecretField

// ProviderByName finds a provider of Providers.
func ProviderByName(name string) (ProviderInfo, bool) {
	for _, p := range Providers {
		if p.Name == name {
			return p, true
		}
	}
	return ProviderInfo{}, false
}

// Limits of the connect input.
const (
	maxIntegrationKey     = 1024
	maxIntegrationAccount = 128
	// FirstSyncDays is how far back the first sync after connecting reads.
	FirstSyncDays = 30
	// DefaultSyncInterval is how often connected providers are synced.
	DefaultSyncInterval = 5 * time.Minute
	// syncTimeout bounds one sync of one integration; checkTimeout one
	// check of the credentials at connect.
	syncTimeout  = 2 * time.Minute
	checkTimeout = 20 * time.Second
	// maxSyncPages bounds the pages one sync reads; the next sync goes on.
	maxSyncPages = 50
)

// IntegrationView is one provider's connection state as the integrations
// read shows it. Nothing secret is in it.
type IntegrationView struct {
	ProviderInfo
	Connected bool
	// Set when connected:
	Currency          string
	KeyExpiresAt      *time.Time
	ConnectedAt       time.Time
	WebhookConfigured bool
	LastSyncedAt      *time.Time
	LastSyncError     string
	// WebhookURL is where the provider sends its webhooks (an absolute
	// URL with the server's public URL, else a path).
	WebhookURL string
}

// IntegrationsView is a website's integrations: each provider of
// Providers, in order, and the website's currency.
type IntegrationsView struct {
	Providers []IntegrationView
	Currency  string
}

// Integrations returns a website's connections to payment providers.
func (a *App) Integrations(ctx context.Context, c Caller, websiteID string) (*IntegrationsView, error) {
	id, err := authorize(c, ActListIntegrations, websiteID)
	if err != nil {
		return nil, err
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	list, err := a.store.Integrations(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &IntegrationsView{Currency: site.Currency}
	for _, p := range Providers {
		v := IntegrationView{ProviderInfo: p, WebhookURL: a.WebhookURL(id, p.Name)}
		for _, in := range list {
			if in.Provider == p.Name {
				v.Connected, v.Currency, v.KeyExpiresAt, v.ConnectedAt = true, in.Currency, in.KeyExpiresAt, in.ConnectedAt
				v.WebhookConfigured, v.LastSyncedAt, v.LastSyncError = in.HasWebhookSecret, in.SyncedAt, in.SyncError
			}
		}
		out.Providers = append(out.Providers, v)
	}
	return out, nil
}

// WebhookURL is the address a provider sends a website's webhooks to:
// absolute with the server's public URL, a path without it.
func (a *App) WebhookURL(websiteID, provider string) string {
	path := "/api/webhooks/" + url.PathEscape(provider) + "/" + url.PathEscape(websiteID)
	if a.publicURL == nil {
		return path
	}
	return strings.TrimSuffix(a.publicURL.String(), "/") + path
}

// IntegrationInput is the input of ConnectIntegration: the provider's API
// key, its store or organization id (Lemon Squeezy, Polar), and the
// secret it signs webhooks with (optional: without it only the sync
// brings payments).
type IntegrationInput struct {
	APIKey        *string
	Account       *string
	WebhookSecret *string
}

// IntegrationConnected is what ConnectIntegration returns.
type IntegrationConnected struct {
	Message  string
	Currency string
}

// provider returns a provider known here and its implementation.
func (a *App) provider(name string) (ProviderInfo, integrations.Provider, error) {
	info, ok := ProviderByName(name)
	if !ok {
		return info, nil, openfast.Errorf(openfast.ENOTFOUND, "Unknown payment provider %q: use stripe, lemonsqueezy, polar or paddle.", openfast.Truncate(name, 40))
	}
	p := a.providers[name]
	if p == nil {
		return info, nil, openfast.Errorf(openfast.EINVALID, "%s is not supported by this server.", info.Label)
	}
	return info, p, nil
}

// secretField reads one credential of the input: required or not, at
// most max bytes, without spaces or control characters.
func secretField(v *string, field string, required bool, max int) (string, error) {
	s := ""
	if v != nil {
		s = strings.TrimSpace(*v)
	}
	if s == "" {
		if required {
			return "", invalidf("%s is required.", field)
		}
		return "", nil
	}
	if len(s) > max || strings.ContainsAny(s, " \t\r\n") || openfast.HasUnsafeChars(s) {
		return "", invalidf("%s must be at most %d characters, without spaces or control characters.", field, max)
	}
	return s, nil
}

// ConnectIntegration connects a payment provider to a website, replacing
// the connection it had: it checks the key's form and, with the provider,
// that it works; stores the credentials sealed; and syncs the last 30
// days of payments in the background.
func (a *App) ConnectIntegration(ctx context.Context, c Caller, websiteID, provider string, in IntegrationInput) (*IntegrationConnected, error) {
	id, err := authorize(c, ActConnectIntegration, websiteID)
	if err != nil {
		return nil, err
	}
	info, p, err := a.provider(provider)
	if err != nil {
		return nil, err
	}
	if a.sealer == nil {
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "Payment providers cannot be connected: the server has no secret key (--secret-key-file).")
	}
	var creds integrations.Credentials
	if creds.APIKey, err = secretField(in.APIKey, info.KeyField, true, maxIntegrationKey); err != nil {
		return nil, err
	}
	if info.AccountField != "" {
		if creds.Account, err = secretField(in.Account, info.AccountField, true, maxIntegrationAccount); err != nil {
			return nil, err
		}
	}
	if creds.WebhookSecret, err = secretField(in.WebhookSecret, WebhookSecretField, false, maxIntegrationKey); err != nil {
		return nil, err
	}
	const testKeyRefused = "test-mode keys are refused; start the server with --allow-test-payments to accept them"
	if err := p.CheckKey(creds); err != nil {
		if errors.Is(err, integrations.ErrTestKey) {
			if !a.allowTestPayments {
				return nil, invalidf(testKeyRefused)
			}
		} else {
			return nil, providerRefusal(info, err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	account, err := p.Check(cctx, creds)
	cancel()
	if err != nil {
		var invalid *integrations.InvalidError
		switch {
		case errors.Is(err, integrations.ErrTestKey):
			// A provider that tells a test-mode account only by asking
			// (Lemon Squeezy), and refuses it unless test payments are
			// allowed.
			return nil, invalidf(testKeyRefused)
		case errors.As(err, &invalid):
			return nil, invalidf("%s", invalid.Message)
		}
		a.log.Warn("check payment provider credentials", "website", id, "provider", provider, "error", err)
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "%s could not be reached to check the credentials: try again in a moment.", info.Label)
	}
	currency, _ := openfast.NormalizeCurrency(account.Currency)
	row := &openfast.Integration{
		WebsiteID: id, Provider: info.Name, Credentials: a.sealer.seal(id, info.Name, creds), HasWebhookSecret: creds.WebhookSecret != "",
		Currency: currency, KeyExpiresAt: utcPtr(account.KeyExpiresAt), ConnectedAt: a.now().UTC().Truncate(time.Millisecond),
	}
	a.syncs.cancel(id, info.Name) // a sync of the connection replaced stops
	if err := a.store.SaveIntegration(ctx, row, c.audit(id, openfast.AuditIntegrationConnect, "integration", info.Name, "")); err != nil {
		return nil, err
	}
	a.syncs.start(func(ctx context.Context) { a.syncIntegration(ctx, row) }, id, info.Name)
	return &IntegrationConnected{Message: info.Label + " connected successfully", Currency: currency}, nil
}

// providerRefusal turns a provider's refusal of credentials into EINVALID.
func providerRefusal(info ProviderInfo, err error) error {
	var invalid *integrations.InvalidError
	if errors.As(err, &invalid) {
		return invalidf("%s", invalid.Message)
	}
	return invalidf("The %s key was refused.", info.Label)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// DisconnectIntegration removes a website's connection to a provider:
// nothing more is synced or accepted by webhook; the payments recorded
// stay.
func (a *App) DisconnectIntegration(ctx context.Context, c Caller, websiteID, provider string) (string, error) {
	id, err := authorize(c, ActDisconnectIntegration, websiteID)
	if err != nil {
		return "", err
	}
	info, ok := ProviderByName(provider)
	if !ok {
		return "", openfast.Errorf(openfast.ENOTFOUND, "Unknown payment provider %q: use stripe, lemonsqueezy, polar or paddle.", openfast.Truncate(provider, 40))
	}
	err = a.store.DeleteIntegration(ctx, id, info.Name, c.audit(id, openfast.AuditIntegrationDisconnect, "integration", info.Name, ""))
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return "", openfast.Errorf(openfast.ENOTFOUND, "%s is not connected to this website.", info.Label)
	}
	if err != nil {
		return "", err
	}
	a.syncs.cancel(id, info.Name)
	return info.Label + " disconnected successfully", nil
}

// syncRuns keeps the syncs that run, one at most per website and
// provider, so that a disconnection stops its sync and a sync does not
// start twice.
type syncRuns struct {
	mu      sync.Mutex
	running map[string]*syncRun
	wg      sync.WaitGroup
	base    context.Context // the App's background context
}

// syncRun is one running sync; canceled once its connection is replaced
// or removed (a new sync of the new connection may then start).
type syncRun struct {
	cancel   context.CancelFunc
	canceled bool
}

func syncKey(websiteID, provider string) string { return websiteID + "/" + provider }

// start runs fn in the background unless a sync of the website and
// provider runs (and was not canceled); fn's context ends at syncTimeout,
// or when cancel is called for them.
func (s *syncRuns) start(fn func(context.Context), websiteID, provider string) bool {
	k := syncKey(websiteID, provider)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.running[k]; ok && !r.canceled {
		return false
	}
	ctx, cancel := context.WithTimeout(s.base, syncTimeout)
	me := &syncRun{cancel: cancel}
	s.running[k] = me
	s.wg.Go(func() {
		defer func() {
			cancel()
			s.mu.Lock()
			if s.running[k] == me {
				delete(s.running, k)
			}
			s.mu.Unlock()
		}()
		fn(ctx)
	})
	return true
}

// run is start, waiting for fn.
func (s *syncRuns) run(fn func(context.Context), websiteID, provider string) {
	done := make(chan struct{})
	if s.start(func(ctx context.Context) { defer close(done); fn(ctx) }, websiteID, provider) {
		<-done
	}
}

// WaitSyncs waits until the syncs running in the background end.
func (a *App) WaitSyncs() { a.syncs.wg.Wait() }

// cancel stops the sync of a website and provider, if one runs.
func (s *syncRuns) cancel(websiteID, provider string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.running[syncKey(websiteID, provider)]; ok {
		r.canceled = true
		r.cancel()
	}
}

// runIntegrationSync syncs every connected integration each interval
// until ctx ends.
func (a *App) runIntegrationSync(ctx context.Context) {
	for {
		a.SyncIntegrations(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.syncInterval):
		}
	}
}

// SyncIntegrations syncs every connected integration once, one after
// another: one's failure is recorded on it and the others go on.
func (a *App) SyncIntegrations(ctx context.Context) {
	if a.sealer == nil || len(a.providers) == 0 {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	list, err := a.store.AllIntegrations(lctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("list integrations to sync", "error", err)
		}
		return
	}
	for _, in := range list {
		if ctx.Err() != nil {
			return
		}
		a.syncs.run(a.syncFunc(ctx, in), in.WebsiteID, in.Provider)
	}
}

// syncFunc is the sync of in, ending also when ctx does.
func (a *App) syncFunc(ctx context.Context, in *openfast.Integration) func(context.Context) {
	return func(sctx context.Context) {
		sctx, cancel := context.WithCancel(sctx)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		a.syncIntegration(sctx, in)
	}
}

// syncIntegration reads the payments made since the stored cursor (the
// first time: since FirstSyncDays before the connection), records them,
// and stores the new cursor and the outcome.
func (a *App) syncIntegration(ctx context.Context, in *openfast.Integration) {
	cursor, problems, err := a.syncPages(ctx, in)
	if errors.Is(ctx.Err(), context.Canceled) {
		return // disconnected, replaced or shutting down: the next sync goes on
	}
	msg := strings.Join(problems, "; ")
	if err != nil {
		msg = strings.TrimPrefix(msg+"; "+err.Error(), "; ")
		a.log.Warn("sync payment provider", "website", in.WebsiteID, "provider", in.Provider, "error", err)
	}
	if cursor == in.SyncCursor {
		cursor = ""
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.store.SetIntegrationSync(wctx, in.WebsiteID, in.Provider, in.ConnectedAt,
		openfast.IntegrationSync{Cursor: cursor, At: a.now().UTC(), Error: msg}); err != nil {
		a.log.Warn("record a payment provider sync", "website", in.WebsiteID, "provider", in.Provider, "error", err)
	}
}

// syncPages reads and records pages of payments until the provider has no
// more, and returns the cursor after the last page recorded, the problems
// of payments that could not be recorded, and the error that stopped it.
func (a *App) syncPages(ctx context.Context, in *openfast.Integration) (cursor string, problems []string, err error) {
	cursor = in.SyncCursor
	_, p, err := a.provider(in.Provider)
	if err != nil {
		return cursor, nil, errors.New(openfast.ErrorMessage(err))
	}
	if a.sealer == nil {
		return cursor, nil, errors.New("the server has no secret key")
	}
	creds, err := a.sealer.open(in.WebsiteID, in.Provider, in.Credentials)
	if err != nil {
		return cursor, nil, err
	}
	since := in.ConnectedAt.Add(-FirstSyncDays * 24 * time.Hour)
	for range maxSyncPages {
		payments, next, more, err := p.Sync(ctx, creds, cursor, since)
		if err != nil {
			return cursor, problems, fmt.Errorf("read payments: %w", err)
		}
		res, err := a.RecordProviderPayments(ctx, in.WebsiteID, in.Provider, payments)
		problems = append(problems, res.Problems...)
		if err != nil {
			return cursor, problems, err
		}
		if next != "" {
			cursor = next
		}
		if !more {
			break
		}
	}
	if len(problems) > 5 {
		problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
	}
	return cursor, problems, nil
}
