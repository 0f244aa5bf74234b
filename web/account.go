package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// The account page, /account: the user's name, password, signed-in
// browsers and dft_ account tokens. Each form calls the app method of its
// API twin (PUT /admin/account, the access-token routes) with the user.

func (s *Server) accountRoutes(mux *http.ServeMux, signedIn func(handlerFunc) http.Handler) {
	mux.Handle("GET /account", signedIn(s.accountPage))
	mux.Handle("POST /account/name", signedIn(s.updateName))
	mux.Handle("POST /account/password", signedIn(s.changePassword))
	mux.Handle("POST /account/sessions/{sessionId}/end", signedIn(s.endSession))
	mux.Handle("POST /account/tokens", signedIn(s.createToken))
	mux.Handle("POST /account/tokens/{tokenId}/delete", signedIn(s.deleteToken))
}

// accountView is the account page.
type accountView struct {
	Name, Email string
	// Error is why the form named by ErrorIn failed; Notice says what was
	// done.
	Error, ErrorIn, Notice string
	Secret                 *shownSecret
	Values                 map[string]string
	Sessions               []sessionRow
	Tokens                 []tokenRow
	TokenMax               int
	Sites                  []siteChoice
	Presets                []permissionPreset
	Mail                   []mailRow
	MailReady              bool
}

type sessionRow struct {
	*openfast.Session
	Current bool
}

type tokenRow struct {
	ID, Name, DisplayKey, Permissions, Websites string
	// AllowedIPs are the addresses the token works from; "" for any.
	AllowedIPs            string
	CreatedAt             time.Time
	LastUsedAt, ExpiresAt *time.Time
	Usage                 usageCell
}

type siteChoice struct {
	ID, Domain string
	Checked    bool
}

// showAccount renders the account page with status and what view holds.
func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, v *visit, status int, view *accountView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	u := v.user.User
	view.Name, view.Email = deref(u.Name), u.Email
	if view.Values == nil {
		view.Values = map[string]string{"name": view.Name}
	}
	sessions, err := s.app.Sessions(ctx, v.caller)
	if err != nil {
		return err
	}
	for _, x := range sessions {
		view.Sessions = append(view.Sessions, sessionRow{Session: x, Current: x.ID == v.session.ID})
	}
	sites, err := s.app.Websites(ctx, v.caller)
	if err != nil {
		return err
	}
	domains := map[string]string{}
	checked := strings.Split(view.Values["websiteIds"], ",")
	for _, x := range sites {
		domains[x.ID] = x.Domain
		view.Sites = append(view.Sites, siteChoice{ID: x.ID, Domain: x.Domain, Checked: slices.Contains(checked, x.ID)})
	}
	tokens, err := s.app.AccessTokens(ctx, v.caller)
	if err != nil {
		return err
	}
	usage, err := s.app.AccessTokensUsage(ctx, v.caller, 0)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		row := tokenRow{ID: t.ID, Name: deref(t.Name), DisplayKey: t.DisplayKey, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt,
			Permissions: strings.Join(t.Permissions, ", "), Websites: "all your websites", AllowedIPs: allowedIPsText(t.AllowedIPs), Usage: newUsageCell(t.Usage7d, usage[t.ID])}
		if len(t.WebsiteIDs) > 0 {
			names := make([]string, 0, len(t.WebsiteIDs))
			for _, id := range t.WebsiteIDs {
				names = append(names, cmp.Or(domains[id], id))
			}
			row.Websites = strings.Join(names, ", ")
		}
		view.Tokens = append(view.Tokens, row)
	}
	view.TokenMax, view.Presets = openfast.MaxAccessTokensPerUser, permissionPresets
	subs, err := s.app.MailSubscriptions(ctx, v.caller)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		view.Mail = append(view.Mail, mailRow{MailSubscription: sub, What: mailName(sub.Kind)})
	}
	view.MailReady = s.app.MailReady()
	s.render(w, r, v, status, "account.html", "Account", view)
	return nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	view := &accountView{}
	switch r.URL.Query().Get("done") {
	case "name":
		view.Notice = "Your name is saved."
	case "password":
		view.Notice = "Your password is changed. Your other sessions have ended."
	case "session":
		view.Notice = "The session has ended."
	case "token":
		view.Notice = "The token is deleted."
	case "mail":
		view.Notice = "Your email subscriptions are saved."
	}
	return s.showAccount(w, r, v, http.StatusOK, view)
}

// accountFormError shows the page again with a form's problem, or
// returns err for the error page.
func (s *Server) accountFormError(w http.ResponseWriter, r *http.Request, v *visit, form string, err error, values map[string]string) error {
	if !formProblem(err) && openfast.ErrorCode(err) != openfast.ERATELIMIT {
		return err
	}
	if ra, ok := err.(*app.RetryError); ok {
		w.Header().Set("Retry-After", retryAfterSeconds(ra))
	}
	return s.showAccount(w, r, v, openfast.HTTPStatus(openfast.ErrorCode(err)), &accountView{Error: openfast.ErrorMessage(err), ErrorIn: form, Values: values})
}

func (s *Server) updateName(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	name := formValue(r, "name")
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.UpdateAccountName(ctx, v.caller, &name); err != nil {
		return s.accountFormError(w, r, v, "name", err, map[string]string{"name": name})
	}
	return seeOther(w, r, "/account?done=name")
}

// changePassword checks the current password and sets the new one; the
// user's other sessions end, this one stays.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.ChangePassword(ctx, v.caller, r.PostFormValue("current"), r.PostFormValue("new")); err != nil {
		return s.accountFormError(w, r, v, "password", err, nil)
	}
	return seeOther(w, r, "/account?done=password")
}

// endSession ends one of the user's sessions; ending this one signs out.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	id := r.PathValue("sessionId")
	if err := s.app.EndSession(ctx, v.caller, id); err != nil {
		return err
	}
	if id == v.session.ID {
		s.clearSessionCookie(w, r)
		return seeOther(w, r, "/login")
	}
	return seeOther(w, r, "/account?done=session")
}

// createToken makes a dft_ token and shows its value, once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	values := map[string]string{"tokenName": formValue(r, "name"), "permissions": formValue(r, "permissions"),
		"websiteIds": strings.Join(r.PostForm["websiteIds"], ","), "expires": formValue(r, "expires"), "allowedIps": formValue(r, "allowedIps")}
	perms, err := presetPerms(values["permissions"])
	if err != nil {
		return s.accountFormError(w, r, v, "token", err, values)
	}
	expires, err := expiryAfter(values["expires"], s.app.Now())
	if err != nil {
		return s.accountFormError(w, r, v, "token", err, values)
	}
	in := app.NewAccessToken{Permissions: perms, WebsiteIDs: r.PostForm["websiteIds"], ExpiresAt: expires, AllowedIPs: allowedIPsField(values["allowedIps"])}
	if n := values["tokenName"]; n != "" {
		in.Name = &n
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	raw, t, err := s.app.CreateAccessToken(ctx, v.caller, in)
	if err != nil {
		return s.accountFormError(w, r, v, "token", err, values)
	}
	return s.showAccount(w, r, v, http.StatusOK, &accountView{Secret: &shownSecret{
		Title: "Your new token " + t.DisplayKey, Value: raw, Warning: keyOnceWarning,
	}})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.DeleteAccessToken(ctx, v.caller, r.PathValue("tokenId")); err != nil {
		return err
	}
	return seeOther(w, r, "/account?done=token")
}
