// Package providertest is a payment provider for tests: it implements
// integrations.Provider without a network, with keys, webhooks and pages
// of payments that tests control.
//
// Keys: "test_..." is a test-mode key (integrations.ErrTestKey), one
// without the "live_" prefix is malformed (*InvalidError), "live_refused"
// is refused by the provider (*InvalidError from Check) and
// "live_unreachable" cannot be checked (another error). Webhooks are JSON
// bodies {"id": "evt_1", "payments": [Payment...]} signed with
// HMAC-SHA256 of "<timestamp>.<body>" under the secret, in the headers
// Fake-Timestamp (Unix seconds) and Fake-Signature (hex).
package providertest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openfast/openfast/integrations"
)

// Fake is a fake payment provider. Its zero value (with a name) works.
type Fake struct {
	ProviderName string
	// Currency is what Check reports; KeyExpiresAt too.
	Currency     string
	KeyExpiresAt *time.Time

	mu sync.Mutex
	// pages are what Sync returns, one per call, by cursor ("" is the
	// first page, then "1", "2"...).
	pages   [][]integrations.Payment
	syncErr error
	calls   []SyncCall
}

// SyncCall is one call of Sync.
type SyncCall struct {
	Credentials integrations.Credentials
	Cursor      string
	Since       time.Time
}

var _ integrations.Provider = (*Fake)(nil)

// Name is the provider's name.
func (f *Fake) Name() string { return f.ProviderName }

// CheckKey refuses test-mode and malformed keys.
func (f *Fake) CheckKey(c integrations.Credentials) error {
	switch {
	case strings.HasPrefix(c.APIKey, "test_"):
		return integrations.ErrTestKey
	case !strings.HasPrefix(c.APIKey, "live_"):
		return integrations.Invalidf("The key must start with live_.")
	}
	return nil
}

// Check refuses live_refused and cannot reach the provider with
// live_unreachable.
func (f *Fake) Check(ctx context.Context, c integrations.Credentials) (integrations.Account, error) {
	switch c.APIKey {
	case "live_refused":
		return integrations.Account{}, integrations.Invalidf("The provider refused this key: it lacks read access to payments.")
	case "live_unreachable":
		return integrations.Account{}, errors.New("dial tcp: i/o timeout")
	}
	return integrations.Account{Currency: f.Currency, KeyExpiresAt: f.KeyExpiresAt}, nil
}

// WebhookBody is the body of a fake webhook.
type WebhookBody struct {
	ID       string                 `json:"id"`
	Payments []integrations.Payment `json:"payments"`
}

// Sign returns the headers that sign body with secret at t.
func Sign(secret string, body []byte, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	h := http.Header{}
	h.Set("Fake-Timestamp", ts)
	h.Set("Fake-Signature", hex.EncodeToString(m.Sum(nil)))
	return h
}

// Webhook verifies the signature and decodes the body.
func (f *Fake) Webhook(secret string, h http.Header, body []byte, now time.Time) (string, []integrations.Payment, error) {
	ts, err := strconv.ParseInt(h.Get("Fake-Timestamp"), 10, 64)
	if err != nil || secret == "" {
		return "", nil, integrations.ErrSignature
	}
	want := Sign(secret, body, time.Unix(ts, 0)).Get("Fake-Signature")
	if !hmac.Equal([]byte(h.Get("Fake-Signature")), []byte(want)) {
		return "", nil, integrations.ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > integrations.MaxAge || d < -integrations.MaxAge {
		return "", nil, integrations.ErrStale
	}
	var b WebhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		return "", nil, integrations.Invalidf("The webhook body is not the JSON of an event.")
	}
	return b.ID, b.Payments, nil
}

// Sync returns the page of the cursor.
func (f *Fake) Sync(ctx context.Context, c integrations.Credentials, cursor string, since time.Time) ([]integrations.Payment, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, SyncCall{Credentials: c, Cursor: cursor, Since: since})
	if f.syncErr != nil {
		return nil, "", false, f.syncErr
	}
	i := 0
	if cursor != "" {
		i, _ = strconv.Atoi(cursor)
	}
	if i >= len(f.pages) {
		return nil, cursor, false, nil
	}
	return f.pages[i], strconv.Itoa(i + 1), i+1 < len(f.pages), ctx.Err()
}

// AddPage adds a page of payments for Sync.
func (f *Fake) AddPage(payments ...integrations.Payment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages = append(f.pages, payments)
}

// FailSync makes Sync fail with err (nil: succeed again).
func (f *Fake) FailSync(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncErr = err
}

// Calls returns the calls of Sync so far.
func (f *Fake) Calls() []SyncCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SyncCall(nil), f.calls...)
}

// Providers returns a fake of every provider of integrations.Names, by
// name, with currency USD.
func Providers() map[string]*Fake {
	out := map[string]*Fake{}
	for _, n := range integrations.Names {
		out[n] = &Fake{ProviderName: n, Currency: "USD"}
	}
	return out
}

// AsProviders returns fakes as the providers an app takes.
func AsProviders(fakes map[string]*Fake) map[string]integrations.Provider {
	out := map[string]integrations.Provider{}
	for n, f := range fakes {
		out[n] = f
	}
	return out
}
