// Package stripe is the Stripe provider of package integrations: it checks
// restricted keys, verifies and maps webhook events (Checkout Sessions,
// paid invoices, refunds) and lists the same objects from Stripe's API for
// sync, so that a payment seen both ways has one id.
//
// It speaks to Stripe through stripe-go, with the API version that
// stripe-go is pinned to; webhook events are accepted from endpoints of
// any API version.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/form"

	"github.com/openfast/openfast/integrations"
)

// DefaultBaseURL is Stripe's API.
const DefaultBaseURL = "https://api.stripe.com"

// Options configure a Provider. The zero value talks to Stripe's API.
type Options struct {
	// BaseURL is the API's base URL, without /v1: DefaultBaseURL when
	// "", a stripe-mock server in tests.
	BaseURL string
	// HTTPClient makes the requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
	// Now is the clock of Sync (where a pass of lists ends); time.Now
	// when nil.
	Now func() time.Time
}

// Provider is the Stripe provider.
type Provider struct {
	baseURL string
	http    *http.Client
	now     func() time.Time
}

var _ integrations.Provider = (*Provider)(nil)

// New returns a Stripe provider.
func New(opts Options) *Provider {
	p := &Provider{baseURL: strings.TrimRight(opts.BaseURL, "/"), http: opts.HTTPClient, now: opts.Now}
	if p.baseURL == "" {
		p.baseURL = DefaultBaseURL
	}
	if p.http == nil {
		p.http = &http.Client{Timeout: 30 * time.Second}
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// Name is "stripe".
func (p *Provider) Name() string { return integrations.Stripe }

// keyAdvice says which key to create; it ends every refusal of a key.
const keyAdvice = "create a restricted key (rk_live_…) in the Stripe dashboard " +
	"(Developers → API keys → Create restricted key) with read access to " +
	"Checkout Sessions, Invoices, Charges and Refunds, and Customers"

// CheckKey accepts restricted keys only: rk_live_… (rk_test_… is
// ErrTestKey). Publishable and secret keys are refused: a restricted key
// that can only read is all openfast needs.
func (p *Provider) CheckKey(c integrations.Credentials) error {
	key := c.APIKey
	switch {
	case key == "":
		return integrations.Invalidf("The Stripe key is missing: %s.", keyAdvice)
	case strings.HasPrefix(key, "pk_"):
		return integrations.Invalidf("This is a publishable key (pk_…), which cannot read payments: %s.", keyAdvice)
	case strings.HasPrefix(key, "sk_"):
		return integrations.Invalidf("This is a secret key (sk_…), which can do anything in the account: %s.", keyAdvice)
	}
	rest, live := strings.CutPrefix(key, "rk_live_")
	if !live {
		var test bool
		if rest, test = strings.CutPrefix(key, "rk_test_"); !test {
			return integrations.Invalidf("This is not a Stripe restricted key (rk_live_…): %s.", keyAdvice)
		}
	}
	if len(rest) < 8 || len(rest) > 500 || strings.Trim(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
		return integrations.Invalidf("The Stripe restricted key is malformed (copy it whole, rk_live_ and the letters and digits after it): %s.", keyAdvice)
	}
	if !live {
		return integrations.ErrTestKey
	}
	return nil
}

// readChecks are the lists Sync reads, for Check to try with the key.
var readChecks = []struct {
	path, what string
}{
	{"/v1/checkout/sessions", "Checkout Sessions"},
	{"/v1/invoices", "Invoices"},
	{"/v1/refunds", "Charges and Refunds"},
}

// Check reads the account's default currency (GET /v1/account; a key
// without access to the account leaves the currency "") and a page of one
// of each list that Sync reads, so that a key without read access to them
// is refused now rather than at the first sync.
func (p *Provider) Check(ctx context.Context, c integrations.Credentials) (integrations.Account, error) {
	if err := p.CheckKey(c); err != nil && !errors.Is(err, integrations.ErrTestKey) {
		return integrations.Account{}, err
	}
	backend := p.backend()
	var acct integrations.Account
	a, err := stripego.NewClient(c.APIKey, stripego.WithBackends(backend)).V1Accounts.Retrieve(ctx, &stripego.AccountRetrieveParams{Params: stripego.Params{Context: ctx}})
	switch {
	case err == nil:
		acct.Currency = strings.ToUpper(string(a.DefaultCurrency))
	case statusOf(err) == http.StatusForbidden:
		// A restricted key needs no access to the account itself.
	default:
		return integrations.Account{}, apiError("read the Stripe account", "", c.APIKey, err)
	}
	for _, rc := range readChecks {
		params := &stripego.ListParams{Context: ctx, Limit: stripego.Int64(1)}
		var list stripego.CheckoutSessionList // no field is read
		if err := listPage(backend, rc.path, c.APIKey, params, &list); err != nil {
			return integrations.Account{}, apiError("list Stripe "+rc.what, rc.what, c.APIKey, err)
		}
	}
	return acct, nil
}

// backend is a stripe-go backend on p's base URL and HTTP client, without
// logging and with one retry of a failed request.
func (p *Provider) backend() *stripego.Backends {
	return stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(p.baseURL),
		HTTPClient:        p.http,
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(1),
		EnableTelemetry:   stripego.Bool(false),
	})
}

// listPage gets one page of the list at path, with params (as stripe-go's
// own lists encode them), into page.
func listPage(backend *stripego.Backends, path, key string, params stripego.ListParamsContainer, page stripego.LastResponseSetter) error {
	query := &form.Values{}
	form.AppendTo(query, params)
	lp := params.GetListParams()
	return backend.API.CallRaw(http.MethodGet, path, key, []byte(query.Encode()), &stripego.Params{Context: lp.Context}, page)
}

// statusOf is the HTTP status of a Stripe API error, 0 for another error.
func statusOf(err error) int {
	var se *stripego.Error
	if errors.As(err, &se) {
		return se.HTTPStatusCode
	}
	return 0
}

// apiError turns an error of a request for op with key into what Check
// and Sync return: an *InvalidError when Stripe refused the key (401) or
// its permissions (403, for reading what), a wrapped error otherwise.
// Stripe's message is kept, with the key masked should it quote it.
func apiError(op, what, key string, err error) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		msg := se.Msg
		if key != "" {
			msg = strings.ReplaceAll(msg, key, maskKey(key))
		}
		switch se.HTTPStatusCode {
		case http.StatusUnauthorized:
			return integrations.Invalidf("Stripe refused the key (%s): check that it was copied whole and not revoked, or %s.", msg, keyAdvice)
		case http.StatusForbidden:
			if what == "" {
				what = "what openfast reads"
			}
			return integrations.Invalidf("The Stripe key has no read access to %s (%s): %s.", what, msg, keyAdvice)
		}
		return fmt.Errorf("%s: Stripe answered %d %s: %s", op, se.HTTPStatusCode, se.Type, msg)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// maskKey shows a key's kind and last four characters: rk_live_…wxyz.
func maskKey(key string) string {
	kind := "rk_"
	for _, prefix := range []string{"rk_live_", "rk_test_", "sk_live_", "sk_test_"} {
		if strings.HasPrefix(key, prefix) {
			kind = prefix
		}
	}
	if len(key) < len(kind)+8 {
		return kind + "…"
	}
	return kind + "…" + key[len(key)-4:]
}
