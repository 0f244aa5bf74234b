package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/cli"
	"github.com/spf13/cobra"
)

// The client commands run as the real binary against a real `openfast
// serve`, each test with its own HOME so that the config file is its own.

var (
	websiteKeyLine = regexp.MustCompile(`^df_[0-9A-Za-z]{36}$`)
	objectIDField  = regexp.MustCompile(`\b[0-9a-f]{24}\b`)
)

// cliUser runs client commands with one HOME (and so one config file).
type cliUser struct {
	home string
	env  []string // added to baseEnv() after HOME
}

type cliResult struct {
	stdout, stderr string
	code           int
}

func newCLIUser(t *testing.T, env ...string) *cliUser {
	t.Helper()
	return &cliUser{home: t.TempDir(), env: env}
}

// configFile is the config file of the user when XDG_CONFIG_HOME is unset.
func (u *cliUser) configFile() string {
	return filepath.Join(u.home, ".config", "openfast", "config.json")
}

// run runs the binary with stdin and args.
func (u *cliUser) run(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(), "HOME="+u.home, "XDG_CONFIG_HOME=")
	cmd.Env = append(cmd.Env, u.env...)
	cmd.Dir = u.home
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("openfast %s did not finish within %v", strings.Join(args, " "), waitLimit)
	}
	r := cliResult{stdout: out.String(), stderr: errOut.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run openfast %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs a command that must succeed and returns its standard output.
func (u *cliUser) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := u.run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("openfast %s exited with %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fail runs a command that must exit with code and say stderrHas on
// standard error.
func (u *cliUser) fail(t *testing.T, code int, stderrHas string, args ...string) cliResult {
	t.Helper()
	r := u.run(t, "", args...)
	if r.code != code {
		t.Errorf("openfast %s exited with %d, want %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, stderrHas) {
		t.Errorf("openfast %s: stderr = %q, want it to contain %q", strings.Join(args, " "), r.stderr, stderrHas)
	}
	return r
}

// json runs a command with --json and decodes its output into v.
func (u *cliUser) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := u.ok(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("openfast %s --json: %v; output:\n%s", strings.Join(args, " "), err, out)
	}
}

// login logs the user in to srv with token on standard input.
func (u *cliUser) login(t *testing.T, srv *serverProcess, token string) string {
	t.Helper()
	r := u.run(t, token+"\n", "login", "--url", srv.baseURL)
	if r.code != 0 {
		t.Fatalf("login exited with %d; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// secretLine checks the output of a command that shows a raw key or token: the
// value alone on the last line of standard output, and a warning on
// standard error. It returns the value.
func secretLine(t *testing.T, r cliResult, line *regexp.Regexp) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if !line.MatchString(last) {
		t.Fatalf("last line of stdout %q is not a secret; stdout:\n%s", last, r.stdout)
	}
	if !strings.Contains(r.stderr, "shown once") {
		t.Errorf("stderr = %q, want a warning that the secret is shown once", r.stderr)
	}
	return last
}

// tableRow returns the first line of a table output whose first cell is
// first, split into cells on runs of two or more spaces.
func tableRow(t *testing.T, out, first string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		cells := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1)
		if len(cells) > 0 && cells[0] == first {
			return cells
		}
	}
	t.Fatalf("no row starting with %q in:\n%s", first, out)
	return nil
}

// tableValue returns the value of a two-column key/value table.
func tableValue(t *testing.T, out, key string) string {
	t.Helper()
	row := tableRow(t, out, key)
	if len(row) < 2 {
		return ""
	}
	return row[1]
}

func startCLIServer(t *testing.T) (*serverProcess, string) {
	t.Helper()
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "0", "--event-load-delay", "5ms",
	}})
	return srv, dataDir
}

// cliVisitor is the visitor of the pageviews that the tests post.
const cliVisitor = "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"

// postPageviews posts pageviews of paths on domain, each from visitor
// (a tracker's request), and waits until the overview of the website
// counts them.
func postPageviews(t *testing.T, srv *serverProcess, token, websiteID, trackingID, domain string, visitors []string, paths ...string) {
	t.Helper()
	for _, v := range visitors {
		for _, p := range paths {
			body := fmt.Sprintf(`{"websiteId":%q,"domain":%q,"href":"https://%s%s?utm_source=newsletter","referrer":"https://www.google.com/","viewport":{"width":1280,"height":720},"visitorId":%q,"sessionId":"s%s","type":"pageview"}`,
				trackingID, domain, domain, p, v, v)
			req, err := http.NewRequest(http.MethodPost, srv.baseURL+"/api/events", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", desktopChrome)
			req.Header.Set("Origin", "https://"+domain)
			resp, err := srv.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST /api/events: %d %s", resp.StatusCode, b)
			}
		}
	}
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(20 * time.Millisecond) {
		_, b := srv.do(t, http.MethodGet, "/api/v1/analytics/overview?fields=visitors&websiteId="+websiteID, token, nil)
		var r struct {
			Data []struct {
				Visitors int `json:"visitors"`
			} `json:"data"`
		}
		if json.Unmarshal(b, &r) == nil && len(r.Data) == 1 && r.Data[0].Visitors >= len(visitors) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overview does not count the pageviews: %s", b)
		}
	}
}

// eventually fails the test unless cond becomes true within waitLimit:
// events are loaded into analytics shortly after they are acknowledged.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
	}
}

