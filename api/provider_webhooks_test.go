package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/lemonsqueezy"
	"github.com/openfast/openfast/integrations/paddle"
	"github.com/openfast/openfast/integrations/polar"
	"github.com/openfast/openfast/integrations/stripe"
	"github.com/openfast/openfast/internal/testskip"
)

// The visitors in the providers' webhook fixtures' checkout metadata.
const (
	fixtureVisitor       = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b" // Lemon Squeezy, Polar, Paddle
	stripeFixtureVisitor = "4b0c8f1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b"
)

// wantPayment is a webhook fixture and the payment it must record.
type wantPayment struct {
	fixture  string
	tx       string
	cents    int64
	currency string
	visitor  string // "" when the fixture names none
	renewal  bool
}

// realProvider is one of the real providers, connected to a website with
// a known webhook secret, its API served from its package's testdata.
type realProvider struct {
	name    string
	dir     string // the provider package's testdata
	secret  string
	connect map[string]any
	// sign signs body as the provider does, at at; id is the delivery's
	// id where the scheme signs one.
	sign func(t testing.TB, secret, id string, at time.Time, body []byte) http.Header
	// stale is false when the provider signs no timestamp.
	stale bool
	// route picks the fixture answering an API request, and says whether
	// it is a listing (served only once listing is on).
	route                 func(r *http.Request) (fixture string, list bool)
	paid, renewal, refund wantPayment
	// fixtures are the webhook bodies the fuzz target starts from.
	fixtures []string
}

func hmacHex(key string, parts ...[]byte) string {
	m := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		m.Write(p)
	}
	return hex.EncodeToString(m.Sum(nil))
}

func signStripe(_ testing.TB, secret, _ string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	return http.Header{"Stripe-Signature": {"t=" + ts + ",v1=" + hmacHex(secret, []byte(ts+"."), body)}}
}

func signLemonSqueezy(_ testing.TB, secret, _ string, _ time.Time, body []byte) http.Header {
	return http.Header{"X-Signature": {hmacHex(secret, body)}}
}

// signPolar signs by Standard Webhooks, with the secret's bytes as the
// key (as the polar package verifies).
func signPolar(t testing.TB, secret, id string, at time.Time, body []byte) http.Header {
	wh, err := standardwebhooks.NewWebhookRaw([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig}}
}

func signPaddle(_ testing.TB, secret, _ string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	return http.Header{"Paddle-Signature": {"ts=" + ts + ";h1=" + hmacHex(secret, []byte(ts+":"), body)}}
}

