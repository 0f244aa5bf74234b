package polar

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provtest"
)

const (
	testSecret = "polar_whs_k3y5ecretForTest1ng"
	testToken  = "polar_oat_AbCdEf0123456789"
	testOrg    = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
	visitor    = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
)

var now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// sign returns the headers Polar sends with body: Standard Webhooks, the
// secret base64-encoded as Polar's SDKs pass it to the Standard Webhooks
// library.
func sign(t testing.TB, secret, id string, at time.Time, body []byte) http.Header {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(base64.StdEncoding.EncodeToString([]byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func call(p *Provider) provtest.Call {
	return func(t testing.TB, body []byte) (string, []integrations.Payment, error) {
		return p.Webhook(testSecret, sign(t, testSecret, "msg_2ib4A3a7Xc9", now.Add(-time.Minute), body), body, now)
	}
}

func TestWebhook(t *testing.T) {
	p := New(Options{})
	customer := "c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
	provtest.Webhooks(t, call(p), []provtest.Case{{
		Fixture: "order_paid.json",
		EventID: "msg_2ib4A3a7Xc9",
		Want: []integrations.Payment{{
			ID: "5a1f4b7e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", Amount: 35.99, Currency: "USD",
			Time:      time.Date(2026, 12, 5, 11, 59, 0, 0, time.UTC),
			VisitorID: visitor, CheckoutKey: "polar_checkout_id", CheckoutID: "e9f8a7b6-c5d4-4e3f-8a2b-1c0d9e8f7a6b",
			Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: customer,
		}},
	}, {
		Fixture: "order_paid_renewal.json",
		Want: []integrations.Payment{{
			ID: "6b2a5c8f-3d4e-4f60-9bac-1d2e3f4a5b6c", Amount: 19, Currency: "EUR", Time: time.Date(2026, 12, 5, 11, 58, 0, 0, time.UTC),
			Renewal: true, VisitorID: visitor, Email: "ada@example.com", CustomerID: customer,
		}},
	}, {
		Fixture: "refund_created.json",
		Want: []integrations.Payment{{
			ID: "7c3b6d9a-4e5f-4071-8cbd-2e3f4a5b6c7d", Amount: 12, Currency: "USD", Time: time.Date(2026, 12, 5, 11, 59, 35, 0, time.UTC),
			Refund: true, CustomerID: customer,
		}},
	}, {
		Fixture: "checkout_updated.json",
	}})
	t.Run("Stale", func(t *testing.T) {
		body := provtest.Fixture(t, "order_paid.json")
		for _, at := range []time.Time{now.Add(-6 * time.Minute), now.Add(6 * time.Minute)} {
			if _, _, err := p.Webhook(testSecret, sign(t, testSecret, "msg_1", at, body), body, now); !errors.Is(err, integrations.ErrStale) {
				t.Errorf("signed at %s: %v, want ErrStale", at, err)
			}
		}
	})
	t.Run("BadSignature", func(t *testing.T) {
		body := provtest.Fixture(t, "order_paid.json")
		good := sign(t, testSecret, "msg_1", now, body)
		noID := good.Clone()
		noID.Del("webhook-id")
		otherID := good.Clone()
		otherID.Set("webhook-id", "msg_2")
		for name, h := range map[string]http.Header{
			"WrongSecret": sign(t, "polar_whs_other", "msg_1", now, body),
			"Missing":     {},
			"NoID":        noID,
			"OtherID":     otherID,
		} {
			if _, _, err := p.Webhook(testSecret, h, body, now); !errors.Is(err, integrations.ErrSignature) {
				t.Errorf("%s: %v, want ErrSignature", name, err)
			}
		}
		if _, _, err := p.Webhook(testSecret, good, append(body, ' '), now); !errors.Is(err, integrations.ErrSignature) {
			t.Errorf("tampered body: %v, want ErrSignature", err)
		}
		if _, _, err := p.Webhook("", good, body, now); !errors.Is(err, integrations.ErrSignature) {
			t.Errorf("empty secret: %v, want ErrSignature", err)
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		body := []byte("[1,2")
		_, _, err := p.Webhook(testSecret, sign(t, testSecret, "msg_1", now, body), body, now)
		provtest.Invalid(t, err)
	})
}

func fakeAPI(t *testing.T) *provtest.API {
	return provtest.NewAPI(t, testToken, func(r *http.Request) string {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/v1/organizations/" + testOrg:
			return "organization.json"
		case "/v1/orders/":
			after, err := time.Parse(time.RFC3339Nano, q.Get("created_after"))
			if q.Get("organization_id") != testOrg || q.Get("sorting") != "created_at" || q.Get("page") != "1" || err != nil {
				return ""
			}
			if after.Before(time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)) {
				return "orders_page1.json"
			}
			return "orders_page_after.json"
		case "/v1/refunds/":
			if q.Get("organization_id") != testOrg || q.Get("succeeded") != "true" || q.Get("sorting") != "-created_at" {
				return ""
			}
			return "refunds_page" + q.Get("page") + ".json"
		}
		return ""
	})
}

func TestSync(t *testing.T) {
	api := fakeAPI(t)
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	c := integrations.Credentials{APIKey: testToken, Account: testOrg}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	got, next := provtest.Sync(t, p, c, "", since, true, 3)
	if o := got["4f0e3a6d-1b2c-4d3e-9f8a-7b6c5d4e3f2a"]; o.Amount != 5 || o.Email != "grace@example.com" || o.CheckoutID != "d8e7f6a5-b4c3-4d2e-8f1a-0b9c8d7e6f5a" {
		t.Errorf("refunded order %+v", o)
	}
	if r := got["8d4c7e0b-5f6a-4182-9dce-3f4a5b6c7d8e"]; !r.Refund || r.Amount != 5 {
		t.Errorf("refund %+v", r)
	}

	got, next = provtest.Sync(t, p, c, next, since, false, 3)
	for _, name := range []string{"order_paid.json", "order_paid_renewal.json", "refund_created.json"} {
		provtest.Synced(t, got, provtest.Deliver(t, call(p), name)...)
	}
	if o := got["5a1f4b7e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"]; o.VisitorID != visitor || o.CheckoutID != "e9f8a7b6-c5d4-4e3f-8a2b-1c0d9e8f7a6b" {
		t.Errorf("synced order %+v", o)
	}
	if next != "2026-12-05T11:59:00Z|2026-12-05T11:59:35Z|2026-12-05T11:59:35Z|0" {
		t.Errorf("next cursor %q", next)
	}

	for _, bad := range []string{"x", "a|b", "2026-12-05T11:59:00Z", "2026-12-05T11:59:00Z|a|b|0", "2026-12-05T11:59:00Z|2026-12-05T11:59:00Z|2026-12-05T11:59:00Z|x"} {
		if _, _, _, err := p.Sync(context.Background(), c, bad, since); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	_, _, _, err := p.Sync(context.Background(), integrations.Credentials{APIKey: "polar_oat_wrong", Account: testOrg}, "", since)
	provtest.Invalid(t, err)
}

func TestCheck(t *testing.T) {
	api := fakeAPI(t)
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	acct, err := p.Check(context.Background(), integrations.Credentials{APIKey: testToken, Account: testOrg})
	if err != nil || acct.Currency != "USD" {
		t.Fatalf("check: %+v %v", acct, err)
	}
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: "polar_oat_wrong", Account: testOrg})
	provtest.Invalid(t, err)
	_, err = p.Check(context.Background(), integrations.Credentials{APIKey: testToken, Account: "11111111-2222-4333-8444-555555555555"})
	provtest.Invalid(t, err)
}

func TestCheckKey(t *testing.T) {
	p := New(Options{})
	if err := p.CheckKey(integrations.Credentials{APIKey: testToken, Account: testOrg}); err != nil {
		t.Errorf("good token: %v", err)
	}
	if err := p.CheckKey(integrations.Credentials{APIKey: "polar_pat_xyz", Account: testOrg}); err != nil {
		t.Errorf("personal token: %v", err)
	}
	for name, c := range map[string]integrations.Credentials{
		"NoToken":   {Account: testOrg},
		"NotPolar":  {APIKey: "sk_live_123", Account: testOrg},
		"NoOrg":     {APIKey: testToken},
		"OrgIsSlug": {APIKey: testToken, Account: "example"},
	} {
		t.Run(name, func(t *testing.T) { provtest.Invalid(t, p.CheckKey(c)) })
	}
}

func FuzzPolarWebhook(f *testing.F) {
	for _, name := range []string{"order_paid.json", "order_paid_renewal.json", "refund_created.json", "checkout_updated.json"} {
		f.Add(provtest.Fixture(f, name), "msg_1", int64(0), "", true)
	}
	f.Add([]byte(`{"type":"order.paid","data":{"id":"x","status":"paid","total_amount":-1,"currency":"usd"}}`), "msg_2", int64(-1000), "", true)
	f.Add([]byte(`{"type":"refund.created","data":null}`), "", int64(0), "v1,AAAA", false)
	p := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte, id string, skew int64, sig string, signed bool) {
		var h http.Header
		if signed {
			h = sign(t, testSecret, id, now.Add(time.Duration(skew)*time.Second), body)
		} else {
			h = http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(now.Unix()+skew, 10)}, "Webhook-Signature": {sig}}
		}
		_, ps, err := p.Webhook(testSecret, h, body, now)
		provtest.WebhookError(t, err)
		provtest.Sane(t, ps)
		if err != nil && len(ps) > 0 {
			t.Fatalf("payments with an error: %v", err)
		}
	})
}
