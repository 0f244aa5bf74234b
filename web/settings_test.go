package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// ownerWithSite signs up the first user and adds a website: the user's
// client and the website's _id.
func (e *env) ownerWithSite(t *testing.T) (*http.Client, string) {
	t.Helper()
	c := e.client(t)
	e.signUp(t, c)
	return c, e.addSite(t, c, "shop.example.com")
}

// addSite adds a website through the form and returns its _id.
func (e *env) addSite(t *testing.T, c *http.Client, domain string) string {
	t.Helper()
	a := do(t, c, "POST", e.srv.URL+"/websites", url.Values{"domain": {domain}, "timezone": {"UTC"}, "currency": {"USD"}})
	id, ok := strings.CutSuffix(strings.TrimPrefix(a.location, "/websites/"), "/setup")
	if a.status != http.StatusSeeOther || !ok {
		t.Fatalf("add website: %d %s\n%s", a.status, a.location, a.body)
	}
	return id
}

var secretRE = regexp.MustCompile(`<pre id="secret-value"><code>([^<]+)</code></pre>`)

// shownSecret is the value a page shows once (a key, a token, a link).
func shownSecret(t *testing.T, a answer) string {
	t.Helper()
	m := secretRE.FindStringSubmatch(a.body)
	if a.status != 200 || m == nil {
		t.Fatalf("no secret shown: %d\n%s", a.status, a.body)
	}
	return html.UnescapeString(m[1])
}

// invite invites email to a website as role and returns the link shown.
func (e *env) invite(t *testing.T, owner *http.Client, siteID, email, role string) string {
	t.Helper()
	a := do(t, owner, "POST", e.srv.URL+"/websites/"+siteID+"/settings/team/invitations", url.Values{"email": {email}, "role": {role}})
	link := shownSecret(t, a)
	if !strings.HasPrefix(link, e.srv.URL+"/invitations/") || !strings.Contains(a.body, "shown this once") {
		t.Fatalf("invitation link %q", link)
	}
	return link
}

