package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
)

// A website's settings are four sections, each at its own URL, under
// /websites/{websiteId}/settings: General, Developer (website keys), Team
// and the Audit log. Every action calls the app method of its API twin
// with the signed-in user; the page offers only the actions the user's
// role allows, but that is a courtesy: the app decides.

const settingsBase = "/websites/{websiteId}/settings"

func (s *Server) settingsRoutes(mux *http.ServeMux, signedIn func(handlerFunc) http.Handler) {
	site := func(h siteHandler) http.Handler { return signedIn(s.onWebsite(h)) }
	mux.Handle("GET "+settingsBase, site(s.generalPage))
	mux.Handle("POST "+settingsBase, site(s.updateGeneral))
	mux.Handle("GET "+settingsBase+"/developer", site(s.developerPage))
	mux.Handle("POST "+settingsBase+"/developer/keys", site(s.createKey))
	mux.Handle("POST "+settingsBase+"/developer/keys/{keyId}/roll", site(s.rollKey))
	mux.Handle("POST "+settingsBase+"/developer/keys/{keyId}/delete", site(s.deleteKey))
	mux.Handle("GET "+settingsBase+"/team", site(s.teamPage))
	mux.Handle("POST "+settingsBase+"/team/invitations", site(s.invite))
	mux.Handle("POST "+settingsBase+"/team/invitations/withdraw", site(s.withdrawInvitation))
	mux.Handle("POST "+settingsBase+"/team/members/{userId}/remove", site(s.removeMember))
	mux.Handle("GET "+settingsBase+"/audit", site(s.auditPage))
	mux.Handle("GET "+settingsBase+"/goals", site(s.goalsPage))
	mux.Handle("POST "+settingsBase+"/goals", site(s.customizeGoal))
	mux.Handle("POST "+settingsBase+"/goals/kpi", site(s.updateKPI))
	s.alertRoutes(mux, site)
	s.revenueRoutes(mux, site)
}

// siteHandler is a handler of a website's settings, with the website.
type siteHandler func(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error

// onWebsite loads the website of the path for h. A website the user is no
// member of does not exist for them: 404, whatever they ask of it.
func (s *Server) onWebsite(h siteHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		id := r.PathValue("websiteId")
		if d, _ := app.Decide(app.ActGetWebsite, v.caller.Principal, id); !d.Allowed &&
			(d.Reason == auth.ReasonNoAccess || d.Reason == auth.ReasonWebsiteInvalid) {
			return openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
		}
		ctx, cancel := withTimeout(r)
		defer cancel()
		site, err := s.app.Website(ctx, v.caller, id)
		if err != nil {
			return err
		}
		return h(w, r, v, site)
	}
}

// settingsView is a settings section of a website.
type settingsView struct {
	Site *openfast.Website
	Tab  string
	Tabs []tabLink
	Can  struct{ Update, Keys, Invite, Audit, Goals, Alerts, Revenue, Retention bool }
	// Error is why the form failed; Notice says what was done.
	Error, Notice string
	// MailReady is false when the server sends no mail (no mail server or
	// no public URL): the mail settings are saved but nothing is sent.
	MailReady bool
	// Secret is a value shown once: a new or rolled key, an invitation link.
	Secret *shownSecret

	General generalForm
	// RetentionOptions are the choices of "Keep data for"; RetentionLabel
	// says the website's, for those who cannot change it.
	RetentionOptions []retentionOption
	RetentionLabel   string
	Keys             []keyRow
	KeyMax           int
	Presets          []permissionPreset
	Values           map[string]string // a form's typed values, shown again

	Members     []*openfast.Member
	Invitations []*openfast.Invitation
	Audit       *auditView
	Goals       *goalsView
	Alerts      *alertsView
	Revenue     *revenueView
}

type tabLink struct {
	ID, Label, URL string
	Current        bool
}

// shownSecret is a credential or link shown once, with a copy button.
type shownSecret struct {
	Title, Value, Warning string
}

