package web

import (
	"net/http"
	"net/url"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// An invitation link, /invitations/{secret}, is what a website owner sends
// to the person they invite. Opening it shows the invitation; the invitee
// accepts it signed in with the invited email, or, without an account,
// creates one (name and password) and is signed in. The link works once.

func (s *Server) invitationRoutes(mux *http.ServeMux, public, signedIn func(handlerFunc) http.Handler) {
	mux.Handle("GET /invitations/{secret}", public(s.invitationPage))
	mux.Handle("POST /invitations/{secret}/join", public(s.joinByInvitation))
	mux.Handle("POST /invitations/{secret}/accept", signedIn(s.acceptByLink))
}

// invitationView is the page of an invitation link.
type invitationView struct {
	*app.InvitationLink
	Path       string // the link's path, to come back to after signing in
	SignedInAs string
	Error      string
	Name       string
}

func (s *Server) showInvitation(w http.ResponseWriter, r *http.Request, v *visit, status int, view *invitationView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	link, err := s.app.InvitationByLink(ctx, r.PathValue("secret"), v.ip)
	if err != nil {
		return err
	}
	view.InvitationLink, view.Path = link, "/invitations/"+url.PathEscape(r.PathValue("secret"))
	if v.user != nil {
		view.SignedInAs = v.user.User.Email
	}
	s.render(w, r, v, status, "invitation.html", "Invitation to "+link.Domain, view)
	return nil
}

func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.showInvitation(w, r, v, http.StatusOK, &invitationView{})
}

// joinByInvitation creates the invited user, accepts the invitation and
// signs the user in.
func (s *Server) joinByInvitation(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	name := formValue(r, "name")
	raw, _, _, err := s.app.AcceptInvitationAsNewUser(ctx, app.NewInvitedUser{
		Secret: r.PathValue("secret"), Name: name, Password: r.PostFormValue("password"), IP: v.ip, UserAgent: r.UserAgent(),
	})
	if err != nil {
		if !formProblem(err) {
			return err
		}
		return s.showInvitation(w, r, v, openfast.HTTPStatus(openfast.ErrorCode(err)), &invitationView{Error: openfast.ErrorMessage(err), Name: name})
	}
	s.setSessionCookie(w, r, raw)
	return seeOther(w, r, "/")
}

// acceptByLink accepts the invitation for the signed-in user, who must
// have the invited email.
func (s *Server) acceptByLink(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.AcceptInvitationByLink(ctx, v.caller, r.PathValue("secret")); err != nil {
		return err
	}
	return seeOther(w, r, "/")
}