// join accepts an invitation link as a new user and returns their client.
func (e *env) join(t *testing.T, link, name string) *http.Client {
	t.Helper()
	c := e.client(t)
	if a := do(t, c, "GET", link, nil); a.status != 200 || !strings.Contains(a.body, "Create your account to accept") {
		t.Fatalf("invitation page: %d\n%s", a.status, a.body)
	}
	a := do(t, c, "POST", link+"/join", url.Values{"name": {name}, "password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/" {
		t.Fatalf("join: %d %s\n%s", a.status, a.location, a.body)
	}
	return c
}

// api calls the JSON API with a bearer credential and returns the status.
func (e *env) api(t *testing.T, method, path, credential string) int {
	t.Helper()
	return do(t, http.DefaultClient, method, e.srv.URL+path, nil, "Authorization", "Bearer "+credential).status
}

func TestSettingsGeneral(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	page := do(t, c, "GET", e.srv.URL+"/websites/"+id+"/settings", nil)
	if page.status != 200 || !strings.Contains(page.body, `action="/websites/`+id+`/settings"`) || !strings.Contains(page.body, `href="/websites/`+id+`/settings/developer"`) ||
		!strings.Contains(page.body, `href="/account"`) {
		t.Fatalf("general: %d\n%s", page.status, page.body)
	}
	form := url.Values{
		"name": {"Shop"}, "domain": {"shop.example.com"}, "timezone": {"Europe/Paris"}, "currency": {"EUR"},
		"isCookieless": {"on"}, "isAttackModeEnabled": {"on"},
		"excludedIps": {"192.0.2.1\n10.0.0.0/8"}, "excludedPaths": {"/admin*"}, "excludedCountries": {"fr, de"},
		"allowedHostnames": {"app.example.net"}, "excludedHostnames": {""},
	}
	if a := do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings", form); a.status != http.StatusSeeOther || !strings.HasSuffix(a.location, "?saved=1") {
		t.Fatalf("save: %d %s\n%s", a.status, a.location, a.body)
	}
	w, err := e.store.Website(context.Background(), id)
	if err != nil || deref(w.Name) != "Shop" || w.Timezone != "Europe/Paris" || w.Currency != "EUR" || !w.IsCookieless || !w.IsAttackModeEnabled ||
		w.IncludeRenewalRevenue || strings.Join(w.ExcludedIPs, " ") != "192.0.2.1 10.0.0.0/8" || strings.Join(w.ExcludedCountries, " ") != "FR DE" ||
		strings.Join(w.AllowedHostnames, " ") != "app.example.net" || len(w.ExcludedHostnames) != 0 || strings.Join(w.ExcludedPaths, " ") != "/admin*" {
		t.Fatalf("saved website %+v %v", w, err)
	}
	if a := do(t, c, "GET", e.srv.URL+"/websites/"+id+"/settings?saved=1", nil); !strings.Contains(a.body, "Settings saved.") || !strings.Contains(a.body, "10.0.0.0/8") {
		t.Fatalf("after save:\n%s", a.body)
	}
	// A wrong value: 400, the message in the form, what was typed kept,
	// nothing saved.
	form.Set("timezone", "Mars/Olympus")
	form.Set("excludedPaths", "/typed")
	a := do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings", form)
	if a.status != 400 || !strings.Contains(a.body, "timezone") || !strings.Contains(a.body, `value="Mars/Olympus"`) || !strings.Contains(a.body, "/typed") {
		t.Fatalf("invalid timezone: %d\n%s", a.status, a.body)
	}
	if w, _ := e.store.Website(context.Background(), id); w.Timezone != "Europe/Paris" {
		t.Fatalf("an invalid form changed the website: %+v", w)
	}
}

func TestDeveloperKeys(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	dev := e.srv.URL + "/websites/" + id + "/settings/developer"
	if a := do(t, c, "GET", dev, nil); a.status != 200 || !strings.Contains(a.body, "at most 10 keys") || !strings.Contains(a.body, "No key yet") {
		t.Fatalf("developer: %d\n%s", a.status, a.body)
	}
	a := do(t, c, "POST", dev+"/keys", url.Values{"name": {"Backend"}, "permissions": {"all"}})
	raw := shownSecret(t, a)
	if !strings.HasPrefix(raw, "df_") || !strings.Contains(a.body, "cannot be shown again") || !strings.Contains(a.body, "data-copy=\"#secret-value\"") {
		t.Fatalf("new key %q\n%s", raw, a.body)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites/"+id, raw); st != 200 {
		t.Fatalf("the new key: %d", st)
	}
	list := do(t, c, "GET", dev, nil)
	if strings.Contains(list.body, raw) || !strings.Contains(list.body, "Backend") || !strings.Contains(list.body, "ann@example.com") {
		t.Fatalf("the list shows the key or misses it:\n%s", list.body)
	}
	// The key's one request, in the last 7 days and in its 90-day chart.
	if !strings.Contains(list.body, "Requests (7&nbsp;d)") || !strings.Contains(list.body, `<td class="usage">1<figure class="sparkline">`) ||
		!strings.Contains(list.body, "<figcaption>1 in 90 days</figcaption>") {
		t.Fatalf("the list shows no usage of the key:\n%s", list.body)
	}
	keys, err := e.app.APIKeys(context.Background(), ownerCaller(t, e), id)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	keyID := keys[0].ID
	rolled := shownSecret(t, do(t, c, "POST", dev+"/keys/"+keyID+"/roll", nil))
	if rolled == raw || !strings.HasPrefix(rolled, "df_") {
		t.Fatalf("rolled %q", rolled)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites/"+id, raw); st != 401 {
		t.Fatalf("the old value after a roll: %d", st)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites/"+id, rolled); st != 200 {
		t.Fatalf("the rolled value: %d", st)
	}
	if a := do(t, c, "POST", dev+"/keys/"+keyID+"/delete", nil); a.status != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", a.status, a.body)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites/"+id, rolled); st != 401 {
		t.Fatalf("a deleted key: %d", st)
	}
	// A preset that does not exist; then the limit, explained in the form.
	if a := do(t, c, "POST", dev+"/keys", url.Values{"permissions": {"root"}}); a.status != 400 || !strings.Contains(a.body, "Choose the permissions") {
		t.Fatalf("unknown preset: %d", a.status)
	}
	for i := range openfast.MaxAPIKeysPerWebsite {
		shownSecret(t, do(t, c, "POST", dev+"/keys", url.Values{"name": {"k" + string(rune('a'+i))}, "permissions": {"read"}}))
	}
	a = do(t, c, "POST", dev+"/keys", url.Values{"name": {"one too many"}, "permissions": {"read"}})
	if a.status < 400 || !strings.Contains(a.body, `role="alert"`) || !strings.Contains(a.body, `value="one too many"`) || !strings.Contains(a.body, "the most it can have") {
		t.Fatalf("over the limit: %d\n%s", a.status, a.body)
	}
}

