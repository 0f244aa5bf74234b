package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/wireconv"
)

// usageDays reads the optional days query parameter of the usage routes:
// 1 to 90, 90 when absent.
func usageDays(req *authRequest) (int, error) {
	return queryInt(req.query, "days", openfast.UsageDays, 1, openfast.UsageDays)
}

// apiKeyUsage: GET /admin/websites/{websiteId}/apikeys/{apiKeyId}/usage,
// the key's requests per UTC day.
func (s *Server) apiKeyUsage(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	days, err := usageDays(req)
	if err != nil {
		return err
	}
	u, err := s.app.APIKeyUsage(r.Context(), req.caller, req.websiteID, r.PathValue("apiKeyId"), days)
	if err != nil {
		return err
	}
	writeData(w, wireconv.CredentialUsage(u))
	return nil
}

// accessTokenUsage: GET /admin/access-tokens/{tokenId}/usage, one of the
// caller's user's tokens' requests per UTC day.
func (s *Server) accessTokenUsage(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	days, err := usageDays(req)
	if err != nil {
		return err
	}
	u, err := s.app.AccessTokenUsage(r.Context(), req.caller, r.PathValue("tokenId"), days)
	if err != nil {
		return err
	}
	writeData(w, wireconv.CredentialUsage(u))
	return nil
}
