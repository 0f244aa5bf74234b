package api

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/rates"
	"github.com/openfast/openfast/storetest"
)

// eventsEnv is a test server with the DuckDB event store and the writer,
// one website, its owner's token and a visitor with a pageview.
type eventsEnv struct {
	*testEnv
	events  *duckdb.DB
	writer  *ingest.Writer
	path    string // query suffix: ?websiteId=...
	visitor string
}

// openEvents opens a DuckDB event store and its writer in a temporary
// folder, closed when t ends.
func openEvents(t testing.TB) (*duckdb.DB, *ingest.Writer) {
	t.Helper()
	dir := t.TempDir()
	events, err := duckdb.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	writer, err := ingest.OpenWriter(context.Background(), ingest.WriterConfig{Store: events, Dir: filepath.Join(dir, ingest.JournalDir), QueueSize: 1000, MaxBatch: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close(); events.Close() })
	return events, writer
}

func newEventsEnv(t testing.TB) *eventsEnv {
	t.Helper()
	events, writer := openEvents(t)
	e := newTestEnv(t, func(c *testConfig) { c.EventStore, c.EventWriter, c.Rates = events, writer, rates.New() })
	e.setup()
	pv := storetest.SampleEvent(e.site, 1)
	if err := events.InsertEvents(context.Background(), []openfast.Event{pv}); err != nil {
		t.Fatal(err)
	}
	return &eventsEnv{testEnv: e, events: events, writer: writer, path: "?websiteId=" + e.site, visitor: pv.VisitorID.String()}
}

// db is the event database, once every acknowledged event is in it.
func (e *eventsEnv) db(t *testing.T) *sql.DB {
	t.Helper()
	if err := e.writer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e.events.SQL()
}

