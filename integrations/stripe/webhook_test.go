package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/openfast/openfast/integrations"
)

const testSecret = "whsec_test_5Qy1Openfast0000000000000000"

// signed is a request's header signed with secret at t, as Stripe signs
// (t=…,v1=HMAC-SHA256(secret, "t.body")).
func signed(body []byte, secret string, t time.Time) http.Header {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: t})
	h := http.Header{}
	h.Set("Stripe-Signature", sp.Header)
	return h
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProvider_Webhook(t *testing.T) {
	p := New(Options{})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const (
		ada   = "4b0c8f1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b"
		grace = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
		kenji = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	)
	for _, tc := range []struct {
		file, event string
		want        []integrations.Payment
	}{
		{"checkout_session_completed_payment.json", "evt_1QpayPaymentMode0001", []integrations.Payment{{
			ID: "pi_3QpayPaymentMode01", Amount: 29.99, Currency: "USD", Time: time.Unix(1765060000, 0).UTC(), VisitorID: ada,
			CheckoutKey: CheckoutKey, CheckoutID: "cs_live_a1PaymentModeSession0001",
			Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "cus_RpayPaymentMode01",
		}}},
		// The first invoice's id, as invoice.paid of that invoice gives.
		{"checkout_session_completed_subscription.json", "evt_1QpaySubscriptionMode01", []integrations.Payment{{
			ID: "in_1QpayFirstInvoice01", Amount: 19, Currency: "EUR", Time: time.Unix(1765060100, 0).UTC(), VisitorID: grace,
			CheckoutKey: CheckoutKey, CheckoutID: "cs_live_b1SubscriptionModeSession01",
			Email: "grace@example.com", Name: "Grace Hopper", CustomerID: "cus_RpaySubscription1",
		}}},
		{"invoice_paid_first.json", "evt_1QpayInvoicePaidFirst1", []integrations.Payment{{
			ID: "in_1QpayFirstInvoice01", Amount: 19, Currency: "EUR", Time: time.Unix(1765060099, 0).UTC(), VisitorID: grace,
			Email: "grace@example.com", Name: "Grace Hopper", CustomerID: "cus_RpaySubscription1",
		}}},
		// An endpoint of API version 2024-06-20: subscription_details at the top.
		{"invoice_paid_renewal_2024.json", "evt_1PpayInvoicePaidRenew1", []integrations.Payment{{
			ID: "in_1PpayRenewalInvoice1", Amount: 19, Currency: "EUR", Time: time.Unix(1767738590, 0).UTC(), Renewal: true, VisitorID: grace,
			Email: "grace@example.com", Name: "Grace Hopper", CustomerID: "cus_RpaySubscription1",
		}}},
		// Konbini: completed unpaid, then paid; yen have no minor unit.
		{"checkout_session_completed_unpaid.json", "evt_1QpayAsyncPending0001", nil},
		{"checkout_session_async_payment_succeeded.json", "evt_1QpayAsyncSucceeded01", []integrations.Payment{{
			ID: "pi_3QpayAsyncKonbini01", Amount: 5000, Currency: "JPY", Time: time.Unix(1765063800, 0).UTC(), VisitorID: kenji,
			CheckoutKey: CheckoutKey, CheckoutID: "cs_live_c1AsyncSepaSession0001", Email: "kenji@example.com", Name: "Kenji Sato",
		}}},
		// An endpoint of API version 2020-08-27 gets the charge's refunds.
		{"charge_refunded_2020.json", "evt_1HpayChargeRefunded01", []integrations.Payment{
			{ID: "re_3HpaySecondRefund01", Amount: 5, Currency: "USD", Time: time.Unix(1765069990, 0).UTC(), Refund: true, VisitorID: ada,
				Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "cus_RpayPaymentMode01"},
			{ID: "re_3HpayFirstRefund001", Amount: 15, Currency: "USD", Time: time.Unix(1765065000, 0).UTC(), Refund: true, VisitorID: ada,
				Email: "ada@example.com", Name: "Ada Lovelace", CustomerID: "cus_RpayPaymentMode01"},
		}},
		// A later one does not: its refunds come by refund.created, with the same ids.
		{"charge_refunded_basil.json", "evt_3QpayChargeRefunded01", nil},
		{"refund_created.json", "evt_3QpayRefundCreated001", []integrations.Payment{
			{ID: "re_3HpaySecondRefund01", Amount: 5, Currency: "USD", Time: time.Unix(1765069990, 0).UTC(), Refund: true},
		}},
		{"customer_created.json", "evt_1QpayCustomerCreated1", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := readTestdata(t, tc.file)
			event, payments, err := p.Webhook(testSecret, signed(body, testSecret, now.Add(-time.Minute)), body, now)
			if err != nil {
				t.Fatal(err)
			}
			if event != tc.event {
				t.Errorf("event id %q, want %q", event, tc.event)
			}
			assertPayments(t, payments, tc.want)
		})
	}
}