// TestCLI_WebsiteKeyLifecycle is the path of a new installation: bootstrap,
// login, a website, a df_ key that reads analytics, rolled, then revoked.
func TestCLI_WebsiteKeyLifecycle(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	u := newCLIUser(t)

	out := u.login(t, srv, token)
	if !strings.Contains(out, "Logged in to "+srv.baseURL+" as owner@example.com") {
		t.Errorf("login output:\n%s", out)
	}
	if strings.Contains(out, token) {
		t.Errorf("login shows the raw token:\n%s", out)
	}
	checkMode(t, u.configFile(), 0o600)
	checkMode(t, filepath.Dir(u.configFile()), 0o700)
	var cfg cli.Config
	b, err := os.ReadFile(u.configFile())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil || cfg.URL != srv.baseURL || cfg.Token != token {
		t.Fatalf("config file = %s (%v), want the URL and the token", b, err)
	}

	out = u.ok(t, "websites", "create", "--domain", "keys.example.com", "--timezone", "UTC", "--name", "Keys")
	websiteID := tableValue(t, out, "WEBSITE ID")
	trackingID := tableValue(t, out, "TRACKING ID")
	if !objectIDField.MatchString(websiteID) || !strings.HasPrefix(trackingID, "dfid_") {
		t.Fatalf("websites create output:\n%s", out)
	}
	if !strings.Contains(out, `data-website-id="`+trackingID+`"`) {
		t.Errorf("websites create shows no tracker snippet:\n%s", out)
	}

	r := u.run(t, "", "websites", "apikeys", "create", websiteID, "--name", "prod")
	if r.code != 0 {
		t.Fatalf("apikeys create exited with %d: %s", r.code, r.stderr)
	}
	key := secretLine(t, r, websiteKeyLine)
	keyID := objectIDField.FindString(r.stdout)
	if !strings.Contains(r.stdout, "Created API key "+keyID+" (prod) for website "+websiteID) {
		t.Errorf("apikeys create output:\n%s", r.stdout)
	}
	list := u.ok(t, "websites", "apikeys", "list", websiteID)
	row := tableRow(t, list, keyID)
	if row[1] != "prod" || row[2] != key[:7]+"..."+key[len(key)-4:] || strings.Contains(list, key) {
		t.Errorf("apikeys list:\n%s", list)
	}

	postPageviews(t, srv, token, websiteID, trackingID, "keys.example.com",
		[]string{cliVisitor, "b3ab2331-989f-4cfa-91c6-2461c9e3c6bd"}, "/", "/pricing")

	// The df_ key implies its website: no --website, none in the config.
	var overview []map[string]any
	u.json(t, &overview, "analytics", "overview", "--token", key)
	if len(overview) != 1 || overview[0]["visitors"] != float64(2) {
		t.Fatalf("overview with the df_ key = %v, want 2 visitors", overview)
	}
	out = u.ok(t, "analytics", "overview", "--token", key)
	if got := tableRow(t, out, "visitors"); got[1] != "2" {
		t.Errorf("overview table:\n%s", out)
	}
	if first := strings.Fields(strings.Split(out, "\n")[1]); first[0] != "visitors" {
		t.Errorf("overview table does not start with visitors:\n%s", out)
	}
	// A df_ key cannot call account-level routes: 403, exit status 1.
	u.fail(t, 1, "(HTTP 403)", "tokens", "list", "--token", key)

	// The key authenticated 3 requests today (a refused one counts too).
	today := time.Now().UTC().Format(time.DateOnly)
	if row := tableRow(t, u.ok(t, "websites", "apikeys", "list", websiteID), keyID); row[7] != "3" {
		t.Errorf("apikeys list REQUESTS 7D = %q, want 3", row[7])
	}
	out = u.ok(t, "websites", "apikeys", "usage", websiteID, keyID, "--days", "3")
	if row := tableRow(t, out, today); row[1] != "3" || strings.Count(out, "\n") != 6 ||
		!strings.Contains(out, "Total 3, last 7 days 3.") {
		t.Errorf("apikeys usage:\n%s", out)
	}
	var usage map[string]any
	u.json(t, &usage, "websites", "apikeys", "usage", websiteID, keyID)
	if days, _ := usage["days"].([]any); usage["_id"] != keyID || usage["usage7d"] != 3.0 || len(days) != 90 {
		t.Errorf("apikeys usage --json = %v", usage)
	}
	u.fail(t, 1, "days must be an integer from 1 to 90. (HTTP 400)", "websites", "apikeys", "usage", websiteID, keyID, "--days", "91")

	r = u.run(t, "", "websites", "apikeys", "roll", websiteID, keyID)
	if r.code != 0 {
		t.Fatalf("apikeys roll exited with %d: %s", r.code, r.stderr)
	}
	rolled := secretLine(t, r, websiteKeyLine)
	if rolled == key {
		t.Fatal("roll printed the same key")
	}
	u.fail(t, 1, "Invalid or revoked API token. (HTTP 401)", "analytics", "overview", "--token", key)
	u.json(t, &overview, "analytics", "overview", "--token", rolled)
	if overview[0]["visitors"] != float64(2) {
		t.Errorf("overview with the rolled key = %v", overview)
	}

	// Without a terminal, a delete needs --yes: a usage error.
	u.fail(t, 2, "pass --yes", "websites", "apikeys", "delete", websiteID, keyID)
	out = u.ok(t, "websites", "apikeys", "delete", websiteID, keyID, "--yes")
	if !strings.Contains(out, "Revoked API key "+keyID) {
		t.Errorf("apikeys delete output:\n%s", out)
	}
	u.fail(t, 1, "(HTTP 401)", "analytics", "overview", "--token", rolled)
	u.fail(t, 1, "(HTTP 404)", "websites", "apikeys", "delete", websiteID, keyID, "--yes")
	var keys []any
	u.json(t, &keys, "websites", "apikeys", "list", websiteID)
	if len(keys) != 0 {
		t.Errorf("keys after delete = %v", keys)
	}
}

