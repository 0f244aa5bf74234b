package web

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// The scheduled mail's pages: /unsubscribe, which the link in every
// weekly report and traffic alert opens without signing in, and the
// subscriptions on the account page.
//
// GET /unsubscribe?token=... asks to confirm with a button; POST stops the
// mail. A mail client's one-click unsubscribe (RFC 8058) POSTs
// List-Unsubscribe=One-Click to the same URL, from its own servers, with
// no Origin: the token, which only the mail's recipient has, is the
// authority, so POST /unsubscribe bypasses the cross-origin check (a page
// of another site could only unsubscribe someone whose link it has).

func (s *Server) mailRoutes(mux *http.ServeMux, public, signedIn func(handlerFunc) http.Handler) {
	mux.Handle("GET /unsubscribe", public(s.unsubscribePage))
	mux.Handle("POST /unsubscribe", public(s.unsubscribe))
	mux.Handle("POST /account/mail", signedIn(s.setMailSubscription))
}

// unsubscribeView is the unsubscribe page.
type unsubscribeView struct {
	*app.Unsubscription
	Token, What string
	Done        bool
}

func mailName(kind openfast.MailKind) string {
	if kind == openfast.MailViral {
		return "traffic alerts"
	}
	return "weekly reports"
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request, v *visit) error {
	token := r.URL.Query().Get("token")
	ctx, cancel := withTimeout(r)
	defer cancel()
	un, err := s.app.Unsubscription(ctx, token)
	if err != nil {
		return err
	}
	s.render(w, r, v, http.StatusOK, "unsubscribe.html", "Unsubscribe", &unsubscribeView{Unsubscription: un, Token: token, What: mailName(un.Kind)})
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	token := r.FormValue("token") // the form's, or the link's query (one click)
	ctx, cancel := withTimeout(r)
	defer cancel()
	un, err := s.app.Unsubscribe(ctx, token)
	if err != nil {
		return err
	}
	s.render(w, r, v, http.StatusOK, "unsubscribe.html", "Unsubscribed", &unsubscribeView{Unsubscription: un, What: mailName(un.Kind), Done: true})
	return nil
}

// mailRow is one subscription on the account page.
type mailRow struct {
	app.MailSubscription
	What string
}

func (s *Server) setMailSubscription(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	err := s.app.SetMailSubscription(ctx, v.caller, r.PostFormValue("websiteId"), openfast.MailKind(r.PostFormValue("kind")),
		r.PostFormValue("subscribed") == "on")
	if err != nil {
		return s.accountFormError(w, r, v, "mail", err, nil)
	}
	return seeOther(w, r, "/account?done=mail")
}
