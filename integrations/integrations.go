// Package integrations is what the payment providers (Stripe, Lemon
// Squeezy, Polar, Paddle) have in common: the payments they report, in
// one shape, and the Provider interface that each provider's package
// implements, for webhooks and for syncing from the provider's API.
//
// A Provider does no storing and knows nothing of websites: it verifies
// and decodes what a provider sends, and lists what a provider's API
// holds. The app turns the Payments into payment events (idempotent on
// TransactionID) and attributes them to visitors.
package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Provider names, as in the routes (/integrations/{provider},
// /api/webhooks/{provider}/{websiteId}).
const (
	Stripe       = "stripe"
	LemonSqueezy = "lemonsqueezy"
	Polar        = "polar"
	Paddle       = "paddle"
)

// Names are the providers that can be connected, in the order of the
// integrations response.
var Names = []string{Stripe, LemonSqueezy, Polar, Paddle}

// Payment is one payment, refund or renewal that a provider reports.
type Payment struct {
	// ID is the provider's id of this payment (or refund): the same
	// whether it came by webhook or by sync, so that it is recorded once.
	// TransactionID prefixes it with the provider.
	ID string
	// Amount is in major units (29.99), never negative; a refund has
	// Refund set and the refunded amount here.
	Amount   float64
	Currency string // ISO 4217, upper case
	Time     time.Time
	Refund   bool
	Renewal  bool
	// VisitorID is the datafast_visitor_id found in the checkout's
	// metadata or custom data, as found (the app checks it); "" if none.
	VisitorID string
	// CheckoutKey and CheckoutID name the checkout the tracker may have
	// seen on the visitor's page: CheckoutKey is the tracker's payment
	// hint property (stripe_session_id, polar_checkout_id,
	// lemonsqueezy_order_id) and CheckoutID its value. Both "" if none.
	CheckoutKey string
	CheckoutID  string
	Email       string
	Name        string
	CustomerID  string
}

// TransactionID is the payment's transaction id in openfast: the provider
// and its id ("stripe:pi_123"), so that two providers' ids never clash
// and a payment seen twice, or by webhook and sync, is recorded once.
func (p Payment) TransactionID(provider string) string { return provider + ":" + p.ID }

// Credentials are what a website's connection to a provider holds.
type Credentials struct {
	// APIKey is the key or token the provider's API takes: Stripe's
	// restricted key (rk_…), Lemon Squeezy's API key, Polar's
	// organization access token, Paddle's API key (pdl_…).
	APIKey string
	// Account is the store (Lemon Squeezy) or organization (Polar) id;
	// "" for Stripe and Paddle.
	Account string
	// WebhookSecret is the secret the provider signs webhooks with; ""
	// when webhooks are not set up (then only sync brings payments).
	WebhookSecret string
}

// Account is what Check learns of a connection.
type Account struct {
	// Currency is the account's default currency (ISO 4217), "" if the
	// provider does not say.
	Currency string
	// KeyExpiresAt is when the API key expires, if the provider says
	// (Paddle); nil otherwise.
	KeyExpiresAt *time.Time
}

// Provider is one payment provider.
type Provider interface {
	// Name is the provider's name (Stripe, LemonSqueezy, ...).
	Name() string
	// CheckKey validates the form of an API key before any request:
	// ErrTestKey for a test-mode key (refused unless test payments are
	// allowed), an *InvalidError for a key of the wrong kind or shape.
	CheckKey(c Credentials) error
	// Check asks the provider's API whether the credentials work, and
	// what it knows of the account. An *InvalidError when the provider
	// refuses them (the message says what to fix); another error when the
	// provider cannot be reached.
	Check(ctx context.Context, c Credentials) (Account, error)
	// Webhook verifies a webhook request (its headers and raw body) with
	// the secret, at now, and returns the payments it reports: none for
	// an event that is not a payment. ErrSignature when the signature is
	// missing or wrong, ErrStale when it was signed more than MaxAge
	// before now (or too far after), an *InvalidError when the body
	// cannot be read. EventID is the provider's id of the delivery or
	// event, for refusing replays; "" if it has none.
	Webhook(secret string, h http.Header, body []byte, now time.Time) (eventID string, payments []Payment, err error)
	// Sync lists the payments, refunds and renewals made since the
	// cursor, oldest first, at most about a page per call: cursor "" with
	// since starts at since (the first sync after connecting passes 30
	// days ago). It returns the next cursor to pass, and more true when
	// there is more to read now. Sync is safe to repeat: payments it
	// returns again are recorded once.
	Sync(ctx context.Context, c Credentials, cursor string, since time.Time) (payments []Payment, next string, more bool, err error)
}

// MaxAge is how old a webhook's signed timestamp may be: older ones (and
// ones further in the future) are refused as replays.
const MaxAge = 5 * time.Minute

// Errors of Webhook and CheckKey.
var (
	ErrSignature = errors.New("webhook signature is missing or does not match")
	ErrStale     = errors.New("webhook timestamp is more than 5 minutes from now")
	ErrTestKey   = errors.New("test-mode key")
)

// InvalidError is a refusal whose message is meant for the person who
// connects the provider or sends the webhook.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return e.Message }

// Invalidf returns an *InvalidError.
func Invalidf(format string, args ...any) error {
	return &InvalidError{Message: fmt.Sprintf(format, args...)}
}

// zeroDecimal are the ISO 4217 currencies without minor units that the
// providers use (Stripe's list of zero-decimal currencies).
var zeroDecimal = map[string]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true,
	"MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true,
	"XOF": true, "XPF": true, "ISK": true,
}

// threeDecimal are the ISO 4217 currencies with three minor digits.
var threeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true, "IQD": true, "LYD": true}

// MajorUnits converts an amount in a currency's smallest unit (cents,
// yen) to major units: 2999 USD is 29.99, 500 JPY is 500.
func MajorUnits(minor int64, currency string) float64 {
	c := strings.ToUpper(currency)
	switch {
	case zeroDecimal[c]:
		return float64(minor)
	case threeDecimal[c]:
		return float64(minor) / 1000
	default:
		return float64(minor) / 100
	}
}