// TestCLI_Commands runs every client command against one server.
func TestCLI_Commands(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	ownerToken := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	owner := newCLIUser(t)
	owner.login(t, srv, ownerToken)

	var created []struct {
		WebsiteID  string `json:"websiteId"`
		TrackingID string `json:"trackingId"`
	}
	owner.json(t, &created, "websites", "create", "--domain", "shop.example.com", "--timezone", "Europe/Paris")
	site := created[0].WebsiteID

	t.Run("Whoami", func(t *testing.T) {
		out := owner.ok(t, "whoami")
		if tableValue(t, out, "EMAIL") != "owner@example.com" || tableValue(t, out, "PERMISSIONS") != "*" {
			t.Errorf("whoami:\n%s", out)
		}
		if !strings.Contains(tableValue(t, out, "CREDENTIAL"), "(account token)") || strings.Contains(out, ownerToken) {
			t.Errorf("whoami credential:\n%s", out)
		}
		var acct []map[string]any
		owner.json(t, &acct, "whoami")
		if len(acct) != 1 || acct[0]["email"] != "owner@example.com" {
			t.Errorf("whoami --json = %v", acct)
		}
	})

	t.Run("NoWebsite", func(t *testing.T) {
		owner.fail(t, 2, "no website given", "analytics", "overview")
		owner.fail(t, 2, "no website given", "team", "list")
	})

	t.Run("Config", func(t *testing.T) {
		out := owner.ok(t, "config", "set-website", site)
		if !strings.Contains(out, "Default website set to "+site+" (shop.example.com)") {
			t.Errorf("config set-website:\n%s", out)
		}
		owner.fail(t, 1, "(HTTP 403)", "config", "set-website", "0123456789abcdef01234567")
		out = owner.ok(t, "config", "show")
		masked := ownerToken[:7] + "..." + ownerToken[len(ownerToken)-4:]
		if row := tableRow(t, out, "token"); row[1] != masked || row[2] != "config file" {
			t.Errorf("config show token row %q, want %s from the config file:\n%s", row, masked, out)
		}
		if strings.Contains(out, ownerToken) {
			t.Errorf("config show shows the raw token:\n%s", out)
		}
		if row := tableRow(t, out, "website"); row[1] != site {
			t.Errorf("config show:\n%s", out)
		}
		// The environment wins over the config file, and a flag over both.
		env := newCLIUser(t, "OPENFAST_WEBSITE=0123456789abcdef01234567")
		env.home = owner.home
		out = env.ok(t, "config", "show")
		if row := tableRow(t, out, "website"); row[1] != "0123456789abcdef01234567" || row[2] != "environment" {
			t.Errorf("config show with OPENFAST_WEBSITE:\n%s", out)
		}
		out = env.ok(t, "config", "show", "--website", site)
		if row := tableRow(t, out, "website"); row[1] != site || row[2] != "flag" {
			t.Errorf("config show with --website:\n%s", out)
		}
		var shown map[string]string
		owner.json(t, &shown, "config", "show")
		if shown["token"] != masked || shown["url"] != srv.baseURL || shown["configFile"] != owner.configFile() {
			t.Errorf("config show --json = %v", shown)
		}
	})

	t.Run("GoalCustomizations", func(t *testing.T) {
		out := owner.ok(t, "goals", "colors")
		if row := tableRow(t, out, "#ef4444"); row[1] != "Red" || row[2] != "red" {
			t.Errorf("goals colors:\n%s", out)
		}
		var colors []map[string]string
		owner.json(t, &colors, "goals", "colors")
		if len(colors) < 10 || colors[0]["color"] != "#ef4444" || colors[0]["family"] != "red" {
			t.Errorf("goals colors --json = %v", colors)
		}
		out = owner.ok(t, "goals", "customize", "signup", "--display-name", "Sign-up", "--color", "#22C55E")
		if row := tableRow(t, out, "signup"); row[1] != "Sign-up" || row[2] != "#22c55e" || row[3] != "-" {
			t.Errorf("goals customize:\n%s", out)
		}
		owner.ok(t, "goals", "customize", "signup", "--color", "", "--description", "Made an account")
		var goals []map[string]any
		owner.json(t, &goals, "goals", "customizations", "list", "--goal", "signup")
		if len(goals) != 1 || goals[0]["displayName"] != "Sign-up" || goals[0]["color"] != nil || goals[0]["description"] != "Made an account" {
			t.Errorf("goals customizations list --json = %v", goals)
		}
		out = owner.ok(t, "goals", "customizations", "list", site)
		if row := tableRow(t, out, "signup"); row[1] != "Sign-up" || row[2] != "-" {
			t.Errorf("goals customizations list:\n%s", out)
		}
		owner.fail(t, 2, "nothing to change", "goals", "customize", "signup")
		owner.fail(t, 1, "not in the palette", "goals", "customize", "signup", "--color", "#123456")
	})

	t.Run("Tokens", func(t *testing.T) {
		r := owner.run(t, "", "tokens", "create", "--name", "ci", "--permissions", "analytics:read,websites:read", "--websites", site)
		if r.code != 0 {
			t.Fatalf("tokens create: %d %s", r.code, r.stderr)
		}
		ci := secretLine(t, r, tokenLine)
		id := objectIDField.FindString(r.stdout)
		out := owner.ok(t, "tokens", "list")
		row := tableRow(t, out, id)
		if row[1] != "ci" || row[3] != "analytics:read,websites:read" || row[4] != site {
			t.Errorf("tokens list row %q:\n%s", row, out)
		}
		// The new token reads analytics but cannot list the account's
		// tokens: it is limited to one website.
		ciUser := newCLIUser(t, "OPENFAST_TOKEN="+ci, "OPENFAST_URL="+srv.baseURL)
		ciUser.ok(t, "analytics", "realtime", "--website", site)
		ciUser.fail(t, 1, "not limited to some websites. (HTTP 403)", "tokens", "list")
		owner.fail(t, 1, "Unknown permission", "tokens", "create", "--permissions", "bogus:perm")
		// Two requests authenticated with the token, one of them refused.
		if row := tableRow(t, owner.ok(t, "tokens", "list"), id); row[7] != "2" {
			t.Errorf("tokens list REQUESTS 7D = %q, want 2", row[7])
		}
		if out := owner.ok(t, "tokens", "usage", id, "--days", "1"); !strings.Contains(out, "Total 2, last 7 days 2.") {
			t.Errorf("tokens usage:\n%s", out)
		}
		ciUser.fail(t, 1, "(HTTP 403)", "tokens", "usage", id)
		owner.fail(t, 2, "pass --yes", "tokens", "delete", id)
		if out := owner.ok(t, "tokens", "delete", id, "--yes"); !strings.Contains(out, "Revoked account token "+id) {
			t.Errorf("tokens delete:\n%s", out)
		}
		ciUser.fail(t, 1, "(HTTP 401)", "analytics", "realtime", "--website", site)
	})

	t.Run("Websites", func(t *testing.T) {
		out := owner.ok(t, "websites", "list")
		row := tableRow(t, out, site)
		if row[1] != "shop.example.com" || row[3] != "Europe/Paris" || row[5] != "owner" {
			t.Errorf("websites list row %q:\n%s", row, out)
		}
		out = owner.ok(t, "websites", "get", site)
		if tableValue(t, out, "DOMAIN") != "shop.example.com" || tableValue(t, out, "NAME") != "-" {
			t.Errorf("websites get:\n%s", out)
		}
		out = owner.ok(t, "websites", "update", "--name", "Shop", "--currency", "EUR", "--excluded-paths", "/admin,/preview", "--cookieless", "--set", "includeRenewalRevenue=true")
		for key, want := range map[string]string{"NAME": "Shop", "CURRENCY": "EUR", "EXCLUDED PATHS": "/admin,/preview", "COOKIELESS": "true", "INCLUDE RENEWAL REVENUE": "true"} {
			if got := tableValue(t, out, key); got != want {
				t.Errorf("websites update: %s = %q, want %q:\n%s", key, got, want, out)
			}
		}
		var w []map[string]any
		owner.json(t, &w, "websites", "update", site, "--name", "", "--cookieless=false", "--excluded-paths", "")
		if w[0]["name"] != nil || w[0]["isCookieless"] != false || len(w[0]["excludedPaths"].([]any)) != 0 {
			t.Errorf("websites update --json = %v", w[0])
		}
		owner.fail(t, 2, "nothing to update", "websites", "update", site)
		owner.fail(t, 1, "timezone", "websites", "update", "--timezone", "Mars/Olympus")
		out = owner.ok(t, "websites", "update", site, "--retention-days", "400")
		if got := tableValue(t, out, "RETENTION"); got != "400 days" {
			t.Errorf("websites update --retention-days 400: RETENTION = %q:\n%s", got, out)
		}
		owner.json(t, &w, "websites", "update", site, "--retention-days", "forever")
		if w[0]["retentionDays"] != nil {
			t.Errorf("websites update --retention-days forever = %v", w[0]["retentionDays"])
		}
		owner.fail(t, 2, "number of days or forever", "websites", "update", site, "--retention-days", "1y")
		owner.fail(t, 1, "retentionDays must be", "websites", "update", site, "--retention-days", "0")
		owner.fail(t, 2, "the domain is required", "websites", "create", "--timezone", "UTC")
		owner.fail(t, 2, "give the domain once", "websites", "create", "a.example.com", "--domain", "b.example.com")
		owner.fail(t, 1, "(HTTP 409)", "websites", "create", "--domain", "shop.example.com", "--timezone", "UTC")
		// The domain as the argument.
		owner.fail(t, 1, "(HTTP 409)", "websites", "create", "shop.example.com", "--timezone", "UTC")
		if out := owner.ok(t, "websites", "create", "argument.example.com", "--timezone", "UTC"); tableValue(t, out, "DOMAIN") != "argument.example.com" {
			t.Errorf("websites create argument.example.com:\n%s", out)
		}
	})

	t.Run("APIKeys", func(t *testing.T) {
		// The default website of the config file applies.
		r := owner.run(t, "", "websites", "apikeys", "create")
		if r.code != 0 {
			t.Fatalf("apikeys create: %d %s", r.code, r.stderr)
		}
		key := secretLine(t, r, websiteKeyLine)
		keyID := objectIDField.FindString(r.stdout)
		tableRow(t, owner.ok(t, "websites", "apikeys", "list"), keyID)
		r = owner.run(t, "", "websites", "apikeys", "roll", keyID)
		if r.code != 0 || secretLine(t, r, websiteKeyLine) == key {
			t.Fatalf("apikeys roll: %d %s", r.code, r.stderr)
		}
		// With a df_ key, the key's website is used for its own routes.
		keyUser := newCLIUser(t)
		keyUser.login(t, srv, secretLine(t, r, websiteKeyLine))
		tableRow(t, keyUser.ok(t, "websites", "apikeys", "list"), keyID)
		if got := tableValue(t, keyUser.ok(t, "whoami"), "WEBSITE"); got != site {
			t.Errorf("whoami with a df_ key names website %q, want %s", got, site)
		}
		owner.ok(t, "websites", "apikeys", "delete", keyID, "--yes")
	})

	t.Run("TeamAndInvitations", func(t *testing.T) {
		viewerToken := runBootstrap(t, dataDir, "viewer@example.com", "Vera")
		viewer := newCLIUser(t)
		viewer.login(t, srv, viewerToken)

		out := owner.ok(t, "team", "invite", "viewer@example.com")
		invitationID := objectIDField.FindString(strings.TrimPrefix(out, "Invited viewer@example.com as viewer to website "+site))
		if !strings.HasPrefix(out, "Invited viewer@example.com as viewer to website "+site) || invitationID == "" {
			t.Fatalf("team invite:\n%s", out)
		}
		owner.fail(t, 1, "(HTTP 409)", "team", "invite", "viewer@example.com")
		owner.fail(t, 2, "--role must be viewer or member", "team", "invite", "x@example.com", "--role", "owner")

		out = viewer.ok(t, "invitations", "list")
		if row := tableRow(t, out, invitationID); row[1] != site || row[2] != "shop.example.com" || row[3] != "viewer" {
			t.Errorf("invitations list:\n%s", out)
		}
		out = viewer.ok(t, "invitations", "accept", invitationID)
		if !strings.Contains(out, "Joined shop.example.com (website "+site+") as viewer") {
			t.Errorf("invitations accept:\n%s", out)
		}
		var invs []any
		viewer.json(t, &invs, "invitations", "list")
		if len(invs) != 0 {
			t.Errorf("invitations after accept = %v", invs)
		}

		var members []struct {
			UserID string `json:"userId"`
			Email  string `json:"email"`
			Role   string `json:"role"`
		}
		owner.json(t, &members, "team", "list", site)
		viewerID := ""
		for _, m := range members {
			if m.Email == "viewer@example.com" {
				viewerID = m.UserID
			}
		}
		if len(members) != 2 || viewerID == "" {
			t.Fatalf("team list = %+v", members)
		}
		out = owner.ok(t, "team", "list")
		if row := tableRow(t, out, viewerID); row[1] != "Vera" || row[3] != "viewer" {
			t.Errorf("team list:\n%s", out)
		}
		// A viewer cannot invite or remove, and cannot read the audit log.
		viewer.fail(t, 1, "Only the website owner can do this. (HTTP 403)", "team", "remove", viewerID, "--website", site)
		viewer.fail(t, 1, "(HTTP 403)", "audit-log", site)
		out = owner.ok(t, "team", "remove", viewerID)
		if !strings.Contains(out, "Team member removed successfully: user "+viewerID) {
			t.Errorf("team remove:\n%s", out)
		}
		viewer.fail(t, 1, "(HTTP 403)", "team", "list", site)
	})

	t.Run("AuditLog", func(t *testing.T) {
		out := owner.ok(t, "audit-log")
		for _, action := range []string{"website.create", "website.update", "apikey.create", "apikey.roll", "apikey.delete", "team.invite", "team.remove"} {
			if !strings.Contains(out, action) {
				t.Errorf("audit-log has no %s:\n%s", action, out)
			}
		}
		if !strings.HasPrefix(out, "TIME") {
			t.Errorf("audit-log header:\n%s", out)
		}
		r := owner.run(t, "", "audit-log", "--limit", "2")
		if n := strings.Count(strings.TrimSpace(r.stdout), "\n"); n != 2 || !strings.Contains(r.stderr, "next page: --offset 2") {
			t.Errorf("audit-log --limit 2: %d rows; stdout:\n%s\nstderr:\n%s", n, r.stdout, r.stderr)
		}
		out = owner.ok(t, "audit-log", "--account")
		if !strings.Contains(out, "access_token.create") {
			t.Errorf("audit-log --account:\n%s", out)
		}
		owner.fail(t, 2, "do not go together", "audit-log", site, "--account")
	})

	postPageviews(t, srv, ownerToken, site, created[0].TrackingID, "shop.example.com",
		[]string{cliVisitor, "b3ab2331-989f-4cfa-91c6-2461c9e3c6bd"}, "/", "/pricing", "/docs/intro")

	t.Run("Analytics", func(t *testing.T) {
		out := owner.ok(t, "analytics", "overview")
		if tableValue(t, out, "visitors") != "2" || tableValue(t, out, "currency") != "EUR" {
			t.Errorf("overview:\n%s", out)
		}
		out = owner.ok(t, "analytics", "overview", "--fields", "sessions,visitors", "--from", "2000-01-01", "--to", "2000-01-31")
		if tableValue(t, out, "visitors") != "0" || strings.Contains(out, "bounce_rate") {
			t.Errorf("overview of an empty range:\n%s", out)
		}
		out = owner.ok(t, "analytics", "timeseries", "--interval", "day", "--fields", "visitors")
		if row := tableRow(t, out, "Total"); row[1] != "2" {
			t.Errorf("timeseries totals:\n%s", out)
		}
		if !strings.HasPrefix(out, "NAME") {
			t.Errorf("timeseries header:\n%s", out)
		}
		var ts []map[string]any
		owner.json(t, &ts, "analytics", "timeseries", "--interval", "month", "--fields", "visitors,sessions")
		if len(ts) == 0 || ts[0]["timestamp"] == nil {
			t.Errorf("timeseries --json = %v", ts)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "realtime"), "VISITORS"); len(row) != 1 {
			t.Errorf("realtime header %q", row)
		}
		out = owner.ok(t, "analytics", "realtime", "--map")
		if !strings.Contains(out, "2 active visitors") || !strings.Contains(out, cliVisitor) {
			t.Errorf("realtime --map:\n%s", out)
		}
		if tableValue(t, owner.ok(t, "analytics", "metadata"), "domain") != "shop.example.com" {
			t.Error("metadata has no domain")
		}

		out = owner.ok(t, "analytics", "pages")
		if row := tableRow(t, out, "shop.example.com"); len(row) < 3 || row[2] != "2" {
			t.Errorf("pages:\n%s", out)
		}
		if !regexp.MustCompile(`^HOSTNAME\s+PATH\s+VISITORS\s+REVENUE\s+PAYMENTS\n`).MatchString(out) {
			t.Errorf("pages header:\n%s", out)
		}
		out = owner.ok(t, "analytics", "pages", "--filter", "utm_source=newsletter", "--filter", "referrer=is:Google,Bing")
		if strings.Count(out, "shop.example.com") != 3 {
			t.Errorf("pages with filters:\n%s", out)
		}
		r := owner.run(t, "", "analytics", "pages", "--limit", "1")
		if !strings.Contains(r.stderr, "Rows 1-1 of 3; next page: --offset 1") {
			t.Errorf("pages --limit 1 stderr: %q", r.stderr)
		}
		var rows []map[string]any
		owner.json(t, &rows, "analytics", "pages", "--filter", "device=is_not:desktop")
		if len(rows) != 0 {
			t.Errorf("pages without desktops = %v", rows)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "referrers"), "Google"); row[1] != "2" {
			t.Errorf("referrers row %q", row)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "campaigns"), "newsletter"); row[len(row)-3] != "2" {
			t.Errorf("campaigns row %q", row)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "browsers"), "Chrome"); row[1] != "2" {
			t.Errorf("browsers row %q", row)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "operating-systems"), "Windows"); row[1] != "2" {
			t.Errorf("operating-systems row %q", row)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "devices"), "desktop"); row[1] != "2" {
			t.Errorf("devices row %q", row)
		}
		if row := tableRow(t, owner.ok(t, "analytics", "hostnames"), "shop.example.com"); row[1] != "2" {
			t.Errorf("hostnames row %q", row)
		}
		// Without a GeoIP database there are no places: the tables have
		// their header only.
		for report, head := range map[string]string{"countries": "COUNTRY", "regions": "REGION", "cities": "CITY", "goals": "GOAL"} {
			out := owner.ok(t, "analytics", report)
			if !strings.HasPrefix(out, head) {
				t.Errorf("%s:\n%s", report, out)
			}
		}
		owner.fail(t, 2, "want dimension=[operator:]value", "analytics", "pages", "--filter", "nonsense")
		owner.fail(t, 1, "Unknown filter", "analytics", "pages", "--filter", "planet=mars")
		owner.fail(t, 2, "--from and --to go together", "analytics", "overview", "--from", "2026-01-01")
		// Relative periods, on the calendar of the website's time zone.
		for _, period := range []string{"today", "7d", "30d", "12mo", "mtd", "ytd", "all"} {
			if out := owner.ok(t, "analytics", "overview", "--fields", "visitors", "--period", period); tableValue(t, out, "visitors") != "2" {
				t.Errorf("overview --period %s:\n%s", period, out)
			}
		}
		if out := owner.ok(t, "analytics", "pages", "--period", "yesterday", "--timezone", "UTC"); strings.Contains(out, "/pricing") {
			t.Errorf("pages --period yesterday shows today's pages:\n%s", out)
		}
		var week []map[string]any
		owner.json(t, &week, "analytics", "timeseries", "--period", "7d", "--interval", "day", "--fields", "visitors")
		if len(week) != 7 {
			t.Errorf("timeseries --period 7d --interval day: %d rows, want 7: %v", len(week), week)
		}
		owner.fail(t, 2, `--period "fortnight": want today, yesterday, Nd`, "analytics", "overview", "--period", "fortnight")
		owner.fail(t, 2, "--period and --from/--to do not go together", "analytics", "overview", "--period", "7d", "--from", "2026-01-01", "--to", "2026-01-31")
		owner.fail(t, 2, "--timezone", "analytics", "overview", "--period", "7d", "--timezone", "Mars/Olympus")
		owner.fail(t, 1, "(HTTP 400)", "analytics", "timeseries", "--interval", "fortnight")
	})

	t.Run("Visitors", func(t *testing.T) {
		out := owner.ok(t, "visitors", "list")
		row := tableRow(t, out, cliVisitor)
		if row[2] != "shop.example.com/docs/intro" && row[2] != "shop.example.com/pricing" && row[2] != "shop.example.com/" {
			t.Errorf("visitors list row %q:\n%s", row, out)
		}
		if row[4] != "desktop" || row[5] != "Chrome" || row[7] != "Google" {
			t.Errorf("visitors list row %q", row)
		}
		var list []map[string]any
		owner.json(t, &list, "visitors", "list", "--filter", "page=/pricing", "--limit", "1")
		if len(list) != 1 {
			t.Errorf("visitors list with a page = %v", list)
		}
		out = owner.ok(t, "visitors", "get", cliVisitor)
		if tableValue(t, out, "PAGEVIEWS") != "3" || tableValue(t, out, "BROWSER") == "-" || !strings.Contains(out, "shop.example.com/docs/intro") {
			t.Errorf("visitors get:\n%s", out)
		}
		owner.fail(t, 1, "(HTTP 400)", "visitors", "get", "not-a-uuid")
		owner.fail(t, 2, "--customer must be true or false", "visitors", "list", "--customer", "maybe")
	})

	t.Run("GoalsPaymentsIdentify", func(t *testing.T) {
		out := owner.ok(t, "goals", "create", "--visitor", cliVisitor, "--name", "signup", "--metadata", "plan=pro")
		if !strings.HasPrefix(out, "Custom event created successfully: goal signup for visitor "+cliVisitor) {
			t.Errorf("goals create:\n%s", out)
		}
		owner.fail(t, 1, "(HTTP 404)", "goals", "create", "--visitor", "c3ab2331-989f-4cfa-91c6-2461c9e3c6bd", "--name", "signup")
		owner.fail(t, 2, "--visitor and --name are required", "goals", "create", "--name", "signup")
		eventually(t, "visitors get shows the goal", func() bool {
			out := owner.ok(t, "visitors", "get", cliVisitor)
			return regexp.MustCompile(`(?m)^COMPLETED\s+GOAL`).MatchString(out) && strings.Contains(out, "signup")
		})
		owner.ok(t, "visitors", "list", "--filter", "goal=signup")

		// In the website's currency (EUR), so that the overview shows the
		// amount as paid.
		out = owner.ok(t, "payments", "create", "--amount", "29.99", "--currency", "EUR", "--transaction-id", "pi_1", "--visitor", cliVisitor, "--email", "ann@example.com")
		if !strings.Contains(out, "Payment recorded and attributed successfully: transaction pi_1") {
			t.Errorf("payments create:\n%s", out)
		}
		var paid map[string]any
		owner.json(t, &paid, "payments", "create", "--amount", "29.99", "--currency", "EUR", "--transaction-id", "pi_1")
		if paid["transaction_id"] != "pi_1" || !strings.Contains(paid["message"].(string), "duplicate") {
			t.Errorf("payments create --json, again = %v", paid)
		}
		owner.fail(t, 2, "--amount must be a number", "payments", "create", "--amount", "lots", "--currency", "USD", "--transaction-id", "x")
		eventually(t, "visitors get shows the payment as paid", func() bool {
			return regexp.MustCompile(`(?m)^\S+ \S+\s+payment\s+-\s+true\s+29\.99 EUR$`).MatchString(owner.ok(t, "visitors", "get", cliVisitor))
		})

		out = owner.ok(t, "identify", "--visitor", cliVisitor, "--user-id", "u_42", "--property", "email=ann@example.com", "--property", "seats=3")
		if !strings.HasPrefix(out, "User profile created successfully: visitor "+cliVisitor+" is user u_42") {
			t.Errorf("identify:\n%s", out)
		}
		eventually(t, "visitors get shows the user id", func() bool {
			return strings.Contains(owner.ok(t, "visitors", "get", cliVisitor), "u_42")
		})
		eventually(t, "analytics goals counts the goal", func() bool {
			return regexp.MustCompile(`(?m)^signup\s+1\s+1$`).MatchString(owner.ok(t, "analytics", "goals"))
		})
		eventually(t, "the overview counts the payment", func() bool {
			out := owner.ok(t, "analytics", "overview", "--fields", "revenue,payments")
			return regexp.MustCompile(`(?m)^revenue\s+29.99$`).MatchString(out) && regexp.MustCompile(`(?m)^payments\s+1$`).MatchString(out)
		})
		owner.ok(t, "visitors", "list", "--customer", "true")

		out = owner.ok(t, "payments", "delete", "--transaction-id", "pi_1")
		if !strings.Contains(out, "Payment deleted successfully (1 deleted).") {
			t.Errorf("payments delete:\n%s", out)
		}
		owner.fail(t, 1, "Transaction not found. (HTTP 404)", "payments", "delete", "--transaction-id", "pi_1")
		owner.fail(t, 2, "give --transaction-id, --visitor, or --from and --to", "payments", "delete")

		var del []map[string]any
		owner.json(t, &del, "goals", "delete", "--visitor", cliVisitor, "--name", "signup")
		if len(del) != 1 || del[0]["deleted"] != float64(1) {
			t.Errorf("goals delete --json = %v", del)
		}
		owner.fail(t, 1, "(HTTP 404)", "goals", "delete", "--name", "signup")
		owner.fail(t, 2, "give --visitor, --name, or --from and --to", "goals", "delete")
	})

	t.Run("LogoutAndEnvironment", func(t *testing.T) {
		other := newCLIUser(t)
		other.login(t, srv, ownerToken)
		// OPENFAST_TOKEN wins over the config file, --token over both.
		bad := newCLIUser(t, "OPENFAST_TOKEN=dft_000000000000000000000000000000000000")
		bad.home = other.home
		bad.fail(t, 1, "(HTTP 401)", "whoami")
		bad.ok(t, "whoami", "--token", ownerToken)
		// OPENFAST_URL wins over the config file.
		down := newCLIUser(t, "OPENFAST_URL=http://127.0.0.1:1")
		down.home = other.home
		down.fail(t, 1, "127.0.0.1:1", "whoami")

		out := other.ok(t, "logout")
		if !strings.Contains(out, "Logged out") || strings.Contains(out, ownerToken) {
			t.Errorf("logout:\n%s", out)
		}
		other.fail(t, 2, "not logged in", "whoami")
		if !strings.Contains(other.ok(t, "logout"), "Not logged in") {
			t.Error("a second logout does not say it was not logged in")
		}
		b, err := os.ReadFile(other.configFile())
		if err != nil || strings.Contains(string(b), "dft_") || !strings.Contains(string(b), srv.baseURL) {
			t.Errorf("config file after logout = %s (%v), want the URL without the token", b, err)
		}
		other.fail(t, 1, "login to "+srv.baseURL+" failed: Invalid or revoked API token. (HTTP 401)", "login", "--token", "dft_000000000000000000000000000000000000")
		other.fail(t, 2, "no token given", "login")
	})

	t.Run("XDGConfigHome", func(t *testing.T) {
		xdg := t.TempDir()
		u := newCLIUser(t, "XDG_CONFIG_HOME="+xdg)
		u.login(t, srv, ownerToken)
		path := filepath.Join(xdg, "openfast", "config.json")
		checkMode(t, path, 0o600)
		checkMode(t, filepath.Dir(path), 0o700)
		checkMissing(t, u.configFile())
		if row := tableRow(t, u.ok(t, "config", "show"), "config file"); row[1] != path {
			t.Errorf("config show names %q, want %s", row[1], path)
		}
	})
}

