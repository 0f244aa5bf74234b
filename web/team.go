package web

import (
	"context"
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// The Team section: members with their roles, the pending invitations,
// and (for the owner) inviting, withdrawing and removing. An invitation
// comes with a link that the owner sends to the invitee (/invitations/...).

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	return s.showSettings(w, r, v, site, "team", http.StatusOK, &settingsView{})
}

func (s *Server) loadTeam(ctx context.Context, v *visit, siteID string, view *settingsView) error {
	var err error
	if view.Members, err = s.app.Members(ctx, v.caller, siteID); err != nil {
		return err
	}
	view.Invitations, err = s.app.WebsiteInvitations(ctx, v.caller, siteID)
	return err
}

// invite invites an email with a role and shows the invitation's link,
// once: only its hash is kept.
func (s *Server) invite(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email, role := formValue(r, "email"), openfast.Role(formValue(r, "role"))
	ctx, cancel := withTimeout(r)
	defer cancel()
	secret, inv, err := s.app.Invite(ctx, v.caller, site.ID, app.NewInvitation{Email: &email, Role: &role})
	if err != nil {
		return s.afterAction(w, r, v, site, "team", err, &settingsView{Values: map[string]string{"email": email, "role": string(role)}})
	}
	return s.showSettings(w, r, v, site, "team", http.StatusOK, &settingsView{
		Notice: "Invitation created for " + inv.Email + " as " + string(inv.Role) + ".",
		Secret: &shownSecret{
			Title: "Send this link to " + inv.Email, Value: s.baseURL(r) + "/invitations/" + secret,
			Warning: "It is shown this once. It works once, for " + inv.Email + " only, until " + inv.ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC") + ".",
		},
	})
}

// withdrawInvitation deletes a pending invitation (its link stops working).
func (s *Server) withdrawInvitation(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email := formValue(r, "email")
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.WithdrawInvitation(ctx, v.caller, site.ID, &email); err != nil {
		return s.afterAction(w, r, v, site, "team", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/team")
}

// removeMember removes a member; the keys made on their authority on the
// website are revoked with the membership.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.RemoveMember(ctx, v.caller, site.ID, r.PathValue("userId")); err != nil {
		return s.afterAction(w, r, v, site, "team", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/team")
}
