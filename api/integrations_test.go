package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/internal/providertest"
	"github.com/openfast/openfast/rates"
	"github.com/openfast/openfast/storetest"
)

// integrationsEnv is a server with the event store, fake payment
// providers, one website and its owner's token.
type integrationsEnv struct {
	*eventsEnv
	fakes map[string]*providertest.Fake
	clock *clock
}

func newIntegrationsEnv(t testing.TB, opts ...func(*testConfig)) *integrationsEnv {
	t.Helper()
	events, writer := openEvents(t)
	fakes := providertest.Providers()
	expires := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	fakes[integrations.Paddle].KeyExpiresAt = &expires
	c := &clock{}
	public, _ := url.Parse("https://analytics.example.com/")
	e := newTestEnv(t, append([]func(*testConfig){func(cfg *testConfig) {
		cfg.EventStore, cfg.EventWriter, cfg.Rates = events, writer, rates.New()
		cfg.Providers, cfg.Now, cfg.PublicURL = providertest.AsProviders(fakes), c.Now, public
	}}, opts...)...)
	e.setup()
	pv := storetest.SampleEvent(e.site, 1)
	if err := events.InsertEvents(context.Background(), []openfast.Event{pv}); err != nil {
		t.Fatal(err)
	}
	ev := &eventsEnv{testEnv: e, events: events, writer: writer, path: "?websiteId=" + e.site, visitor: pv.VisitorID.String()}
	return &integrationsEnv{eventsEnv: ev, fakes: fakes, clock: c}
}

func (e *integrationsEnv) integrationsURL() string {
	return "/api/v1/admin/websites/" + e.site + "/integrations"
}

// connect connects a provider with a webhook secret and waits for the
// first sync.
func (e *integrationsEnv) connect(provider string, body map[string]any) map[string]any {
	e.t.Helper()
	d := e.do("POST", e.integrationsURL()+"/"+provider, e.admin, body).first()
	e.srv.app.WaitSyncs()
	return d
}

// webhook sends a webhook body signed with secret at the env's time.
func (e *integrationsEnv) webhook(provider, site, secret string, body []byte) *response {
	e.t.Helper()
	return e.postWebhook(provider, site, providertest.Sign(secret, body, e.clock.Now()), body)
}

// postWebhook sends a webhook body with the headers h.
func (e *integrationsEnv) postWebhook(provider, site string, h http.Header, body []byte) *response {
	e.t.Helper()
	return postWebhook(e.testEnv, provider, site, h, body)
}

func postWebhook(e *testEnv, provider, site string, h http.Header, body []byte) *response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.http.URL+"/api/webhooks/"+provider+"/"+site, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	return e.send(req, body)
}

func webhookBody(t testing.TB, id string, payments ...integrations.Payment) []byte {
	b, err := json.Marshal(providertest.WebhookBody{ID: id, Payments: payments})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payment is a recorded payment event.
type payment struct {
	visitor  string
	cents    int64
	currency string
	props    map[string]string
}

// payments returns the website's payments by transaction id.
func (e *integrationsEnv) payments(t *testing.T) map[string]payment {
	t.Helper()
	rows, err := e.db(t).Query(`SELECT transaction_id, CAST(visitor_id AS VARCHAR), revenue_cents, currency, props FROM events WHERE website_id = ? AND type = ?`,
		e.site, uint8(openfast.EventPayment))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]payment{}
	for rows.Next() {
		var tx, props string
		var p payment
		if err := rows.Scan(&tx, &p.visitor, &p.cents, &p.currency, &props); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(props), &p.props); err != nil {
			t.Fatal(err)
		}
		out[tx] = p
	}
	return out
}

