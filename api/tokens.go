package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/wire"
)

func accessTokenOf(t *openfast.AccessToken) wire.AccessToken {
	return wire.AccessToken{
		ID: t.ID, Name: t.Name, DisplayKey: t.DisplayKey, Scope: "user",
		Permissions: nonNil(t.Permissions), WebsiteIDs: nonNil(t.WebsiteIDs),
		LastUsedAt: isoTimePtr(t.LastUsedAt), Usage7d: t.Usage7d, CreatedAt: isoTime(t.CreatedAt), CreatedBy: userRef(t.CreatedBy),
		ExpiresAt: isoTimePtr(t.ExpiresAt),
	}
}

// listAccessTokens: GET /admin/access-tokens, the caller's user's tokens.
func (s *Server) listAccessTokens(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	tokens, err := s.app.AccessTokens(r.Context(), req.caller)
	if err != nil {
		return err
	}
	out := make([]wire.AccessToken, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, accessTokenOf(t))
	}
	writeData(w, out)
	return nil
}

// createAccessToken: POST /admin/access-tokens. The new token can never
// hold more permissions or websites than the calling token.
func (s *Server) createAccessToken(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, true)
	if err != nil {
		return err
	}
	var in app.NewAccessToken
	if in.Name, _, err = body.nullableString("name"); err != nil {
		return err
	}
	if in.Permissions, _, err = body.strings("permissions", len(auth.Permissions)+1); err != nil {
		return err
	}
	if in.WebsiteIDs, _, err = body.strings("websiteIds", openfast.MaxListItems); err != nil {
		return err
	}
	if in.ExpiresAt, err = body.timestamp("expiresAt"); err != nil {
		return err
	}
	raw, t, err := s.app.CreateAccessToken(r.Context(), req.caller, in)
	if err != nil {
		return err
	}
	out := accessTokenOf(t)
	out.Key = raw
	writeData(w, []wire.AccessToken{out})
	return nil
}

// deleteAccessToken: DELETE /admin/access-tokens/{tokenId}. Only the
// caller's own tokens, and none with a wider scope than the caller's.
func (s *Server) deleteAccessToken(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	if err := s.app.DeleteAccessToken(r.Context(), req.caller, r.PathValue("tokenId")); err != nil {
		return err
	}
	writeData(w, []wire.Message{{Message: "Access token deleted successfully"}})
	return nil
}
