// Package paddle is the Paddle Billing payment provider: its webhooks
// (transaction.completed, adjustment.created, adjustment.updated), signed
// with Paddle-Signature, and a sync from its transactions and adjustments
// APIs.
//
// Payment ids are Paddle's: the transaction's (txn_…) for a payment, the
// adjustment's (adj_…) for a refund. The event id is the notification id
// (ntf_…), the same for every retry of a delivery, or the event id when
// there is none.
//
// API keys say their environment: pdl_live_apikey_… for live,
// pdl_sdbx_apikey_… for the sandbox (CheckKey returns ErrTestKey; the
// provider then talks to the sandbox API). Keys without that prefix, made
// before Paddle added it, are refused: a new key has it.
//
// Paddle's API keys can expire, but the API has no call that reads the
// key's own expiry, so Account.KeyExpiresAt stays nil.
package paddle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provhttp"
)

// API roots.
const (
	BaseURL        = "https://api.paddle.com"
	SandboxBaseURL = "https://sandbox-api.paddle.com"
)

// Key prefixes.
const (
	LivePrefix    = "pdl_live_apikey_"
	SandboxPrefix = "pdl_sdbx_apikey_"
)

// Options configure a Provider.
type Options struct {
	// BaseURL is the live API root; BaseURL if "".
	BaseURL string
	// SandboxBaseURL is the sandbox API root, used for sandbox keys;
	// SandboxBaseURL if "".
	SandboxBaseURL string
	// HTTPClient sends the API requests; http.DefaultClient if nil.
	HTTPClient *http.Client
}

// Provider is Paddle Billing.
type Provider struct {
	live, sandbox provhttp.Client
}

var _ integrations.Provider = (*Provider)(nil)

// New returns the Paddle provider.
func New(o Options) *Provider {
	return &Provider{
		live:    provhttp.NewClient("Paddle", o.BaseURL, BaseURL, "", o.HTTPClient),
		sandbox: provhttp.NewClient("Paddle", o.SandboxBaseURL, SandboxBaseURL, "", o.HTTPClient),
	}
}

// Name is "paddle".
func (p *Provider) Name() string { return integrations.Paddle }

// api is the API that the key belongs to.
func (p *Provider) api(key string) *provhttp.Client {
	if strings.HasPrefix(key, SandboxPrefix) {
		return &p.sandbox
	}
	return &p.live
}

// CheckKey accepts a live key, returns ErrTestKey for a sandbox key, and
// refuses anything else.
func (p *Provider) CheckKey(c integrations.Credentials) error {
	key := c.APIKey
	switch {
	case key == "":
		return integrations.Invalidf("paddleApiKey is required")
	case strings.HasPrefix(key, LivePrefix) && len(key) > len(LivePrefix):
		return nil
	case strings.HasPrefix(key, SandboxPrefix) && len(key) > len(SandboxPrefix):
		return integrations.ErrTestKey
	case strings.HasPrefix(key, "pdl_"):
		return integrations.Invalidf("paddleApiKey must be a Paddle API key (pdl_live_apikey_…)")
	default:
		return integrations.Invalidf("paddleApiKey must start with pdl_live_: keys made before Paddle added the prefix are not supported, create a new one in Developer tools → Authentication")
	}
}

// Check reads the latest completed transaction: the key works if Paddle
// answers, and the account's currency is that transaction's payout
// currency ("" before the first sale).
func (p *Provider) Check(ctx context.Context, c integrations.Credentials) (integrations.Account, error) {
	q := url.Values{}
	q.Set("status", "completed")
	q.Set("order_by", "billed_at[DESC]")
	q.Set("per_page", "1")
	var l list[transaction]
	if err := p.api(c.APIKey).Get(ctx, c.APIKey, "/transactions", q, "", &l); err != nil {
		return integrations.Account{}, fmt.Errorf("check Paddle key: %w", err)
	}
	var acct integrations.Account
	if len(l.Data) > 0 {
		t := l.Data[0]
		acct.Currency = provhttp.Currency(t.CurrencyCode)
		if t.Details.PayoutTotals != nil {
			if cur := provhttp.Currency(t.Details.PayoutTotals.CurrencyCode); cur != "" {
				acct.Currency = cur
			}
		}
	}
	return acct, nil
}