func ownerCaller(t *testing.T, e *env) app.Caller {
	t.Helper()
	raw, _, err := e.app.SignIn(context.Background(), app.SignInInput{Email: "ann@example.com", Password: password, IP: "192.0.2.200"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := e.app.Session(context.Background(), raw, "192.0.2.200")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestInvitationLinks(t *testing.T) {
	e := newEnv(t)
	owner, id := e.ownerWithSite(t)
	team := e.srv.URL + "/websites/" + id + "/settings/team"

	link := e.invite(t, owner, id, "Bob@Example.com", "member")
	if a := do(t, owner, "GET", team, nil); !strings.Contains(a.body, "bob@example.com") || !strings.Contains(a.body, "Withdraw") || strings.Contains(a.body, link) {
		t.Fatalf("team page with a pending invitation:\n%s", a.body)
	}
	// Too short a password: the form again.
	if a := do(t, e.client(t), "POST", link+"/join", url.Values{"name": {"Bob"}, "password": {"short"}}); a.status != 400 || !strings.Contains(a.body, "at least 10 characters") || !strings.Contains(a.body, `value="Bob"`) {
		t.Fatalf("short password: %d\n%s", a.status, a.body)
	}
	bob := e.join(t, link, "Bob")
	if a := do(t, bob, "GET", e.srv.URL+"/", nil); !strings.Contains(a.body, "shop.example.com") || !strings.Contains(a.body, "member") {
		t.Fatalf("bob's websites:\n%s", a.body)
	}
	// Used once.
	for _, c := range []*http.Client{e.client(t), bob} {
		if a := do(t, c, "GET", link, nil); a.status != 404 {
			t.Fatalf("a used link: %d", a.status)
		}
	}
	if a := do(t, e.client(t), "POST", link+"/join", url.Values{"name": {"Eve"}, "password": {password}}); a.status != 404 {
		t.Fatalf("joining with a used link: %d", a.status)
	}

	// An existing user signs in, and only the invited email can accept.
	if _, err := e.app.SetPasswordAsOperator(context.Background(), "carol@example.com", password, "test"); err != nil {
		t.Fatal(err)
	}
	link = e.invite(t, owner, id, "carol@example.com", "viewer")
	path := strings.TrimPrefix(link, e.srv.URL)
	carol := e.client(t)
	if a := do(t, carol, "GET", link, nil); a.status != 200 || !strings.Contains(a.body, `href="/login?next=`+strings.ReplaceAll(url.QueryEscape(path), "%2F", "%2f")+`"`) {
		t.Fatalf("an existing user's invitation page: %d\n%s", a.status, a.body)
	}
	if a := do(t, carol, "POST", link+"/join", url.Values{"name": {"Eve"}, "password": {password}}); a.status != 409 || !strings.Contains(a.body, "sign in to accept") {
		t.Fatalf("a new account for an existing email: %d\n%s", a.status, a.body)
	}
	if a := do(t, bob, "GET", link, nil); !strings.Contains(a.body, "only carol@example.com can accept") || strings.Contains(a.body, path+"/accept") {
		t.Fatalf("another user opens the link:\n%s", a.body)
	}
	if a := do(t, bob, "POST", link+"/accept", nil); a.status != 403 {
		t.Fatalf("another user accepts: %d\n%s", a.status, a.body)
	}
	a := do(t, carol, "POST", e.srv.URL+"/login", url.Values{"email": {"carol@example.com"}, "password": {password}, "next": {path}})
	if a.status != http.StatusSeeOther || a.location != path {
		t.Fatalf("sign in to accept: %d %s", a.status, a.location)
	}
	if a := do(t, carol, "GET", link, nil); !strings.Contains(a.body, `action="`+path+`/accept"`) {
		t.Fatalf("the accept button:\n%s", a.body)
	}
	if a := do(t, carol, "POST", link+"/accept", nil); a.status != http.StatusSeeOther || a.location != "/" {
		t.Fatalf("accept: %d %s\n%s", a.status, a.location, a.body)
	}
	members, _ := e.store.Members(context.Background(), id)
	if len(members) != 3 || members[1].Role != openfast.RoleMember || members[2].Email != "carol@example.com" || members[2].Role != openfast.RoleViewer {
		t.Fatalf("members %+v", members)
	}

	// Withdrawn: the link no longer works. Removed: the member loses the site.
	link = e.invite(t, owner, id, "dave@example.com", "viewer")
	if a := do(t, owner, "POST", team+"/invitations/withdraw", url.Values{"email": {"dave@example.com"}}); a.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", a.status, a.body)
	}
	if a := do(t, e.client(t), "GET", link, nil); a.status != 404 {
		t.Fatalf("a withdrawn link: %d", a.status)
	}
	if a := do(t, owner, "POST", team+"/members/"+members[2].UserID+"/remove", nil); a.status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", a.status, a.body)
	}
	if a := do(t, carol, "GET", e.srv.URL+"/websites/"+id+"/settings", nil); a.status != 404 {
		t.Fatalf("a removed member's settings: %d", a.status)
	}
	// Inviting oneself is a form error.
	if a := do(t, owner, "POST", team+"/invitations", url.Values{"email": {"ann@example.com"}, "role": {"viewer"}}); a.status != 400 || !strings.Contains(a.body, "cannot invite yourself") {
		t.Fatalf("self-invite: %d\n%s", a.status, a.body)
	}
}

// postForms matches the forms that change something.
var postForms = regexp.MustCompile(`<form method="post" action="/websites/`)

// TestSettingsRoles: a viewer sees the settings without a single action
// form, and every action answers 403 whatever the page shows; a member
// changes settings and keys but not the team; a user who is no member
// gets 404 for everything.
func TestSettingsRoles(t *testing.T) {
	e := newEnv(t)
	owner, id := e.ownerWithSite(t)
	viewer := e.join(t, e.invite(t, owner, id, "vic@example.com", "viewer"), "Vic")
	member := e.join(t, e.invite(t, owner, id, "meg@example.com", "member"), "Meg")
	raw := shownSecret(t, do(t, owner, "POST", e.srv.URL+"/websites/"+id+"/settings/developer/keys", url.Values{"permissions": {"all"}}))
	_ = raw
	keys, _ := e.store.APIKeys(context.Background(), id)
	members, _ := e.store.Members(context.Background(), id)
	e.invite(t, owner, id, "pat@example.com", "viewer")
	// A stranger: an invited user of another website.
	other := e.addSite(t, owner, "other.example.com")
	stranger := e.join(t, e.invite(t, owner, other, "sam@example.com", "member"), "Sam")

	base := e.srv.URL + "/websites/" + id + "/settings"
	pages := []string{base, base + "/developer", base + "/team", base + "/goals", base + "/revenue"}
	actions := []struct {
		path string
		form url.Values
	}{
		{base, url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}}},
		{base + "/developer/keys", url.Values{"permissions": {"read"}}},
		{base + "/developer/keys/" + keys[0].ID + "/roll", nil},
		{base + "/developer/keys/" + keys[0].ID + "/delete", nil},
		{base + "/team/invitations", url.Values{"email": {"x@example.com"}, "role": {"viewer"}}},
		{base + "/team/invitations/withdraw", url.Values{"email": {"pat@example.com"}}},
		{base + "/team/members/" + members[1].UserID + "/remove", nil},
		{base + "/goals", url.Values{"goalName": {"signup"}, "color": {"#ef4444"}}},
		{base + "/goals/kpi", url.Values{"kpi": {""}, "kpiColorScheme": {"red"}}},
	}
	for _, p := range pages {
		a := do(t, viewer, "GET", p, nil)
		if a.status != 200 || postForms.MatchString(a.body) {
			t.Errorf("viewer GET %s: %d, action forms: %v", p, a.status, postForms.FindAllString(a.body, -1))
		}
	}
	if a := do(t, viewer, "GET", base, nil); !strings.Contains(a.body, "read-only") || strings.Contains(a.body, `href="/websites/`+id+`/settings/audit"`) {
		t.Errorf("viewer general page:\n%s", a.body)
	}
	// The webhook events to select are named, Stripe's refunds included.
	if a := do(t, viewer, "GET", base+"/revenue", nil); !strings.Contains(a.body, "<code>refund.created</code>") || !strings.Contains(a.body, "<code>transaction.completed</code>") {
		t.Errorf("revenue page without the webhook events:\n%s", a.body)
	}
	if a := do(t, viewer, "GET", base+"/audit", nil); a.status != 403 {
		t.Errorf("viewer audit log: %d", a.status)
	}
	for _, act := range actions {
		if a := do(t, viewer, "POST", act.path, act.form); a.status != 403 {
			t.Errorf("viewer POST %s: %d\n%s", act.path, a.status, a.body)
		}
		if a := do(t, stranger, "POST", act.path, act.form); a.status != 404 {
			t.Errorf("stranger POST %s: %d", act.path, a.status)
		}
	}
	for _, act := range []string{base + "/revenue/stripe", base + "/revenue/stripe/disconnect"} {
		if a := do(t, viewer, "POST", act, url.Values{"apiKey": {"live_1"}}); a.status != 403 {
			t.Errorf("viewer POST %s: %d\n%s", act, a.status, a.body)
		}
		if a := do(t, stranger, "POST", act, url.Values{"apiKey": {"live_1"}}); a.status != 404 {
			t.Errorf("stranger POST %s: %d", act, a.status)
		}
	}
	for _, p := range append(pages, base+"/audit") {
		if a := do(t, stranger, "GET", p, nil); a.status != 404 {
			t.Errorf("stranger GET %s: %d", p, a.status)
		}
	}
	// Nothing changed.
	if k, _ := e.store.APIKeys(context.Background(), id); len(k) != 1 || k[0].DisplayKey != keys[0].DisplayKey {
		t.Fatalf("keys after refused actions: %+v", k)
	}
	if m, _ := e.store.Members(context.Background(), id); len(m) != 3 {
		t.Fatalf("members after refused actions: %+v", m)
	}

	// A member: settings and keys, not the team.
	if a := do(t, member, "GET", base+"/team", nil); a.status != 200 || strings.Contains(a.body, "/team/invitations\"") || strings.Contains(a.body, "/remove\"") {
		t.Errorf("member team page:\n%s", a.body)
	}
	if a := do(t, member, "GET", base+"/developer", nil); !strings.Contains(a.body, `action="/websites/`+id+`/settings/developer/keys"`) {
		t.Errorf("member developer page lacks the create form")
	}
	if a := do(t, member, "POST", actions[0].path, actions[0].form); a.status != http.StatusSeeOther {
		t.Errorf("member saves settings: %d", a.status)
	}
	if a := do(t, member, "GET", base+"/audit", nil); a.status != 200 || !strings.Contains(a.body, "website.update") {
		t.Errorf("member audit log: %d", a.status)
	}
	team, goals := actions[4:len(actions)-2], actions[len(actions)-2:]
	for _, act := range team {
		if a := do(t, member, "POST", act.path, act.form); a.status != 403 {
			t.Errorf("member POST %s: %d", act.path, a.status)
		}
	}
	for _, act := range goals {
		if a := do(t, member, "POST", act.path, act.form); a.status != http.StatusSeeOther {
			t.Errorf("member POST %s: %d\n%s", act.path, a.status, a.body)
		}
	}
}

