package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI_Integrations drives the integrations group against the real
// binary: the server makes its secret key file on first start; listing
// works; connecting reads the key from standard input, never prints it,
// and is refused here (a test-mode key, without --allow-test-payments: no
// request to Stripe, which the tests cannot reach); disconnecting what is
// not connected is a 404.
func TestCLI_Integrations(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	checkMode(t, filepath.Join(dataDir, secretKeyFileName), 0o600)
	owner := newCLIUser(t)
	owner.login(t, srv, runBootstrap(t, dataDir, "owner@example.com", "Owner"))
	var created []struct {
		WebsiteID string `json:"websiteId"`
	}
	owner.json(t, &created, "websites", "create", "--domain", "pay.example.com", "--timezone", "UTC")
	site := created[0].WebsiteID

	out := owner.ok(t, "websites", "integrations", "list", site)
	for _, p := range []string{"stripe", "lemonsqueezy", "polar", "paddle"} {
		if row := tableRow(t, out, p); row[1] != "no" || !strings.HasSuffix(row[len(row)-1], "/api/webhooks/"+p+"/"+site) {
			t.Fatalf("list row of %s: %v", p, row)
		}
	}
	owner.fail(t, 2, "unknown payment provider", "websites", "integrations", "connect", "shopify", site)
	owner.fail(t, 2, "--account is required for Lemon Squeezy", "websites", "integrations", "connect", "lemonsqueezy", site)
	owner.fail(t, 2, "Stripe takes no --account", "websites", "integrations", "connect", "stripe", site, "--account", "x")
	owner.fail(t, 2, "no Stripe API key on standard input", "websites", "integrations", "connect", "stripe", site)
	const key, secret = "rk_test_cli0123456789abcdef", "whsec_cli0123456789abcdef"
	r := owner.run(t, key+"\n"+secret+"\n", "websites", "integrations", "connect", "stripe", site, "--webhook-secret")
	if r.code != 1 || !strings.Contains(r.stderr, "--allow-test-payments") {
		t.Fatalf("connect: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if out := r.stdout + r.stderr; strings.Contains(out, key) || strings.Contains(out, secret) {
		t.Fatalf("the CLI printed a secret:\n%s", out)
	}
	owner.fail(t, 1, "Paddle is not connected to this website", "websites", "integrations", "disconnect", "paddle", site, "--yes")
}

// TestServe_RefusesSecretKeyFile: a key file that others may read, or of
// the wrong size, or named but missing, stops serve with a clear message.
func TestServe_RefusesSecretKeyFile(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		size   int
		mode   os.FileMode
		create bool
		want   string
	}{
		"readable": {32, 0o644, true, "other users may read it"},
		"short":    {31, 0o600, true, "holds 31 bytes"},
		"missing":  {0, 0, false, "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := filepath.Join(t.TempDir(), "openfast.key")
			if c.create {
				if err := os.WriteFile(key, make([]byte, c.size), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(key, c.mode); err != nil {
					t.Fatal(err)
				}
			}
			_, stderr, code := runCLI(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", privateDir(t), "--secret-key-file", key)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("serve with a %s key file: exit %d, stderr %q; want it to say %q", name, code, stderr, c.want)
			}
		})
	}
}