func (e *eventsEnv) count(t *testing.T, typ openfast.EventType) int {
	t.Helper()
	var n int
	if err := e.db(t).QueryRow(`SELECT count(*) FROM events WHERE website_id = ? AND type = ?`, e.site, uint8(typ)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGoals(t *testing.T) {
	e := newEventsEnv(t)
	unknown := "f0000000-0000-4000-8000-000000000000"
	d := e.do("POST", "/api/v1/goals"+e.path, e.admin, map[string]any{
		"datafast_visitor_id": e.visitor, "name": "Signed Up", "description": "from <b>API</b>", "metadata": map[string]any{"plan": "pro<script>"},
	}).first()
	if d["message"] != "Custom event created successfully" || !openfast.ValidID(d["eventId"].(string)) {
		t.Fatalf("create: %v", d)
	}
	var goal, props string
	if err := e.db(t).QueryRow(`SELECT goal, props FROM events WHERE type = 2`).Scan(&goal, &props); err != nil || goal != "signed_up" || props != `{"description":"from API","plan":"pro"}` {
		t.Fatalf("stored goal %q props %q (%v)", goal, props, err)
	}
	e.do("POST", "/api/v1/goals"+e.path, e.admin, map[string]any{"visitorId": e.visitor, "name": "upgrade"}).ok()

	for _, tc := range []struct {
		body   map[string]any
		status int
		msg    string
	}{
		{map[string]any{"name": "x"}, 400, "datafast_visitor_id is required"},
		{map[string]any{"datafast_visitor_id": "nope", "name": "x"}, 400, "UUID"},
		{map[string]any{"datafast_visitor_id": e.visitor}, 400, "name is required"},
		{map[string]any{"datafast_visitor_id": e.visitor, "name": "a/b"}, 400, "name must use"},
		{map[string]any{"datafast_visitor_id": e.visitor, "name": "identify"}, 400, "reserved"},
		{map[string]any{"datafast_visitor_id": e.visitor, "name": "x", "metadata": map[string]any{"Bad Key": "v"}}, 400, "metadata key"},
		{map[string]any{"datafast_visitor_id": e.visitor, "name": "x", "metadata": map[string]any{"n": 1}}, 400, "must be a string"},
		{map[string]any{"datafast_visitor_id": unknown, "name": "x"}, 404, "No pageview"},
	} {
		e.do("POST", "/api/v1/goals"+e.path, e.admin, tc.body).fails(tc.status, tc.msg)
	}
	many := map[string]any{}
	for i := range 11 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	e.do("POST", "/api/v1/goals"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor, "name": "x", "metadata": many}).fails(400, "at most 10")
	if n := e.count(t, openfast.EventCustom); n != 2 {
		t.Fatalf("%d goals stored, want 2", n)
	}

	e.do("DELETE", "/api/v1/goals"+e.path, e.admin, nil).fails(400, "Give datafast_visitor_id")
	e.do("DELETE", "/api/v1/goals"+e.path+"&start=2020-01-01", e.admin, nil).fails(400, "together")
	e.do("DELETE", "/api/v1/goals"+e.path+"&name=nothing", e.admin, nil).fails(404)
	d = e.do("DELETE", "/api/v1/goals"+e.path+"&name=Signed%20Up", e.admin, nil).first()
	if d["goal_name"] != "signed_up" || d["deleted"] != float64(1) {
		t.Fatalf("delete by name: %v", d)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	d = e.do("DELETE", "/api/v1/goals"+e.path+"&datafast_visitor_id="+e.visitor+"&startAt="+today+"&endAt="+today, e.admin, nil).first()
	if d["message"] != "Goal events deleted successfully within time range" || d["timeRange"] == nil || d["deleted"] != float64(1) {
		t.Fatalf("delete by visitor in range: %v", d)
	}
	if n := e.count(t, openfast.EventCustom); n != 0 {
		t.Fatalf("%d goals left", n)
	}
}

func TestPayments(t *testing.T) {
	e := newEventsEnv(t)
	body := map[string]any{"amount": 29.99, "currency": "usd", "transaction_id": "payment_456", "datafast_visitor_id": e.visitor, "email": "a@example.com"}
	res := e.do("POST", "/api/v1/payments"+e.path, e.admin, body)
	if res.status != 200 || res.json["message"] != "Payment recorded and attributed successfully" || res.json["transaction_id"] != "payment_456" || res.json["status"] != nil {
		t.Fatalf("payment: %d %s", res.status, res.body)
	}
	res = e.do("POST", "/api/v1/payments"+e.path, e.admin, body)
	if res.status != 200 || res.json["message"] == "Payment recorded and attributed successfully" {
		t.Fatalf("duplicate: %d %s", res.status, res.body)
	}
	var cents int64
	var currency string
	if err := e.db(t).QueryRow(`SELECT revenue_cents, currency FROM events WHERE type = 4`).Scan(&cents, &currency); err != nil || cents != 2999 || currency != "USD" {
		t.Fatalf("stored %d %s (%v)", cents, currency, err)
	}
	if n := e.count(t, openfast.EventPayment); n != 1 {
		t.Fatalf("%d payments after a duplicate, want 1", n)
	}
	for _, tc := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"currency": "USD", "transaction_id": "t"}, "amount"},
		{map[string]any{"amount": -1, "currency": "USD", "transaction_id": "t"}, "amount"},
		{map[string]any{"amount": 1, "currency": "dollars", "transaction_id": "t"}, "currency"},
		{map[string]any{"amount": 1, "currency": "XYZ", "transaction_id": "t"}, "currency XYZ has no exchange rate"},
		{map[string]any{"amount": 1, "currency": "USD"}, "transaction_id"},
		{map[string]any{"amount": 1, "currency": "USD", "transaction_id": "t", "renewal": "yes"}, "renewal"},
		{map[string]any{"amount": 1, "currency": "USD", "transaction_id": "t", "timestamp": "yesterday"}, "timestamp"},
	} {
		e.do("POST", "/api/v1/payments"+e.path, e.admin, tc.body).fails(400, tc.msg)
	}
	e.do("DELETE", "/api/v1/payments"+e.path+"&transaction_id=nope", e.admin, nil).fails(404, "Transaction not found")
	e.do("DELETE", "/api/v1/payments"+e.path, e.admin, nil).fails(400)
	d := e.do("DELETE", "/api/v1/payments"+e.path+"&tx_id=payment_456", e.admin, nil).first()
	if d["transaction_id"] != "payment_456" || d["deleted"] != float64(1) {
		t.Fatalf("delete: %v", d)
	}
	if n := e.count(t, openfast.EventPayment); n != 0 {
		t.Fatalf("%d payments left", n)
	}
}

