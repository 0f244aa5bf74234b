package api

import (
	"net/http"
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
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	acc, err := s.app.Account(r.Context(), req.caller)
	if err != nil {
		return err
	}
	u := acc.User
	writeData(w, []accountJSON{{
		ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image, HasAccess: true,
		CreatedAt: isoTime(u.CreatedAt), WebsiteID: acc.WebsiteID,
		Credential: credentialJSON{Type: acc.Kind.String(), DisplayKey: acc.DisplayKey, Permissions: nonNil(acc.Permissions), WebsiteIDs: nonNil(acc.WebsiteIDs)},
	}})
	return nil
}

type profileJSON struct {
	ID    string  `json:"_id"`
	Name  *string `json:"name"`
	Email string  `json:"email"`
	Image *string `json:"image"`
}

// updateAccount: PUT /admin/account. Only the name can change.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	name, err := body.optionalString("name")
	if err != nil {
		return err
	}
	u, err := s.app.UpdateAccountName(r.Context(), req.caller, name)
	if err != nil {
		return err
	}
	writeData(w, []profileJSON{{ID: u.ID, Name: u.Name, Email: u.Email, Image: u.Image}})
	return nil
}
