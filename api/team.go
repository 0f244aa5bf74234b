package api

import (
	"net/http"

	"github.com/openfast/openfast"
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
func (s *Server) listTeam(w http.ResponseWriter, r *http.Request, c *call) error {
	members, err := s.store.Members(r.Context(), c.websiteID)
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
func (s *Server) inviteMember(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	rawEmail, present, err := body.string("email")
	if err != nil {
		return err
	}
	if !present {
		return openfast.Errorf(openfast.EINVALID, "email is required.")
	}
	email, err := openfast.NormalizeEmail(rawEmail)
	if err != nil {
		return err
	}
	role := openfast.RoleViewer
	if v, ok, err := body.string("role"); err != nil {
		return err
	} else if ok {
		role = openfast.Role(v)
		if role != openfast.RoleViewer && role != openfast.RoleMember {
			return openfast.Errorf(openfast.EINVALID, "role must be viewer or member.")
		}
	}
	me, err := s.store.UserByID(r.Context(), c.p.UserID)
	if err != nil {
		return err
	}
	if me.Email == email {
		return openfast.Errorf(openfast.EINVALID, "You cannot invite yourself.")
	}
	inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: c.websiteID, Email: email, Role: role, InvitedBy: c.p.UserID}
	if err := s.store.CreateInvitation(r.Context(), inv, c.audit(openfast.AuditTeamInvite, "invitation", inv.ID, "")); err != nil {
		return err
	}
	writeData(w, []invitationCreatedJSON{{
		Message: "Invitation created. Send the invite link to the user.", InvitationID: inv.ID, Email: email, Role: role,
	}})
	return nil
}

// removeMember: DELETE /admin/websites/{websiteId}/team with {"userId"} in
// the body (owner only).
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	userID, present, err := body.string("userId")
	if err != nil {
		return err
	}
	if !present || userID == "" {
		return openfast.Errorf(openfast.EINVALID, "userId is required.")
	}
	if !openfast.ValidID(userID) {
		return openfast.Errorf(openfast.EINVALID, "userId must be a 24-character hex ObjectId.")
	}
	if userID == c.p.UserID {
		return openfast.Errorf(openfast.EINVALID, "You cannot remove yourself from a website you own.")
	}
	if err := s.store.RemoveMember(r.Context(), c.websiteID, userID, c.audit(openfast.AuditTeamRemove, "user", userID, "")); err != nil {
		return err
	}
	s.verifier.Invalidate()
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
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, c *call) error {
	me, err := s.store.UserByID(r.Context(), c.p.UserID)
	if err != nil {
		return err
	}
	invs, err := s.store.PendingInvitations(r.Context(), me.Email)
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
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "invitationId")
	if err != nil {
		return err
	}
	me, err := s.store.UserByID(r.Context(), c.p.UserID)
	if err != nil {
		return err
	}
	inv, err := s.store.AcceptInvitation(r.Context(), id, me, c.audit(openfast.AuditInvitationAccept, "invitation", id, ""))
	if err != nil {
		return err
	}
	s.verifier.Invalidate()
	writeData(w, []map[string]any{{"message": "Invitation accepted", "websiteId": inv.WebsiteID, "domain": inv.Domain, "role": inv.Role}})
	return nil
}