// A server-side payment with an email and no visitor id goes to the
// visitor that the tracker linked to that email (window.datafast("payment",
// {email}) is a hint, not a payment).
func TestPayments_AttributedByEmail(t *testing.T) {
	e := newEventsEnv(t)
	visitor, _ := openfast.ParseUUID(e.visitor)
	hint := storetest.SampleEvent(e.site, 2)
	hint.Type, hint.VisitorID, hint.Props = openfast.EventPaymentHint, visitor, `{"email":"Buyer@Example.com"}`
	if err := e.events.InsertEvents(context.Background(), []openfast.Event{hint}); err != nil {
		t.Fatal(err)
	}
	for _, tx := range []string{"tx_email", "tx_other"} {
		email := map[string]string{"tx_email": "buyer@example.com", "tx_other": "other@example.com"}[tx]
		if res := e.do("POST", "/api/v1/payments"+e.path, e.admin, map[string]any{"amount": 10, "currency": "USD", "transaction_id": tx, "email": email}); res.status != 200 {
			t.Fatalf("payment %s: %d %s", tx, res.status, res.body)
		}
	}
	var got string
	if err := e.db(t).QueryRow(`SELECT CAST(visitor_id AS VARCHAR) FROM events WHERE type = 4 AND transaction_id = 'tx_email'`).Scan(&got); err != nil || got != e.visitor {
		t.Fatalf("payment by email went to %q, want %s (%v)", got, e.visitor, err)
	}
	if err := e.db(t).QueryRow(`SELECT CAST(visitor_id AS VARCHAR) FROM events WHERE type = 4 AND transaction_id = 'tx_other'`).Scan(&got); err != nil || got != "00000000-0000-0000-0000-000000000000" {
		t.Fatalf("payment of an unknown email went to %q (%v)", got, err)
	}
	if n := e.count(t, openfast.EventPaymentHint); n != 1 {
		t.Fatalf("%d hints", n)
	}
}

func TestIdentify(t *testing.T) {
	e := newEventsEnv(t)
	res := e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"user_id": "user_1", "datafast_visitor_id": e.visitor, "plan": "pro", "email": "a@example.com"})
	d, ok := res.ok().(map[string]any)
	if !ok || d["message"] != "User profile created successfully" || !openfast.ValidID(d["profileId"].(string)) {
		t.Fatalf("identify: %s", res.body)
	}
	var props string
	if err := e.db(t).QueryRow(`SELECT props FROM events WHERE type = 3`).Scan(&props); err != nil || props != `{"email":"a@example.com","plan":"pro","user_id":"user_1"}` {
		t.Fatalf("props %q (%v)", props, err)
	}
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"datafast_visitor_id": e.visitor}).fails(400, "user_id")
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"user_id": string(make([]byte, 256)), "datafast_visitor_id": e.visitor}).fails(400, "user_id")
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"user_id": "u"}).fails(400, "datafast_visitor_id")
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"user_id": "u", "datafast_visitor_id": "f0000000-0000-4000-8000-000000000000"}).fails(404)

	// On a cookieless website: success, nothing kept.
	e.do("PUT", "/api/v1/admin/websites/"+e.site, e.admin, map[string]any{"isCookieless": true}).ok()
	e.do("POST", "/api/v1/identify"+e.path, e.admin, map[string]any{"user_id": "user_2", "datafast_visitor_id": "f0000000-0000-4000-8000-000000000000"}).ok()
	if n := e.count(t, openfast.EventIdentify); n != 1 {
		t.Fatalf("%d identify events, want 1", n)
	}
}

func TestServerSideWrites_Authorization(t *testing.T) {
	e := newEventsEnv(t)
	_, key := e.key(e.admin, e.site)
	// A df_ key implies its website.
	e.do("POST", "/api/v1/goals", key, map[string]any{"datafast_visitor_id": e.visitor, "name": "by_key"}).ok()
	_, viewer := e.user("viewer@example.com", nil, nil)
	e.join(e.admin, e.site, "viewer@example.com", viewer, openfast.RoleViewer)
	e.do("POST", "/api/v1/goals"+e.path, viewer, map[string]any{"datafast_visitor_id": e.visitor, "name": "x"}).fails(403, "viewer")
	readOnly := e.token(e.adminID, []string{"analytics:read"}, nil)
	e.do("POST", "/api/v1/payments"+e.path, readOnly, map[string]any{}).fails(403, "payments:write")
	e.do("POST", "/api/v1/identify", e.admin, map[string]any{}).fails(400, "websiteId")
}

