package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/api"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/browsertest"
	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
	"github.com/openfast/openfast/storetest"
)

// TestAlertsInBrowser: in headless Chromium, the owner creates an alert in
// the Alerts tab of the settings and sees it listed; a goal event of the
// website (told to the app as the ingest path tells it) mails the owner
// through a real SMTP server and the history shows the mail; the owner
// pauses the alert. A server without mail says so on the tab.
func TestAlertsInBrowser(t *testing.T) {
	ctx := browsertest.New(t).Ctx
	smtp := smtptest.Start(t, smtptest.Options{})
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: smtp.URL(), From: "alerts@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *app.Config, _ *api.Config) { c.Analytics, c.Mail = &storetest.Reference{}, sender })
	owner, id := firstRunWithSite(t, ctx, e)

	alerts := "/websites/" + id + "/settings/alerts"
	owner.do("open settings", chromedp.Navigate(e.srv.URL+"/websites/"+id+"/settings"))
	owner.do("open alerts", chromedp.Click(chromedp.CSS(`nav.tabs a[href="`+alerts+`"]`)))
	owner.waitFor("the alerts tab", `location.pathname === "`+alerts+`" && !!document.querySelector('form[action="`+alerts+`"]')`)
	if owner.text(".empty") == "" {
		t.Fatal("no empty state")
	}
	owner.submit(`form[action="`+alerts+`"]`, map[string]string{
		"name": "New signups", "goal": "Sign Up", "subject": "New {{goal}} on {{website}}", "message": "{{visitor}} chose {{params.plan}}.",
	})
	owner.waitFor("the alert listed", `location.search === "?done=saved" && !!document.querySelector("#alerts tbody tr")`)
	owner.shot("alert-created")
	row := owner.text("#alerts tbody tr")
	if !strings.Contains(row, "New signups") || !strings.Contains(row, "sign_up") || !strings.Contains(row, "enabled") {
		t.Fatalf("alert row: %q", row)
	}

	// A goal event: the owner gets the mail, the history shows it.
	visitor, _ := openfast.ParseUUID("a3ab2331-989f-4cfa-91c6-2461c9e3c6bd")
	e.app.ObserveEvent(&openfast.Event{WebsiteID: id, Type: openfast.EventCustom, Goal: "sign_up", VisitorID: visitor, CountryCode: "FR", Props: `{"plan":"pro"}`, Time: time.Now().UTC()})
	m := smtp.Wait(t, 1, 20*time.Second)[0]
	if m.To[0] != "ann@example.com" || m.Subject != "New sign_up on shop.example.com" || !strings.HasPrefix(m.Text, visitor.String()+" chose pro.") {
		t.Fatalf("mail to %v %q:\n%s", m.To, m.Subject, m.Text)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		owner.do("reload", chromedp.Navigate(e.srv.URL+alerts))
		owner.waitFor("the alerts tab", `!!document.querySelector("#alerts")`)
		var has bool
		if has, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#alert-history tbody tr")`)); err == nil && has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no history entry")
		}
	}
	owner.shot("alert-history")
	if h := owner.text("#alert-history tbody tr"); !strings.Contains(h, "New signups") || !strings.Contains(h, "sent") || !strings.Contains(h, visitor.String()) {
		t.Fatalf("history row: %q", h)
	}

	// Pause it.
	owner.do("pause", chromedp.Click(chromedp.CSS(`#alerts form[action$="/toggle"] button`)))
	owner.waitFor("the alert paused", `location.search === "?done=saved" && document.querySelector("#alerts tbody tr").innerText.includes("paused")`)
	owner.shot("alert-paused")
}

// TestAlertsTab_MailNotConfigured: without --smtp-url the tab says that
// no mail is sent.
func TestAlertsTab_MailNotConfigured(t *testing.T) {
	e := newEnv(t)
	c, site := e.ownerWithSite(t)
	a := do(t, c, "GET", e.srv.URL+"/websites/"+site+"/settings/alerts", nil)
	if a.status != 200 || !strings.Contains(a.body, `id="mail-not-configured"`) || !strings.Contains(a.body, "Mail is not configured on this server") {
		t.Fatalf("alerts tab: %d\n%s", a.status, a.body)
	}
}
