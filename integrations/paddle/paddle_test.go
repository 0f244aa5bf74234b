package paddle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/internal/provtest"
)

const (
	testSecret = "pdl_ntfset_01hv8x000000000000000000000_testsecretkey"
	liveKey    = "pdl_live_apikey_01hv8x00000000000000000000_AbCdEfGhIjKlMnOpQrStUv_XYZ"
	sandboxKey = "pdl_sdbx_apikey_01hv8x00000000000000000000_AbCdEfGhIjKlMnOpQrStUv_XYZ"
	visitor    = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	testTxn    = "txn_01hv8wptq8987qeep44cyrewp9"
)

var now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// signature is the Paddle-Signature header for body signed at ts.
func signature(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + ":"))
	m.Write(body)
	return "ts=" + strconv.FormatInt(ts, 10) + ";h1=" + hex.EncodeToString(m.Sum(nil))
}

func sign(secret string, at time.Time, body []byte) http.Header {
	return http.Header{"Paddle-Signature": {signature(secret, at.Unix(), body)}}
}

func call(p *Provider) provtest.Call {
	return func(t testing.TB, body []byte) (string, []integrations.Payment, error) {
		return p.Webhook(testSecret, sign(testSecret, now.Add(-30*time.Second), body), body, now)
	}
}

func TestWebhook(t *testing.T) {
	p := New(Options{})
	customer := "ctm_01hv8wt8nffez4p2t6typn4a5j"
	provtest.Webhooks(t, call(p), []provtest.Case{{
		Fixture: "transaction_completed.json",
		EventID: "ntf_01hv8x2a3b4c5d6e7f8g9h0j1m",
		Want: []integrations.Payment{{
			ID: testTxn, Amount: 35.99, Currency: "USD", Time: time.Date(2026, 12, 5, 11, 59, 47, 0, time.UTC),
			VisitorID: visitor, CustomerID: customer,
		}},
	}, {
		Fixture: "transaction_completed_renewal.json",
		Want: []integrations.Payment{{
			ID: "txn_01hw29zz5q3m6v7b8n9m0p1q2r", Amount: 1500, Currency: "JPY", Time: time.Date(2026, 12, 5, 11, 58, 58, 0, time.UTC),
			Renewal: true, CustomerID: customer,
		}},
	}, {
		Fixture: "adjustment_updated.json",
		Want: []integrations.Payment{{
			ID: "adj_01hvgf2s84dr6reszzg29zbvcm", Amount: 12, Currency: "USD", Time: time.Date(2026, 12, 5, 11, 59, 52, 0, time.UTC),
			Refund: true, CustomerID: customer,
		}},
	}, {
		Fixture: "adjustment_created_pending.json",
	}, {
		Fixture: "subscription_updated.json",
		EventID: "ntf_01hy4c5d6e7f8g9h0j1k2m3n4q",
	}})
	t.Run("RotatedSecret", func(t *testing.T) {
		body := provtest.Fixture(t, "transaction_completed.json")
		old := signature("the previous secret", now.Unix(), body)
		h := http.Header{"Paddle-Signature": {old + ";" + signature(testSecret, now.Unix(), body)[len("ts=1796299200;"):]}}
		if _, ps, err := p.Webhook(testSecret, h, body, now); err != nil || len(ps) != 1 {
			t.Errorf("two h1: %v %+v", err, ps)
		}
	})
	t.Run("Stale", func(t *testing.T) {
		body := provtest.Fixture(t, "transaction_completed.json")
		for _, at := range []time.Time{now.Add(-6 * time.Minute), now.Add(6 * time.Minute)} {
			if _, _, err := p.Webhook(testSecret, sign(testSecret, at, body), body, now); !errors.Is(err, integrations.ErrStale) {
				t.Errorf("signed at %s: %v, want ErrStale", at, err)
			}
		}
	})
	t.Run("BadSignature", func(t *testing.T) {
		body := provtest.Fixture(t, "transaction_completed.json")
		for name, h := range map[string]http.Header{
			"WrongSecret": sign("another secret", now, body),
			"Missing":     {},
			"NoTS":        {"Paddle-Signature": {"h1=" + hex.EncodeToString(make([]byte, 32))}},
			"NoH1":        {"Paddle-Signature": {"ts=1796299200"}},
			"OtherTS":     {"Paddle-Signature": {"ts=1796299201;" + signature(testSecret, now.Unix(), body)[len("ts=1796299200;"):]}},
			"Garbage":     {"Paddle-Signature": {"v1,abc"}},
		} {
			if _, _, err := p.Webhook(testSecret, h, body, now); !errors.Is(err, integrations.ErrSignature) {
				t.Errorf("%s: %v, want ErrSignature", name, err)
			}
		}
		if _, _, err := p.Webhook(testSecret, sign(testSecret, now, body), append(body, '\n'), now); !errors.Is(err, integrations.ErrSignature) {
			t.Errorf("tampered body: %v, want ErrSignature", err)
		}
		if _, _, err := p.Webhook("", sign("", now, body), body, now); !errors.Is(err, integrations.ErrSignature) {
			t.Errorf("empty secret: %v, want ErrSignature", err)
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		body := []byte("<xml/>")
		_, _, err := p.Webhook(testSecret, sign(testSecret, now, body), body, now)
		provtest.Invalid(t, err)
	})
}

func fakeAPI(t *testing.T, key string, latest string) *provtest.API {
	return provtest.NewAPI(t, key, func(r *http.Request) string {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/transactions":
			if q.Get("status") != "completed" {
				return ""
			}
			if q.Get("order_by") == "billed_at[DESC]" && q.Get("per_page") == "1" {
				return latest
			}
			from, err := time.Parse(time.RFC3339Nano, q.Get("billed_at[GTE]"))
			if q.Get("order_by") != "billed_at[ASC]" || q.Get("include") != "customer" || err != nil {
				return ""
			}
			if from.Before(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)) {
				return "transactions_page1.json"
			}
			return "transactions_page2.json"
		case "/adjustments":
			if q.Get("action") != "refund" || q.Get("status") != "approved" || q.Get("order_by") != "id[ASC]" {
				return ""
			}
			switch q.Get("after") {
			case "":
				return "adjustments_page1.json"
			case "adj_01hs0b0b0b0b0b0b0b0b0b0b0b":
				return "adjustments_page2.json"
			}
			return "adjustments_empty.json"
		}
		return ""
	})
}

