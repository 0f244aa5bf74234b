package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

// listTeam: GET /admin/websites/{websiteId}/team.
func (s *Server) listTeam(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	members, err := s.app.Members(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	out := make([]wire.Member, 0, len(members))
	for _, m := range members {
		out = append(out, wire.Member{UserID: m.UserID, Name: m.Name, Email: m.Email, Image: m.Image, Role: string(m.Role), JoinedAt: isoTime(m.JoinedAt)})
	}
	writeData(w, out)
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
	writeData(w, []wire.InvitationCreated{{
		Message: "Invitation created. Send the invite link to the user.", InvitationID: inv.ID, Email: inv.Email, Role: string(inv.Role),
	}})
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
		writeData(w, []wire.MemberRemoved{{Message: "Invitation withdrawn", RevokedAPIKeys: []wire.RevokedAPIKey{}}})
		return nil
	}
	revoked, err := s.app.RemoveMember(r.Context(), req.caller, req.websiteID, userID)
	if err != nil {
		return err
	}
	out := wire.MemberRemoved{Message: "Team member removed successfully", RevokedAPIKeys: []wire.RevokedAPIKey{}}
	for _, k := range revoked {
		out.RevokedAPIKeys = append(out.RevokedAPIKeys, wire.RevokedAPIKey{ID: k.ID, DisplayKey: k.DisplayKey})
	}
	writeData(w, []wire.MemberRemoved{out})
	return nil
}

// listInvitations: GET /admin/invitations, the caller's pending invitations.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	invs, err := s.app.Invitations(r.Context(), req.caller)
	if err != nil {
		return err
	}
	out := make([]wire.Invitation, 0, len(invs))
	for _, inv := range invs {
		out = append(out, wire.Invitation{
			ID: inv.ID, WebsiteID: inv.WebsiteID, Domain: inv.Domain, Email: inv.Email, Role: string(inv.Role),
			CreatedAt: isoTime(inv.CreatedAt), ExpiresAt: isoTime(inv.ExpiresAt),
		})
	}
	writeData(w, out)
	return nil
}

// acceptInvitation: POST /admin/invitations/{invitationId}/accept. Only the
// invitee (the user whose email the invitation names) can accept.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	inv, err := s.app.AcceptInvitation(r.Context(), req.caller, r.PathValue("invitationId"))
	if err != nil {
		return err
	}
	writeData(w, []wire.InvitationAccepted{{Message: "Invitation accepted", WebsiteID: inv.WebsiteID, Domain: inv.Domain, Role: string(inv.Role)}})
	return nil
}