// showSettings renders a section of a website's settings with status:
// the tabs, what the user may do there, and the section's data.
func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website, tab string, status int, view *settingsView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	p := v.caller.Principal
	allowed := func(act app.Action) bool { d, _ := app.Decide(act, p, site.ID); return d.Allowed }
	view.Site, view.Tab, view.MailReady = site.Website, tab, s.app.MailReady()
	view.Can.Update, view.Can.Keys = allowed(app.ActUpdateWebsite), allowed(app.ActCreateAPIKey)
	view.Can.Invite, view.Can.Audit = allowed(app.ActInviteMember), allowed(app.ActWebsiteAuditLog)
	view.Can.Goals = allowed(app.ActCustomizeGoal)
	view.Can.Alerts = allowed(app.ActCreateAlert)
	view.Can.Revenue = allowed(app.ActConnectIntegration)
	view.Can.Retention = allowed(app.ActDeleteWebsite) // a shorter retention deletes data
	view.RetentionOptions, view.RetentionLabel = retentionOptions, retentionLabel(site.RetentionDays)
	base := "/websites/" + site.ID + "/settings"
	tabs := []tabLink{{ID: "general", Label: "General", URL: base}, {ID: "developer", Label: "Developer", URL: base + "/developer"}, {ID: "team", Label: "Team", URL: base + "/team"}, {ID: "goals", Label: "Goals", URL: base + "/goals"}, {ID: "alerts", Label: "Alerts", URL: base + "/alerts"}, {ID: "revenue", Label: "Revenue", URL: base + "/revenue"}}
	if view.Can.Audit {
		tabs = append(tabs, tabLink{ID: "audit", Label: "Audit log", URL: base + "/audit"})
	}
	for i := range tabs {
		tabs[i].Current = tabs[i].ID == tab
	}
	view.Tabs = tabs
	var err error
	switch tab {
	case "general":
		if view.General.Values == nil {
			view.General = generalFormOf(site.Website)
		}
	case "developer":
		err = s.loadDeveloper(ctx, v, site.ID, view)
	case "team":
		err = s.loadTeam(ctx, v, site.ID, view)
	case "audit":
		err = s.loadAudit(ctx, r, v, site.ID, view)
	case "goals":
		err = s.loadGoals(r, v, site.ID, view)
	case "alerts":
		err = s.loadAlerts(ctx, r, v, site.ID, view)
	case "revenue":
		err = s.loadRevenue(ctx, r, v, site.ID, view)
	}
	if err != nil {
		return err
	}
	s.render(w, r, v, status, "settings.html", "Settings · "+site.Domain, view)
	return nil
}

// formProblem reports whether err is about what a form sent (shown in the
// form) rather than a refusal or a failure (an error page).
func formProblem(err error) bool {
	switch openfast.ErrorCode(err) {
	case openfast.EINVALID, openfast.ECONFLICT, openfast.ELIMIT:
		return true
	}
	return false
}

// afterAction shows a section again after an action: with the form's
// problem (400, 409...), or the error page for anything else.
func (s *Server) afterAction(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website, tab string, err error, view *settingsView) error {
	if !formProblem(err) {
		return err
	}
	view.Error = openfast.ErrorMessage(err)
	return s.showSettings(w, r, v, site, tab, openfast.HTTPStatus(openfast.ErrorCode(err)), view)
}

// parseForm reads a form, or refuses it.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return openfast.Errorf(openfast.EINVALID, "The form could not be read.")
	}
	return nil
}

// seeOther answers a form that changed something with the page to show.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// generalForm is the General section's form: text fields and switches.
type generalForm struct {
	Values map[string]string
	Checks map[string]bool
}

// generalLists are the list settings, one item per line in the form.
var generalLists = []string{"allowedHostnames", "excludedHostnames", "excludedIps", "excludedPaths", "excludedCountries"}

