package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
)

func alertsURL(site string) string { return "/api/v1/admin/websites/" + site + "/alerts" }

func TestAlerts_CRUD(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	list := e.do("GET", alertsURL(e.site), e.admin, nil).list()
	if len(list) != 0 {
		t.Fatalf("list of a new website: %v", list)
	}
	a := e.do("POST", alertsURL(e.site), e.admin, map[string]any{
		"name": "  Signups ", "trigger": map[string]any{"type": "goal", "goalName": "  Signed Up "},
		"template": map[string]any{"message": "{{visitor}} signed up with {{params.plan}}"}, "destination": map[string]any{"type": "email"},
	}).first()
	if a["name"] != "Signups" || a["isEnabled"] != true || a["websiteId"] != e.site || !openfast.ValidID(a["_id"].(string)) {
		t.Fatalf("created: %v", a)
	}
	if tr := a["trigger"].(map[string]any); tr["type"] != "goal" || tr["goalName"] != "signed_up" {
		t.Fatalf("trigger: %v", tr)
	}
	if tp := a["template"].(map[string]any); tp["subject"] != nil || tp["message"] != "{{visitor}} signed up with {{params.plan}}" {
		t.Fatalf("template: %v", tp)
	}
	if a["destination"].(map[string]any)["type"] != "email" || len(a["recentLogs"].([]any)) != 0 {
		t.Fatalf("created: %v", a)
	}
	id := a["_id"].(string)

	u := e.do("PUT", alertsURL(e.site)+"/"+id, e.admin, map[string]any{"isEnabled": false, "template": map[string]any{"subject": "New {{goal}}"}}).first()
	if u["isEnabled"] != false || u["template"].(map[string]any)["subject"] != "New {{goal}}" || u["template"].(map[string]any)["message"] != a["template"].(map[string]any)["message"] || u["name"] != "Signups" {
		t.Fatalf("updated: %v", u)
	}
	u = e.do("PUT", alertsURL(e.site)+"/"+id, e.admin, map[string]any{"template": map[string]any{"subject": nil}, "trigger": map[string]any{"goalName": "Upgrade"}}).first()
	if u["template"].(map[string]any)["subject"] != nil || u["trigger"].(map[string]any)["goalName"] != "upgrade" || u["isEnabled"] != false {
		t.Fatalf("updated: %v", u)
	}
	list = e.do("GET", alertsURL(e.site), e.admin, nil).list()
	if len(list) != 1 || list[0]["_id"] != id || list[0]["isEnabled"] != false {
		t.Fatalf("list: %v", list)
	}

	e.do("PUT", alertsURL(e.site)+"/"+openfast.NewID(), e.admin, map[string]any{"isEnabled": true}).fails(404, "Alert not found")
	// /alerts/history and /alerts/{alertId} share a shape: each answers
	// 405 to the methods it does not serve (405 is not in openapi.yaml).
	e.validate = false
	if r := e.do("DELETE", alertsURL(e.site)+"/history", e.admin, nil); r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("DELETE .../alerts/history: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := e.do("GET", alertsURL(e.site)+"/"+id, e.admin, nil); r.status != 405 || r.header.Get("Allow") != "PUT, DELETE" {
		t.Fatalf("GET .../alerts/{alertId}: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	e.validate = true
	e.do("PUT", alertsURL(e.site)+"/nope", e.admin, map[string]any{"isEnabled": true}).fails(400, "alertId")
	d := e.do("DELETE", alertsURL(e.site)+"/"+id, e.admin, nil).first()
	if d["message"] != "Alert deleted successfully" {
		t.Fatalf("delete: %v", d)
	}
	e.do("DELETE", alertsURL(e.site)+"/"+id, e.admin, nil).fails(404, "Alert not found")
	e.do("DELETE", alertsURL(e.site)+"/nope", e.admin, nil).fails(400, "alertId")
	if list = e.do("GET", alertsURL(e.site), e.admin, nil).list(); len(list) != 0 {
		t.Fatalf("list after delete: %v", list)
	}
	// Another website's alert is not found through this one.
	other := e.website(e.admin)
	b := e.do("POST", alertsURL(other), e.admin, map[string]any{"name": "B", "trigger": map[string]any{"goalName": "b"}, "template": map[string]any{"message": "ten chars!"}}).first()
	e.do("DELETE", alertsURL(e.site)+"/"+b["_id"].(string), e.admin, nil).fails(404)
}

func TestAlerts_Invalid(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	valid := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "Signups", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}}
		change(m)
		return m
	}
	for _, tc := range []struct {
		body any
		msg  string
	}{
		{valid(func(m map[string]any) { delete(m, "name") }), "name is required"},
		{valid(func(m map[string]any) { m["name"] = "   " }), "name must be 1 to 100"},
		{valid(func(m map[string]any) { m["name"] = strings.Repeat("n", 101) }), "name must be 1 to 100"},
		{valid(func(m map[string]any) { m["name"] = 5 }), "name must be a string"},
		{valid(func(m map[string]any) { m["name"] = "a\u202eb" }), "name must not contain"},
		{valid(func(m map[string]any) { delete(m, "trigger") }), "trigger.goalName is required"},
		{valid(func(m map[string]any) { m["trigger"] = "signup" }), "trigger must be an object"},
		{valid(func(m map[string]any) { m["trigger"] = map[string]any{"goalName": "a/b"} }), "trigger.goalName: Goal name"},
		{valid(func(m map[string]any) { m["trigger"] = map[string]any{"goalName": "identify"} }), "reserved"},
		{valid(func(m map[string]any) { m["trigger"] = map[string]any{"goalName": "x", "type": "pageview"} }), "trigger.type must be \"goal\""},
		{valid(func(m map[string]any) { delete(m, "template") }), "template.message is required"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": "too short"} }), "template.message must be 10 to 2000"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": strings.Repeat("m", 2001)} }), "template.message must be 10 to 2000"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": "Hello {{ .Visitor }}"} }), "is not a placeholder"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": "Hello {{range .}}x{{end}}"} }), "is not a placeholder"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": "Hello {{visitor"} }), "{{ without }}"},
		{valid(func(m map[string]any) { m["template"] = map[string]any{"message": "null\x00byte here"} }), "must not contain"},
		{valid(func(m map[string]any) {
			m["template"] = map[string]any{"message": "Somebody signed up.", "subject": strings.Repeat("s", 201)}
		}), "template.subject must be at most 200"},
		{valid(func(m map[string]any) {
			m["template"] = map[string]any{"message": "Somebody signed up.", "subject": "two\nlines"}
		}), "template.subject must not contain"},
		{valid(func(m map[string]any) { m["destination"] = map[string]any{"type": "slack"} }), "destination.type must be \"email\""},
		{valid(func(m map[string]any) { m["isEnabled"] = "yes" }), "isEnabled must be true or false"},
		{"[]", "must be a JSON object"},
		{"{", "Invalid JSON"},
		{nil, "A JSON request body is required"},
	} {
		e.do("POST", alertsURL(e.site), e.admin, tc.body).fails(400, tc.msg)
	}
	a := e.do("POST", alertsURL(e.site), e.admin, valid(func(map[string]any) {})).first()
	url := alertsURL(e.site) + "/" + a["_id"].(string)
	e.do("PUT", url, e.admin, map[string]any{"name": ""}).fails(400, "name must be 1 to 100")
	e.do("PUT", url, e.admin, map[string]any{"template": map[string]any{"message": "short"}}).fails(400, "template.message")
	e.do("PUT", url, e.admin, map[string]any{"trigger": map[string]any{"goalName": "BAD/NAME"}}).fails(400, "trigger.goalName")
	// Nothing was changed by the refused updates.
	if got := e.do("GET", alertsURL(e.site), e.admin, nil).list()[0]; got["name"] != "Signups" {
		t.Fatalf("after refused updates: %v", got)
	}
}