func TestIntegrations_ConnectListDisconnect(t *testing.T) {
	e := newIntegrationsEnv(t)
	list := e.do("GET", e.integrationsURL(), e.admin, nil).first()
	for _, p := range []string{"stripe", "lemonsqueezy", "polar", "paddle", "shopify", "woocommerce"} {
		if c := list[p].(map[string]any); c["connected"] != false {
			t.Fatalf("%s connected before connecting: %v", p, list)
		}
	}
	if list["currency"] != "USD" || list["stripe"].(map[string]any)["webhookUrl"] != "https://analytics.example.com/api/webhooks/stripe/"+e.site {
		t.Fatalf("integrations = %v", list)
	}

	stripe := e.integrationsURL() + "/stripe"
	e.do("POST", stripe, e.admin, map[string]any{}).fails(400, "stripeRak is required.")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": 42}).fails(400, "stripeRak must be a string")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": "test_1"}).fails(400, "test-mode keys are refused; start the server with --allow-test-payments to accept them")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": "sk_1"}).fails(400, "The key must start with live_.")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": "live_refused"}).fails(400, "refused this key")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": "live_unreachable"}).fails(503, "Stripe could not be reached")
	e.do("POST", stripe, e.admin, map[string]any{"stripeRak": "live 1"}).fails(400, "without spaces")
	e.do("POST", stripe, e.admin, `{"stripeRak":"`+strings.Repeat("a", 70<<10)+`"}`).fails(413)
	e.do("POST", e.integrationsURL()+"/lemonsqueezy", e.admin, map[string]any{"lemonsqueezyApiKey": "live_1"}).fails(400, "lemonsqueezyStoreId is required.")
	e.do("POST", e.integrationsURL()+"/shopify", e.admin, map[string]any{}).fails(404, "No route")

	for provider, c := range map[string]struct {
		body map[string]any
		msg  string
	}{
		"stripe":       {map[string]any{"stripeRak": "live_stripe", "webhookSecret": "whsec_1"}, "Stripe connected successfully"},
		"lemonsqueezy": {map[string]any{"lemonsqueezyApiKey": "live_ls", "lemonsqueezyStoreId": "123"}, "Lemon Squeezy connected successfully"},
		"polar":        {map[string]any{"polarAccessToken": "live_polar", "polarOrgId": "org_1"}, "Polar connected successfully"},
		"paddle":       {map[string]any{"paddleApiKey": "live_paddle"}, "Paddle connected successfully"},
	} {
		d := e.connect(provider, c.body)
		if d["message"] != c.msg || d["currency"] != "USD" {
			t.Fatalf("connect %s = %v", provider, d)
		}
	}
	// The provider got the credentials as sent.
	if calls := e.fakes["lemonsqueezy"].Calls(); len(calls) != 1 || calls[0].Credentials != (integrations.Credentials{APIKey: "live_ls", Account: "123"}) {
		t.Fatalf("lemonsqueezy syncs: %+v", calls)
	}
	list = e.do("GET", e.integrationsURL(), e.admin, nil).first()
	for _, p := range []string{"stripe", "lemonsqueezy", "polar", "paddle"} {
		c := list[p].(map[string]any)
		if c["connected"] != true || c["lastSyncedAt"] == nil || c["lastSyncError"] != nil || c["connectedAt"] == nil {
			t.Fatalf("%s after connecting: %v", p, c)
		}
		if (p == "stripe") != (c["webhookConfigured"] == true) {
			t.Fatalf("%s webhookConfigured: %v", p, c)
		}
	}
	if list["paddle"].(map[string]any)["keyExpiresAt"] != "2027-03-01T00:00:00.000Z" || list["shopify"].(map[string]any)["connected"] != false {
		t.Fatalf("integrations = %v", list)
	}
	if strings.Contains(string(e.do("GET", e.integrationsURL(), e.admin, nil).body), "live_") {
		t.Fatal("the integrations read shows a key")
	}

	// A viewer reads, a member connects; a viewer may not.
	viewerID, viewer := e.user("viewer@example.com", nil, nil)
	e.join(e.admin, e.site, "viewer@example.com", viewer, openfast.RoleViewer)
	e.do("GET", e.integrationsURL(), viewer, nil).ok()
	e.do("POST", stripe, viewer, map[string]any{"stripeRak": "live_x"}).fails(403)
	_ = viewerID

	e.do("DELETE", e.integrationsURL()+"/polar", e.admin, nil).first()
	e.do("DELETE", e.integrationsURL()+"/polar", e.admin, nil).fails(404, "Polar is not connected to this website.")
	d := e.do("DELETE", e.integrationsURL()+"/paddle", e.admin, nil).first()
	if d["message"] != "Paddle disconnected successfully" {
		t.Fatalf("disconnect = %v", d)
	}
	list = e.do("GET", e.integrationsURL(), e.admin, nil).first()
	if list["polar"].(map[string]any)["connected"] != false || list["stripe"].(map[string]any)["connected"] != true {
		t.Fatalf("after disconnecting: %v", list)
	}

	// The audit log records the changes, with no secret.
	log := e.do("GET", "/api/v1/admin/websites/"+e.site+"/audit-log", e.admin, nil)
	for _, action := range []string{openfast.AuditIntegrationConnect, openfast.AuditIntegrationDisconnect} {
		if !strings.Contains(string(log.body), action) {
			t.Fatalf("audit log without %s: %s", action, log.body)
		}
	}
	if strings.Contains(string(log.body), "live_") || strings.Contains(string(log.body), "whsec_") {
		t.Fatalf("audit log shows a secret: %s", log.body)
	}
}