func TestSync(t *testing.T) {
	api := fakeAPI(t, liveKey, "")
	p := New(Options{BaseURL: api.URL, HTTPClient: api.Client()})
	c := integrations.Credentials{APIKey: liveKey}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()

	got, next := provtest.Sync(t, p, c, "", since, true, 3)
	if x := got["txn_01hs0a0a0a0a0a0a0a0a0a0a0a"]; x.Amount != 49 || x.Currency != "EUR" || x.Email != "grace@example.com" || x.Name != "Grace Hopper" || x.VisitorID != "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" {
		t.Errorf("transaction %+v", x)
	}
	if x := got["adj_01hs0b0b0b0b0b0b0b0b0b0b0b"]; !x.Refund || x.Amount != 49 {
		t.Errorf("refund %+v", x)
	}
	if _, ok := got["adj_01hp0000000000000000000000"]; ok {
		t.Error("refund from before since synced")
	}

	got, next = provtest.Sync(t, p, c, next, since, false, 3)
	for _, name := range []string{"transaction_completed.json", "transaction_completed_renewal.json", "adjustment_updated.json"} {
		provtest.Synced(t, got, provtest.Deliver(t, call(p), name)...)
	}
	if got[testTxn].VisitorID != visitor || got[testTxn].Email != "ada@example.com" {
		t.Errorf("synced transaction %+v", got[testTxn])
	}
	if next != "2026-12-05T11:59:47Z|adj_01hvgf2s84dr6reszzg29zbvcm|2026-11-01T00:00:00Z" {
		t.Errorf("next cursor %q", next)
	}
	if _, next2, more, err := p.Sync(ctx, c, next, since); err != nil || more || next2 != next {
		t.Errorf("caught up: %q %v %v", next2, more, err)
	}

	for _, bad := range []string{"x", "a|b|c", "2026-12-05T11:59:47Z|adj_1"} {
		if _, _, _, err := p.Sync(ctx, c, bad, since); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	_, _, _, err := p.Sync(ctx, integrations.Credentials{APIKey: LivePrefix + "wrong"}, "", since)
	provtest.Invalid(t, err)
}

func TestCheck(t *testing.T) {
	live := fakeAPI(t, liveKey, "transactions_page1.json")
	sandbox := fakeAPI(t, sandboxKey, "transactions_empty.json")
	p := New(Options{BaseURL: live.URL, SandboxBaseURL: sandbox.URL, HTTPClient: live.Client()})
	ctx := context.Background()
	acct, err := p.Check(ctx, integrations.Credentials{APIKey: liveKey})
	if err != nil || acct.Currency != "USD" || acct.KeyExpiresAt != nil {
		t.Fatalf("live: %+v %v", acct, err)
	}
	acct, err = p.Check(ctx, integrations.Credentials{APIKey: sandboxKey})
	if err != nil || acct.Currency != "" {
		t.Fatalf("sandbox: %+v %v", acct, err)
	}
	if len(sandbox.Requests) != 1 {
		t.Errorf("sandbox API got %v", sandbox.Requests)
	}
	_, err = p.Check(ctx, integrations.Credentials{APIKey: LivePrefix + "revoked"})
	provtest.Invalid(t, err)
}

func TestCheckKey(t *testing.T) {
	p := New(Options{})
	if err := p.CheckKey(integrations.Credentials{APIKey: liveKey}); err != nil {
		t.Errorf("live key: %v", err)
	}
	if err := p.CheckKey(integrations.Credentials{APIKey: sandboxKey}); !errors.Is(err, integrations.ErrTestKey) {
		t.Errorf("sandbox key: %v, want ErrTestKey", err)
	}
	for name, key := range map[string]string{
		"Empty":      "",
		"Legacy":     "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5",
		"ClientSide": "live_7d279f61a3499fed520f7cd8c08",
		"OtherPdl":   "pdl_ntfset_01hv8x",
		"PrefixOnly": LivePrefix,
	} {
		t.Run(name, func(t *testing.T) { provtest.Invalid(t, p.CheckKey(integrations.Credentials{APIKey: key})) })
	}
}

func FuzzPaddleWebhook(f *testing.F) {
	for _, name := range []string{"transaction_completed.json", "transaction_completed_renewal.json", "adjustment_updated.json", "subscription_updated.json"} {
		f.Add(provtest.Fixture(f, name), int64(0), "", true)
	}
	f.Add([]byte(`{"event_type":"transaction.completed","data":{"id":"txn_1","status":"completed","currency_code":"usd","details":{"totals":{"grand_total":"-1"}}}}`), int64(-400), "", true)
	f.Add([]byte(`{}`), int64(0), "ts=;h1=;h1", false)
	p := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte, skew int64, sig string, signed bool) {
		h := http.Header{"Paddle-Signature": {sig}}
		if signed {
			h.Set("Paddle-Signature", signature(testSecret, now.Unix()+skew, body))
		}
		_, ps, err := p.Webhook(testSecret, h, body, now)
		provtest.WebhookError(t, err)
		provtest.Sane(t, ps)
		if err != nil && len(ps) > 0 {
			t.Fatalf("payments with an error: %v", err)
		}
	})
}
