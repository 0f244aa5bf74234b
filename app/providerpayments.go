package app

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/integrations"
)

// Payments from providers: by webhook or by sync, each payment is recorded
// once (its transaction id is the provider and the provider's id) and
// attributed to a visitor when one can be found.

// ProviderPayments is what RecordProviderPayments did.
type ProviderPayments struct {
	Recorded   int // new payments recorded
	Duplicates int // payments recorded before
	// Problems says why each payment that could not be recorded was not
	// (a currency without a rate, a missing id...). Each is also logged.
	Problems []string
}

// RecordProviderPayments records payments that a provider reported for a
// website, each once, attributed to its visitor: the datafast_visitor_id
// of the checkout; else the visitor whose tracker sent the checkout's id
// as a payment hint; else the visitor linked to the payer's email. A
// payment without a visitor still counts in revenue. A payment that
// cannot be recorded is logged and listed in Problems; a store failure
// stops the recording and is returned.
func (a *App) RecordProviderPayments(ctx context.Context, websiteID, provider string, payments []integrations.Payment) (ProviderPayments, error) {
	var res ProviderPayments
	if len(payments) == 0 {
		return res, nil
	}
	if err := a.eventsReady(); err != nil {
		return res, err
	}
	for _, p := range payments {
		ev, err := a.providerPaymentEvent(websiteID, provider, p)
		if err != nil {
			msg := openfast.ErrorMessage(err)
			a.log.Warn("payment from a provider not recorded", "website", websiteID, "provider", provider, "payment", openfast.Truncate(p.ID, 100), "reason", msg)
			res.Problems = append(res.Problems, msg)
			continue
		}
		if ev.VisitorID, err = a.paymentVisitor(ctx, websiteID, p); err != nil {
			return res, err
		}
		recorded, err := a.recordPayment(ctx, ev)
		if err != nil {
			return res, err
		}
		if recorded {
			res.Recorded++
		} else {
			res.Duplicates++
		}
	}
	return res, nil
}

// providerPaymentEvent checks a provider's payment and makes its event,
// without a visitor, by CreatePayment's rules.
func (a *App) providerPaymentEvent(websiteID, provider string, p integrations.Payment) (openfast.Event, error) {
	var ev openfast.Event
	tx, ok := openfast.ParseTransactionID(p.TransactionID(provider))
	if p.ID == "" || !ok || openfast.HasUnsafeChars(tx) {
		return ev, invalidf("a %s payment without a usable id (at most %d characters)", provider, openfast.MaxTransactionID)
	}
	if p.Amount < 0 || math.IsNaN(p.Amount) || math.IsInf(p.Amount, 0) || p.Amount > 1e12 {
		return ev, invalidf("payment %s: amount %v is not a number of major units, 0 or more", tx, p.Amount)
	}
	currency, ok := openfast.NormalizeCurrency(p.Currency)
	if !ok {
		return ev, invalidf("payment %s: currency %q is not an ISO 4217 code", tx, openfast.Truncate(p.Currency, 10))
	}
	if a.rates != nil && !a.rates.Known(currency) {
		return ev, invalidf("payment %s: currency %s has no exchange rate, so it cannot be converted to the website's currency", tx, currency)
	}
	at := p.Time.UTC()
	if p.Time.IsZero() {
		at = a.now().UTC()
	}
	if at.Before(earliestEvent) || at.After(a.now().Add(maxEventAhead)) {
		return ev, invalidf("payment %s: its time %s is out of range", tx, at.Format(time.RFC3339))
	}
	props := map[string]string{"provider": provider}
	for k, v := range map[string]string{"email": p.Email, "name": p.Name, "customer_id": p.CustomerID} {
		if v != "" && !openfast.HasUnsafeChars(v) {
			props[k] = openfast.StripMarkup(v, openfast.MaxPropertyValue)
		}
	}
	for k, v := range map[string]bool{"renewal": p.Renewal, "refunded": p.Refund, "is_free_trial": p.Amount == 0 && !p.Refund} {
		if v {
			props[k] = "true"
		}
	}
	cents := int64(math.Round(p.Amount * 100))
	if p.Refund {
		cents = -cents
	}
	return openfast.Event{
		WebsiteID: websiteID, Time: at, Type: openfast.EventPayment, RevenueCents: cents, Currency: currency,
		TransactionID: tx, Props: propsJSON(props), EventID: openfast.NewID(),
	}, nil
}

// paymentVisitor finds the visitor of a provider's payment (the zero UUID
// when none is found).
func (a *App) paymentVisitor(ctx context.Context, websiteID string, p integrations.Payment) (openfast.UUID, error) {
	if v, ok := openfast.ParseUUID(p.VisitorID); ok {
		return v, nil
	}
	hint := p.CheckoutID != "" && openfast.ValidPaymentHintKey(p.CheckoutKey) && len(p.CheckoutID) <= openfast.MaxPropertyValue
	if !hint && p.Email == "" {
		return openfast.UUID{}, nil
	}
	events, err := a.syncedEvents(ctx)
	if err != nil {
		return openfast.UUID{}, err
	}
	if hint {
		v, ok, err := events.VisitorByPaymentHint(ctx, websiteID, p.CheckoutKey, p.CheckoutID)
		if err != nil || ok {
			return v, err
		}
	}
	if p.Email != "" {
		v, ok, err := events.VisitorByEmail(ctx, websiteID, p.Email)
		if err != nil || ok {
			return v, err
		}
	}
	return openfast.UUID{}, nil
}

