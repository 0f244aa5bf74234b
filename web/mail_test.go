package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
)

// withMail sends the app's mail through a real SMTP test server, with
// links to https://analytics.example.com, over a DuckDB event store.
func withMail(t *testing.T, smtp *smtptest.Server) func(*app.Config, *api.Config) {
	events, err := duckdb.OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: smtp.URL(), From: "reports@openfast.test"})
	if err != nil {
		t.Fatal(err)
	}
	public, _ := url.Parse("https://analytics.example.com")
	return func(ac *app.Config, _ *api.Config) { ac.Mail, ac.PublicURL, ac.Analytics = sender, public, events }
}

// reportRound moves the clock to the next Monday 09:00 UTC and runs the
// scheduler; it returns the messages that round sent, by recipient.
func (e *env) reportRound(t *testing.T, smtp *smtptest.Server) map[string]smtptest.Message {
	t.Helper()
	before := len(smtp.Messages())
	e.mu.Lock()
	n := e.now
	days := (8 - int(n.Weekday())) % 7
	if days == 0 {
		days = 7
	}
	e.now = time.Date(n.Year(), n.Month(), n.Day()+days, 9, 0, 0, 0, time.UTC)
	e.mu.Unlock()
	if err := e.app.SendScheduledMail(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]smtptest.Message{}
	for _, m := range smtp.Messages()[before:] {
		got[m.To[0]] = m
	}
	return got
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// TestUnsubscribe: the link in a report stops that person's next reports,
// by the page's button or by a mail client's one-click POST; a tampered
// link is refused; the account page turns them on again.
func TestUnsubscribe(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newEnv(t, withMail(t, smtp))
	// A Wednesday noon, whatever today is: Ann's session then idles 11
	// days 21 hours over the first two report rounds (to the next Monday
	// 09:00, then a week), within the 14 days of idle expiry. From a
	// Monday before 09:00 the two rounds would take more than 14 days.
	e.mu.Lock()
	e.now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	e.mu.Unlock()
	ann, id := e.ownerWithSite(t)
	if a := do(t, ann, "POST", e.srv.URL+"/websites/"+id+"/settings", url.Values{
		"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}, "sendWeeklyReports": {"on"},
	}); a.status != http.StatusSeeOther {
		t.Fatalf("turn reports on: %d\n%s", a.status, a.body)
	}
	e.join(t, e.invite(t, ann, id, "bob@example.com", "member"), "Bob")
	e.join(t, e.invite(t, ann, id, "carol@example.com", "viewer"), "Carol")

	got := e.reportRound(t, smtp)
	if len(got) != 3 {
		t.Fatalf("first report to %d people, want 3", len(got))
	}
	local := func(link string) string { // the public URL is the test server's
		return strings.Replace(link, "https://analytics.example.com", e.srv.URL, 1)
	}
	annLink := local(strings.Trim(got["ann@example.com"].Header.Get("List-Unsubscribe"), "<>"))
	bobLink := local(strings.Trim(got["bob@example.com"].Header.Get("List-Unsubscribe"), "<>"))

	// Ann opens her link (signed in or not, the same) and confirms.
	stranger := e.client(t)
	page := do(t, stranger, "GET", annLink, nil)
	m := tokenRE.FindStringSubmatch(page.body)
	if page.status != 200 || m == nil || !strings.Contains(page.body, "Stop the weekly reports of <strong>shop.example.com</strong> to ann@example.com?") {
		t.Fatalf("unsubscribe page: %d\n%s", page.status, page.body)
	}
	token := html.UnescapeString(m[1])
	// A tampered token is refused, on the page and on POST.
	tampered := token[:len(token)-2] + "AA"
	if strings.HasSuffix(token, "AA") {
		tampered = token[:len(token)-2] + "BB"
	}
	otherSite := strings.Replace(token, id, openfast.NewID(), 1)
	for _, bad := range []string{tampered, otherSite, "x", ""} {
		if a := do(t, stranger, "GET", e.srv.URL+"/unsubscribe?token="+url.QueryEscape(bad), nil); a.status != 400 || !strings.Contains(a.body, "not valid") {
			t.Fatalf("GET with token %q: %d\n%s", bad, a.status, a.body)
		}
		// From another site too: the token, not the origin, decides.
		if a := do(t, stranger, "POST", e.srv.URL+"/unsubscribe", url.Values{"token": {bad}}, "Origin", "https://mail.example.net", "Sec-Fetch-Site", "cross-site"); a.status != 400 {
			t.Fatalf("POST with token %q: %d\n%s", bad, a.status, a.body)
		}
	}
	a := do(t, stranger, "POST", e.srv.URL+"/unsubscribe", url.Values{"token": {token}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	if a.status != 200 || !strings.Contains(a.body, "ann@example.com gets no more weekly reports of <strong>shop.example.com</strong>") {
		t.Fatalf("unsubscribe: %d\n%s", a.status, a.body)
	}
	if a := do(t, stranger, "GET", annLink, nil); a.status != 200 || !strings.Contains(a.body, "already gets no weekly reports") {
		t.Fatalf("the link again: %d\n%s", a.status, a.body)
	}
	// Bob's mail client unsubscribes in one click (RFC 8058): a POST of
	// List-Unsubscribe=One-Click to the link, without Origin.
	a = do(t, http.DefaultClient, "POST", bobLink, url.Values{"List-Unsubscribe": {"One-Click"}})
	if a.status != 200 {
		t.Fatalf("one-click unsubscribe: %d\n%s", a.status, a.body)
	}

	got = e.reportRound(t, smtp)
	if len(got) != 1 || got["carol@example.com"].Subject == "" {
		t.Fatalf("second report to %v, want carol only", keys(got))
	}

	// Ann turns them on again in her account.
	acc := do(t, ann, "GET", e.srv.URL+"/account", nil)
	if acc.status != 200 || !strings.Contains(acc.body, "no, you unsubscribed") || !strings.Contains(acc.body, "shop.example.com") {
		t.Fatalf("account page: %d\n%s", acc.status, acc.body)
	}
	if a := do(t, ann, "POST", e.srv.URL+"/account/mail", url.Values{"websiteId": {id}, "kind": {"weekly"}, "subscribed": {"on"}}); a.status != http.StatusSeeOther {
		t.Fatalf("subscribe again: %d\n%s", a.status, a.body)
	}
	if a := do(t, ann, "POST", e.srv.URL+"/account/mail", url.Values{"websiteId": {openfast.NewID()}, "kind": {"weekly"}}); a.status != 404 {
		t.Fatalf("a website of someone else: %d\n%s", a.status, a.body)
	}
	got = e.reportRound(t, smtp)
	if len(got) != 2 || got["ann@example.com"].Subject == "" {
		t.Fatalf("third report to %v, want ann and carol", keys(got))
	}
}

func keys(m map[string]smtptest.Message) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMailSettingsWithoutMail: without a mail server the switches save,
// and the page says that nothing is sent.
func TestMailSettingsWithoutMail(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	page := do(t, c, "GET", e.srv.URL+"/websites/"+id+"/settings", nil)
	if !strings.Contains(page.body, `name="sendWeeklyReports"`) || !strings.Contains(page.body, `name="sendViralTrafficAlerts"`) || !strings.Contains(page.body, "Mail is not configured") {
		t.Fatalf("general settings:\n%s", page.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings", url.Values{
		"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}, "sendWeeklyReports": {"on"}, "sendViralTrafficAlerts": {"on"},
	}); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	if w, err := e.store.Website(context.Background(), id); err != nil || !w.SendWeeklyReports || !w.SendViralTrafficAlerts {
		t.Fatalf("saved %+v, %v", w, err)
	}
	if a := do(t, c, "GET", e.srv.URL+"/account", nil); !strings.Contains(a.body, "Mail is not configured") || !strings.Contains(a.body, "traffic alerts") {
		t.Fatalf("account page:\n%s", a.body)
	}
}