// realProviders are the four providers with their fixtures. Stripe's API
// is stripe-mock's, the others' an httptest server of their fixtures.
var realProviders = []realProvider{{
	name: integrations.Stripe, dir: "../integrations/stripe/testdata", secret: "whsec_test_e2eOpenfast000000000000",
	connect: map[string]any{"stripeRak": "rk_test_51Openfast0000000000000000"},
	sign:    signStripe, stale: true,
	paid:    wantPayment{"checkout_session_completed_payment.json", "stripe:pi_3QpayPaymentMode01", 2999, "USD", stripeFixtureVisitor, false},
	renewal: wantPayment{"invoice_paid_renewal_2024.json", "stripe:in_1PpayRenewalInvoice1", 1900, "EUR", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", true},
	refund:  wantPayment{"refund_created.json", "stripe:re_3HpaySecondRefund01", -500, "USD", "", false},
	fixtures: []string{"checkout_session_completed_payment.json", "checkout_session_completed_subscription.json", "invoice_paid_first.json",
		"invoice_paid_renewal_2024.json", "checkout_session_async_payment_succeeded.json", "charge_refunded_2020.json", "refund_created.json", "customer_created.json"},
}, {
	name: integrations.LemonSqueezy, dir: "../integrations/lemonsqueezy/testdata", secret: "ls_e2e_signing_secret",
	connect: map[string]any{"lemonsqueezyApiKey": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI5NGQ1OWNlZiJ9.c2lnbmF0dXJl", "lemonsqueezyStoreId": "7"},
	sign:    signLemonSqueezy, stale: false,
	route: func(r *http.Request) (string, bool) {
		switch r.URL.Path {
		case "/v1/users/me":
			return "user_live.json", false
		case "/v1/stores/7":
			return "store.json", false
		case "/v1/orders":
			if r.URL.Query().Get("page[number]") == "2" {
				return "orders_page2.json", true
			}
			return "orders_page1.json", true
		case "/v1/subscription-invoices":
			return "subscription_invoices.json", true
		}
		return "", false
	},
	paid:     wantPayment{"order_created.json", "lemonsqueezy:order_1042", 2999, "USD", fixtureVisitor, false},
	renewal:  wantPayment{"subscription_payment_success.json", "lemonsqueezy:subinv_880", 1900, "EUR", fixtureVisitor, true},
	refund:   wantPayment{"order_refunded.json", "lemonsqueezy:order_1042_refund", -1000, "USD", fixtureVisitor, false},
	fixtures: []string{"order_created.json", "subscription_payment_success.json", "order_refunded.json", "subscription_created.json"},
}, {
	name: integrations.Polar, dir: "../integrations/polar/testdata", secret: "polar_whs_e2eOpenfastSecret",
	connect: map[string]any{"polarAccessToken": "polar_oat_AbCdEf0123456789", "polarOrgId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"},
	sign:    signPolar, stale: true,
	route: func(r *http.Request) (string, bool) {
		switch r.URL.Path {
		case "/v1/organizations/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e":
			return "organization.json", false
		case "/v1/orders/":
			after, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("created_after"))
			if after.Before(time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)) {
				return "orders_page1.json", true
			}
			return "orders_page_after.json", true
		case "/v1/refunds/":
			return "refunds_page" + r.URL.Query().Get("page") + ".json", true
		}
		return "", false
	},
	paid:     wantPayment{"order_paid.json", "polar:5a1f4b7e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", 3599, "USD", fixtureVisitor, false},
	renewal:  wantPayment{"order_paid_renewal.json", "polar:6b2a5c8f-3d4e-4f60-9bac-1d2e3f4a5b6c", 1900, "EUR", fixtureVisitor, true},
	refund:   wantPayment{"refund_created.json", "polar:7c3b6d9a-4e5f-4071-8cbd-2e3f4a5b6c7d", -1200, "USD", "", false},
	fixtures: []string{"order_paid.json", "order_paid_renewal.json", "refund_created.json", "checkout_updated.json"},
}, {
	name: integrations.Paddle, dir: "../integrations/paddle/testdata", secret: "pdl_ntfset_01hv8x000000000000000000000_e2esecret",
	connect: map[string]any{"paddleApiKey": "pdl_live_apikey_01hv8x00000000000000000000_AbCdEfGhIjKlMnOpQrStUv_XYZ"},
	sign:    signPaddle, stale: true,
	route: func(r *http.Request) (string, bool) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/transactions":
			if q.Get("per_page") == "1" {
				return "transactions_page1.json", false // the check's latest transaction
			}
			from, _ := time.Parse(time.RFC3339Nano, q.Get("billed_at[GTE]"))
			if from.Before(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)) {
				return "transactions_page1.json", true
			}
			return "transactions_page2.json", true
		case "/adjustments":
			switch q.Get("after") {
			case "":
				return "adjustments_page1.json", true
			case "adj_01hs0b0b0b0b0b0b0b0b0b0b0b":
				return "adjustments_page2.json", true
			}
			return "adjustments_empty.json", true
		}
		return "", false
	},
	paid:     wantPayment{"transaction_completed.json", "paddle:txn_01hv8wptq8987qeep44cyrewp9", 3599, "USD", fixtureVisitor, false},
	renewal:  wantPayment{"transaction_completed_renewal.json", "paddle:txn_01hw29zz5q3m6v7b8n9m0p1q2r", 150000, "JPY", "", true}, // 1500 JPY, in hundredths as every amount
	refund:   wantPayment{"adjustment_updated.json", "paddle:adj_01hvgf2s84dr6reszzg29zbvcm", -1200, "USD", "", false},
	fixtures: []string{"transaction_completed.json", "transaction_completed_renewal.json", "adjustment_updated.json", "adjustment_created_pending.json", "subscription_updated.json"},
}}

// stripeMockURL is stripe-mock's URL; the test skips without one (or
// fails under OPENFAST_REQUIRE_SERVERS=1).
func stripeMockURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("OPENFAST_TEST_STRIPE_MOCK_URL")
	if url == "" {
		msg := "OPENFAST_TEST_STRIPE_MOCK_URL not set: start one with `OPENFAST_TEST_STRIPE_MOCK_URL=$(.ci/stripe-mock start)`"
		if os.Getenv("OPENFAST_REQUIRE_SERVERS") == "1" {
			t.Fatalf("%s (OPENFAST_REQUIRE_SERVERS=1 requires it)", msg)
		}
		testskip.Skip(t, "stripe-mock", "set OPENFAST_TEST_STRIPE_MOCK_URL", msg)
	}
	return url
}

