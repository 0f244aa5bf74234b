// Package lemonsqueezy is the Lemon Squeezy payment provider: its webhooks
// (order_created, subscription_payment_success, order_refunded,
// subscription_payment_refunded) and a sync from its orders and
// subscription invoices APIs.
//
// Payment ids are "order_<order id>" for an order, "subinv_<id>" for a
// subscription invoice that is not the subscription's first (the first is
// paid by the order), and the same with "_refund" appended for their
// refunds: order and invoice ids are separate sequences at Lemon Squeezy,
// so the prefix keeps them apart.
//
// Lemon Squeezy signs a webhook's body but no timestamp, so a webhook is
// never refused as stale: a replayed delivery is caught by the app's replay
// cache on the event id, which is the event name, the object and its
// updated_at.
//
// An API key shows no mode, so CheckKey never returns ErrTestKey; Check
// returns it when the API says the key is in test mode (the meta.test_mode
// of GET /v1/users/me), and test-mode orders and invoices (webhook or
// sync) give no payments, unless Options.AllowTest.
package lemonsqueezy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provhttp"
)

// BaseURL is Lemon Squeezy's API.
const BaseURL = "https://api.lemonsqueezy.com"

// CheckoutKey is the tracker's payment hint for Lemon Squeezy: the order
// id that the success URL carries as order_id (the [order_id] link
// variable, the order's numeric id).
const CheckoutKey = "lemonsqueezy_order_id"

// Options configure a Provider.
type Options struct {
	// BaseURL is the API root; BaseURL if "".
	BaseURL string
	// HTTPClient sends the API requests; http.DefaultClient if nil.
	HTTPClient *http.Client
	// AllowTest keeps test-mode orders and invoices, and lets Check
	// accept a test-mode key.
	AllowTest bool
	// MaxPages bounds the pages of each list that one Sync reads (the
	// next goes on from there); 20 if 0.
	MaxPages int
}

// Provider is Lemon Squeezy.
type Provider struct {
	api       provhttp.Client
	allowTest bool
	maxPages  int
}

var _ integrations.Provider = (*Provider)(nil)

// New returns the Lemon Squeezy provider.
func New(o Options) *Provider {
	return &Provider{
		api:       provhttp.NewClient("Lemon Squeezy", o.BaseURL, BaseURL, "application/vnd.api+json", o.HTTPClient),
		allowTest: o.AllowTest,
		maxPages:  provhttp.MaxPages(o.MaxPages),
	}
}

// Name is "lemonsqueezy".
func (p *Provider) Name() string { return integrations.LemonSqueezy }

// jwtShape is the form of a Lemon Squeezy API key: a JSON Web Token.
var jwtShape = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

// CheckKey checks that the API key looks like a Lemon Squeezy API key (a
// JSON Web Token) and that the store id is a number.
func (p *Provider) CheckKey(c integrations.Credentials) error {
	key := strings.TrimSpace(c.APIKey)
	if key == "" {
		return integrations.Invalidf("lemonsqueezyApiKey is required")
	}
	if !jwtShape.MatchString(key) {
		return integrations.Invalidf("lemonsqueezyApiKey is not a Lemon Squeezy API key: create one in Settings → API")
	}
	if err := checkStoreID(c.Account); err != nil {
		return err
	}
	return nil
}

func checkStoreID(id string) error {
	if id == "" {
		return integrations.Invalidf("lemonsqueezyStoreId is required")
	}
	if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
		return integrations.Invalidf("lemonsqueezyStoreId must be the store's number, as in Settings → Stores")
	}
	return nil
}

// modeResponse is the part of an answer that says the key's mode, as
// GET /v1/users/me does.
type modeResponse struct {
	Meta struct {
		TestMode bool `json:"test_mode"`
	} `json:"meta"`
}

type storeResponse struct {
	Data struct {
		ID         string `json:"id"`
		Attributes struct {
			Currency string `json:"currency"`
		} `json:"attributes"`
	} `json:"data"`
}

// Check asks the authenticated user's mode (ErrTestKey for a test-mode
// key, unless AllowTest), then reads the store for its currency.
func (p *Provider) Check(ctx context.Context, c integrations.Credentials) (integrations.Account, error) {
	if err := checkStoreID(c.Account); err != nil {
		return integrations.Account{}, err
	}
	var me modeResponse
	if err := p.api.Read(ctx, c.APIKey, "user", "/v1/users/me", &me); err != nil {
		return integrations.Account{}, err
	}
	if me.Meta.TestMode && !p.allowTest {
		return integrations.Account{}, fmt.Errorf("check Lemon Squeezy key: %w", integrations.ErrTestKey)
	}
	var s storeResponse
	if err := p.api.Read(ctx, c.APIKey, "store "+c.Account, "/v1/stores/"+url.PathEscape(c.Account), &s); err != nil {
		return integrations.Account{}, err
	}
	return integrations.Account{Currency: provhttp.Currency(s.Data.Attributes.Currency)}, nil
}

