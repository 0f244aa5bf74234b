package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// Fixed ids of the events the visitor tests add to the fixture.
const (
	fixtureIdentifyID = "665f0b3c4d2e1a00123456a1"
	fixturePaymentID  = "665f0b3c4d2e1a00123456a2"
)

// newVisitorsEnv is newAnalyticsEnv with these events added on website A
// (analyticsNow is 12:00 UTC on 10 March):
//
//	V1, 9 March 09:08: identify through the API, {user_id: u_1, plan: pro}.
//	V1, session S7, 10 March 11:58: example.com/docs, Direct/None, gclid
//	   abc, viewport 1280×720 (US-CA, Chrome, Mac OS, desktop as before);
//	   11:59 an identify of the tracker {name: Ada, user_id: u_1, email};
//	   11:59:30 a payment of the tracker, 19.00 USD.
//	10 March 11:57: a payment through the API without a visitor, 5.00 USD.
func newVisitorsEnv(t *testing.T) *analyticsEnv {
	t.Helper()
	a := newAnalyticsEnv(t)
	at := func(day, h, m, s int) time.Time { return time.Date(2026, 3, day, h, m, s, 0, time.UTC) }
	v1, s7 := fixtureUUID(1), fixtureUUID(0x17)
	docs := openfast.Event{WebsiteID: a.site, Time: at(10, 11, 58, 0), Type: openfast.EventPageview, VisitorID: v1, SessionID: s7,
		Hostname: "example.com", Path: "/docs", EntryPath: "/docs", SessionReferrer: "Direct/None", Referrer: "Direct/None",
		CountryCode: "US", Region: "US-CA", City: "San Francisco", Browser: "Chrome", OS: "Mac OS", Device: "desktop",
		ViewportWidth: 1280, ViewportHeight: 720, AdClickIDs: `{"gclid":"abc"}`}
	identify := docs
	identify.Type, identify.Time, identify.AdClickIDs = openfast.EventIdentify, at(10, 11, 59, 0), ""
	identify.Props = `{"email":"ada@example.com","name":"Ada","user_id":"u_1"}`
	pay := docs
	pay.Type, pay.Time, pay.AdClickIDs = openfast.EventPayment, at(10, 11, 59, 30), ""
	pay.Props, pay.RevenueCents, pay.Currency = `{"email":"ada@example.com"}`, 1900, "USD"
	extra := []openfast.Event{
		{WebsiteID: a.site, Time: at(9, 9, 8, 0), Type: openfast.EventIdentify, VisitorID: v1,
			Props: `{"plan":"pro","user_id":"u_1"}`, EventID: fixtureIdentifyID},
		docs, identify, pay,
		{WebsiteID: a.site, Time: at(10, 11, 57, 0), Type: openfast.EventPayment, RevenueCents: 500, Currency: "USD",
			TransactionID: "tx_2", EventID: fixturePaymentID},
	}
	if err := a.events.InsertEvents(context.Background(), extra); err != nil {
		t.Fatal(err)
	}
	return a
}

// The rows of the visitors list of website A, all time.
const (
	rowV1 = `{"visitorId":"00000000-0000-4000-8000-000000000001","lastSeenAt":"2026-03-10T11:58:00.000Z","currentUrl":"example.com/docs",
		"identity":{"country":"US","region":"US-CA","city":"San Francisco","browser":"Chrome","os":"Mac OS","device":"desktop"},
		"acquisition":{"referrer":"Google","utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring","utm_term":"","utm_content":"","ref":"","source":"","via":""}}`
	rowV2 = `{"visitorId":"00000000-0000-4000-8000-000000000002","lastSeenAt":"2026-03-10T11:55:00.000Z","currentUrl":"example.com/blog",
		"identity":{"country":"FR","region":"FR-IDF","city":"Paris","browser":"Firefox","os":"Windows","device":"desktop"},
		"acquisition":{"referrer":"Direct/None","utm_source":"","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"","source":"","via":""}}`
	rowV3 = `{"visitorId":"00000000-0000-4000-8000-000000000003","lastSeenAt":"2026-03-10T08:01:30.000Z","currentUrl":"app.example.com/blog",
		"identity":{"country":"DE","region":"DE-BE","city":"Berlin","browser":"Mobile Safari","os":"iOS","device":"mobile"},
		"acquisition":{"referrer":"X","utm_source":"","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"producthunt","source":"","via":""}}`
	rowV4 = `{"visitorId":"00000000-0000-4000-8000-000000000004","lastSeenAt":"2026-03-10T09:30:00.000Z","currentUrl":"example.com/pricing",
		"identity":{"country":"US","region":"US-NY","city":"New York","browser":"Chrome","os":"Windows","device":"desktop"},
		"acquisition":{"referrer":"Google","utm_source":"twitter","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"","source":"","via":""}}`
)