func TestAlerts_LimitPerWebsite(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	body := func(i int) map[string]any {
		return map[string]any{"name": fmt.Sprintf("Alert %d", i), "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}}
	}
	for i := range openfast.MaxAlertsPerWebsite {
		e.do("POST", alertsURL(e.site), e.admin, body(i)).ok()
	}
	e.do("POST", alertsURL(e.site), e.admin, body(26)).fails(403, "at most 25 alerts")
	// Another website has its own 25.
	e.do("POST", alertsURL(e.website(e.admin)), e.admin, body(0)).ok()
}

func TestAlerts_Roles(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	_, viewer := e.user("viewer@example.com", nil, nil)
	_, member := e.user("member@example.com", nil, nil)
	e.join(e.admin, e.site, "viewer@example.com", viewer, openfast.RoleViewer)
	e.join(e.admin, e.site, "member@example.com", member, openfast.RoleMember)
	body := map[string]any{"name": "Signups", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}}
	id := e.do("POST", alertsURL(e.site), member, body).first()["_id"].(string)
	e.do("GET", alertsURL(e.site), viewer, nil).ok()
	e.do("GET", alertsURL(e.site)+"/history", viewer, nil).ok()
	e.do("POST", alertsURL(e.site), viewer, body).fails(403)
	e.do("PUT", alertsURL(e.site)+"/"+id, viewer, map[string]any{"isEnabled": false}).fails(403)
	e.do("DELETE", alertsURL(e.site)+"/"+id, viewer, nil).fails(403)
	readOnly := e.token(e.adminID, []string{"alerts:read"}, nil)
	e.do("GET", alertsURL(e.site), readOnly, nil).ok()
	e.do("POST", alertsURL(e.site), readOnly, body).fails(403)
	_, key := e.key(e.admin, e.site)
	e.do("POST", alertsURL(e.site), key, body).ok()
	e.do("GET", alertsURL(e.site)+"/history", key, nil).ok()
	e.do("GET", alertsURL(e.website(e.admin)), key, nil).fails(403)
	e.do("GET", alertsURL(e.site), "", nil).fails(401)
}