// attributes are the fields of an order or a subscription invoice that
// make a payment.
type attributes struct {
	CustomerID     json.Number `json:"customer_id"`
	UserName       string      `json:"user_name"`
	UserEmail      string      `json:"user_email"`
	Currency       string      `json:"currency"`
	Total          int64       `json:"total"`
	Status         string      `json:"status"`
	Refunded       bool        `json:"refunded"`
	RefundedAt     *string     `json:"refunded_at"`
	RefundedAmount int64       `json:"refunded_amount"`
	BillingReason  string      `json:"billing_reason"`
	TestMode       bool        `json:"test_mode"`
	CreatedAt      string      `json:"created_at"`
	UpdatedAt      string      `json:"updated_at"`
}

// object is a JSON:API resource: an order or a subscription invoice.
type object struct {
	Type       string     `json:"type"`
	ID         string     `json:"id"`
	Attributes attributes `json:"attributes"`
}

type webhookBody struct {
	Meta struct {
		EventName  string         `json:"event_name"`
		CustomData map[string]any `json:"custom_data"`
		TestMode   bool           `json:"test_mode"`
	} `json:"meta"`
	Data json.RawMessage `json:"data"`
}

// resource is what every event's object has, whatever its type.
type resource struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes struct {
		UpdatedAt string `json:"updated_at"`
	} `json:"attributes"`
}

// Object types.
const (
	typeOrder   = "orders"
	typeInvoice = "subscription-invoices"
)