func TestIntegrations_TestPayments(t *testing.T) {
	e := newIntegrationsEnv(t, func(c *testConfig) { c.AllowTestPayments = true })
	if d := e.connect("stripe", map[string]any{"stripeRak": "test_1"}); d["message"] != "Stripe connected successfully" {
		t.Fatalf("connect with a test key and --allow-test-payments = %v", d)
	}
}

func TestIntegrations_NotSupported(t *testing.T) {
	e := newIntegrationsEnv(t, func(c *testConfig) { delete(c.Providers, integrations.Polar) })
	e.do("POST", e.integrationsURL()+"/polar", e.admin, map[string]any{"polarAccessToken": "live_1", "polarOrgId": "o"}).fails(400, "Polar is not supported by this server.")
}

// TestWebhook sends signed webhooks through the real router: payments are
// recorded once, attributed in order (the checkout's visitor id, the
// tracker's checkout hint, the email), refunds negative; refused webhooks
// store nothing.
func TestWebhook(t *testing.T) {
	e := newIntegrationsEnv(t)
	ctx := context.Background()
	hint := storetest.SampleEvent(e.site, 2)
	hint.Type, hint.Props = openfast.EventPaymentHint, `{"stripe_session_id":"cs_live_1"}`
	ident := storetest.SampleEvent(e.site, 3)
	ident.Type, ident.Props = openfast.EventIdentify, `{"user_id":"u1","email":"buyer@example.com"}`
	if err := e.events.InsertEvents(ctx, []openfast.Event{hint, ident}); err != nil {
		t.Fatal(err)
	}
	e.connect("stripe", map[string]any{"stripeRak": "live_1", "webhookSecret": "whsec_1"})
	e.connect("polar", map[string]any{"polarAccessToken": "live_2", "polarOrgId": "org"}) // no webhook secret

	at := e.clock.Now().Add(-time.Hour).UTC()
	pays := []integrations.Payment{
		{ID: "pi_visitor", Amount: 29.99, Currency: "USD", Time: at, VisitorID: e.visitor, CheckoutKey: "stripe_session_id", CheckoutID: "cs_live_1", Email: "buyer@example.com"},
		{ID: "pi_hint", Amount: 10, Currency: "eur", Time: at, VisitorID: "not-a-uuid", CheckoutKey: "stripe_session_id", CheckoutID: "cs_live_1", Email: "buyer@example.com", Name: "Buyer", CustomerID: "cus_1"},
		{ID: "pi_email", Amount: 5, Currency: "USD", Time: at, Email: "BUYER@example.com", Renewal: true},
		{ID: "pi_nobody", Amount: 7, Currency: "USD", Time: at, Email: "other@example.com"},
		{ID: "re_1", Amount: 5, Currency: "USD", Time: at, Refund: true, Email: "buyer@example.com"},
		{ID: "pi_rate", Amount: 1, Currency: "XXX", Time: at},
	}
	d := e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_1", pays...)).first()
	if d["payments"] != 6.0 || d["recorded"] != 5.0 || d["notRecorded"] != 1.0 || d["message"] != "5 of 6 payments recorded" {
		t.Fatalf("webhook = %v", d)
	}
	got := e.payments(t)
	none := openfast.UUID{}.String()
	for tx, want := range map[string]payment{
		"stripe:pi_visitor": {visitor: e.visitor, cents: 2999},
		"stripe:pi_hint":    {visitor: hint.VisitorID.String(), cents: 1000},
		"stripe:pi_email":   {visitor: ident.VisitorID.String(), cents: 500},
		"stripe:pi_nobody":  {visitor: none, cents: 700},
		"stripe:re_1":       {visitor: ident.VisitorID.String(), cents: -500},
	} {
		p, ok := got[tx]
		if !ok || p.visitor != want.visitor || p.cents != want.cents || p.props["provider"] != "stripe" {
			t.Fatalf("%s = %+v (recorded %v), want %+v", tx, p, ok, want)
		}
	}
	if got["stripe:pi_email"].props["renewal"] != "true" || got["stripe:re_1"].props["refunded"] != "true" ||
		got["stripe:pi_hint"].props["customer_id"] != "cus_1" || got["stripe:pi_hint"].props["name"] != "Buyer" {
		t.Fatalf("props: %+v", got)
	}
	if len(got) != 5 {
		t.Fatalf("%d payments recorded, want 5", len(got))
	}

	// Refused: nothing more is stored.
	e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_1", pays...)).fails(400, "received already")
	e.webhook("stripe", e.site, "wrong", webhookBody(t, "evt_2", integrations.Payment{ID: "pi_2", Amount: 1, Currency: "USD"})).fails(400, "signature")
	e.clock.Advance(10 * time.Minute)
	stale := webhookBody(t, "evt_3", integrations.Payment{ID: "pi_3", Amount: 1, Currency: "USD"})
	req, _ := http.NewRequest("POST", e.http.URL+"/api/webhooks/stripe/"+e.site, bytes.NewReader(stale))
	req.Header = providertest.Sign("whsec_1", stale, e.clock.Now().Add(-6*time.Minute))
	e.send(req, stale).fails(400, "more than 5 minutes")
	e.webhook("stripe", e.site, "whsec_1", []byte(`{"id":`)).fails(400, "not the JSON")
	e.webhook("polar", e.site, "whsec_1", webhookBody(t, "evt_4")).fails(400, "No webhook secret is set for Polar")
	e.webhook("paddle", e.site, "whsec_1", webhookBody(t, "evt_5")).fails(404, "Paddle is not connected to this website.")
	e.webhook("shopify", e.site, "whsec_1", webhookBody(t, "evt_6")).fails(404, "Unknown payment provider")
	e.webhook("stripe", openfast.NewID(), "whsec_1", webhookBody(t, "evt_7")).fails(404, "Stripe is not connected")
	e.webhook("stripe", "not-an-id", "whsec_1", webhookBody(t, "evt_8")).fails(404, "Website not found.")
	e.webhook("stripe", e.site, "whsec_1", append([]byte(`{"id":"x","pad":"`), append(bytes.Repeat([]byte("a"), 1<<20), '"', '}')...)).fails(413, "1 MiB")
	if n := len(e.payments(t)); n != 5 {
		t.Fatalf("%d payments after refused webhooks, want 5", n)
	}

	// A new event with a payment seen before: a duplicate, not a second
	// payment.
	d = e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_9", pays[0])).first()
	if d["recorded"] != 0.0 || d["duplicates"] != 1.0 {
		t.Fatalf("webhook of a recorded payment = %v", d)
	}
	// A disconnected provider's webhooks are refused.
	e.do("DELETE", e.integrationsURL()+"/stripe", e.admin, nil).ok()
	e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_10", integrations.Payment{ID: "pi_10", Amount: 1, Currency: "USD"})).fails(404)
	if n := len(e.payments(t)); n != 5 {
		t.Fatalf("%d payments, want 5", n)
	}
}

