package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

type apiKeyJSON struct {
	ID         string  `json:"_id"`
	Name       *string `json:"name"`
	DisplayKey string  `json:"displayKey"`
	WebsiteID  string  `json:"websiteId"`
	LastUsedAt *string `json:"lastUsedAt"`
	CreatedAt  string  `json:"createdAt"`
	Key        string  `json:"key,omitempty"`
}

func (s *Server) apiKeyJSON(k *openfast.APIKey) apiKeyJSON {
	return apiKeyJSON{
		ID: k.ID, Name: k.Name, DisplayKey: k.DisplayKey, WebsiteID: k.WebsiteID,
		LastUsedAt: isoTimePtr(s.lastUsed(auth.KindWebsiteKey, k.ID, k.LastUsedAt)), CreatedAt: isoTime(k.CreatedAt),
	}
}

// listAPIKeys: GET /admin/websites/{websiteId}/apikeys, masked.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	keys, err := s.store.APIKeys(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, s.apiKeyJSON(k))
	}
	writeData(w, out)
	return nil
}

// createAPIKey: POST /admin/websites/{websiteId}/apikeys (the seed). The
// body is optional; the raw key is in this response and nowhere else.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readObject(w, r, true)
	if err != nil {
		return err
	}
	rawName, _, err := body.nullableString("name")
	if err != nil {
		return err
	}
	var name *string
	if rawName != nil {
		if name, err = openfast.NormalizeName("name", *rawName); err != nil {
			return err
		}
	}
	secret, k := auth.NewAPIKey(c.websiteID, name, c.p.DisplayKey)
	if err := s.store.CreateAPIKey(r.Context(), k, openfast.MaxAPIKeysPerWebsite,
		c.audit(openfast.AuditAPIKeyCreate, "apikey", k.ID, k.DisplayKey)); err != nil {
		return err
	}
	out := s.apiKeyJSON(k)
	out.Key = secret.Raw
	writeData(w, []apiKeyJSON{out})
	return nil
}

// rollAPIKey: PUT /admin/websites/{websiteId}/apikeys/{apiKeyId}. The key
// keeps its _id and gets a new value; the old value is refused from the
// next request on.
func (s *Server) rollAPIKey(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "apiKeyId")
	if err != nil {
		return err
	}
	secret := auth.NewSecret(auth.KindWebsiteKey)
	k, err := s.store.RollAPIKey(r.Context(), c.websiteID, id, secret.Hash, secret.DisplayKey,
		c.audit(openfast.AuditAPIKeyRoll, "apikey", id, secret.DisplayKey))
	if err != nil {
		return err
	}
	s.verifier.Invalidate()
	out := s.apiKeyJSON(k)
	out.Key = secret.Raw
	writeData(w, []apiKeyJSON{out})
	return nil
}

// deleteAPIKey: DELETE /admin/websites/{websiteId}/apikeys/{apiKeyId}.
func (s *Server) deleteAPIKey(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "apiKeyId")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAPIKey(r.Context(), c.websiteID, id, c.audit(openfast.AuditAPIKeyDelete, "apikey", id, "")); err != nil {
		return err
	}
	s.verifier.Invalidate()
	writeData(w, []map[string]any{{"_id": id, "deleted": true}})
	return nil
}