// fuzzEventBody fuzzes one server-side write's body through the real
// router and stores: never a 5xx, and a refused body stores nothing.
func fuzzEventBody(f *testing.F, path string, seeds ...string) {
	e := newEventsEnv(f)
	for _, s := range append(seeds, "", "{}", "null", "[]", `{"a":`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		te := e.with(t)
		var before int64
		if err := e.db(t).QueryRow(`SELECT count(*) FROM events`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		res := te.do("POST", path+e.path, e.admin, body)
		if res.status >= 500 {
			t.Fatalf("status %d for %q: %s", res.status, body, res.body)
		}
		var after int64
		if err := e.db(t).QueryRow(`SELECT count(*) FROM events`).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if res.status != 200 && after != before {
			t.Fatalf("refused (%d) but stored %d events", res.status, after-before)
		}
	})
}

func FuzzCreateGoalBody(f *testing.F) {
	v := storetest.SampleEvent("", 1).VisitorID.String()
	fuzzEventBody(f, "/api/v1/goals", `{"datafast_visitor_id":"`+v+`","name":"signup","metadata":{"plan":"pro"}}`,
		`{"visitorId":"`+v+`","name":"Sign Up","description":"<b>x</b>"}`, `{"datafast_visitor_id":"`+v+`","name":"identify"}`)
}

func FuzzCreatePaymentBody(f *testing.F) {
	fuzzEventBody(f, "/api/v1/payments", `{"amount":29.99,"currency":"USD","transaction_id":"tx_1"}`,
		`{"amount":0,"currency":"eur","transaction_id":"tx_2","refunded":true,"timestamp":"2026-01-01T00:00:00Z","email":"a@b.c"}`,
		`{"amount":"1","currency":"USD","transaction_id":"x"}`)
}

func FuzzIdentifyBody(f *testing.F) {
	v := storetest.SampleEvent("", 1).VisitorID.String()
	fuzzEventBody(f, "/api/v1/identify", `{"user_id":"u1","datafast_visitor_id":"`+v+`","plan":"pro"}`, `{"user_id":"","datafast_visitor_id":"`+v+`"}`)
}

// TestPaymentClaims: concurrent posts of one transaction id record it
// once; a payment deleted (here by visitor) frees its id for a new one.
func TestPaymentClaims(t *testing.T) {
	e := newEventsEnv(t)
	body := map[string]any{"amount": 10, "currency": "USD", "transaction_id": "tx_claim", "datafast_visitor_id": e.visitor}
	var wg sync.WaitGroup
	var recorded atomic.Int32
	for range 8 {
		wg.Go(func() {
			res := e.do("POST", "/api/v1/payments"+e.path, e.admin, body)
			if res.status == 200 && res.json["message"] == "Payment recorded and attributed successfully" {
				recorded.Add(1)
			} else if res.status != 200 {
				t.Errorf("concurrent payment: %d %s", res.status, res.body)
			}
		})
	}
	wg.Wait()
	if recorded.Load() != 1 || e.count(t, openfast.EventPayment) != 1 {
		t.Fatalf("%d recorded, %d stored", recorded.Load(), e.count(t, openfast.EventPayment))
	}
	e.do("DELETE", "/api/v1/payments"+e.path+"&datafast_visitor_id="+e.visitor, e.admin, nil).first()
	res := e.do("POST", "/api/v1/payments"+e.path, e.admin, body)
	if res.status != 200 || res.json["message"] != "Payment recorded and attributed successfully" {
		t.Fatalf("after delete: %d %s", res.status, res.body)
	}
}

// TestWebsiteCurrency_NeedsARate: with exchange rates in use, a website's
// currency must be one they convert to, or no revenue figure could be
// shown in it.
func TestWebsiteCurrency_NeedsARate(t *testing.T) {
	e := newEventsEnv(t)
	site := "/api/v1/admin/websites/" + e.site
	e.do("PUT", site, e.admin, map[string]any{"currency": "XYZ"}).fails(400, "currency XYZ has no exchange rate")
	if d := e.do("PUT", site, e.admin, map[string]any{"currency": "jpy"}).first(); d["currency"] != "JPY" {
		t.Fatalf("currency = %v, want JPY", d["currency"])
	}
}