// TestWebhook_ReplayCacheFull: when the replay cache holds only fresh
// events, a webhook is answered 503 with Retry-After, and nothing is
// stored.
func TestWebhook_ReplayCacheFull(t *testing.T) {
	e := newIntegrationsEnv(t, func(c *testConfig) { c.MaxWebhookReplays = 2 })
	e.connect("stripe", map[string]any{"stripeRak": "live_1", "webhookSecret": "whsec_1"})
	for _, id := range []string{"evt_1", "evt_2"} {
		e.webhook("stripe", e.site, "whsec_1", webhookBody(t, id)).ok()
	}
	r := e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_3", integrations.Payment{ID: "pi_1", Amount: 1, Currency: "USD"}))
	r.fails(503, "Too many webhooks")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Once the first ones are older than the signature's window, room is
	// made.
	e.clock.Advance(integrations.MaxAge + time.Second)
	e.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_3", integrations.Payment{ID: "pi_1", Amount: 1, Currency: "USD"})).ok()
	if n := len(e.payments(t)); n != 1 {
		t.Fatalf("%d payments, want 1", n)
	}
}

// TestIntegrationSync: connecting syncs the last 30 days; each round goes
// on from the stored cursor; a failing provider is recorded and does not
// stop the others; a disconnected provider is not synced.
func TestIntegrationSync(t *testing.T) {
	e := newIntegrationsEnv(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	ctx := context.Background()
	stripe, polar := e.fakes["stripe"], e.fakes["polar"]
	stripe.AddPage(integrations.Payment{ID: "pi_1", Amount: 10, Currency: "USD", Time: now.Add(-time.Hour)},
		integrations.Payment{ID: "pi_2", Amount: 20, Currency: "USD", Time: now.Add(-2 * time.Hour), VisitorID: e.visitor})
	stripe.AddPage(integrations.Payment{ID: "pi_3", Amount: 30, Currency: "USD", Time: now.Add(-time.Minute), Renewal: true})
	e.connect("stripe", map[string]any{"stripeRak": "live_1"})
	calls := stripe.Calls()
	month := 30 * 24 * time.Hour
	if len(calls) != 2 || calls[0].Cursor != "" || calls[0].Since.Before(now.Add(-month)) || calls[0].Since.After(time.Now().Add(-month)) || calls[1].Cursor != "1" {
		t.Fatalf("first sync calls: %+v", calls)
	}
	if got := e.payments(t); len(got) != 3 || got["stripe:pi_2"].visitor != e.visitor || got["stripe:pi_3"].props["renewal"] != "true" {
		t.Fatalf("payments after the first sync: %+v", got)
	}

	// The next round resumes at the stored cursor; a failing provider is
	// recorded, the others go on.
	e.connect("polar", map[string]any{"polarAccessToken": "live_2", "polarOrgId": "org"})
	polar.FailSync(errors.New("polar is down"))
	stripe.AddPage(integrations.Payment{ID: "pi_4", Amount: 40, Currency: "USD", Time: now})
	e.clock.Advance(5 * time.Minute)
	e.srv.app.SyncIntegrations(ctx)
	calls = stripe.Calls()
	if last := calls[len(calls)-1]; last.Cursor != "2" {
		t.Fatalf("second round read from cursor %q, want 2", last.Cursor)
	}
	if got := e.payments(t); len(got) != 4 {
		t.Fatalf("%d payments after the second round, want 4", len(got))
	}
	list := e.do("GET", e.integrationsURL(), e.admin, nil).first()
	if errMsg, _ := list["polar"].(map[string]any)["lastSyncError"].(string); !strings.Contains(errMsg, "polar is down") {
		t.Fatalf("polar after a failed sync: %v", list["polar"])
	}
	if list["stripe"].(map[string]any)["lastSyncError"] != nil || list["stripe"].(map[string]any)["lastSyncedAt"] == nil {
		t.Fatalf("stripe after the second round: %v", list["stripe"])
	}

	// A payment in a currency without a rate is not dropped silently.
	stripe.AddPage(integrations.Payment{ID: "pi_5", Amount: 1, Currency: "XXX", Time: now})
	e.srv.app.SyncIntegrations(ctx)
	list = e.do("GET", e.integrationsURL(), e.admin, nil).first()
	if errMsg, _ := list["stripe"].(map[string]any)["lastSyncError"].(string); !strings.Contains(errMsg, "XXX has no exchange rate") {
		t.Fatalf("stripe after a payment without a rate: %v", list["stripe"])
	}

	// Disconnected: not synced any more.
	e.do("DELETE", e.integrationsURL()+"/stripe", e.admin, nil).ok()
	n := len(stripe.Calls())
	stripe.AddPage(integrations.Payment{ID: "pi_6", Amount: 1, Currency: "USD", Time: now})
	e.srv.app.SyncIntegrations(ctx)
	if len(stripe.Calls()) != n {
		t.Fatal("a disconnected provider was synced")
	}
	if got := e.payments(t); len(got) != 4 {
		t.Fatalf("%d payments, want the 4 recorded before", len(got))
	}
}

// TestIntegrations_AnotherSecretKey: a server started with another secret
// key cannot open the stored credentials: its sync records why, its
// webhooks answer 503 (the provider retries) and nothing is recorded;
// connecting again fixes it.
func TestIntegrations_AnotherSecretKey(t *testing.T) {
	e := newIntegrationsEnv(t)
	e.connect("stripe", map[string]any{"stripeRak": "live_1", "webhookSecret": "whsec_1"})
	other := newIntegrationsEnv(t, func(c *testConfig) { c.Store = e.store })
	other.site, other.admin = e.site, e.admin
	other.srv.app.SyncIntegrations(context.Background())
	list := other.do("GET", e.integrationsURL(), e.admin, nil).first()
	if msg, _ := list["stripe"].(map[string]any)["lastSyncError"].(string); !strings.Contains(msg, "--secret-key-file") {
		t.Fatalf("stripe with another key: %v", list["stripe"])
	}
	other.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_1", integrations.Payment{ID: "pi_1", Amount: 1, Currency: "USD"})).
		fails(503, "cannot be read: connect it again")
	if n := len(other.payments(t)); n != 0 {
		t.Fatalf("%d payments recorded", n)
	}
	other.connect("stripe", map[string]any{"stripeRak": "live_1", "webhookSecret": "whsec_1"})
	other.webhook("stripe", e.site, "whsec_1", webhookBody(t, "evt_2", integrations.Payment{ID: "pi_1", Amount: 1, Currency: "USD"})).ok()
}
