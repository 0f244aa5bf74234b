package web

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// home is "/": the first-run form while the installation has no user, the
// sign-in page without a session, else the user's websites.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if v.session == nil {
		need, err := s.app.NeedsFirstUser(ctx)
		if err != nil {
			return err
		}
		if need {
			s.render(w, r, v, http.StatusOK, "setup.html", "Welcome to openfast", formView{})
			return nil
		}
		s.toLogin(w, r)
		return nil
	}
	return s.websitesPage(w, r, v)
}

// formView is a form shown again with what was typed and why it failed.
type formView struct {
	Error  string
	Values map[string]string
	Next   string
}

// setup creates the first user and signs them in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return openfast.Errorf(openfast.EINVALID, "The form could not be read.")
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	in := app.FirstUserInput{
		Email: formValue(r, "email"), Name: formValue(r, "name"), Password: r.PostFormValue("password"),
		IP: v.ip, UserAgent: r.UserAgent(),
	}
	raw, _, err := s.app.CreateFirstUser(ctx, in)
	switch openfast.ErrorCode(err) {
	case "":
	case openfast.EINVALID:
		s.render(w, r, v, http.StatusBadRequest, "setup.html", "Welcome to openfast", formView{
			Error: openfast.ErrorMessage(err), Values: map[string]string{"email": in.Email, "name": in.Name},
		})
		return nil
	default:
		return err
	}
	s.setSessionCookie(w, r, raw)
	http.Redirect(w, r, "/websites/new", http.StatusSeeOther)
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := safeNext(r.URL.Query().Get("next"))
	if v.session != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	s.render(w, r, v, http.StatusOK, "login.html", "Sign in", formView{Next: next})
	return nil
}

// login checks the form's email and password. A wrong one shows the form
// again with one message for both; too many failures answer 429.
func (s *Server) login(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return openfast.Errorf(openfast.EINVALID, "The form could not be read.")
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	email, next := formValue(r, "email"), safeNext(r.PostFormValue("next"))
	raw, _, err := s.app.SignIn(ctx, app.SignInInput{Email: email, Password: r.PostFormValue("password"), IP: v.ip, UserAgent: r.UserAgent()})
	switch openfast.ErrorCode(err) {
	case "":
	case openfast.EUNAUTHORIZED, openfast.ERATELIMIT:
		if ra, ok := err.(*app.RetryError); ok {
			w.Header().Set("Retry-After", retryAfterSeconds(ra))
		}
		s.render(w, r, v, openfast.HTTPStatus(openfast.ErrorCode(err)), "login.html", "Sign in", formView{
			Error: openfast.ErrorMessage(err), Values: map[string]string{"email": email}, Next: next,
		})
		return nil
	default:
		return err
	}
	s.setSessionCookie(w, r, raw)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session of the cookie, if any.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *visit) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		ctx, cancel := withTimeout(r)
		defer cancel()
		if err := s.app.SignOut(ctx, c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
