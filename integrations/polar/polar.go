// Package polar is the Polar payment provider: its webhooks (order.paid,
// refund.created, refund.updated), signed by the Standard Webhooks scheme,
// and a sync from its orders and refunds APIs.
//
// Payment ids are Polar's ids: the order's for a payment, the refund's for
// a refund. The event id is the webhook-id header, the same for every
// retry of a delivery.
//
// Polar's sandbox is a separate API (SandboxBaseURL) with its own
// organizations and tokens, and its tokens look like production ones
// (polar_oat_…), so CheckKey cannot tell them apart and never returns
// ErrTestKey: a server that takes sandbox payments points BaseURL at the
// sandbox.
package polar

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provhttp"
)

// API roots.
const (
	BaseURL        = "https://api.polar.sh"
	SandboxBaseURL = "https://sandbox-api.polar.sh"
)

// CheckoutKey is the tracker's payment hint for Polar: the checkout id
// that Polar puts in the success URL ({CHECKOUT_ID}), the order's
// checkout_id.
const CheckoutKey = "polar_checkout_id"

// Options configure a Provider.
type Options struct {
	// BaseURL is the API root; BaseURL if "" (SandboxBaseURL for the
	// sandbox).
	BaseURL string
	// HTTPClient sends the API requests; http.DefaultClient if nil.
	HTTPClient *http.Client
	// MaxPages bounds the pages of refunds that one Sync reads; 20 if 0.
	MaxPages int
}

// Provider is Polar.
type Provider struct {
	api      provhttp.Client
	maxPages int
}

var _ integrations.Provider = (*Provider)(nil)

// New returns the Polar provider.
func New(o Options) *Provider {
	return &Provider{
		api:      provhttp.NewClient("Polar", o.BaseURL, BaseURL, "", o.HTTPClient),
		maxPages: provhttp.MaxPages(o.MaxPages),
	}
}

// Name is "polar".
func (p *Provider) Name() string { return integrations.Polar }