// Webhook verifies X-Signature (the hex HMAC-SHA256 of the body under the
// signing secret) and returns the payment of an order_created or
// subscription_payment_success event, or the refund of an order_refunded
// or subscription_payment_refunded one. There is no signed timestamp, so
// no ErrStale.
func (p *Provider) Webhook(secret string, h http.Header, body []byte, now time.Time) (string, []integrations.Payment, error) {
	if secret == "" || !provhttp.HexHMACEqual([]byte(secret), h.Get("X-Signature"), body) {
		return "", nil, integrations.ErrSignature
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var w webhookBody
	if err := dec.Decode(&w); err != nil {
		return "", nil, integrations.Invalidf("Lemon Squeezy webhook body is not a JSON event: %v", err)
	}
	event := w.Meta.EventName
	if event == "" {
		event = h.Get("X-Event-Name")
	}
	var r resource
	if err := json.Unmarshal(w.Data, &r); err != nil {
		return "", nil, integrations.Invalidf("Lemon Squeezy %s webhook holds no object: %v", event, err)
	}
	eventID := event + ":" + r.Type + ":" + r.ID + ":" + r.Attributes.UpdatedAt
	var want string
	var refund bool
	switch event {
	case "order_created":
		want = typeOrder
	case "order_refunded":
		want, refund = typeOrder, true
	case "subscription_payment_success":
		want = typeInvoice
	case "subscription_payment_refunded":
		want, refund = typeInvoice, true
	default:
		return eventID, nil, nil
	}
	var o object
	if err := json.Unmarshal(w.Data, &o); err != nil || o.Type != want || o.ID == "" {
		return eventID, nil, integrations.Invalidf("Lemon Squeezy %s webhook does not hold %s", event, want)
	}
	if (w.Meta.TestMode || o.Attributes.TestMode) && !p.allowTest {
		return eventID, nil, nil
	}
	visitor := provhttp.Visitor(w.Meta.CustomData)
	var pay integrations.Payment
	var ok bool
	if refund {
		pay, ok = refundOf(o)
	} else {
		pay, ok = paymentOf(o)
	}
	if !ok {
		return eventID, nil, nil
	}
	pay.VisitorID = visitor
	return eventID, []integrations.Payment{pay}, nil
}

// idOf is the payment id of an order or invoice.
func idOf(o object) string {
	if o.Type == typeInvoice {
		return "subinv_" + o.ID
	}
	return "order_" + o.ID
}

// paymentOf is the payment of a paid order, or of a subscription invoice
// after the first (the first one is paid by the subscription's order).
func paymentOf(o object) (integrations.Payment, bool) {
	a := o.Attributes
	switch a.Status {
	case "pending", "failed", "fraudulent", "void", "":
		return integrations.Payment{}, false
	}
	if a.Total < 0 || provhttp.Currency(a.Currency) == "" {
		return integrations.Payment{}, false
	}
	pay := base(o)
	pay.ID = idOf(o)
	pay.Amount = integrations.MajorUnits(a.Total, a.Currency)
	pay.Time = provhttp.Time(a.CreatedAt)
	if o.Type == typeInvoice {
		if a.BillingReason == "initial" {
			return integrations.Payment{}, false
		}
		pay.Renewal = a.BillingReason == "renewal"
	} else {
		pay.CheckoutKey, pay.CheckoutID = CheckoutKey, o.ID
	}
	return pay, true
}

// refundOf is the refund of a refunded order or invoice: its id is the
// payment's with "_refund", its amount the refunded amount so far (a
// second partial refund of the same order is the same refund, recorded
// once).
func refundOf(o object) (integrations.Payment, bool) {
	a := o.Attributes
	if !a.Refunded && a.RefundedAmount == 0 || a.RefundedAmount < 0 || a.Total < 0 || provhttp.Currency(a.Currency) == "" {
		return integrations.Payment{}, false
	}
	if o.Type == typeInvoice && a.BillingReason == "initial" {
		return integrations.Payment{}, false // refunded with its order
	}
	pay := base(o)
	pay.ID = idOf(o) + "_refund"
	pay.Refund = true
	amount := a.RefundedAmount
	if amount <= 0 {
		amount = a.Total
	}
	pay.Amount = integrations.MajorUnits(amount, a.Currency)
	pay.Time = provhttp.Time(a.UpdatedAt)
	if a.RefundedAt != nil {
		if t := provhttp.Time(*a.RefundedAt); !t.IsZero() {
			pay.Time = t
		}
	}
	return pay, true
}

func base(o object) integrations.Payment {
	a := o.Attributes
	return integrations.Payment{
		Currency:   provhttp.Currency(a.Currency),
		Email:      a.UserEmail,
		Name:       a.UserName,
		CustomerID: a.CustomerID.String(),
	}
}

type listResponse struct {
	Meta struct {
		Page struct {
			CurrentPage int `json:"currentPage"`
			LastPage    int `json:"lastPage"`
		} `json:"page"`
	} `json:"meta"`
	Data []object `json:"data"`
}

// pageSize is the largest page Lemon Squeezy serves.
const pageSize = 100

// lists are the lists Sync reads, in the order of their walks in the
// cursor.
var lists = []string{"/v1/orders", "/v1/subscription-invoices"}

// Sync lists the orders and subscription invoices created since the last
// Sync and returns their payments, and the refunds of those already
// refunded, oldest first. Both lists come newest first, so each is read
// back to where the last read began, at most MaxPages pages a Sync (more
// is true until the read is over); the cursor is the two reads' state
// (provhttp.Walk). Refunds of orders made before the last read come by
// webhook only: the API cannot list orders by refund time.
func (p *Provider) Sync(ctx context.Context, c integrations.Credentials, cursor string, since time.Time) ([]integrations.Payment, string, bool, error) {
	if err := checkStoreID(c.Account); err != nil {
		return nil, cursor, false, err
	}
	walks := []provhttp.Walk{provhttp.NewWalk(since), provhttp.NewWalk(since)}
	if cursor != "" {
		parts, err := provhttp.ParseCursor(cursor, 6)
		for i := range walks {
			if err == nil {
				walks[i], err = provhttp.ParseWalk(parts[3*i : 3*i+3])
			}
		}
		if err != nil {
			return nil, cursor, false, fmt.Errorf("sync Lemon Squeezy: %w", err)
		}
	}
	var pays []integrations.Payment
	var next provhttp.Cursor
	more := false
	for i, path := range lists {
		objs, err := provhttp.Step(&walks[i], p.maxPages, func(o object) time.Time { return provhttp.Time(o.Attributes.CreatedAt) },
			func(n int) ([]object, bool, error) {
				q := url.Values{}
				q.Set("filter[store_id]", c.Account)
				q.Set("page[number]", strconv.Itoa(n))
				q.Set("page[size]", strconv.Itoa(pageSize))
				var l listResponse
				if err := p.api.Get(ctx, c.APIKey, path, q, "", &l); err != nil {
					return nil, false, fmt.Errorf("sync Lemon Squeezy %s page %d: %w", path, n, err)
				}
				return l.Data, l.Meta.Page.LastPage <= n, nil
			})
		if err != nil {
			return nil, cursor, false, err
		}
		for _, o := range objs {
			if o.Attributes.TestMode && !p.allowTest {
				continue
			}
			if pay, ok := paymentOf(o); ok {
				pays = append(pays, pay)
			}
			if pay, ok := refundOf(o); ok {
				pays = append(pays, pay)
			}
		}
		next = append(next, walks[i].Parts()...)
		more = more || walks[i].Page > 0
	}
	provhttp.SortOldestFirst(pays)
	return pays, next.String(), more, nil
}
