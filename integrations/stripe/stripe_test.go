package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/internal/testskip"
)

func TestMain(m *testing.M) { os.Exit(testskip.Main(m, "integrations/stripe")) }

// stripeMockEnv names the variable with the URL of a stripe-mock that
// .ci/stripe-mock started (with its fixtures patched so that the Checkout
// Session and the invoice are paid).
const stripeMockEnv = "OPENFAST_TEST_STRIPE_MOCK_URL"

// What stripe-mock v0.203.0 answers, with .ci/stripe-mock's fixtures
// (integrations/stripe/internal/mockfixtures).
const (
	mockSessionID = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
	mockIntentID  = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
	mockInvoiceID = "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
	mockRefundID  = "re_1Pgc72B7WZ01zgkWqPvrRrPE"
	mockVisitorID = "3f8b2f6e-1d2a-4c5b-9a7e-0c1d2e3f4a5b"
	mockKey       = "rk_test_51Openfast0000000000000000"
)

// stripeMock returns the URL of the stripe-mock server, skipping the test
// when there is none (failing instead under OPENFAST_REQUIRE_SERVERS=1, as
// in CI).
func stripeMock(t *testing.T) string {
	t.Helper()
	url := os.Getenv(stripeMockEnv)
	if url != "" {
		return url
	}
	msg := stripeMockEnv + " not set: start one with `" + stripeMockEnv + "=$(.ci/stripe-mock start)`"
	if os.Getenv("OPENFAST_REQUIRE_SERVERS") == "1" {
		t.Fatalf("%s (OPENFAST_REQUIRE_SERVERS=1 requires it)", msg)
	}
	testskip.Skip(t, "stripe-mock", "set "+stripeMockEnv, msg)
	return ""
}

func TestProvider_CheckKey(t *testing.T) {
	p := New(Options{})
	for _, tc := range []struct {
		name, key string
		want      error // nil, ErrTestKey, or a non-nil *InvalidError placeholder
		invalid   string
	}{
		{name: "Live", key: "rk_live_51HqLyjWDarjtT1zdp7dcXnCPeDoJFbH1"},
		{name: "Test", key: "rk_test_51HqLyjWDarjtT1zdp7dcXnCPeDoJFbH1", want: integrations.ErrTestKey},
		{name: "Secret", key: "sk_live_51HqLyjWDarjtT1zdp7dcXnCPeDoJFbH1", invalid: "restricted key"},
		{name: "SecretTest", key: "sk_test_51HqLyjWDarjtT1zdp7dcXnCPeDoJFbH1", invalid: "secret key"},
		{name: "Publishable", key: "pk_live_51HqLyjWDarjtT1zdp7dcXnCPeDoJFbH1", invalid: "publishable key"},
		{name: "Empty", key: "", invalid: "missing"},
		{name: "OtherProvider", key: "pdl_live_apikey_01abc", invalid: "not a Stripe restricted key"},
		{name: "Short", key: "rk_live_abc", invalid: "malformed"},
		{name: "Spaces", key: "rk_live_51HqLyjWDarjtT1zd p7dcXnCPeDoJ", invalid: "malformed"},
		{name: "PrefixOnly", key: "rk_live_", invalid: "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.CheckKey(integrations.Credentials{APIKey: tc.key})
			if tc.invalid != "" {
				var invalid *integrations.InvalidError
				if !errors.As(err, &invalid) || !strings.Contains(err.Error(), tc.invalid) || !strings.Contains(err.Error(), "Checkout Sessions, Invoices") {
					t.Fatalf("CheckKey(%q) = %v, want an InvalidError saying %q and which key to create", tc.key, err, tc.invalid)
				}
				return
			}
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("CheckKey(%q) = %v, want %v", tc.key, err, tc.want)
			}
		})
	}
}