var (
	tokenShape = regexp.MustCompile(`^polar_(oat|pat)_[A-Za-z0-9_-]+$`)
	uuidShape  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// CheckKey checks that the token is a Polar access token (an organization
// token polar_oat_…, or a personal one polar_pat_…) and that the
// organization id is a UUID.
func (p *Provider) CheckKey(c integrations.Credentials) error {
	if c.APIKey == "" {
		return integrations.Invalidf("polarAccessToken is required")
	}
	if !tokenShape.MatchString(c.APIKey) {
		return integrations.Invalidf("polarAccessToken is not a Polar access token (polar_oat_…): create one in the organization's Settings → Developers")
	}
	return checkOrg(c.Account)
}

func checkOrg(id string) error {
	if id == "" {
		return integrations.Invalidf("polarOrgId is required")
	}
	if !uuidShape.MatchString(id) {
		return integrations.Invalidf("polarOrgId must be the organization's id (a UUID, as in Settings → General)")
	}
	return nil
}

type organization struct {
	ID                         string `json:"id"`
	DefaultPresentmentCurrency string `json:"default_presentment_currency"`
}

// Check reads the organization, and its default currency when Polar says.
func (p *Provider) Check(ctx context.Context, c integrations.Credentials) (integrations.Account, error) {
	if err := checkOrg(c.Account); err != nil {
		return integrations.Account{}, err
	}
	var o organization
	if err := p.api.Read(ctx, c.APIKey, "organization "+c.Account, "/v1/organizations/"+url.PathEscape(c.Account), &o); err != nil {
		return integrations.Account{}, err
	}
	return integrations.Account{Currency: provhttp.Currency(o.DefaultPresentmentCurrency)}, nil
}

type customer struct {
	ID       string         `json:"id"`
	Email    string         `json:"email"`
	Name     *string        `json:"name"`
	Metadata map[string]any `json:"metadata"`
}

type order struct {
	ID            string         `json:"id"`
	CreatedAt     string         `json:"created_at"`
	Status        string         `json:"status"`
	Paid          *bool          `json:"paid"`
	Amount        *int64         `json:"amount"`
	TotalAmount   *int64         `json:"total_amount"`
	Currency      string         `json:"currency"`
	BillingReason string         `json:"billing_reason"`
	CustomerID    string         `json:"customer_id"`
	CheckoutID    *string        `json:"checkout_id"`
	Metadata      map[string]any `json:"metadata"`
	Customer      *customer      `json:"customer"`
}

type refund struct {
	ID         string `json:"id"`
	CreatedAt  string `json:"created_at"`
	Status     string `json:"status"`
	Amount     int64  `json:"amount"`
	TaxAmount  int64  `json:"tax_amount"`
	Currency   string `json:"currency"`
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
}

type webhookBody struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Webhook verifies the Standard Webhooks signature with the endpoint's
// secret as Polar's SDKs do (the secret's bytes are the HMAC key), refuses
// a webhook-timestamp more than MaxAge from now, and returns the payment
// of an order.paid event (or order.created for an order already paid), or
// the refund of a succeeded refund.created or refund.updated.
func (p *Provider) Webhook(secret string, h http.Header, body []byte, now time.Time) (string, []integrations.Payment, error) {
	wh, err := standardwebhooks.NewWebhookRaw([]byte(secret))
	if err != nil {
		return "", nil, integrations.ErrSignature
	}
	if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
		return "", nil, integrations.ErrSignature
	}
	sec, err := strconv.ParseInt(h.Get(standardwebhooks.HeaderWebhookTimestamp), 10, 64)
	if err != nil || provhttp.Stale(time.Unix(sec, 0), now) {
		return "", nil, integrations.ErrStale
	}
	eventID := h.Get(standardwebhooks.HeaderWebhookID)
	var w webhookBody
	if err := json.Unmarshal(body, &w); err != nil {
		return eventID, nil, integrations.Invalidf("Polar webhook body is not a JSON event: %v", err)
	}
	switch w.Type {
	case "order.paid", "order.created":
		var o order
		if err := json.Unmarshal(w.Data, &o); err != nil {
			return eventID, nil, integrations.Invalidf("Polar %s webhook does not hold an order: %v", w.Type, err)
		}
		if pay, ok := paymentOf(o); ok {
			return eventID, []integrations.Payment{pay}, nil
		}
	case "refund.created", "refund.updated":
		var r refund
		if err := json.Unmarshal(w.Data, &r); err != nil {
			return eventID, nil, integrations.Invalidf("Polar %s webhook does not hold a refund: %v", w.Type, err)
		}
		if pay, ok := refundOf(r); ok {
			return eventID, []integrations.Payment{pay}, nil
		}
	}
	return eventID, nil, nil
}

// paymentOf is the payment of a paid order (refunded ones were paid too).
func paymentOf(o order) (integrations.Payment, bool) {
	switch {
	case o.Paid != nil && !*o.Paid:
		return integrations.Payment{}, false
	case o.Status != "paid" && o.Status != "refunded" && o.Status != "partially_refunded":
		return integrations.Payment{}, false
	}
	amount := o.TotalAmount
	if amount == nil {
		amount = o.Amount
	}
	cur := provhttp.Currency(o.Currency)
	if o.ID == "" || amount == nil || *amount < 0 || cur == "" {
		return integrations.Payment{}, false
	}
	pay := integrations.Payment{
		ID:         o.ID,
		Amount:     integrations.MajorUnits(*amount, cur),
		Currency:   cur,
		Time:       provhttp.Time(o.CreatedAt),
		Renewal:    o.BillingReason == "subscription_cycle",
		CustomerID: o.CustomerID,
	}
	var custMeta map[string]any
	if o.Customer != nil {
		pay.Email = o.Customer.Email
		if o.Customer.Name != nil {
			pay.Name = *o.Customer.Name
		}
		custMeta = o.Customer.Metadata
	}
	pay.VisitorID = provhttp.Visitor(o.Metadata, custMeta)
	if o.CheckoutID != nil && *o.CheckoutID != "" {
		pay.CheckoutKey, pay.CheckoutID = CheckoutKey, *o.CheckoutID
	}
	return pay, true
}

