package main

import (
	"strings"
	"testing"
)

// TestCLI_AllowedIPs: --allowed-ips on websites apikeys create and roll and
// on tokens create limits the credential to those addresses (the CLI talks
// to the server from 127.0.0.1), and the lists show them.
func TestCLI_AllowedIPs(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	u := newCLIUser(t)
	u.login(t, srv, token)
	site := tableValue(t, u.ok(t, "websites", "create", "--domain", "ips.example.com", "--timezone", "UTC"), "WEBSITE ID")

	r := u.run(t, "", "websites", "apikeys", "create", site, "--name", "here", "--allowed-ips", "127.0.0.1, 10.1.2.3/8")
	if r.code != 0 {
		t.Fatalf("apikeys create --allowed-ips: %d %s", r.code, r.stderr)
	}
	here := secretLine(t, r, websiteKeyLine)
	hereID := objectIDField.FindString(r.stdout)
	if !strings.Contains(r.stdout, "from 10.0.0.0/8,127.0.0.1/32 IP addresses") {
		t.Errorf("apikeys create output:\n%s", r.stdout)
	}
	r = u.run(t, "", "websites", "apikeys", "create", site, "--name", "elsewhere", "--allowed-ips", "203.0.113.0/24")
	if r.code != 0 {
		t.Fatalf("apikeys create --allowed-ips: %d %s", r.code, r.stderr)
	}
	elsewhere := secretLine(t, r, websiteKeyLine)
	elsewhereID := objectIDField.FindString(r.stdout)
	r = u.run(t, "", "websites", "apikeys", "create", site, "--name", "anywhere")
	anywhereID := objectIDField.FindString(r.stdout)

	list := u.ok(t, "websites", "apikeys", "list", site)
	for id, want := range map[string]string{hereID: "10.0.0.0/8,127.0.0.1/32", elsewhereID: "203.0.113.0/24", anywhereID: "any"} {
		if row := tableRow(t, list, id); row[5] != want {
			t.Errorf("key %s: ALLOWED IPS %q, want %q:\n%s", id, row[5], want, list)
		}
	}
	u.ok(t, "analytics", "realtime", "--token", here)
	u.fail(t, 1, "This API key is not allowed from 127.0.0.1. (HTTP 403)", "analytics", "realtime", "--token", elsewhere)
	u.fail(t, 1, `"nope" is not an IP address or CIDR prefix`, "websites", "apikeys", "create", site, "--allowed-ips", "nope")
	u.fail(t, 2, "--allowed-ips needs at least one", "websites", "apikeys", "create", site, "--allowed-ips", " , ")

	// A roll replaces the list, or with "any" removes it.
	r = u.run(t, "", "websites", "apikeys", "roll", site, elsewhereID, "--allowed-ips", "127.0.0.0/8")
	if r.code != 0 {
		t.Fatalf("apikeys roll --allowed-ips: %d %s", r.code, r.stderr)
	}
	rolled := secretLine(t, r, websiteKeyLine)
	u.ok(t, "analytics", "realtime", "--token", rolled)
	if row := tableRow(t, u.ok(t, "websites", "apikeys", "list", site), elsewhereID); row[5] != "127.0.0.0/8" {
		t.Errorf("rolled key: ALLOWED IPS %q", row[5])
	}
	r = u.run(t, "", "websites", "apikeys", "roll", site, hereID, "--allowed-ips", "any")
	if r.code != 0 {
		t.Fatalf("apikeys roll --allowed-ips any: %d %s", r.code, r.stderr)
	}
	if row := tableRow(t, u.ok(t, "websites", "apikeys", "list", site), hereID); row[5] != "any" {
		t.Errorf("key rolled with any: ALLOWED IPS %q", row[5])
	}

	r = u.run(t, "", "tokens", "create", "--name", "office", "--allowed-ips", "198.51.100.0/24,2001:db8::/32")
	if r.code != 0 {
		t.Fatalf("tokens create --allowed-ips: %d %s", r.code, r.stderr)
	}
	office := secretLine(t, r, tokenLine)
	officeID := objectIDField.FindString(r.stdout)
	if row := tableRow(t, u.ok(t, "tokens", "list"), officeID); row[5] != "198.51.100.0/24,2001:db8::/32" {
		t.Errorf("tokens list: ALLOWED IPS %q", row[5])
	}
	u.fail(t, 1, "This access token is not allowed from 127.0.0.1. (HTTP 403)", "websites", "list", "--token", office)
}