// generalSwitches are the on/off settings of the form.
var generalSwitches = []string{"isCookieless", "isAttackModeEnabled", "includeRenewalRevenue", "isAllHostnamesAllowed",
	"sendWeeklyReports", "sendViralTrafficAlerts"}

func generalFormOf(w *openfast.Website) generalForm {
	f := generalForm{
		Values: map[string]string{"name": deref(w.Name), "domain": w.Domain, "timezone": w.Timezone, "currency": w.Currency},
		Checks: map[string]bool{
			"isCookieless": w.IsCookieless, "isAttackModeEnabled": w.IsAttackModeEnabled,
			"includeRenewalRevenue": w.IncludeRenewalRevenue, "isAllHostnamesAllowed": w.IsAllHostnamesAllowed,
			"sendWeeklyReports": w.SendWeeklyReports, "sendViralTrafficAlerts": w.SendViralTrafficAlerts,
		},
	}
	f.Values["retentionDays"], f.Values["retentionCustom"] = retentionChoice(w.RetentionDays)
	for name, list := range map[string][]string{
		"allowedHostnames": w.AllowedHostnames, "excludedHostnames": w.ExcludedHostnames, "excludedIps": w.ExcludedIPs,
		"excludedPaths": w.ExcludedPaths, "excludedCountries": w.ExcludedCountries,
	} {
		f.Values[name] = strings.Join(list, "\n")
	}
	return f
}

// retentionOption is one of the "Keep data for" choices.
type retentionOption struct {
	Value, Label string
}

// retentionOptions are the choices of "Keep data for": "" is forever,
// "custom" takes the days typed next to it.
var retentionOptions = []retentionOption{
	{"", "Forever"}, {"30", "30 days"}, {"90", "90 days"}, {"180", "180 days"},
	{"365", "1 year"}, {"730", "2 years"}, {"1095", "3 years"}, {"1825", "5 years"}, {"custom", "Custom number of days"},
}

// retentionChoice is the select's value and the custom days of a
// website's retentionDays.
func retentionChoice(days *int) (choice, custom string) {
	if days == nil {
		return "", ""
	}
	v := strconv.Itoa(*days)
	for _, o := range retentionOptions {
		if o.Value == v {
			return v, ""
		}
	}
	return "custom", v
}

// retentionLabel says a website's retention in words.
func retentionLabel(days *int) string {
	if days == nil {
		return "forever (or the server's retention, when its operator set one)"
	}
	choice, _ := retentionChoice(days)
	for _, o := range retentionOptions {
		if o.Value == choice && choice != "custom" {
			return o.Label
		}
	}
	return strconv.Itoa(*days) + " days"
}

// retentionFromForm reads the "Keep data for" choice: set is false when the
// form has none (a role that cannot change it sees no select).
func retentionFromForm(f generalForm) (app.Set[int], error) {
	choice, has := f.Values["retentionDays"]
	if !has {
		return app.Set[int]{}, nil
	}
	if choice == "" {
		return app.Set[int]{Set: true}, nil
	}
	if choice == "custom" {
		choice = f.Values["retentionCustom"]
	}
	n, err := strconv.Atoi(choice)
	if err != nil {
		return app.Set[int]{}, openfast.Errorf(openfast.EINVALID, "Keep data for: type a whole number of days from %d to %d.", openfast.MinRetentionDays, openfast.MaxRetentionDays)
	}
	return app.Set[int]{Set: true, Value: &n}, nil
}

func (s *Server) generalPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := &settingsView{}
	if r.URL.Query().Get("saved") != "" {
		view.Notice = "Settings saved."
	}
	return s.showSettings(w, r, v, site, "general", http.StatusOK, view)
}

