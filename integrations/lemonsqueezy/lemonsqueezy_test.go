package lemonsqueezy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provtest"
)

const (
	testSecret = "ls_test_signing_secret"
	testKey    = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZiJ9.c2lnbmF0dXJl"
	visitor    = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
)

var now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// sign returns the headers Lemon Squeezy sends with body.
func sign(secret string, body []byte) http.Header {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	h := http.Header{}
	h.Set("X-Signature", hex.EncodeToString(m.Sum(nil)))
	h.Set("Content-Type", "application/json")
	return h
}

func call(p *Provider) provtest.Call {
	return func(t testing.TB, body []byte) (string, []integrations.Payment, error) {
		return p.Webhook(testSecret, sign(testSecret, body), body, now)
	}
}

func TestWebhook(t *testing.T) {
	p := New(Options{})
	provtest.Webhooks(t, call(p), []provtest.Case{{
		Fixture: "order_created.json",
		EventID: "order_created:orders:1042:2026-11-30T10:15:00.000000Z",
		Want: []integrations.Payment{{
			ID: "order_1042", Amount: 29.99, Currency: "USD", Time: time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC),
			VisitorID: visitor, CheckoutKey: "lemonsqueezy_order_id", CheckoutID: "1042",
			Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "501",
		}},
	}, {
		Fixture: "subscription_payment_success.json",
		Want: []integrations.Payment{{
			ID: "subinv_880", Amount: 19, Currency: "EUR", Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
			Renewal: true, VisitorID: visitor, Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "501",
		}},
	}, {
		Fixture: "order_refunded.json",
		EventID: "order_refunded:orders:1042:2026-12-02T14:30:00.000000Z",
		Want: []integrations.Payment{{
			ID: "order_1042_refund", Amount: 10, Currency: "USD", Time: time.Date(2026, 12, 2, 14, 30, 0, 0, time.UTC),
			Refund: true, VisitorID: visitor, Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "501",
		}},
	}, {
		Fixture: "subscription_created.json",
		EventID: "subscription_created:subscriptions:61:2026-11-30T10:15:01.000000Z",
	}})
	t.Run("InitialInvoiceIsTheOrder", func(t *testing.T) {
		body := []byte(strings.Replace(string(provtest.Fixture(t, "subscription_payment_success.json")), `"renewal"`, `"initial"`, 1))
		_, ps, err := p.Webhook(testSecret, sign(testSecret, body), body, now)
		if err != nil || len(ps) != 0 {
			t.Errorf("initial invoice: %v %+v", err, ps)
		}
	})
	t.Run("TestMode", func(t *testing.T) {
		if ps := provtest.Deliver(t, call(p), "order_created_test_mode.json"); len(ps) != 0 {
			t.Errorf("test-mode order gave %+v", ps)
		}
		if ps := provtest.Deliver(t, call(New(Options{AllowTest: true})), "order_created_test_mode.json"); len(ps) != 1 {
			t.Errorf("test-mode order with AllowTest gave %+v", ps)
		}
	})
	t.Run("OldIsNotStale", func(t *testing.T) {
		body := provtest.Fixture(t, "order_created.json")
		if _, ps, err := p.Webhook(testSecret, sign(testSecret, body), body, now.AddDate(1, 0, 0)); err != nil || len(ps) != 1 {
			t.Errorf("a year later: %v %+v", err, ps)
		}
	})
	t.Run("BadSignature", func(t *testing.T) {
		body := provtest.Fixture(t, "order_created.json")
		for name, h := range map[string]http.Header{
			"WrongSecret": sign("another secret", body),
			"Missing":     {},
			"NotHex":      {"X-Signature": {"zz"}},
			"Tampered":    sign(testSecret, append([]byte(" "), body...)),
		} {
			if _, _, err := p.Webhook(testSecret, h, body, now); !errors.Is(err, integrations.ErrSignature) {
				t.Errorf("%s: %v, want ErrSignature", name, err)
			}
		}
		if _, _, err := p.Webhook("", sign("", body), body, now); !errors.Is(err, integrations.ErrSignature) {
			t.Errorf("empty secret: %v, want ErrSignature", err)
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		body := []byte("not json")
		_, _, err := p.Webhook(testSecret, sign(testSecret, body), body, now)
		provtest.Invalid(t, err)
	})
}

func fakeAPI(t *testing.T, me string) *provtest.API {
	return provtest.NewAPI(t, testKey, func(r *http.Request) string {
		q := r.URL.Query()
		if r.Header.Get("Accept") != "application/vnd.api+json" {
			return ""
		}
		switch r.URL.Path {
		case "/v1/users/me":
			return me
		case "/v1/stores/7":
			return "store.json"
		case "/v1/orders":
			if q.Get("filter[store_id]") != "7" || q.Get("page[size]") != "100" {
				return ""
			}
			if q.Get("page[number]") == "2" {
				return "orders_page2.json"
			}
			return "orders_page1.json"
		case "/v1/subscription-invoices":
			if q.Get("filter[store_id]") != "7" {
				return ""
			}
			return "subscription_invoices.json"
		}
		return ""
	})
}