type transaction struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"`
	CustomerID   *string        `json:"customer_id"`
	CustomData   map[string]any `json:"custom_data"`
	CurrencyCode string         `json:"currency_code"`
	Origin       string         `json:"origin"`
	Details      struct {
		Totals struct {
			GrandTotal string `json:"grand_total"`
		} `json:"totals"`
		PayoutTotals *struct {
			CurrencyCode string `json:"currency_code"`
		} `json:"payout_totals"`
	} `json:"details"`
	Customer *struct {
		Email string  `json:"email"`
		Name  *string `json:"name"`
	} `json:"customer"`
	CreatedAt string  `json:"created_at"`
	BilledAt  *string `json:"billed_at"`
}

type adjustment struct {
	ID            string `json:"id"`
	Action        string `json:"action"`
	TransactionID string `json:"transaction_id"`
	CustomerID    string `json:"customer_id"`
	CurrencyCode  string `json:"currency_code"`
	Status        string `json:"status"`
	Totals        struct {
		Total        string `json:"total"`
		CurrencyCode string `json:"currency_code"`
	} `json:"totals"`
	CreatedAt string `json:"created_at"`
}

type notification struct {
	EventID        string          `json:"event_id"`
	EventType      string          `json:"event_type"`
	NotificationID string          `json:"notification_id"`
	Data           json.RawMessage `json:"data"`
}

// errFormat is a Paddle-Signature that is not ts=…;h1=….
var errFormat = errors.New("malformed Paddle-Signature")

// parseSignature splits "ts=1671552777;h1=ab…[;h1=…]" into the timestamp
// and the signatures (more than one while a secret is being rotated).
func parseSignature(header string) (ts string, h1 []string, err error) {
	for _, part := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return "", nil, errFormat
		case k == "ts":
			ts = v
		case k == "h1":
			h1 = append(h1, v)
		}
	}
	if ts == "" || len(h1) == 0 {
		return "", nil, errFormat
	}
	return ts, h1, nil
}