// refundOf is a succeeded refund: its amount with the refunded tax, as an
// order's amount is with tax.
func refundOf(r refund) (integrations.Payment, bool) {
	cur := provhttp.Currency(r.Currency)
	total := r.Amount + r.TaxAmount
	if r.Status != "succeeded" || r.ID == "" || cur == "" || r.Amount < 0 || r.TaxAmount < 0 || total < 0 {
		return integrations.Payment{}, false
	}
	return integrations.Payment{
		ID:         r.ID,
		Amount:     integrations.MajorUnits(total, cur),
		Currency:   cur,
		Time:       provhttp.Time(r.CreatedAt),
		Refund:     true,
		CustomerID: r.CustomerID,
	}, true
}

type list[T any] struct {
	Items      []T `json:"items"`
	Pagination struct {
		TotalCount int `json:"total_count"`
		MaxPage    int `json:"max_page"`
	} `json:"pagination"`
}

// pageSize is the largest page Polar serves.
const pageSize = 100

// Sync reads one page of the orders created after the cursor's order time,
// oldest first (more is true while there are further pages), and the
// succeeded refunds made since the last Sync: refunds come newest first,
// so they are read back to where the last read began, at most MaxPages
// pages a Sync (more is true until the read is over). The cursor is
// "<order time>|<refunds' walk>" (provhttp.Walk).
func (p *Provider) Sync(ctx context.Context, c integrations.Credentials, cursor string, since time.Time) ([]integrations.Payment, string, bool, error) {
	if err := checkOrg(c.Account); err != nil {
		return nil, cursor, false, err
	}
	orderFrom, walk := since.UTC(), provhttp.NewWalk(since)
	if cursor != "" {
		cur, err := provhttp.ParseCursor(cursor, 4)
		if err == nil {
			orderFrom, err = provhttp.ParseTime(cur[0])
		}
		if err == nil {
			walk, err = provhttp.ParseWalk(cur[1:])
		}
		if err != nil {
			return nil, cursor, false, fmt.Errorf("sync Polar: %w", err)
		}
	}

	// created_after is exclusive: start a microsecond early so that an
	// order made in the same microsecond as the last one is not lost (the
	// last one comes again and is recorded once).
	q := url.Values{}
	q.Set("organization_id", c.Account)
	q.Set("created_after", provhttp.FormatTime(orderFrom.Add(-time.Microsecond)))
	q.Set("sorting", "created_at")
	q.Set("limit", strconv.Itoa(pageSize))
	q.Set("page", "1")
	var orders list[order]
	if err := p.api.Get(ctx, c.APIKey, "/v1/orders/", q, "", &orders); err != nil {
		return nil, cursor, false, fmt.Errorf("sync Polar orders: %w", err)
	}
	var pays []integrations.Payment
	for _, o := range orders.Items {
		if t := provhttp.Time(o.CreatedAt); t.After(orderFrom) {
			orderFrom = t
		}
		if pay, ok := paymentOf(o); ok {
			pays = append(pays, pay)
		}
	}

	refunds, err := provhttp.Step(&walk, p.maxPages, func(r refund) time.Time { return provhttp.Time(r.CreatedAt) },
		func(n int) ([]refund, bool, error) {
			q := url.Values{}
			q.Set("organization_id", c.Account)
			q.Set("succeeded", "true")
			q.Set("sorting", "-created_at")
			q.Set("limit", strconv.Itoa(pageSize))
			q.Set("page", strconv.Itoa(n))
			var l list[refund]
			if err := p.api.Get(ctx, c.APIKey, "/v1/refunds/", q, "", &l); err != nil {
				return nil, false, fmt.Errorf("sync Polar refunds page %d: %w", n, err)
			}
			return l.Items, l.Pagination.MaxPage <= n, nil
		})
	if err != nil {
		return nil, cursor, false, err
	}
	for _, r := range refunds {
		if pay, ok := refundOf(r); ok {
			pays = append(pays, pay)
		}
	}
	provhttp.SortOldestFirst(pays)
	next := append(provhttp.Cursor{provhttp.FormatTime(orderFrom)}, walk.Parts()...)
	more := orders.Pagination.MaxPage > 1 || walk.Page > 0
	return pays, next.String(), more, nil
}