func TestAlerts_History(t *testing.T) {
	e := newTestEnv(t)
	e.setup()
	a := e.do("POST", alertsURL(e.site), e.admin, map[string]any{"name": "Signups", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}}).first()
	id := a["_id"].(string)
	other := openfast.NewID() // a deleted alert's entries stay
	var logs []*openfast.AlertLog
	base := time.Now().Add(-2 * time.Hour)
	for i := range 120 {
		l := &openfast.AlertLog{ID: openfast.NewID(), WebsiteID: e.site, AlertID: id, AlertName: "Signups", GoalName: "signup", Status: openfast.AlertSent, Firings: 1, TriggeredAt: base.Add(time.Duration(i) * time.Second)}
		if i%4 == 0 {
			msg := "550 Relaying denied"
			l.Status, l.Error, l.AlertID = openfast.AlertFailed, &msg, other
		}
		logs = append(logs, l)
	}
	if err := e.store.AddAlertLogs(context.Background(), logs, openfast.MaxAlertLogsPerWebsite); err != nil {
		t.Fatal(err)
	}
	history := func(query string) *response { return e.do("GET", alertsURL(e.site)+"/history"+query, e.admin, nil) }
	r := history("")
	if data := r.json["data"].([]any); len(data) != 50 {
		t.Fatalf("default limit: %d entries", len(data))
	}
	if c := r.json["counts"].(map[string]any); c["sent"] != 90.0 || c["failed"] != 30.0 || c["total"] != 120.0 {
		t.Fatalf("counts %v", c)
	}
	first := r.json["data"].([]any)[0].(map[string]any)
	if first["triggeredAt"] != logs[119].TriggeredAt.UTC().Format("2006-01-02T15:04:05.000Z") || first["status"] != "sent" || first["error"] != nil || first["alertName"] != "Signups" || first["firings"] != 1.0 {
		t.Fatalf("newest entry %v", first)
	}
	if data := history("?limit=500").json["data"].([]any); len(data) != 100 {
		t.Fatalf("limit 500 gave %d entries, want 100 (capped)", len(data))
	}
	r = history("?alertId=" + other + "&limit=2")
	if data, c := r.json["data"].([]any), r.json["counts"].(map[string]any); len(data) != 2 || c["total"] != 30.0 || c["sent"] != 0.0 ||
		data[0].(map[string]any)["error"] != "550 Relaying denied" {
		t.Fatalf("one alert: %v", r.json)
	}
	history("?limit=0").fails(400, "limit")
	history("?limit=x").fails(400, "limit")
	history("?alertId=x").fails(400, "alertId")
	if got := e.do("GET", alertsURL(e.site), e.admin, nil).list()[0]["recentLogs"].([]any); len(got) != app.RecentAlertLogs {
		t.Fatalf("recentLogs: %d", len(got))
	}
}