// Webhook verifies Paddle-Signature (h1 is the hex HMAC-SHA256 of
// ts + ":" + body under the endpoint's secret key), refuses a ts more than
// MaxAge from now, and returns the payment of a transaction.completed, or
// the refund of an approved refund adjustment.
func (p *Provider) Webhook(secret string, h http.Header, body []byte, now time.Time) (string, []integrations.Payment, error) {
	ts, sigs, err := parseSignature(h.Get("Paddle-Signature"))
	if err != nil || secret == "" {
		return "", nil, integrations.ErrSignature
	}
	ok := false
	for _, sig := range sigs {
		ok = ok || provhttp.HexHMACEqual([]byte(secret), sig, []byte(ts), []byte(":"), body)
	}
	if !ok {
		return "", nil, integrations.ErrSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || provhttp.Stale(time.Unix(sec, 0), now) {
		return "", nil, integrations.ErrStale
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return "", nil, integrations.Invalidf("Paddle webhook body is not a JSON notification: %v", err)
	}
	eventID := n.NotificationID
	if eventID == "" {
		eventID = n.EventID
	}
	switch n.EventType {
	case "transaction.completed":
		var t transaction
		if err := json.Unmarshal(n.Data, &t); err != nil {
			return eventID, nil, integrations.Invalidf("Paddle %s webhook does not hold a transaction: %v", n.EventType, err)
		}
		if pay, ok := paymentOf(t); ok {
			return eventID, []integrations.Payment{pay}, nil
		}
	case "adjustment.created", "adjustment.updated":
		var a adjustment
		if err := json.Unmarshal(n.Data, &a); err != nil {
			return eventID, nil, integrations.Invalidf("Paddle %s webhook does not hold an adjustment: %v", n.EventType, err)
		}
		if pay, ok := refundOf(a); ok {
			return eventID, []integrations.Payment{pay}, nil
		}
	}
	return eventID, nil, nil
}

// minor parses an amount in the lowest denomination, as Paddle writes it
// (a string of digits).
func minor(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// paymentOf is the payment of a completed transaction.
func paymentOf(t transaction) (integrations.Payment, bool) {
	amount, ok := minor(t.Details.Totals.GrandTotal)
	cur := provhttp.Currency(t.CurrencyCode)
	if t.Status != "completed" || t.ID == "" || !ok || cur == "" {
		return integrations.Payment{}, false
	}
	pay := integrations.Payment{
		ID:        t.ID,
		Amount:    integrations.MajorUnits(amount, cur),
		Currency:  cur,
		Time:      provhttp.Time(t.CreatedAt),
		Renewal:   t.Origin == "subscription_recurring",
		VisitorID: provhttp.Visitor(t.CustomData),
	}
	if t.BilledAt != nil {
		if b := provhttp.Time(*t.BilledAt); !b.IsZero() {
			pay.Time = b
		}
	}
	if t.CustomerID != nil {
		pay.CustomerID = *t.CustomerID
	}
	if t.Customer != nil {
		pay.Email = t.Customer.Email
		if t.Customer.Name != nil {
			pay.Name = *t.Customer.Name
		}
	}
	return pay, true
}

// refundOf is the refund of an approved refund adjustment.
func refundOf(a adjustment) (integrations.Payment, bool) {
	amount, ok := minor(a.Totals.Total)
	cur := provhttp.Currency(a.CurrencyCode)
	if cur == "" {
		cur = provhttp.Currency(a.Totals.CurrencyCode)
	}
	if a.Action != "refund" || a.Status != "approved" || a.ID == "" || !ok || cur == "" {
		return integrations.Payment{}, false
	}
	return integrations.Payment{
		ID:         a.ID,
		Amount:     integrations.MajorUnits(amount, cur),
		Currency:   cur,
		Time:       provhttp.Time(a.CreatedAt),
		Refund:     true,
		CustomerID: a.CustomerID,
	}, true
}

type list[T any] struct {
	Data []T `json:"data"`
	Meta struct {
		Pagination struct {
			PerPage int    `json:"per_page"`
			Next    string `json:"next"`
			HasMore bool   `json:"has_more"`
		} `json:"pagination"`
	} `json:"meta"`
}

// Sync reads a page of the completed transactions billed since the
// cursor's time, oldest first, and a page of the approved refunds after
// the cursor's adjustment (adjustments can only be listed by id, which
// Paddle makes in time order; on the first sync those created before
// the floor are skipped: since, on the first sync). more is true while
// either list has more. The cursor is "<billed_at>|<adjustment id>|<floor>".
// A refund still pending approval when a later one was read is left to
// the adjustment.updated webhook that says it was approved.
func (p *Provider) Sync(ctx context.Context, c integrations.Credentials, cursor string, since time.Time) ([]integrations.Payment, string, bool, error) {
	billedFrom, afterAdj, floor := since.UTC(), "", since.UTC()
	if cursor != "" {
		cur, err := provhttp.ParseCursor(cursor, 3)
		if err == nil {
			billedFrom, err = provhttp.ParseTime(cur[0])
		}
		if err == nil {
			floor, err = provhttp.ParseTime(cur[2])
		}
		if err != nil {
			return nil, cursor, false, fmt.Errorf("sync Paddle: %w", err)
		}
		afterAdj = cur[1]
	}
	api := p.api(c.APIKey)

	// billed_at[GTE]: a transaction billed in the same instant as the last
	// one read is not lost (the last one comes again and is recorded once).
	q := url.Values{}
	q.Set("status", "completed")
	q.Set("billed_at[GTE]", provhttp.FormatTime(billedFrom))
	q.Set("order_by", "billed_at[ASC]")
	q.Set("per_page", "30")
	q.Set("include", "customer")
	var txns list[transaction]
	if err := api.Get(ctx, c.APIKey, "/transactions", q, "", &txns); err != nil {
		return nil, cursor, false, fmt.Errorf("sync Paddle transactions: %w", err)
	}
	var pays []integrations.Payment
	last := billedFrom
	for _, t := range txns.Data {
		if t.BilledAt != nil {
			if b := provhttp.Time(*t.BilledAt); b.After(last) {
				last = b
			}
		}
		if pay, ok := paymentOf(t); ok {
			pays = append(pays, pay)
		}
	}
	// A full page all billed at the cursor's instant would come back
	// forever: stop there rather than loop.
	more := txns.Meta.Pagination.HasMore && last.After(billedFrom)

	q = url.Values{}
	q.Set("action", "refund")
	q.Set("status", "approved")
	q.Set("order_by", "id[ASC]")
	q.Set("per_page", "50")
	if afterAdj != "" {
		q.Set("after", afterAdj)
	}
	var adjs list[adjustment]
	if err := api.Get(ctx, c.APIKey, "/adjustments", q, "", &adjs); err != nil {
		return nil, cursor, false, fmt.Errorf("sync Paddle adjustments: %w", err)
	}
	for _, a := range adjs.Data {
		afterAdj = a.ID
		pay, ok := refundOf(a)
		if !ok || pay.Time.Before(floor) {
			continue
		}
		pays = append(pays, pay)
	}
	more = more || adjs.Meta.Pagination.HasMore && len(adjs.Data) > 0

	provhttp.SortOldestFirst(pays)
	next := provhttp.Cursor{provhttp.FormatTime(last), afterAdj, provhttp.FormatTime(floor)}
	return pays, next.String(), more, nil
}