// withLastSeen replaces the lastSeenAt of a row.
func withLastSeen(row, at string) string {
	i := strings.Index(row, `"lastSeenAt":"`) + len(`"lastSeenAt":"`)
	return row[:i] + at + row[i+len("2026-03-10T11:58:00.000Z"):]
}

func TestVisitorsList(t *testing.T) {
	a := newVisitorsEnv(t)
	for _, tc := range []struct {
		name, query, rows, pagination string
	}{
		// Sorted by lastSeenAt: V1 11:58, V2 11:55, V4 09:30, V3 08:01:30.
		{"AllTime", "", "[" + rowV1 + "," + rowV2 + "," + rowV4 + "," + rowV3 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"FirstPage", "&limit=2", "[" + rowV1 + "," + rowV2 + "]", `{"limit":2,"offset":0,"hasMore":true}`},
		{"LastPage", "&limit=2&offset=2", "[" + rowV4 + "," + rowV3 + "]", `{"limit":2,"offset":2,"hasMore":false}`},
		{"PastTheEnd", "&offset=4", "[]", `{"limit":100,"offset":4,"hasMore":false}`},
		// 9 March in Paris: V1 (09:00 / and 09:05 /pricing) and V2 (10:00 /).
		{"OneDay", "&startAt=2026-03-09&endAt=2026-03-09", `[
			{"visitorId":"00000000-0000-4000-8000-000000000002","lastSeenAt":"2026-03-09T10:00:00.000Z","currentUrl":"example.com/",
			"identity":{"country":"FR","region":"FR-IDF","city":"Paris","browser":"Firefox","os":"Windows","device":"desktop"},
			"acquisition":{"referrer":"Direct/None","utm_source":"","utm_medium":"","utm_campaign":"","utm_term":"","utm_content":"","ref":"","source":"","via":""}},
			{"visitorId":"00000000-0000-4000-8000-000000000001","lastSeenAt":"2026-03-09T09:05:00.000Z","currentUrl":"example.com/pricing",
			"identity":{"country":"US","region":"US-CA","city":"San Francisco","browser":"Chrome","os":"Mac OS","device":"desktop"},
			"acquisition":{"referrer":"Google","utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring","utm_term":"","utm_content":"","ref":"","source":"","via":""}}]`,
			`{"limit":100,"offset":0,"hasMore":false}`},
		// With a goal, lastSeenAt is the latest completion: V3 08:03, V1 9 March 09:06.
		{"CompletedGoal", "&completedGoal=signup", "[" + withLastSeen(rowV3, "2026-03-10T08:03:00.000Z") + "," +
			withLastSeen(rowV1, "2026-03-09T09:06:00.000Z") + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"GoalAlias", "&goal=Newsletter", "[" + withLastSeen(rowV4, "2026-03-10T09:31:00.000Z") + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"GoalNever", "&goal=is_not:signup", "[" + rowV2 + "," + rowV4 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"Customer", "&isCustomer=true", "[" + rowV1 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"NotCustomer", "&hasRevenue=false", "[" + rowV2 + "," + rowV4 + "," + rowV3 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		// V1 paid on 9 March only, by the API.
		{"CustomerInRange", "&isCustomer=true&startAt=2026-03-09&endAt=2026-03-09", `[
			{"visitorId":"00000000-0000-4000-8000-000000000001","lastSeenAt":"2026-03-09T09:05:00.000Z","currentUrl":"example.com/pricing",
			"identity":{"country":"US","region":"US-CA","city":"San Francisco","browser":"Chrome","os":"Mac OS","device":"desktop"},
			"acquisition":{"referrer":"Google","utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring","utm_term":"","utm_content":"","ref":"","source":"","via":""}}]`,
			`{"limit":100,"offset":0,"hasMore":false}`},
		{"Country", "&country=United%20States%20of%20America", "[" + rowV1 + "," + rowV4 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"CountryIsNot", "&country=is_not:US", "[" + rowV2 + "," + rowV3 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"VisitedPage", "&visitedPage=/pricing", "[" + rowV1 + "," + rowV4 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"PageContains", "&pageContains=/bl", "[" + rowV2 + "," + rowV3 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		// One pageview must pass every filter: V1 saw /docs from Direct/None, not from Google.
		{"OnePageviewPassesAll", "&visitedPage=/docs&referrer=Direct/None", "[" + rowV1 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"NotTheSamePageview", "&visitedPage=/docs&referrer=google.com", "[]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"Prefixed", "&filter_device=mobile", "[" + rowV3 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
		{"Campaign", "&utm_source=twitter,newsletter&browser=Chrome", "[" + rowV1 + "," + rowV4 + "]", `{"limit":100,"offset":0,"hasMore":false}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.with(t).do(http.MethodGet, "/api/v1/visitors"+a.q+tc.query, a.admin, nil)
			sameJSON(t, "data", res.ok(), tc.rows)
			sameJSON(t, "pagination", res.json["pagination"], tc.pagination)
		})
	}
	// A df_ key reads its website; website B has its one visitor.
	sameJSON(t, "key", a.get("/api/v1/visitors?limit=1", a.keyA).ok(), "["+rowV1+"]")
	b := a.get("/api/v1/visitors?websiteId="+a.siteB, a.ownerB).list()
	if len(b) != 1 || b[0]["visitorId"] != "00000000-0000-4000-8000-000000000005" {
		t.Fatalf("website B: %v", b)
	}
	if res := a.do(http.MethodHead, "/api/v1/visitors"+a.q, a.admin, nil); res.status != http.StatusOK || len(res.body) != 0 {
		t.Fatalf("HEAD: %d %q", res.status, res.body)
	}
}

func TestVisitorsProfile(t *testing.T) {
	a := newVisitorsEnv(t)
	const v2 = "00000000-0000-4000-8000-000000000002"
	// V2: two sessions, never identified, no campaign.
	sameJSON(t, "V2", a.get("/api/v1/visitors/"+v2+a.q, a.admin).ok(), `{"visitorId":"`+v2+`",
		"identity":{"country":"France","countryCode":"FR","region":"FR-IDF","city":"Paris",
			"params":{"ref":null,"source":null,"via":null,"utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_content":null,"utm_term":null},
			"adClickIds":{},"browser":{"name":"Firefox","version":null},"os":{"name":"Windows","version":null},
			"device":{"type":"desktop","vendor":null,"model":null},"viewport":{"width":null,"height":null}},
		"activity":{"visitCount":2,"pageViewCount":2,"timeSinceFirstVisit":93600000,"timeSinceCurrentVisit":300000,
			"firstVisitAt":"2026-03-09T10:00:00.000Z","lastVisitAt":"2026-03-10T11:55:00.000Z","currentUrl":"example.com/blog",
			"visitedPages":[{"url":"example.com/blog","timestamp":"2026-03-10T11:55:00.000Z"},{"url":"example.com/","timestamp":"2026-03-09T10:00:00.000Z"}],
			"completedGoals":[]},
		"prediction":null}`)
	// V3: two signups (tracker), no payment.
	d := a.get("/api/v1/visitors/00000000-0000-4000-8000-000000000003"+a.q, a.admin).ok().(map[string]any)
	sameJSON(t, "V3 goals", d["activity"].(map[string]any)["completedGoals"], `[
		{"name":"signup","description":null,"isServer":false,"origin":"manual","timestamp":"2026-03-10T08:03:00.000Z"},
		{"name":"signup","description":null,"isServer":false,"origin":"manual","timestamp":"2026-03-10T08:02:00.000Z"}]`)
	// A server-side goal shows the description it was sent with.
	if err := a.events.InsertEvents(context.Background(), []openfast.Event{{WebsiteID: a.site, Time: analyticsNow.Add(-time.Minute),
		Type: openfast.EventCustom, VisitorID: fixtureUUID(3), Goal: "upgraded", Props: `{"description":"Pro plan","plan":"pro"}`, EventID: fixtureIdentifyID}}); err != nil {
		t.Fatal(err)
	}
	goals := a.get("/api/v1/visitors/00000000-0000-4000-8000-000000000003"+a.q, a.admin).ok().(map[string]any)["activity"].(map[string]any)["completedGoals"]
	sameJSON(t, "V3 server goal", goals.([]any)[0],
		`{"name":"upgraded","description":"Pro plan","isServer":true,"origin":"manual","timestamp":"2026-03-10T11:59:00.000Z"}`)
	// A payment shows its amount and currency as recorded, and whether it
	// is a renewal or a refund; the tracker's payment hint is no goal.
	v3 := fixtureUUID(3)
	if err := a.events.InsertEvents(context.Background(), []openfast.Event{
		{WebsiteID: a.site, Time: analyticsNow.Add(-50 * time.Second), Type: openfast.EventPayment, VisitorID: v3, RevenueCents: 2999, Currency: "EUR",
			Props: `{"renewal":"true"}`, TransactionID: "tx_v3", EventID: "665f0b3c4d2e1a00123456a3"},
		{WebsiteID: a.site, Time: analyticsNow.Add(-40 * time.Second), Type: openfast.EventPayment, VisitorID: v3, RevenueCents: -1000, Currency: "USD",
			Props: `{"refunded":"true"}`, TransactionID: "tx_v3_refund", EventID: "665f0b3c4d2e1a00123456a4"},
		{WebsiteID: a.site, Time: analyticsNow.Add(-30 * time.Second), Type: openfast.EventPaymentHint, VisitorID: v3, Props: `{"email":"v3@example.com"}`},
	}); err != nil {
		t.Fatal(err)
	}
	goals = a.get("/api/v1/visitors/00000000-0000-4000-8000-000000000003"+a.q, a.admin).ok().(map[string]any)["activity"].(map[string]any)["completedGoals"]
	if n := len(goals.([]any)); n != 5 {
		t.Fatalf("%d completed goals, want 2 payments, upgraded and 2 signups: %v", n, goals)
	}
	sameJSON(t, "V3 payments", goals.([]any)[:2], `[
		{"name":"payment","description":null,"isServer":true,"origin":"payment_provider","timestamp":"2026-03-10T11:59:20.000Z",
			"amount":-10,"currency":"USD","renewal":false,"refunded":true},
		{"name":"payment","description":null,"isServer":true,"origin":"payment_provider","timestamp":"2026-03-10T11:59:10.000Z",
			"amount":29.99,"currency":"EUR","renewal":true,"refunded":false}]`)
	sameJSON(t, "V3 params", d["identity"].(map[string]any)["params"],
		`{"ref":"producthunt","source":null,"via":null,"utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_content":null,"utm_term":null}`)
	// Any UUID version and case is accepted; an unknown visitor is a 404,
	// as is a visitor of another website or one without a pageview.
	a.get("/api/v1/visitors/00000000-0000-4000-8000-00000000000A"+a.q, a.admin).fails(http.StatusNotFound, "No pageview")
	if d := a.get("/api/v1/visitors/"+strings.ToUpper(v2)+a.q, a.admin).ok().(map[string]any); d["visitorId"] != v2 {
		t.Fatalf("upper case id answered %v", d["visitorId"])
	}
	a.get("/api/v1/visitors/a3ab2331-989f-1cfa-91c6-2461c9e3c6bd"+a.q, a.admin).fails(http.StatusNotFound)
	a.get("/api/v1/visitors/00000000-0000-4000-8000-000000000005"+a.q, a.admin).fails(http.StatusNotFound)
	a.get("/api/v1/visitors/00000000-0000-0000-0000-000000000000"+a.q, a.admin).fails(http.StatusNotFound)
	a.get("/api/v1/visitors/00000000-0000-4000-8000-000000000005?websiteId="+a.siteB, a.ownerB).ok()
	for _, bad := range []string{"not-a-uuid", "00000000-0000-4000-8000-00000000000", "00000000000040008000000000000001", "{00000000-0000-4000-8000-000000000001}"} {
		a.get("/api/v1/visitors/"+bad+a.q, a.admin).fails(http.StatusBadRequest, "visitorId must be a UUID")
	}
	if res := a.do(http.MethodHead, "/api/v1/visitors/"+v2+a.q, a.admin, nil); res.status != http.StatusOK || len(res.body) != 0 {
		t.Fatalf("HEAD: %d %q", res.status, res.body)
	}
}

func TestVisitorsRealtimeMap(t *testing.T) {
	a := newVisitorsEnv(t)
	d := a.get("/api/v1/analytics/realtime/map"+a.q, a.admin).ok().(map[string]any)
	// Since 11:50: V1 (pageview 11:58, identify, payment) and V2 (pageview
	// 11:55). The payment without a visitor counts for none.
	if d["count"] != float64(2) {
		t.Errorf("count %v, want 2", d["count"])
	}
	sameJSON(t, "realtime agrees", a.get("/api/v1/analytics/realtime"+a.q, a.admin).ok(), `[{"visitors":2}]`)
	visitors := d["visitors"].([]any)
	if len(visitors) != 2 {
		t.Fatalf("%d visitors, want V1 and V2", len(visitors))
	}
	sameJSON(t, "V1", visitors[0], `{"visitorId":"00000000-0000-4000-8000-000000000001",
		"location":{"city":"San Francisco","region":"US-CA","countryCode":"US"},
		"system":{"browser":{"name":"Chrome"},"os":{"name":"Mac OS"},"device":{"type":"desktop"}},
		"currentUrl":"/docs","referrer":null,"sessionStartTime":"2026-03-10T11:58:00.000Z","visitCount":2,
		"params":{"ref":null,"source":null,"via":null,"utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_content":null,"utm_term":null},
		"latitude":null,"longitude":null,"isCustomer":true,"customerName":"Ada","customerEmail":"ada@example.com",
		"profileData":{"displayName":"Ada","userId":"u_1","hasProfile":true,"isRandomName":false},"conversionLikelihood":null}`)
	sameJSON(t, "V2 profile", visitors[1].(map[string]any)["profileData"], `{"displayName":null,"userId":null,"hasProfile":false,"isRandomName":false}`)
	events := d["recentEvents"].([]any)
	var types []string
	for _, e := range events {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "payment,identify,pageview,payment,pageview" {
		t.Errorf("recent events %v", types)
	}
	sameJSON(t, "payment without visitor", events[3], `{"_id":"`+fixturePaymentID+`","type":"payment","visitorId":null,
		"timestamp":"2026-03-10T11:57:00.000Z","path":"","countryCode":"","extraData":{},"referrer":null,"customerName":null,"amount":5,"displayName":null}`)
	sameJSON(t, "payments", d["recentPayments"], `[
		{"_id":"","type":"payment_received","timestamp":"2026-03-10T11:59:30.000Z","name":null,"email":"ada@example.com","amount":19,"currency":"USD","renewal":false,"displayName":null,"isNew":false,"visible":true},
		{"_id":"`+fixturePaymentID+`","type":"payment_received","timestamp":"2026-03-10T11:57:00.000Z","name":null,"email":null,"amount":5,"currency":"USD","renewal":false,"displayName":null,"isNew":true,"visible":true}]`)
	// Website B: nothing in the window.
	sameJSON(t, "B", a.get("/api/v1/analytics/realtime/map?websiteId="+a.siteB, a.ownerB).ok(),
		`{"count":0,"visitors":[],"hasConversionPredictions":false,"recentEvents":[],"recentPayments":[]}`)
	// A goal's type is its name; a later payment hint of the tracker is no
	// recent event.
	a.events.InsertEvents(context.Background(), []openfast.Event{{WebsiteID: a.site, Time: analyticsNow.Add(-10 * time.Second),
		Type: openfast.EventCustom, VisitorID: fixtureUUID(2), Goal: "signup", EventID: fixtureIdentifyID},
		{WebsiteID: a.site, Time: analyticsNow.Add(-5 * time.Second), Type: openfast.EventPaymentHint, VisitorID: fixtureUUID(2),
			Props: `{"email":"v2@example.com"}`}})
	first := a.get("/api/v1/analytics/realtime/map"+a.q, a.admin).ok().(map[string]any)["recentEvents"].([]any)[0].(map[string]any)
	if first["type"] != "signup" || first["_id"] != fixtureIdentifyID || first["amount"] != nil {
		t.Errorf("goal event %v", first)
	}
}

// TestVisitorsGolden compares the whole responses of the three routes
// with testdata/golden/visitors_<name>.json; -update rewrites them.
func TestVisitorsGolden(t *testing.T) {
	a := newVisitorsEnv(t)
	for name, target := range map[string]string{
		"list":         "/api/v1/visitors" + a.q,
		"visitor":      "/api/v1/visitors/00000000-0000-4000-8000-000000000001" + a.q,
		"realtime_map": "/api/v1/analytics/realtime/map" + a.q,
	} {
		t.Run(name, func(t *testing.T) {
			res := a.with(t).do(http.MethodGet, target, a.admin, nil)
			res.ok()
			checkGolden(t, res, "visitors_"+name)
		})
	}
}

func TestVisitorsErrors(t *testing.T) {
	a := newVisitorsEnv(t)
	for _, tc := range []struct {
		query string
		msg   []string
	}{
		{"limit=251", []string{"limit must be an integer from 1 to 250", "251"}},
		{"limit=0", []string{"limit must be an integer from 1 to 250"}},
		{"offset=-1", []string{"offset must be an integer"}},
		{"startAt=2026-03-01", []string{"startAt and endAt must be given together"}},
		{"startAt=2026-03-02&endAt=2026-03-01", []string{"startAt must not be after endAt"}},
		{"timezone=Mars/Olympus", []string{"timezone"}},
		{"isCustomer=maybe", []string{"isCustomer must be true or false"}},
		{"isCustomer=true&hasRevenue=false", []string{"must not contradict"}},
		{"completedGoal=signup&isCustomer=true", []string{"completedGoal cannot be combined"}},
		{"filter_foo=x", []string{"Unknown filter: filter_foo"}},
		{"country=" + strings.Repeat("US,", 51), []string{"at most 50"}},
		{"visitedPage=", []string{"visitedPage needs at least one value"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a.with(t).do(http.MethodGet, "/api/v1/visitors"+a.q+"&"+tc.query, a.admin, nil).fails(http.StatusBadRequest, tc.msg...)
		})
	}
	a.get("/api/v1/visitors", a.admin).fails(http.StatusBadRequest, "websiteId")
	a.get("/api/v1/analytics/realtime/map", a.admin).fails(http.StatusBadRequest, "websiteId")
	a.get("/api/v1/visitors/"+fixtureUUID(1).String(), a.admin).fails(http.StatusBadRequest, "websiteId")
}

func TestVisitorsAuthorization(t *testing.T) {
	a := newVisitorsEnv(t)
	v1 := "/api/v1/visitors/" + fixtureUUID(1).String()
	paths := []string{"/api/v1/visitors", v1, "/api/v1/analytics/realtime/map"}
	settingsOnly := a.token(a.adminID, []string{"websites:read", "settings:read"}, nil)
	readOnly := a.token(a.adminID, []string{"analytics:read"}, nil)
	for _, p := range paths {
		a.get(p+a.q, "").fails(http.StatusUnauthorized)
		a.get(p+a.q, settingsOnly).fails(http.StatusForbidden, "analytics:read")
		a.get(p+a.q, readOnly).ok()
		a.get(p, a.keyA).ok()
		// A df_ key of website A cannot read website B, nor the owner of B website A.
		a.get(p+"?websiteId="+a.siteB, a.keyA).fails(http.StatusForbidden)
		a.get(p+a.q, a.keyB).fails(http.StatusForbidden)
		a.get(p+a.q, a.ownerB).fails(http.StatusForbidden)
	}
}

// notVisitorStore is an analytics store without the visitor reads.
type notVisitorStore struct{ analytics.Store }

// TestVisitorsUnavailable: without an analytics store, or with one that
// is not a VisitorStore, the three routes answer 503 after authorization.
func TestVisitorsUnavailable(t *testing.T) {
	a := newAnalyticsEnv(t)
	partial := newTestEnv(t, func(c *testConfig) { c.Analytics = notVisitorStore{a.events} })
	partial.setup()
	none := newTestEnv(t)
	none.setup()
	for _, e := range []*testEnv{partial, none} {
		for _, p := range []string{"/api/v1/visitors", "/api/v1/visitors/" + fixtureUUID(1).String(), "/api/v1/visitors/not-a-uuid", "/api/v1/analytics/realtime/map"} {
			e.do(http.MethodGet, p+"?websiteId="+e.site, e.admin, nil).fails(http.StatusServiceUnavailable, "not enabled")
			e.do(http.MethodGet, p+"?websiteId="+e.site, "", nil).fails(http.StatusUnauthorized)
		}
	}
	// The other analytics reads still work with the partial store.
	partial.do(http.MethodGet, "/api/v1/analytics/overview?websiteId="+partial.site, partial.admin, nil).ok()
}
