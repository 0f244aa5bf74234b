package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openfast/openfast/internal/smtptest"
)

// TestCLI_Alerts drives the alerts group against a server configured with
// --smtp-url and --smtp-from, a goal event through /api/events, and a real
// SMTP server that receives the owner's mail.
func TestCLI_Alerts(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t, smtptest.Options{})
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "0", "--event-load-delay", "5ms",
		"--smtp-url", smtp.URL(), "--smtp-from", "Analytics <alerts@example.com>",
	}})
	ownerToken := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	owner := newCLIUser(t)
	owner.login(t, srv, ownerToken)
	var created []struct {
		WebsiteID  string `json:"websiteId"`
		TrackingID string `json:"trackingId"`
	}
	owner.json(t, &created, "websites", "create", "--domain", "shop.example.com", "--timezone", "UTC")
	site, tracking := created[0].WebsiteID, created[0].TrackingID

	owner.fail(t, 2, "--name is required", "alerts", "create", "--website", site, "--goal", "signup", "--message", "Somebody signed up.")
	owner.fail(t, 1, "template.message must be 10 to 2000", "alerts", "create", "--website", site, "--name", "x", "--goal", "signup", "--message", "short")
	out := owner.ok(t, "alerts", "create", "--website", site, "--name", "Signups", "--goal", "Sign Up",
		"--subject", "New {{goal}} on {{website}}", "--message", "{{visitor}} signed up on the {{params.plan}} plan.")
	if !strings.Contains(out, `alert`) || !strings.Contains(out, `"Signups" on goal sign_up (enabled)`) {
		t.Fatalf("create:\n%s", out)
	}
	var alerts []struct {
		ID        string `json:"_id"`
		IsEnabled bool   `json:"isEnabled"`
	}
	owner.json(t, &alerts, "alerts", "list", site)
	if len(alerts) != 1 || !alerts[0].IsEnabled {
		t.Fatalf("list --json: %+v", alerts)
	}
	id := alerts[0].ID
	if row := tableRow(t, owner.ok(t, "alerts", "list", site), id); row[1] != "Signups" || row[2] != "sign_up" || row[3] != "enabled" {
		t.Fatalf("list row %v", row)
	}
	owner.fail(t, 2, "give at least one of", "alerts", "update", site, id)
	if out := owner.ok(t, "alerts", "update", site, id, "--enabled=false"); !strings.Contains(out, "(paused)") {
		t.Fatalf("pause:\n%s", out)
	}
	if out := owner.ok(t, "alerts", "update", site, id, "--enabled=true", "--subject", ""); !strings.Contains(out, "(enabled)") || !strings.Contains(out, "Subject: (default)") {
		t.Fatalf("resume:\n%s", out)
	}
	owner.fail(t, 1, "(HTTP 404)", "alerts", "update", site, "0123456789abcdef01234567", "--enabled=false")

	// A goal event mails the owner; the history shows it.
	body := fmt.Sprintf(`{"websiteId":%q,"domain":"shop.example.com","href":"https://shop.example.com/pricing","visitorId":%q,"sessionId":"s%s","type":"custom","extraData":{"eventName":"sign_up","plan":"pro"}}`,
		tracking, cliVisitor, cliVisitor)
	req, _ := http.NewRequest(http.MethodPost, srv.baseURL+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", desktopChrome)
	resp, err := srv.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/events: %d %s", resp.StatusCode, b)
	}
	m := smtp.Wait(t, 1, waitLimit)[0]
	if m.To[0] != "owner@example.com" || m.From != "alerts@example.com" || m.Subject != "Alert: sign_up on shop.example.com" || !strings.HasPrefix(m.Text, cliVisitor+" signed up on the pro plan.") {
		t.Fatalf("mail %s → %v %q:\n%s", m.From, m.To, m.Subject, m.Text)
	}
	var history string
	eventually(t, "the history shows the mail", func() bool {
		history = owner.ok(t, "alerts", "history", site)
		return strings.Contains(history, "1 sent, 0 failed, 1 in all.")
	})
	if fields := strings.Fields(strings.Split(history, "\n")[1]); strings.Join(fields[2:], " ") != "Signups sign_up sent 1 "+cliVisitor+" -" {
		t.Fatalf("history:\n%s", history)
	}
	owner.fail(t, 2, "--limit must be from 1 to 100", "alerts", "history", site, "--limit", "500")

	if out := owner.ok(t, "alerts", "delete", site, id, "--yes"); !strings.Contains(out, "Alert deleted successfully: alert "+id) {
		t.Fatalf("delete:\n%s", out)
	}
	if out := owner.ok(t, "alerts", "history", site, "--alert", id); !strings.Contains(out, "1 sent, 0 failed, 1 in all.") {
		t.Fatalf("history of the deleted alert:\n%s", out)
	}
	if out := owner.ok(t, "alerts", "list", site); strings.Contains(out, id) {
		t.Fatalf("list after delete:\n%s", out)
	}
}