// lines splits a textarea into its non-empty lines (commas separate too).
func lines(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// updateGeneral saves the General form: the whole form is one update, as
// PUT /admin/websites/{websiteId} takes it.
func (s *Server) updateGeneral(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := generalForm{Values: map[string]string{}, Checks: map[string]bool{}}
	for _, k := range append([]string{"name", "domain", "timezone", "currency"}, generalLists...) {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	for _, k := range generalSwitches {
		f.Checks[k] = r.PostFormValue(k) == "on"
	}
	if _, ok := r.PostForm["retentionDays"]; ok {
		f.Values["retentionDays"] = strings.TrimSpace(r.PostFormValue("retentionDays"))
		f.Values["retentionCustom"] = strings.TrimSpace(r.PostFormValue("retentionCustom"))
	}
	val := func(k string) *string { s := f.Values[k]; return &s }
	list := func(k string) *[]string { l := lines(f.Values[k]); return &l }
	flag := func(k string) *bool { b := f.Checks[k]; return &b }
	in := app.WebsiteUpdate{
		Domain: val("domain"), Timezone: val("timezone"), Currency: val("currency"),
		Name:         app.Set[string]{Set: true},
		IsCookieless: flag("isCookieless"), IsAttackModeEnabled: flag("isAttackModeEnabled"),
		IncludeRenewalRevenue: flag("includeRenewalRevenue"), IsAllHostnamesAllowed: flag("isAllHostnamesAllowed"),
		SendWeeklyReports: flag("sendWeeklyReports"), SendViralTrafficAlerts: flag("sendViralTrafficAlerts"),
		AllowedHostnames: list("allowedHostnames"), ExcludedHostnames: list("excludedHostnames"),
		ExcludedIPs: list("excludedIps"), ExcludedPaths: list("excludedPaths"), ExcludedCountries: list("excludedCountries"),
	}
	if n := f.Values["name"]; n != "" {
		in.Name.Value = &n
	}
	retention, err := retentionFromForm(f)
	if err != nil {
		return s.afterAction(w, r, v, site, "general", err, &settingsView{General: f})
	}
	in.RetentionDays = retention
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.UpdateWebsite(ctx, v.caller, site.ID, in); err != nil {
		return s.afterAction(w, r, v, site, "general", err, &settingsView{General: f})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings?saved=1")
}

// auditView is a page of a website's audit log.
type auditView struct {
	Entries      []auditRow
	Page, Pages  int
	Prev, Next   string
	Total, Limit int
}

type auditRow struct {
	*openfast.AuditEntry
	Actor string
}

// auditPageSize is the number of audit entries on a page.
const auditPageSize = 50

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	return s.showSettings(w, r, v, site, "audit", http.StatusOK, &settingsView{})
}

func (s *Server) loadAudit(ctx context.Context, r *http.Request, v *visit, siteID string, view *settingsView) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(1, min(page, app.MaxAuditOffset/auditPageSize))
	log, err := s.app.WebsiteAuditLog(ctx, v.caller, siteID, auditPageSize, (page-1)*auditPageSize)
	if err != nil {
		return err
	}
	emails := s.memberEmails(ctx, v, siteID)
	a := &auditView{Page: page, Pages: max(1, (log.Total+auditPageSize-1)/auditPageSize), Total: log.Total, Limit: auditPageSize}
	for _, e := range log.Entries {
		actor := emails[e.ActorUserID]
		if actor == "" {
			actor = "user " + e.ActorUserID
		}
		a.Entries = append(a.Entries, auditRow{AuditEntry: e, Actor: actor})
	}
	base := "/websites/" + siteID + "/settings/audit?page="
	if page > 1 {
		a.Prev = base + strconv.Itoa(page-1)
	}
	if page < a.Pages {
		a.Next = base + strconv.Itoa(page+1)
	}
	view.Audit = a
	return nil
}

// memberEmails maps the user ids of a website's members to their emails,
// to name who made a key or an audit entry (empty if the team cannot be
// read).
func (s *Server) memberEmails(ctx context.Context, v *visit, siteID string) map[string]string {
	emails := map[string]string{}
	if members, err := s.app.Members(ctx, v.caller, siteID); err == nil {
		for _, m := range members {
			emails[m.UserID] = m.Email
		}
	}
	return emails
}