// clock is a time that tests move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// alertEnv is a server with the real ingest path, the event store and a
// sender to a real SMTP server (nil: mail not configured).
type alertEnv struct {
	*testEnv
	clock  *clock
	writer *ingest.Writer
}

func newAlertEnv(t *testing.T, sender mail.Sender) *alertEnv {
	t.Helper()
	events, writer := openEvents(t)
	c := &clock{}
	e := newTestEnv(t, func(cfg *testConfig) {
		cfg.EventStore, cfg.EventWriter, cfg.Ingest, cfg.Mail, cfg.Now = events, writer, writer, sender, c.Now
	})
	e.setup()
	return &alertEnv{testEnv: e, clock: c, writer: writer}
}

func smtpSender(t *testing.T, srv *smtptest.Server) mail.Sender {
	t.Helper()
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: srv.URL(), From: "Openfast <alerts@example.com>", RootCAs: srv.RootCAs(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goal sends a goal event through POST /api/events, as the tracker does.
func (e *alertEnv) goal(visitor, name, plan string) {
	e.t.Helper()
	e.eventOf(visitor, fmt.Sprintf(`"type":"custom","extraData":{"eventName":%q,"plan":%q}`, name, plan))
}

// event sends an event of visitorA with the given members.
func (e *alertEnv) event(members string) {
	e.t.Helper()
	e.eventOf(visitorA, members)
}

func (e *alertEnv) eventOf(visitor, members string) {
	e.t.Helper()
	domain := e.do("GET", "/api/v1/admin/websites/"+e.site, e.admin, nil).first()["domain"].(string)
	body := fmt.Sprintf(`{"websiteId":%q,"domain":%q,"href":"https://%s/pricing","visitorId":%q,"sessionId":"s1b2c3d4e-0000-4000-8000-000000000000",%s}`,
		e.site, domain, domain, visitor, members)
	req, _ := http.NewRequest("POST", e.http.URL+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		e.t.Fatalf("POST /api/events: %d", res.StatusCode)
	}
}

// waitHistory waits until the website's history has n entries and
// returns them, newest first.
func (e *alertEnv) waitHistory(n int) []map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.do("GET", alertsURL(e.site)+"/history", e.admin, nil)
		data := r.json["data"].([]any)
		if len(data) >= n {
			out := make([]map[string]any, len(data))
			for i, d := range data {
				out[i] = d.(map[string]any)
			}
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("history has %d entries, want %d", len(data), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *alertEnv) createAlert(body map[string]any) string {
	e.t.Helper()
	return e.do("POST", alertsURL(e.site), e.admin, body).first()["_id"].(string)
}

const visitorA = "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"

func TestAlertDelivery_MailsTheOwnerOncePerMinute(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Security: smtptest.STARTTLS, Username: "openfast", Password: "s3cret"})
	e := newAlertEnv(t, smtpSender(t, srv))
	id := e.createAlert(map[string]any{
		"name": "Pro signups", "trigger": map[string]any{"goalName": "signup"},
		"template": map[string]any{"subject": "New {{goal}} on {{website}}", "message": "Visitor {{visitor}} from {{country}} chose {{params.plan}} ({{plan}}).\nWelcome them!"},
	})
	e.createAlert(map[string]any{"name": "Paused", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Should never be sent."}, "isEnabled": false})
	e.goal(visitorA, "other_goal", "free") // no alert on it
	e.goal(visitorA, "Signup", "pro")

	m := srv.Wait(t, 1, 20*time.Second)[0]
	domain := e.do("GET", "/api/v1/admin/websites/"+e.site, e.admin, nil).first()["domain"].(string)
	if len(m.To) != 1 || m.To[0] != "owner@example.com" || m.From != "alerts@example.com" {
		t.Fatalf("envelope %s → %v", m.From, m.To)
	}
	if m.Subject != "New signup on "+domain {
		t.Fatalf("subject %q", m.Subject)
	}
	want := "Visitor " + visitorA + " from unknown chose pro (pro).\nWelcome them!\n\n-- \nThis mail covers 1 firing of the alert \"Pro signups\"."
	if !strings.HasPrefix(m.Text, want) {
		t.Fatalf("text:\n%s\nwant it to start with:\n%s", m.Text, want)
	}
	if !strings.Contains(m.HTML, "Welcome them!") {
		t.Fatalf("html: %s", m.HTML)
	}
	h := e.waitHistory(1)[0]
	if h["alertId"] != id || h["status"] != "sent" || h["error"] != nil || h["visitorId"] != visitorA || h["goalName"] != "signup" || h["firings"] != 1.0 {
		t.Fatalf("history: %v", h)
	}

	// Five more within the minute: one mail, a minute after the first,
	// covering the five.
	for i := range 5 {
		e.goal(fmt.Sprintf("b3ab2331-989f-4cfa-91c6-2461c9e3c6b%d", i), "signup", "team")
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d mails within the minute, want 1", n)
	}
	e.clock.Advance(61 * time.Second)
	m = srv.Wait(t, 2, 20*time.Second)[1]
	if !strings.HasSuffix(m.Subject, "(5 firings)") || !strings.Contains(m.Text, "covers 5 firings") || !strings.Contains(m.Text, "b3ab2331-989f-4cfa-91c6-2461c9e3c6b0") {
		t.Fatalf("grouped mail: %q\n%s", m.Subject, m.Text)
	}
	hist := e.waitHistory(2)
	if hist[0]["firings"] != 5.0 || hist[0]["status"] != "sent" || hist[0]["visitorId"] != "b3ab2331-989f-4cfa-91c6-2461c9e3c6b0" {
		t.Fatalf("history: %v", hist)
	}
	if recent := e.do("GET", alertsURL(e.site), e.admin, nil).list()[0]["recentLogs"].([]any); len(recent) != 2 {
		t.Fatalf("recentLogs: %v", recent)
	}
	time.Sleep(1200 * time.Millisecond)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d mails, want 2 (the paused alert sends none)", n)
	}
}

func TestAlertDelivery_ServerSideGoal(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Security: smtptest.ImplicitTLS})
	e := newAlertEnv(t, smtpSender(t, srv))
	e.createAlert(map[string]any{"name": "Upgrades", "trigger": map[string]any{"goalName": "upgrade"}, "template": map[string]any{"message": "{{visitor}} upgraded to {{params.plan}}."}})
	e.event(`"type":"pageview"`) // the goal API needs a visitor with a pageview
	if err := e.writer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/goals?websiteId="+e.site, e.admin, map[string]any{"datafast_visitor_id": visitorA, "name": "Upgrade", "metadata": map[string]any{"plan": "team"}}).ok()
	m := srv.Wait(t, 1, 20*time.Second)[0]
	if !strings.HasPrefix(m.Text, visitorA+" upgraded to team.") || m.To[0] != "owner@example.com" {
		t.Fatalf("mail to %v:\n%s", m.To, m.Text)
	}
}