func TestAuditLogPages(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	form := url.Values{"domain": {"shop.example.com"}, "timezone": {"UTC"}, "currency": {"USD"}}
	for range 55 {
		if a := do(t, c, "POST", e.srv.URL+"/websites/"+id+"/settings", form); a.status != http.StatusSeeOther {
			t.Fatalf("save: %d", a.status)
		}
	}
	audit := e.srv.URL + "/websites/" + id + "/settings/audit"
	a := do(t, c, "GET", audit, nil)
	if a.status != 200 || strings.Count(a.body, "<code>website.update</code>") != 50 || !strings.Contains(a.body, "Page 1 of 2") || !strings.Contains(a.body, `href="/websites/`+id+`/settings/audit?page=2"`) {
		t.Fatalf("page 1: %d\n%s", a.status, a.body)
	}
	a = do(t, c, "GET", audit+"?page=2", nil)
	if strings.Count(a.body, "<code>website.update</code>") != 5 || !strings.Contains(a.body, "<code>website.create</code>") || !strings.Contains(a.body, "ann@example.com") {
		t.Fatalf("page 2:\n%s", a.body)
	}
}

func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	c, id := e.ownerWithSite(t)
	// A second browser.
	other := e.client(t)
	if a := do(t, other, "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {password}}, "User-Agent", "OtherBrowser/1.0"); a.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", a.status)
	}
	page := do(t, c, "GET", e.srv.URL+"/account", nil)
	if page.status != 200 || !strings.Contains(page.body, "OtherBrowser/1.0") || !strings.Contains(page.body, "this browser") {
		t.Fatalf("account: %d\n%s", page.status, page.body)
	}

	if a := do(t, c, "POST", e.srv.URL+"/account/name", url.Values{"name": {"  "}}); a.status != 400 || !strings.Contains(a.body, "must not be empty") {
		t.Fatalf("empty name: %d\n%s", a.status, a.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/account/name", url.Values{"name": {"Ann B."}}); a.status != http.StatusSeeOther {
		t.Fatalf("name: %d", a.status)
	}
	if a := do(t, c, "GET", e.srv.URL+"/account?done=name", nil); !strings.Contains(a.body, `value="Ann B."`) || !strings.Contains(a.body, "Your name is saved.") {
		t.Fatalf("after the name:\n%s", a.body)
	}

	// Tokens: made with websites and permissions, shown once, used, deleted.
	a := do(t, c, "POST", e.srv.URL+"/account/tokens", url.Values{"name": {"Reports"}, "permissions": {"read"}, "websiteIds": {id}})
	tok := shownSecret(t, a)
	if !strings.HasPrefix(tok, "dft_") || !strings.Contains(a.body, "shop.example.com") || !strings.Contains(a.body, "analytics:read, websites:read") {
		t.Fatalf("token %q\n%s", tok, a.body)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites", tok); st != 200 {
		t.Fatalf("the token: %d", st)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites/"+id, tok); st != 403 {
		t.Fatalf("the token beyond its permissions: %d", st)
	}
	tokens, _ := e.store.AccessTokens(context.Background(), mustUser(t, e, "ann@example.com"))
	if len(tokens) != 1 || len(tokens[0].WebsiteIDs) != 1 {
		t.Fatalf("tokens %+v", tokens)
	}
	// Both requests were authenticated with the token (one then refused).
	if a := do(t, c, "GET", e.srv.URL+"/account", nil); !strings.Contains(a.body, "Requests (7&nbsp;d)") ||
		!strings.Contains(a.body, `<td class="usage">2<figure class="sparkline">`) || !strings.Contains(a.body, "<figcaption>2 in 90 days</figcaption>") {
		t.Fatalf("the tokens show no usage:\n%s", a.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/account/tokens/"+tokens[0].ID+"/delete", nil); a.status != http.StatusSeeOther {
		t.Fatalf("delete token: %d", a.status)
	}
	if st := e.api(t, "GET", "/api/v1/admin/websites", tok); st != 401 {
		t.Fatalf("a deleted token: %d", st)
	}

	// Password: the current one is checked; the other sessions end.
	if a := do(t, c, "POST", e.srv.URL+"/account/password", url.Values{"current": {"wrong password"}, "new": {"a new password here"}}); a.status != 400 || !strings.Contains(a.body, "current password is wrong") {
		t.Fatalf("wrong current password: %d\n%s", a.status, a.body)
	}
	if a := do(t, c, "POST", e.srv.URL+"/account/password", url.Values{"current": {password}, "new": {"a new password here"}}); a.status != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", a.status, a.body)
	}
	if a := do(t, other, "GET", e.srv.URL+"/account", nil); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/login") {
		t.Fatalf("the other session after a password change: %d %s", a.status, a.location)
	}
	if a := do(t, c, "GET", e.srv.URL+"/account?done=password", nil); a.status != 200 || !strings.Contains(a.body, "Your other sessions have ended") {
		t.Fatalf("this session after a password change: %d", a.status)
	}

	// End a session: another one, then this one (signed out).
	third := e.client(t)
	do(t, third, "POST", e.srv.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {"a new password here"}})
	sessions, _ := e.store.Sessions(context.Background(), mustUser(t, e, "ann@example.com"))
	if len(sessions) != 2 {
		t.Fatalf("sessions %+v", sessions)
	}
	_, mine, err := e.app.Session(context.Background(), c.Jar.Cookies(mustURL(t, e.srv.URL))[0].Value, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if sessions[0].ID == mine.ID { // the other one first
		sessions[0], sessions[1] = sessions[1], sessions[0]
	}
	for i, s := range sessions {
		a := do(t, c, "POST", e.srv.URL+"/account/sessions/"+s.ID+"/end", nil)
		if want := []string{"/account?done=session", "/login"}[i]; a.status != http.StatusSeeOther || a.location != want {
			t.Fatalf("end session %d: %d %s", i, a.status, a.location)
		}
	}
	for _, cl := range []*http.Client{c, third} {
		if a := do(t, cl, "GET", e.srv.URL+"/account", nil); a.status != http.StatusSeeOther {
			t.Fatalf("an ended session: %d", a.status)
		}
	}
}