func TestProvider_Check(t *testing.T) {
	url := stripeMock(t)
	ctx := context.Background()
	p := New(Options{BaseURL: url})

	t.Run("Currency", func(t *testing.T) {
		acct, err := p.Check(ctx, integrations.Credentials{APIKey: mockKey})
		if err != nil {
			t.Fatal(err)
		}
		if acct.Currency != "USD" || acct.KeyExpiresAt != nil {
			t.Fatalf("Check = %+v, want currency USD", acct)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		// stripe-mock refuses a live key as Stripe refuses a revoked one:
		// 401 invalid_request_error.
		key := "rk_live_51Openfast0000000000000000"
		_, err := p.Check(ctx, integrations.Credentials{APIKey: key})
		var invalid *integrations.InvalidError
		if !errors.As(err, &invalid) || !strings.HasPrefix(err.Error(), "Stripe refused the key") {
			t.Fatalf("Check = %v, want InvalidError \"Stripe refused the key…\"", err)
		}
		if strings.Contains(err.Error(), key) {
			t.Fatalf("the refusal quotes the key: %v", err)
		}
	})
	t.Run("WrongKind", func(t *testing.T) {
		_, err := p.Check(ctx, integrations.Credentials{APIKey: "sk_test_51Openfast0000000000000000"})
		var invalid *integrations.InvalidError
		if !errors.As(err, &invalid) {
			t.Fatalf("Check with a secret key = %v, want an InvalidError before any request", err)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := New(Options{BaseURL: srv.URL}).Check(ctx, integrations.Credentials{APIKey: mockKey})
		var invalid *integrations.InvalidError
		if err == nil || errors.As(err, &invalid) {
			t.Fatalf("Check against a closed server = %v, want a plain error", err)
		}
	})
}

// TestProvider_CheckPermissions: a restricted key may not read the
// account (the currency is then unknown), but must read what Sync reads.
func TestProvider_CheckPermissions(t *testing.T) {
	forbidden := map[string]bool{"/v1/account": true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if forbidden[r.URL.Path] {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"The provided key 'rk_live_*********************0000' does not have the required permissions for this endpoint on account 'acct_1Openfast'."}}`)
			return
		}
		io.WriteString(w, `{"object":"list","data":[],"has_more":false,"url":"`+r.URL.Path+`"}`)
	}))
	defer srv.Close()
	p := New(Options{BaseURL: srv.URL})
	ctx := context.Background()
	key := integrations.Credentials{APIKey: "rk_live_51Openfast0000000000000000"}

	acct, err := p.Check(ctx, key)
	if err != nil || acct.Currency != "" {
		t.Fatalf("Check without access to the account = %+v, %v; want no currency, no error", acct, err)
	}
	forbidden["/v1/invoices"] = true
	_, err = p.Check(ctx, key)
	var invalid *integrations.InvalidError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "no read access to Invoices") {
		t.Fatalf("Check without access to invoices = %v, want an InvalidError naming Invoices", err)
	}
}

// wantMockPayments are the payments of one sync of stripe-mock: its
// session, its invoice, its refund, at the times its fixtures say.
func wantMockPayments(t *testing.T, url string) []integrations.Payment {
	var session, refund struct{ Created int64 }
	var invoice struct {
		StatusTransitions struct {
			PaidAt int64 `json:"paid_at"`
		} `json:"status_transitions"`
	}
	for path, v := range map[string]any{
		"/v1/checkout/sessions/" + mockSessionID: &session,
		"/v1/invoices/" + mockInvoiceID:          &invoice,
		"/v1/refunds/" + mockRefundID:            &refund,
	} {
		if err := json.Unmarshal(getMock(t, url+path), v); err != nil {
			t.Fatal(err)
		}
	}
	return []integrations.Payment{
		{ID: mockIntentID, Amount: 29.99, Currency: "USD", Time: time.Unix(session.Created, 0).UTC(), VisitorID: mockVisitorID,
			CheckoutKey: CheckoutKey, CheckoutID: mockSessionID, Email: "example@example.com"},
		{ID: mockInvoiceID, Amount: 10, Currency: "USD", Time: time.Unix(invoice.StatusTransitions.PaidAt, 0).UTC(), Renewal: true, VisitorID: mockVisitorID,
			Email: "jenny.rosen@example.com", Name: "Jenny Rosen", CustomerID: "cus_QXg1o8vcGmoR32"},
		{ID: mockRefundID, Amount: 1, Currency: "USD", Time: time.Unix(refund.Created, 0).UTC(), Refund: true, Name: "Jenny Rosen"},
	}
}

func TestProvider_Sync(t *testing.T) {
	url := stripeMock(t)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	p := New(Options{BaseURL: url, Now: func() time.Time { return now }})
	ctx := context.Background()
	c := integrations.Credentials{APIKey: mockKey}

	payments, next, more, err := p.Sync(ctx, c, "", now.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if len(payments) == 0 || payments[0].ID != mockIntentID {
		t.Fatalf("Sync = %+v; is stripe-mock running with the fixtures of .ci/stripe-mock (a paid session)?", payments)
	}
	want := wantMockPayments(t, url)
	if want[0].Time.Year() < 2025 {
		t.Fatalf("stripe-mock's session was created at %s: start it with .ci/stripe-mock, whose fixtures are recent", want[0].Time)
	}
	assertPayments(t, payments, want)
	if more {
		t.Errorf("more = true, stripe-mock has one page")
	}
	// The next pass begins where this one ended, reading each list again
	// from its lookback.
	k, err := parseCursor(next)
	if err != nil || k != (cursor{List: listSessions, From: now.Unix(), Back: true}) {
		t.Fatalf("next cursor %q = %+v, %v", next, k, err)
	}
	later := now.Add(time.Hour)
	p.now = func() time.Time { return later }
	again, next2, more, err := p.Sync(ctx, c, next, time.Time{})
	if err != nil || more {
		t.Fatalf("second Sync: more %v, err %v", more, err)
	}
	assertPayments(t, again, want) // stripe-mock answers the same; the app records them once
	if k, _ := parseCursor(next2); k.From != later.Unix() {
		t.Fatalf("second next cursor %q, want it from %d", next2, later.Unix())
	}

	t.Run("BadCursor", func(t *testing.T) {
		for _, cur := range []string{"x", "0.1.2.3.", "9.1.2.0.", "0.-1.2.0.", "0.1.2.0"} {
			if _, _, _, err := p.Sync(ctx, c, cur, time.Time{}); err == nil {
				t.Errorf("Sync with cursor %q: no error", cur)
			}
		}
	})
	t.Run("Refused", func(t *testing.T) {
		_, _, _, err := p.Sync(ctx, integrations.Credentials{APIKey: "rk_live_51Openfast0000000000000000"}, "", now)
		var invalid *integrations.InvalidError
		if !errors.As(err, &invalid) {
			t.Fatalf("Sync with a refused key = %v, want an InvalidError", err)
		}
	})
}

// TestProvider_SyncPages runs Sync against a server that pages: the
// requests it makes (filters, limit, starting_after, expand) and the
// cursor that carries a list's paging from call to call.
func TestProvider_SyncPages(t *testing.T) {
	var requests []string
	empty := false // every list empty
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch {
		case empty:
			io.WriteString(w, `{"object":"list","has_more":false,"data":[]}`)
		case r.URL.Path == "/v1/checkout/sessions" && q.Get("starting_after") == "":
			io.WriteString(w, `{"object":"list","has_more":true,"data":[
				{"id":"cs_3","object":"checkout.session","created":1765000300,"mode":"payment","status":"complete","payment_status":"paid","amount_total":300,"currency":"usd","payment_intent":"pi_3"},
				{"id":"cs_2","object":"checkout.session","created":1765000200,"mode":"payment","status":"complete","payment_status":"unpaid","amount_total":200,"currency":"usd","payment_intent":"pi_2"}]}`)
		case r.URL.Path == "/v1/checkout/sessions":
			io.WriteString(w, `{"object":"list","has_more":false,"data":[
				{"id":"cs_1","object":"checkout.session","created":1765000100,"mode":"payment","status":"complete","payment_status":"paid","amount_total":100,"currency":"usd","payment_intent":"pi_1"},
				{"id":"cs_0","object":"checkout.session","created":1765000000,"mode":"payment","status":"complete","payment_status":"paid","amount_total":-5,"currency":"usd"}]}`)
		case r.URL.Path == "/v1/invoices":
			io.WriteString(w, `{"object":"list","has_more":false,"data":[
				{"id":"in_2","object":"invoice","created":1765000250,"status":"paid","billing_reason":"subscription_cycle","amount_paid":900,"currency":"eur","status_transitions":{"paid_at":1765000260}},
				{"id":"in_1","object":"invoice","created":1765000150,"status":"paid","billing_reason":"subscription_create","amount_paid":900,"currency":"eur"}]}`)
		default:
			io.WriteString(w, `{"object":"list","has_more":false,"data":[]}`)
		}
	}))
	defer srv.Close()
	now := time.Unix(1765003600, 0)
	p := New(Options{BaseURL: srv.URL, Now: func() time.Time { return now }})
	ctx := context.Background()
	c := integrations.Credentials{APIKey: mockKey}
	since := time.Unix(1764900000, 0)

	first, next, more, err := p.Sync(ctx, c, "", since)
	if err != nil || !more {
		t.Fatalf("first call: more %v, err %v, want more", more, err)
	}
	if ids := paymentIDs(first); ids != "pi_3" {
		t.Fatalf("first call's payments %s, want pi_3 (cs_2 is unpaid)", ids)
	}
	if next != "0.1764900000.1765003600.0.cs_2" {
		t.Fatalf("next cursor %q", next)
	}
	second, next, more, err := p.Sync(ctx, c, next, time.Time{})
	if err != nil || more {
		t.Fatalf("second call: more %v, err %v", more, err)
	}
	// Each list's page oldest first; sessions before invoices; cs_0's
	// negative amount is left out, not the sync.
	if ids := paymentIDs(second); ids != "pi_1 in_1 in_2" {
		t.Fatalf("second call's payments %s, want pi_1 in_1 in_2", ids)
	}
	if !second[2].Renewal || second[1].Renewal || !second[2].Time.Equal(time.Unix(1765000260, 0)) || second[2].Amount != 9 || second[2].Currency != "EUR" {
		t.Fatalf("invoices %+v", second[1:])
	}
	want := []string{
		"/v1/checkout/sessions?limit=100&created[gte]=1764900000&created[lte]=1765003600&status=complete",
		"/v1/checkout/sessions?limit=100&starting_after=cs_2&created[gte]=1764900000&created[lte]=1765003600&status=complete",
		"/v1/invoices?limit=100&created[gte]=1764900000&created[lte]=1765003600&status=paid",
		"/v1/refunds?limit=100&created[gte]=1764900000&created[lte]=1765003600&expand[0]=data.charge",
	}
	if got := unescape(requests); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The next pass reads back 25 hours of sessions, 72 of invoices and
	// 10 minutes of refunds.
	requests, empty = nil, true
	now = now.Add(time.Hour)
	if _, _, _, err := p.Sync(ctx, c, next, time.Time{}); err != nil {
		t.Fatal(err)
	}
	from := int64(1765003600)
	for i, back := range []int64{25 * 3600, 72 * 3600, 600} {
		if want := "created[gte]=" + itoa(from-back) + "&created[lte]=" + itoa(now.Unix()); !strings.Contains(unescape(requests)[i], want) {
			t.Errorf("request %d of the next pass %s, want %s", i, unescape(requests)[i], want)
		}
	}
}

func paymentIDs(payments []integrations.Payment) string {
	ids := make([]string, len(payments))
	for i, p := range payments {
		ids[i] = p.ID
	}
	return strings.Join(ids, " ")
}

func unescape(requests []string) []string {
	out := make([]string, len(requests))
	for i, r := range requests {
		out[i] = strings.NewReplacer("%5B", "[", "%5D", "]").Replace(r)
	}
	return out
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func assertPayments(t *testing.T, got, want []integrations.Payment) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d payments %+v, want %d: %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("payment %d time %s, want %s", i, got[i].Time, want[i].Time)
		}
		g, w := got[i], want[i]
		g.Time, w.Time = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("payment %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
