package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
)

// listTeam: GET /admin/websites/{websiteId}/team.
func (s *Server) listTeam(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	members, err := s.app.Members(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(members, wireconv.Member))
	return nil
}

// inviteMember: POST /admin/websites/{websiteId}/team (owner only).
func (s *Server) inviteMember(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var in app.NewInvitation
	if in.Email, err = body.optionalString("email"); err != nil {
		return err
	}
	role, err := body.optionalString("role")
	if err != nil {
		return err
	}
	if role != nil {
		in.Role = (*openfast.Role)(role)
	}
	_, inv, err := s.app.Invite(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.InvitationCreated(inv))
	return nil
}

// removeMember: DELETE /admin/websites/{websiteId}/team (owner only), with
// {"userId"} in the body to remove a member, or {"email"} to withdraw a
// pending invitation.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	userID, _, err := body.string("userId")
	if err != nil {
		return err
	}
	email, err := body.optionalString("email")
	if err != nil {
		return err
	}
	if email != nil {
		if body.has("userId") {
			return invalidf("Give userId (remove a member) or email (withdraw an invitation), not both.")
		}
		if err := s.app.WithdrawInvitation(r.Context(), req.caller, req.websiteID, email); err != nil {
			return err
		}
		writeData(w, wireconv.InvitationWithdrawn())
		return nil
	}
	revoked, err := s.app.RemoveMember(r.Context(), req.caller, req.websiteID, userID)
	if err != nil {
		return err
	}
	writeData(w, wireconv.MemberRemoved(revoked))
	return nil
}

// listInvitations: GET /admin/invitations, the caller's pending invitations.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	invs, err := s.app.Invitations(r.Context(), req.caller)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(invs, wireconv.Invitation))
	return nil
}

// acceptInvitation: POST /admin/invitations/{invitationId}/accept. Only the
// invitee (the user whose email the invitation names) can accept.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	inv, err := s.app.AcceptInvitation(r.Context(), req.caller, r.PathValue("invitationId"))
	if err != nil {
		return err
	}
	writeData(w, wireconv.InvitationAccepted(inv))
	return nil
}