// providerAPI serves p's API from its fixtures; listings answer 404 until
// listing is set.
func providerAPI(t testing.TB, p realProvider, listing *atomic.Bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		name, list := p.route(r)
		if name == "" || list && !listing.Load() {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not found"}`))
			return
		}
		b, err := os.ReadFile(filepath.Join(p.dir, name))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// client is p's provider, its API served from its fixtures (stripe-mock
// for Stripe).
func (p realProvider) client(t testing.TB, stripeMock string, listing *atomic.Bool) integrations.Provider {
	t.Helper()
	if p.name == integrations.Stripe {
		return stripe.New(stripe.Options{BaseURL: stripeMock})
	}
	api := providerAPI(t, p, listing)
	switch p.name {
	case integrations.LemonSqueezy:
		return lemonsqueezy.New(lemonsqueezy.Options{BaseURL: api.URL, HTTPClient: api.Client()})
	case integrations.Polar:
		return polar.New(polar.Options{BaseURL: api.URL, HTTPClient: api.Client()})
	}
	return paddle.New(paddle.Options{BaseURL: api.URL, HTTPClient: api.Client()})
}

// newProviderEnv is a server with the real providers ps connected to its
// website, each with its secret.
func newProviderEnv(t testing.TB, stripeMock string, listing *atomic.Bool, ps ...realProvider) *integrationsEnv {
	t.Helper()
	provs := map[string]integrations.Provider{}
	for _, p := range ps {
		provs[p.name] = p.client(t, stripeMock, listing)
	}
	e := newIntegrationsEnv(t, func(cfg *testConfig) {
		cfg.Providers = provs
		cfg.AllowTestPayments = true // stripe-mock takes test keys only
	})
	for _, p := range ps {
		body := map[string]any{"webhookSecret": p.secret}
		for k, v := range p.connect {
			body[k] = v
		}
		e.connect(p.name, body)
	}
	return e
}

func (p realProvider) fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProviderWebhooks sends each real provider's signed webhook fixtures
// through the router: the paid order, the renewal and the refund are
// recorded as such; a bad signature, a stale timestamp and a replay get
// 400 and store nothing; the same payment by webhook and sync counts once.
func TestProviderWebhooks(t *testing.T) {
	for _, p := range realProviders {
		t.Run(p.name, func(t *testing.T) {
			listing, mock := &atomic.Bool{}, ""
			if p.name == integrations.Stripe {
				mock = stripeMockURL(t)
			}
			e := newProviderEnv(t, mock, listing, p)
			base := e.count(t, openfast.EventPayment) // stripe-mock's payments, synced on connecting
			deliveries := 0
			send := func(body []byte, at time.Time, secret string) *response {
				deliveries++
				id := "msg_e2e" + strconv.Itoa(deliveries)
				return e.postWebhook(p.name, e.site, p.sign(t, secret, id, at, body), body)
			}
			refused := func(what string, res *response, msg string) {
				t.Helper()
				before := e.count(t, openfast.EventPayment)
				res.fails(http.StatusBadRequest, msg)
				if after := e.count(t, openfast.EventPayment); after != before {
					t.Fatalf("%s: %d payments stored", what, after-before)
				}
			}

			for _, w := range []wantPayment{p.paid, p.renewal, p.refund} {
				body := p.fixture(t, w.fixture)
				// A bad signature, then a stale one, store nothing.
				refused(w.fixture+" with another secret", send(body, e.clock.Now(), "another secret"), "signature")
				if p.stale {
					refused(w.fixture+" signed 10 minutes ago", send(body, e.clock.Now().Add(-10*time.Minute), p.secret), "5 minutes")
				}
				h := p.sign(t, p.secret, "msg_e2e_"+w.fixture, e.clock.Now(), body)
				if d := e.postWebhook(p.name, e.site, h, body).first(); d["recorded"] != 1.0 {
					t.Fatalf("%s: %v", w.fixture, d)
				}
				got, ok := e.payments(t)[w.tx]
				if !ok || got.cents != w.cents || got.currency != w.currency || got.props["provider"] != p.name || (w.renewal) != (got.props["renewal"] == "true") ||
					w.visitor != "" && got.visitor != w.visitor {
					t.Fatalf("%s: payment %s = %+v (found %v), want %+v", w.fixture, w.tx, got, ok, w)
				}
				// The same delivery again is a replay.
				refused(w.fixture+" replayed", e.postWebhook(p.name, e.site, h, body), "replay")
			}
			if !p.stale {
				// Lemon Squeezy signs no timestamp: the replay cache alone
				// refuses a delivery seen before; an old one is accepted.
				e.clock.Advance(time.Hour)
				body := p.fixture(t, "subscription_created.json")
				e.postWebhook(p.name, e.site, p.sign(t, p.secret, "", time.Time{}, body), body).ok()
			}
			if n := e.count(t, openfast.EventPayment); n != base+3 {
				t.Fatalf("%d payments after the webhooks, want %d", n, base+3)
			}

			// The same payment by sync: once.
			if p.name == integrations.Stripe {
				body := stripeMockEvent(t, mock)
				if d := e.postWebhook(p.name, e.site, p.sign(t, p.secret, "", e.clock.Now(), body), body).first(); d["recorded"] != 0.0 {
					t.Fatalf("stripe-mock's session by webhook after its sync: %v", d)
				}
			}
			listing.Store(true)
			e.clock.Advance(5 * time.Minute)
			e.srv.app.SyncIntegrations(context.Background())
			payments := e.payments(t)
			if n := e.count(t, openfast.EventPayment); n != len(payments) || n <= base+3 && p.name != integrations.Stripe {
				t.Fatalf("%d payment rows for %d transactions after the sync (%d before): %v", n, len(payments), base+3, payments)
			}
			for _, w := range []wantPayment{p.paid, p.renewal, p.refund} {
				if got := payments[w.tx]; got.cents != w.cents {
					t.Fatalf("%s after the sync: %+v", w.tx, got)
				}
			}
			if list := e.do("GET", e.integrationsURL(), e.admin, nil).first(); list[p.name].(map[string]any)["lastSyncError"] != nil {
				t.Fatalf("sync error: %v", list[p.name])
			}
		})
	}
}

// stripeMockEvent is a checkout.session.completed event of stripe-mock's
// Checkout Session, whose payment its sync records.
func stripeMockEvent(t testing.TB, url string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"/v1/checkout/sessions/cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("rk_test_51Openfast0000000000000000", "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	object, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stripe-mock's session: %d %s %v", resp.StatusCode, object, err)
	}
	body, err := json.Marshal(map[string]any{
		"id": "evt_1OpenfastMockSession", "object": "event", "api_version": "2025-08-27.basil",
		"created": time.Now().Unix(), "type": "checkout.session.completed", "data": map[string]json.RawMessage{"object": object},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// FuzzProviderWebhooks sends fuzzed webhooks to the real providers through
// the router: the fuzzer picks the provider, how the request is signed
// (correctly at a time offset from now, with another secret, or with a
// signature header of its own) and the body, so that correctly signed
// bodies reach each provider's decoder. No input yields a panic or a 5xx,
// every answer is a DataFast envelope valid against openapi.yaml, and a
// refused webhook records nothing. Stripe takes part when stripe-mock is
// there (its connection is checked against it).
func FuzzProviderWebhooks(f *testing.F) {
	mock := os.Getenv("OPENFAST_TEST_STRIPE_MOCK_URL")
	var ps []realProvider
	for _, p := range realProviders {
		if p.name != integrations.Stripe || mock != "" {
			ps = append(ps, p)
		}
	}
	e := newProviderEnv(f, mock, &atomic.Bool{}, ps...)
	for i, p := range realProviders {
		for _, name := range p.fixtures {
			body := p.fixture(f, name)
			f.Add(uint8(i), uint8(0), int64(0), "", body)
			f.Add(uint8(i), uint8(1), int64(0), "", body)
		}
		f.Add(uint8(i), uint8(0), int64(-600), "", p.fixture(f, p.fixtures[0]))
		f.Add(uint8(i), uint8(2), int64(0), "v1,abc", p.fixture(f, p.fixtures[0]))
		f.Add(uint8(i), uint8(0), int64(0), "", []byte(`{"data":{"object":{}}}`))
		f.Add(uint8(i), uint8(0), int64(0), "", []byte("\x00\xff"))
	}
	f.Fuzz(func(t *testing.T, which, mode uint8, offset int64, header string, body []byte) {
		p := realProviders[int(which)%len(realProviders)]
		te := e.with(t)
		before := e.count(t, openfast.EventPayment)
		at := e.clock.Now().Add(time.Duration(max(-1e9, min(offset, 1e9))) * time.Second)
		id := "msg_fuzz_" + strconv.Itoa(len(body))
		var h http.Header
		switch mode % 3 {
		case 0:
			h = p.sign(t, p.secret, id, at, body)
		case 1:
			h = p.sign(t, "another secret", id, at, body)
		default:
			h = p.sign(t, p.secret, id, at, body)
			for k := range h {
				if k != "Webhook-Id" {
					h.Set(k, headerValue(header))
				}
			}
		}
		res := postWebhook(te, p.name, e.site, h, body)
		if res.status >= 500 {
			t.Fatalf("status %d for %s %q: %s", res.status, p.name, body, res.body)
		}
		if res.status != http.StatusOK {
			res.fails(res.status)
			if after := e.count(t, openfast.EventPayment); after != before {
				t.Fatalf("a refused webhook (%d) recorded %d payments", res.status, after-before)
			}
			return
		}
		res.ok()
	})
}