func TestSync(t *testing.T) {
	api := fakeAPI(t, "user_live.json")
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	c := integrations.Credentials{APIKey: testKey, Account: "7"}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	got, next := provtest.Sync(t, p, c, "", since, false, 4)
	if o := got["order_1042"]; o.Amount != 29.99 || o.CheckoutID != "1042" || o.Email != "ada@example.com" || o.Refund {
		t.Errorf("order %+v", o)
	}
	if o := got["order_1043"]; o.Amount != 4500 || o.Currency != "JPY" {
		t.Errorf("yen order %+v", o)
	}
	if r := got["order_1043_refund"]; !r.Refund || r.Amount != 4500 {
		t.Errorf("refund %+v", r)
	}
	if r := got["subinv_880"]; !r.Renewal || r.Amount != 19 {
		t.Errorf("renewal %+v", r)
	}
	if want := "2026-11-01T00:00:00Z|2026-12-03T12:00:00Z|0|2026-11-01T00:00:00Z|2026-12-01T09:00:00Z|0"; next != want {
		t.Errorf("next cursor %q, want %q", next, want)
	}

	// The webhook and the sync name the order alike.
	provtest.Synced(t, got, provtest.Deliver(t, call(p), "order_created.json")...)
	provtest.Synced(t, got, provtest.Deliver(t, call(p), "subscription_payment_success.json")...)

	// From the cursor, only the newest order and invoice are read again.
	if got, _ := provtest.Sync(t, p, c, next, since, false, 3); got["order_1043"].ID == "" || got["subinv_880"].ID == "" {
		t.Errorf("from cursor: %+v", got)
	}

	for _, bad := range []string{"garbage", "2026-12-03T12:00:00Z", "a|b|0|c|d|0"} {
		if _, _, _, err := p.Sync(context.Background(), c, bad, since); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	_, _, _, err := p.Sync(context.Background(), integrations.Credentials{APIKey: "wrong", Account: "7"}, "", since)
	provtest.Invalid(t, err)
}

func TestSyncPageByPage(t *testing.T) {
	api := fakeAPI(t, "user_live.json")
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client(), MaxPages: 1})
	c := integrations.Credentials{APIKey: testKey, Account: "7"}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	got, next := provtest.Sync(t, p, c, "", since, true, 4)
	if _, ok := got["order_1042"]; !ok {
		t.Errorf("first page: %+v", got)
	}
	// The second page of orders holds only one older than since: that
	// read is over; the invoices' read, over already, starts again from
	// the newest invoice.
	if got, _ := provtest.Sync(t, p, c, next, since, false, 1); got["subinv_880"].ID == "" {
		t.Errorf("second page: %+v", got)
	}
}

func TestCheck(t *testing.T) {
	api := fakeAPI(t, "user_live.json")
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	acct, err := p.Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "7"})
	if err != nil || acct.Currency != "USD" || acct.KeyExpiresAt != nil {
		t.Fatalf("check: %+v %v", acct, err)
	}
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: "wrong", Account: "7"})
	provtest.Invalid(t, err)
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "8"})
	provtest.Invalid(t, err)

	test := fakeAPI(t, "user_test_mode.json")
	_, err = New(Options{BaseURL: test.URL}).Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "7"})
	if !errors.Is(err, integrations.ErrTestKey) {
		t.Errorf("test-mode key: %v, want ErrTestKey", err)
	}
	if _, err := New(Options{BaseURL: test.URL, AllowTest: true}).Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "7"}); err != nil {
		t.Errorf("test-mode key with AllowTest: %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	p := New(Options{})
	if err := p.CheckKey(integrations.Credentials{APIKey: testKey, Account: "7"}); err != nil {
		t.Errorf("good key: %v", err)
	}
	for name, c := range map[string]integrations.Credentials{
		"NoKey":      {Account: "7"},
		"NotAJWT":    {APIKey: "sk_live_123", Account: "7"},
		"NoStore":    {APIKey: testKey},
		"StoreSlug":  {APIKey: testKey, Account: "my-store"},
		"StoreZero":  {APIKey: testKey, Account: "0"},
		"StoreMinus": {APIKey: testKey, Account: "-7"},
	} {
		t.Run(name, func(t *testing.T) { provtest.Invalid(t, p.CheckKey(c)) })
	}
}

func FuzzLemonSqueezyWebhook(f *testing.F) {
	for _, name := range []string{"order_created.json", "order_refunded.json", "subscription_payment_success.json", "subscription_created.json"} {
		f.Add(provtest.Fixture(f, name), "", true)
	}
	f.Add([]byte(`{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1","attributes":{"total":-5,"currency":"KWD","status":"paid"}}}`), "", true)
	f.Add([]byte(`{}`), "00", false)
	p := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte, sig string, signed bool) {
		h := http.Header{"X-Signature": {sig}}
		if signed {
			h = sign(testSecret, body)
		}
		_, ps, err := p.Webhook(testSecret, h, body, now)
		provtest.WebhookError(t, err)
		provtest.Sane(t, ps)
		if err != nil && len(ps) > 0 {
			t.Fatalf("payments with an error: %v", err)
		}
	})
}
