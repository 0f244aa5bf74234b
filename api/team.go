package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

type memberJSON struct {
	UserID   string        `json:"userId"`
	Name     *string       `json:"name"`
	Email    string        `json:"email"`
	Image    *string       `json:"image"`
	Role     openfast.Role `json:"role"`
	JoinedAt string        `json:"joinedAt"`
}

// listTeam: GET /admin/websites/{websiteId}/team.
func (s *Server) listTeam(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	members, err := s.app.Members(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	out := make([]memberJSON, 0, len(members))
	for _, m := range members {
		out = append(out, memberJSON{UserID: m.UserID, Name: m.Name, Email: m.Email, Image: m.Image, Role: m.Role, JoinedAt: isoTime(m.JoinedAt)})
	}
	writeData(w, out)
	return nil
}

type invitationCreatedJSON struct {
	Message      string        `json:"message"`
	InvitationID string        `json:"invitationId"`
	Email        string        `json:"email"`
	Role         openfast.Role `json:"role"`
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
	inv, err := s.app.Invite(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, []invitationCreatedJSON{{
		Message: "Invitation created. Send the invite link to the user.", InvitationID: inv.ID, Email: inv.Email, Role: inv.Role,
	}})
	return nil
}

// removeMember: DELETE /admin/websites/{websiteId}/team with {"userId"} in
// the body (owner only).
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	userID, _, err := body.string("userId")
	if err != nil {
		return err
	}
	if err := s.app.RemoveMember(r.Context(), req.caller, req.websiteID, userID); err != nil {
		return err
	}
	writeData(w, []map[string]string{{"message": "Team member removed successfully"}})
	return nil
}

type invitationJSON struct {
	ID        string        `json:"_id"`
	WebsiteID string        `json:"websiteId"`
	Domain    string        `json:"domain"`
	Email     string        `json:"email"`
	Role      openfast.Role `json:"role"`
	CreatedAt string        `json:"createdAt"`
}

// listInvitations: GET /admin/invitations, the caller's pending invitations.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	invs, err := s.app.Invitations(r.Context(), req.caller)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, 0, len(invs))
	for _, inv := range invs {
		out = append(out, invitationJSON{ID: inv.ID, WebsiteID: inv.WebsiteID, Domain: inv.Domain, Email: inv.Email, Role: inv.Role, CreatedAt: isoTime(inv.CreatedAt)})
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
	writeData(w, []map[string]any{{"message": "Invitation accepted", "websiteId": inv.WebsiteID, "domain": inv.Domain, "role": inv.Role}})
	return nil
}
