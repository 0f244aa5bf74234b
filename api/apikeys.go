package api

import (
	"net/http"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/internal/wireconv"
)

// listAPIKeys: GET /admin/websites/{websiteId}/apikeys, masked.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	keys, err := s.app.APIKeys(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(keys, wireconv.APIKey))
	return nil
}

// createAPIKey: POST /admin/websites/{websiteId}/apikeys (the seed). The
// body is optional; the raw key is in this response and nowhere else.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, true)
	if err != nil {
		return err
	}
	var in app.NewAPIKey
	if in.Name, _, err = body.nullableString("name"); err != nil {
		return err
	}
	if in.Permissions, _, err = body.strings("permissions", len(auth.WebsitePermissions)+1); err != nil {
		return err
	}
	if in.ExpiresAt, err = body.timestamp("expiresAt"); err != nil {
		return err
	}
	if in.AllowedIPs, _, err = body.allowedIPs(); err != nil {
		return err
	}
	raw, k, err := s.app.CreateAPIKey(r.Context(), req.caller, req.websiteID, in)
	return writeNewKey(w, raw, k, err)
}

// writeNewKey answers a creation or a roll: the key with its raw value,
// which this answer is the only one to hold.
func writeNewKey(w http.ResponseWriter, raw string, k *openfast.APIKey, err error) error {
	if err != nil {
		return err
	}
	writeData(w, wireconv.NewAPIKey(raw, k))
	return nil
}

// rollAPIKey: PUT /admin/websites/{websiteId}/apikeys/{apiKeyId}. The key
// keeps its _id and gets a new value; the old value is refused from the
// next request on, or after the body's gracePeriodSeconds (optional). The
// body's allowedIps, when sent, replaces the key's (null: any address).
func (s *Server) rollAPIKey(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, true)
	if err != nil {
		return err
	}
	grace, err := body.seconds("gracePeriodSeconds", int64(app.MaxRollGrace/time.Second))
	if err != nil {
		return err
	}
	in := app.KeyRoll{Grace: grace}
	if in.AllowedIPs, in.SetAllowedIPs, err = body.allowedIPs(); err != nil {
		return err
	}
	raw, k, err := s.app.RollAPIKeyWith(r.Context(), req.caller, req.websiteID, r.PathValue("apiKeyId"), in)
	return writeNewKey(w, raw, k, err)
}

// deleteAPIKey: DELETE /admin/websites/{websiteId}/apikeys/{apiKeyId}.
func (s *Server) deleteAPIKey(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	id := r.PathValue("apiKeyId")
	if err := s.app.DeleteAPIKey(r.Context(), req.caller, req.websiteID, id); err != nil {
		return err
	}
	writeData(w, wireconv.APIKeyDeleted(id))
	return nil
}
