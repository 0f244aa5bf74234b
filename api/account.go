package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

type accountJSON struct {
	ID                  string         `json:"_id"`
	Name                *string        `json:"name"`
	Email               string         `json:"email"`
	Image               *string        `json:"image"`
	HasAccess           bool           `json:"hasAccess"`
	PlanType            *string        `json:"planType"`
	IsFreeTrialActive   bool           `json:"isFreeTrialActive"`
	FreeTrialStartAt    *string        `json:"freeTrialStartAt"`
	BillingCycleStartAt *string        `json:"billingCycleStartAt"`
	BillingCycleEndAt   *string        `json:"billingCycleEndAt"`
	CreatedAt           string         `json:"createdAt"`
	WebsiteID           string         `json:"websiteId,omitempty"`
	Credential          credentialJSON `json:"credential"`
}

// credentialJSON describes the calling credential (an openfast extension).
type credentialJSON struct {
	Type        string   `json:"type"`
	DisplayKey  string   `json:"displayKey"`
	Permissions []string `json:"permissions"`
	WebsiteIDs  []string `json:"websiteIds"`
}

// getAccount: GET /admin/account. A website key answers with the account
// of its website's owner and adds websiteId.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	userID := c.p.UserID
	cred := credentialJSON{Type: c.p.Kind.String(), DisplayKey: c.p.DisplayKey, Permissions: nonNil(c.p.Permissions), WebsiteIDs: nonNil(c.p.WebsiteIDs)}
	if c.p.Kind == auth.KindWebsiteKey {
		site, err := s.website(r.Context(), c.p.WebsiteID)
		if err != nil {
			return err
		}
		userID = site.OwnerID
		cred.Permissions, cred.WebsiteIDs = []string{auth.PermAll}, []string{c.p.WebsiteID}
	}
	u, err := s.store.UserByID(r.Context(), userID)
	if err != nil {
		return err
	}
	a := accountJSON{
		ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image, HasAccess: true,
		CreatedAt: isoTime(u.CreatedAt), Credential: cred,
	}
	if c.p.Kind == auth.KindWebsiteKey {
		a.WebsiteID = c.p.WebsiteID
	}
	writeData(w, []accountJSON{a})
	return nil
}

type profileJSON struct {
	ID    string  `json:"_id"`
	Name  *string `json:"name"`
	Email string  `json:"email"`
	Image *string `json:"image"`
}

// updateAccount: PUT /admin/account. Only the name can change.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	raw, present, err := body.string("name")
	if err != nil {
		return err
	}
	if !present {
		return openfast.Errorf(openfast.EINVALID, "name is required.")
	}
	name, err := openfast.NormalizeName("name", raw)
	if err != nil {
		return err
	}
	if name == nil {
		return openfast.Errorf(openfast.EINVALID, "name must not be empty.")
	}
	u, err := s.store.UpdateUserName(r.Context(), c.p.UserID, *name, c.audit(openfast.AuditAccountUpdate, "user", c.p.UserID, ""))
	if err != nil {
		return err
	}
	writeData(w, []profileJSON{{ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image}})
	return nil
}