// TestCLI_UsageErrors checks exit status 2 for bad command lines, without
// a server.
func TestCLI_UsageErrors(t *testing.T) {
	t.Parallel()
	u := newCLIUser(t, "OPENFAST_URL=http://127.0.0.1:1")
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"tokens", "bogus"}, `unknown command "bogus" for "openfast tokens"`},
		{[]string{"websites", "apikeys", "rol"}, "did you mean roll?"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"tokens", "create", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"tokens", "delete"}, "accepts 1 arg(s), received 0"},
		{[]string{"analytics", "pages", "--limit", "ten"}, "invalid argument"},
		{[]string{"whoami"}, "not logged in"},
		{[]string{"analytics", "overview", "--token", "dft_x"}, "no website given"},
		{[]string{"team", "invite", "a@example.com", "--token", "dft_x"}, "no website given"},
		{[]string{"whoami", "--token", "dft_x", "--url", "ftp://example.com"}, "scheme must be http or https"},
		{[]string{"serve", "--bogus"}, "unknown flag: --bogus"},
	} {
		r := u.fail(t, cli.ExitUsage, tc.stderr, tc.args...)
		if !strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("openfast %s: stderr %q does not say where help is", strings.Join(tc.args, " "), r.stderr)
		}
	}
	// Errors that are not about the command line exit with 1.
	u.fail(t, cli.ExitError, "connection refused", "whoami", "--token", "dft_x")
	u.fail(t, cli.ExitError, "--email is required", "admin", "bootstrap", "--data-dir", filepath.Join(t.TempDir(), "d"))

	// A group alone prints its help and succeeds.
	if out := u.ok(t, "analytics"); !strings.Contains(out, "Available Commands:") || !strings.Contains(out, "operating-systems") {
		t.Errorf("openfast analytics:\n%s", out)
	}
}

func TestCLI_Help(t *testing.T) {
	t.Parallel()
	u := newCLIUser(t)
	out := u.ok(t, "help")
	for _, want := range []string{"Server commands:", "serve", "Session commands:", "login", "Account commands", "websites", "Data commands", "analytics", "OPENFAST_TOKEN", "Examples:"} {
		if !strings.Contains(out, want) {
			t.Errorf("openfast help does not mention %q:\n%s", want, out)
		}
	}
	out = u.ok(t, "analytics", "pages", "--help")
	for _, want := range []string{"Examples:", "--filter", "is_not", "--website", "--json", "--from"} {
		if !strings.Contains(out, want) {
			t.Errorf("analytics pages --help does not mention %q:\n%s", want, out)
		}
	}
	// Every client command that runs something has a description and
	// examples (checked in process: the tree of the binary).
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.GroupID == cli.GroupServer || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			if sub.Short == "" {
				t.Errorf("%s has no short description", sub.CommandPath())
			}
			if !sub.HasSubCommands() && sub.Example == "" {
				t.Errorf("%s has no examples", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(newRootCommand())
}
