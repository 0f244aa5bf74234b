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

func webhook(t *testing.T, p *Provider, name string) (string, []integrations.Payment) {
	t.Helper()
	body := provtest.Fixture(t, name)
	id, ps, err := p.Webhook(testSecret, sign(testSecret, body), body, now)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return id, ps
}

func TestWebhook(t *testing.T) {
	p := New(Options{})
	t.Run("OrderCreated", func(t *testing.T) {
		id, ps := webhook(t, p, "order_created.json")
		if id != "order_created:orders:1042:2026-11-30T10:15:00.000000Z" {
			t.Errorf("event id %q", id)
		}
		want := integrations.Payment{
			ID: "order_1042", Amount: 29.99, Currency: "USD", Time: time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC),
			VisitorID: visitor, CheckoutKey: "lemonsqueezy_order_id", CheckoutID: "1042",
			Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "501",
		}
		provtest.Equal(t, ps, want)
	})
	t.Run("Renewal", func(t *testing.T) {
		_, ps := webhook(t, p, "subscription_payment_success.json")
		got := provtest.One(t, ps)
		if got.ID != "subinv_880" || !got.Renewal || got.Refund || got.Amount != 19 || got.Currency != "EUR" || got.VisitorID != visitor || got.CheckoutKey != "" {
			t.Errorf("renewal %+v", got)
		}
	})
	t.Run("Refund", func(t *testing.T) {
		_, ps := webhook(t, p, "order_refunded.json")
		got := provtest.One(t, ps)
		if got.ID != "order_1042_refund" || !got.Refund || got.Amount != 10 || got.Currency != "USD" ||
			!got.Time.Equal(time.Date(2026, 12, 2, 14, 30, 0, 0, time.UTC)) || got.Email != "ada@example.com" {
			t.Errorf("refund %+v", got)
		}
	})
	t.Run("Unrelated", func(t *testing.T) {
		id, ps := webhook(t, p, "subscription_created.json")
		if len(ps) != 0 || id == "" {
			t.Errorf("event %q payments %+v", id, ps)
		}
	})
	t.Run("InitialInvoiceIsTheOrder", func(t *testing.T) {
		body := []byte(strings.Replace(string(provtest.Fixture(t, "subscription_payment_success.json")), `"renewal"`, `"initial"`, 1))
		_, ps, err := p.Webhook(testSecret, sign(testSecret, body), body, now)
		if err != nil || len(ps) != 0 {
			t.Errorf("initial invoice: %v %+v", err, ps)
		}
	})
	t.Run("TestMode", func(t *testing.T) {
		if _, ps := webhook(t, p, "order_created_test_mode.json"); len(ps) != 0 {
			t.Errorf("test-mode order gave %+v", ps)
		}
		if _, ps := webhook(t, New(Options{AllowTest: true}), "order_created_test_mode.json"); len(ps) != 1 {
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

func fakeAPI(t *testing.T) *provtest.API {
	return provtest.NewAPI(t, testKey, func(r *http.Request) string {
		q := r.URL.Query()
		if r.Header.Get("Accept") != "application/vnd.api+json" {
			return ""
		}
		switch r.URL.Path {
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
	api := fakeAPI(t)
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	c := integrations.Credentials{APIKey: testKey, Account: "7"}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ps, next, more, err := p.Sync(context.Background(), c, "", since)
	if err != nil {
		t.Fatal(err)
	}
	if more {
		t.Error("more after reading back to since")
	}
	provtest.OldestFirst(t, ps)
	got := provtest.ByID(t, ps)
	if len(got) != 4 {
		t.Fatalf("payments %+v", ps)
	}
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
	if next != "2026-12-03T12:00:00Z" {
		t.Errorf("next cursor %q", next)
	}

	// The webhook and the sync name the order alike.
	_, wh := webhook(t, p, "order_created.json")
	if _, ok := got[wh[0].ID]; !ok {
		t.Errorf("webhook payment %s not among the synced", wh[0].ID)
	}

	// From the cursor, only the newest order is read again.
	ps, _, _, err = p.Sync(context.Background(), c, next, since)
	if err != nil {
		t.Fatal(err)
	}
	if got := provtest.ByID(t, ps); len(got) != 2 || got["order_1043"].ID == "" {
		t.Errorf("from cursor: %+v", ps)
	}

	if _, _, _, err := p.Sync(context.Background(), c, "garbage", since); err == nil {
		t.Error("malformed cursor accepted")
	}
	_, _, _, err = p.Sync(context.Background(), integrations.Credentials{APIKey: "wrong", Account: "7"}, "", since)
	provtest.Invalid(t, err)
}

func TestCheck(t *testing.T) {
	api := fakeAPI(t)
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	acct, err := p.Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "7"})
	if err != nil || acct.Currency != "USD" || acct.KeyExpiresAt != nil {
		t.Fatalf("check: %+v %v", acct, err)
	}
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: "wrong", Account: "7"})
	provtest.Invalid(t, err)
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: testKey, Account: "8"})
	provtest.Invalid(t, err)
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