func TestProvider_WebhookRefused(t *testing.T) {
	p := New(Options{})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	body := readTestdata(t, "checkout_session_completed_payment.json")
	valid := signed(body, testSecret, now)
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-3] = ' '
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		want   error
	}{
		{"NoHeader", testSecret, http.Header{}, body, integrations.ErrSignature},
		{"OtherSecret", "whsec_test_other", valid, body, integrations.ErrSignature},
		{"NoSecret", "", valid, body, integrations.ErrSignature},
		{"Tampered", testSecret, valid, tampered, integrations.ErrSignature},
		{"Garbled", testSecret, header("t=1,v1"), body, integrations.ErrSignature},
		{"NoTimestamp", testSecret, header("v1=" + signatureOf(body, time.Time{})), body, integrations.ErrSignature},
		{"V0Only", testSecret, header(fmt.Sprintf("t=%d,v0=%s", now.Unix(), signatureOf(body, now))), body, integrations.ErrSignature},
		{"Stale", testSecret, signed(body, testSecret, now.Add(-integrations.MaxAge-time.Second)), body, integrations.ErrStale},
		{"Future", testSecret, signed(body, testSecret, now.Add(integrations.MaxAge+time.Second)), body, integrations.ErrStale},
		// A forged request is refused as forged, however old.
		{"StaleForged", "whsec_test_other", signed(body, testSecret, now.Add(-time.Hour)), body, integrations.ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, payments, err := p.Webhook(tc.secret, tc.h, tc.body, now)
			if !errors.Is(err, tc.want) || payments != nil {
				t.Fatalf("Webhook = %v, %v; want %v", payments, err, tc.want)
			}
		})
	}
	t.Run("AtMaxAge", func(t *testing.T) {
		if _, payments, err := p.Webhook(testSecret, signed(body, testSecret, now.Add(-integrations.MaxAge)), body, now); err != nil || len(payments) != 1 {
			t.Fatalf("Webhook signed MaxAge ago = %v, %v; want the payment", payments, err)
		}
	})
	for name, body := range map[string]string{
		"NotJSON":       "payment=1",
		"NoObject":      `{"id":"evt_1","type":"checkout.session.completed","data":{}}`,
		"WrongShape":    `{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1","status":"paid","amount_paid":"ten"}}}`,
		"Negative":      `{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1","status":"paid","amount_paid":-100,"currency":"usd"}}}`,
		"NoCurrency":    `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","mode":"payment","payment_status":"paid","amount_total":100}}}`,
		"NoID":          `{"id":"evt_1","type":"refund.created","data":{"object":{"amount":100,"currency":"usd","status":"succeeded"}}}`,
		"DigitCurrency": `{"id":"evt_1","type":"refund.created","data":{"object":{"id":"re_1","amount":100,"currency":"u1d","status":"succeeded"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := p.Webhook(testSecret, signed([]byte(body), testSecret, now), []byte(body), now)
			var invalid *integrations.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("Webhook(%s) = %v, want an InvalidError", body, err)
			}
		})
	}
}

func header(v string) http.Header {
	h := http.Header{}
	h.Set("Stripe-Signature", v)
	return h
}

func signatureOf(body []byte, t time.Time) string {
	return fmt.Sprintf("%x", webhook.ComputeSignature(t, body, testSecret))
}

// TestProvider_WebhookAndSyncSameIDs: stripe-mock's session, invoice and
// refund, sent as webhook events, give the ids that Sync gives, so that a
// payment seen both ways is recorded once.
func TestProvider_WebhookAndSyncSameIDs(t *testing.T) {
	url := stripeMock(t)
	now := time.Now()
	p := New(Options{BaseURL: url})
	synced, _, _, err := p.Sync(context.Background(), integrations.Credentials{APIKey: mockKey}, "", now.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	var viaWebhook []integrations.Payment
	for _, ev := range []struct{ kind, path string }{
		{"checkout.session.completed", "/v1/checkout/sessions/" + mockSessionID},
		{"invoice.paid", "/v1/invoices/" + mockInvoiceID},
		{"refund.created", "/v1/refunds/" + mockRefundID + "?expand[]=charge"},
	} {
		object := getMock(t, url+ev.path)
		body, err := json.Marshal(map[string]any{
			"id": "evt_1Openfast" + ev.kind, "object": "event", "api_version": "2025-08-27.basil",
			"created": 1234567890, "type": ev.kind, "data": map[string]json.RawMessage{"object": object},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, payments, err := p.Webhook(testSecret, signed(body, testSecret, now), body, now)
		if err != nil {
			t.Fatalf("%s: %v", ev.kind, err)
		}
		viaWebhook = append(viaWebhook, payments...)
	}
	if got, want := paymentIDs(viaWebhook), paymentIDs(synced); got != want || got != mockIntentID+" "+mockInvoiceID+" "+mockRefundID {
		t.Fatalf("ids by webhook %s, by sync %s", got, want)
	}
	for i := range synced {
		w, s := viaWebhook[i], synced[i]
		w.Time, s.Time = time.Time{}, time.Time{}
		if w != s {
			t.Errorf("by webhook %+v\n   by sync %+v", w, s)
		}
	}
}

func getMock(t *testing.T, url string) json.RawMessage {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(mockKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, b, err)
	}
	return b
}

// TestProvider_WebhookSessionIDs: a session's payment has the id that the
// payment's other objects give, so that it is recorded once.
func TestProvider_WebhookSessionIDs(t *testing.T) {
	p := New(Options{})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, session string
		want          string // the payment's id and amount, "" for none
	}{
		{"PaymentIntent", `"mode":"payment","payment_status":"paid","amount_total":1000,"payment_intent":"pi_1"`, "pi_1 10"},
		// invoice_creation: invoice.paid of the same invoice follows.
		{"PaymentWithInvoice", `"mode":"payment","payment_status":"paid","amount_total":1000,"payment_intent":"pi_1","invoice":"in_1"`, "in_1 10"},
		{"NoPaymentIntent", `"mode":"payment","payment_status":"paid","amount_total":1000`, "cs_1 10"},
		{"ExpandedObjects", `"mode":"payment","payment_status":"paid","amount_total":1000,"payment_intent":{"id":"pi_2","object":"payment_intent"},"customer":{"id":"cus_2","object":"customer"}`, "pi_2 10"},
		// A trial's first invoice is paid at 0.
		{"Trial", `"mode":"subscription","payment_status":"no_payment_required","amount_total":0,"invoice":"in_2","subscription":"sub_2"`, "in_2 0"},
		{"FullDiscount", `"mode":"payment","payment_status":"no_payment_required","amount_total":0`, ""},
		{"Setup", `"mode":"setup","payment_status":"no_payment_required"`, ""},
		{"Unpaid", `"mode":"subscription","payment_status":"unpaid","amount_total":1000,"invoice":"in_3"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(`{"id":"evt_1","object":"event","api_version":"2025-08-27.basil","created":1765060000,"type":"checkout.session.completed",` +
				`"data":{"object":{"id":"cs_1","object":"checkout.session","status":"complete","currency":"usd",` + tc.session + `}}}`)
			_, payments, err := p.Webhook(testSecret, signed(body, testSecret, now), body, now)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, pay := range payments {
				got = fmt.Sprintf("%s %g", pay.ID, pay.Amount)
				if pay.CheckoutKey != CheckoutKey || pay.CheckoutID != "cs_1" {
					t.Errorf("checkout %s=%s, want %s=cs_1", pay.CheckoutKey, pay.CheckoutID, CheckoutKey)
				}
			}
			if len(payments) > 1 || got != tc.want {
				t.Fatalf("payments %+v, want %q", payments, tc.want)
			}
		})
	}
}