func TestAlertDelivery_SMTPRefuses(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.FailWith(550, "Mailbox unavailable")
	e := newAlertEnv(t, smtpSender(t, srv))
	e.createAlert(map[string]any{"name": "Signups", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}})
	e.goal(visitorA, "signup", "pro")
	h := e.waitHistory(1)[0]
	if h["status"] != "failed" || !strings.Contains(fmt.Sprint(h["error"]), "550") || !strings.Contains(fmt.Sprint(h["error"]), "Mailbox unavailable") {
		t.Fatalf("history: %v", h)
	}
	r := e.do("GET", alertsURL(e.site)+"/history", e.admin, nil)
	if c := r.json["counts"].(map[string]any); c["failed"] != 1.0 || c["sent"] != 0.0 {
		t.Fatalf("counts: %v", c)
	}
	// Accepted again: the next minute's firings are sent.
	srv.FailWith(0, "")
	e.goal(visitorA, "signup", "pro")
	e.clock.Advance(61 * time.Second)
	srv.Wait(t, 1, 20*time.Second)
	if h := e.waitHistory(2)[0]; h["status"] != "sent" {
		t.Fatalf("history after recovery: %v", h)
	}
}

func TestAlertDelivery_MailNotConfigured(t *testing.T) {
	e := newAlertEnv(t, nil)
	e.createAlert(map[string]any{"name": "Signups", "trigger": map[string]any{"goalName": "signup"}, "template": map[string]any{"message": "Somebody signed up."}})
	e.goal(visitorA, "signup", "pro")
	h := e.waitHistory(1)[0]
	if h["status"] != "failed" || h["error"] != app.ErrMailNotConfigured {
		t.Fatalf("history: %v", h)
	}
}
