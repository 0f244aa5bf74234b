package api

import (
	"net/http"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

// usageDays reads the optional days query parameter of the usage routes:
// 1 to 90, 90 when absent.
func usageDays(req *authRequest) (int, error) {
	return queryInt(req.query, "days", openfast.UsageDays, 1, openfast.UsageDays)
}

// usageOf is a credential's usage as the API answers it.
func usageOf(u *app.CredentialUsage) wire.CredentialUsage {
	out := wire.CredentialUsage{ID: u.ID, Usage7d: u.Usage7d, Total: u.Total, Days: make([]wire.UsageDay, len(u.Days))}
	for i, d := range u.Days {
		out.Days[i] = wire.UsageDay{Date: d.Day.Format(time.DateOnly), Requests: d.Requests}
	}
	return out
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
	writeData(w, usageOf(u))
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
	writeData(w, usageOf(u))
	return nil
}