// WebhookReceived is what ReceiveWebhook did.
type WebhookReceived struct {
	Payments int // payments the webhook reported
	ProviderPayments
}

// MaxWebhookBody is the largest webhook body read.
const MaxWebhookBody = 1 << 20

// ReceiveWebhook verifies a provider's webhook for a website with the
// secret stored for it, refuses a replay of an event already received, and
// records the payments it reports. Bad input (unknown provider or website,
// no connection or no webhook secret, a wrong signature, a stale or
// replayed event, an unreadable body) is refused with EINVALID or
// ENOTFOUND, and nothing is recorded.
func (a *App) ReceiveWebhook(ctx context.Context, provider, websiteID string, h http.Header, body []byte) (*WebhookReceived, error) {
	info, p, err := a.provider(provider)
	if err != nil {
		if openfast.ErrorCode(err) == openfast.EINVALID {
			return nil, openfast.Errorf(openfast.ENOTFOUND, "%s", openfast.ErrorMessage(err))
		}
		return nil, err
	}
	if !openfast.ValidID(websiteID) {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
	}
	in, err := a.store.Integration(ctx, websiteID, info.Name)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "%s is not connected to this website.", info.Label)
	}
	if err != nil {
		return nil, err
	}
	if !in.HasWebhookSecret {
		return nil, invalidf("No webhook secret is set for %s on this website: connect it again with %s.", info.Label, WebhookSecretField)
	}
	if a.sealer == nil {
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "The server has no secret key (--secret-key-file).")
	}
	creds, err := a.sealer.open(in.WebsiteID, in.Provider, in.Credentials)
	if err != nil {
		a.log.Error("open a payment provider's credentials", "website", websiteID, "provider", info.Name, "error", err)
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "The %s credentials of this website cannot be read: connect it again.", info.Label)
	}
	if err := a.eventsReady(); err != nil {
		return nil, err
	}
	now := a.now()
	eventID, payments, err := p.Webhook(creds.WebhookSecret, h, body, now)
	if err != nil {
		var invalid *integrations.InvalidError
		switch {
		case errors.Is(err, integrations.ErrSignature), errors.Is(err, integrations.ErrStale):
			return nil, invalidf("%s", upperFirst(err.Error())+".")
		case errors.As(err, &invalid):
			return nil, invalidf("%s", invalid.Message)
		}
		return nil, invalidf("The %s webhook could not be read.", info.Label)
	}
	release := func() {}
	if eventID != "" {
		if release, err = a.replays.claim(websiteID, info.Name, eventID, now); err != nil {
			return nil, err
		}
	}
	res, err := a.RecordProviderPayments(ctx, websiteID, info.Name, payments)
	if err != nil {
		release() // the provider's retry of the delivery is then accepted
		return nil, err
	}
	return &WebhookReceived{Payments: len(payments), ProviderPayments: res}, nil
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// DefaultMaxWebhookReplays bounds the webhook events remembered to refuse
// replays; each entry is a 32-byte hash and its time.
const DefaultMaxWebhookReplays = 100_000

// replayCache remembers the webhook events received within
// integrations.MaxAge (later ones are refused as stale by the provider's
// signature check). Entries are kept in the order received, so the oldest
// expire first. When it is full of fresh entries it refuses to forget
// them: a webhook is then answered 503 with Retry-After.
type replayCache struct {
	mu    sync.Mutex
	max   int
	seen  map[[32]byte]*list.Element
	order *list.List // of replayEntry, oldest first
}

type replayEntry struct {
	key [32]byte
	at  time.Time
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, seen: map[[32]byte]*list.Element{}, order: list.New()}
}

// claim records an event of a website's provider, or refuses it as a
// replay (EINVALID) or for want of room (EUNAVAILABLE, with a RetryError).
// release forgets the event again, for a delivery that failed.
func (c *replayCache) claim(websiteID, provider, eventID string, now time.Time) (release func(), err error) {
	key := sha256.Sum256([]byte(websiteID + "\x00" + provider + "\x00" + eventID))
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		if now.Sub(e.Value.(replayEntry).at) <= integrations.MaxAge {
			break
		}
		delete(c.seen, e.Value.(replayEntry).key)
		c.order.Remove(e)
	}
	if _, ok := c.seen[key]; ok {
		return nil, invalidf("This webhook event was received already: a replay is refused.")
	}
	if c.order.Len() >= c.max {
		oldest := c.order.Front().Value.(replayEntry).at
		return nil, &RetryError{
			Err:   openfast.Errorf(openfast.EUNAVAILABLE, "Too many webhooks at once: retry in a moment."),
			After: max(time.Second, integrations.MaxAge-now.Sub(oldest)),
		}
	}
	el := c.order.PushBack(replayEntry{key: key, at: now})
	c.seen[key] = el
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.seen[key] == el {
			delete(c.seen, key)
			c.order.Remove(el)
		}
	}, nil
}
