package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

type accessTokenJSON struct {
	ID          string   `json:"_id"`
	Name        *string  `json:"name"`
	DisplayKey  string   `json:"displayKey"`
	Scope       string   `json:"scope"`
	Permissions []string `json:"permissions"`
	WebsiteIDs  []string `json:"websiteIds"`
	LastUsedAt  *string  `json:"lastUsedAt"`
	CreatedAt   string   `json:"createdAt"`
	Key         string   `json:"key,omitempty"`
}

func (s *Server) accessTokenJSON(t *openfast.AccessToken) accessTokenJSON {
	return accessTokenJSON{
		ID: t.ID, Name: t.Name, DisplayKey: t.DisplayKey, Scope: "user",
		Permissions: nonNil(t.Permissions), WebsiteIDs: nonNil(t.WebsiteIDs),
		LastUsedAt: isoTimePtr(s.lastUsed(auth.KindAccountToken, t.ID, t.LastUsedAt)), CreatedAt: isoTime(t.CreatedAt),
	}
}

// lastUsed is the newer of the stored last use and the one this process saw.
func (s *Server) lastUsed(kind auth.Kind, id string, stored *time.Time) *time.Time {
	seen, ok := s.verifier.LastUsed(kind, id)
	if ok && (stored == nil || seen.After(*stored)) {
		return &seen
	}
	return stored
}

// listAccessTokens: GET /admin/access-tokens, the caller's user's tokens.
func (s *Server) listAccessTokens(w http.ResponseWriter, r *http.Request, c *call) error {
	tokens, err := s.store.AccessTokens(r.Context(), c.p.UserID)
	if err != nil {
		return err
	}
	out := make([]accessTokenJSON, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, s.accessTokenJSON(t))
	}
	writeData(w, out)
	return nil
}

// createAccessToken: POST /admin/access-tokens. The new token can never
// hold more permissions or websites than the calling token.
func (s *Server) createAccessToken(w http.ResponseWriter, r *http.Request, c *call) error {
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
	perms, present, err := body.strings("permissions", len(auth.Permissions)+1)
	if err != nil {
		return err
	}
	if !present {
		perms = []string{auth.PermAll}
	}
	if len(perms) == 0 {
		return openfast.Errorf(openfast.EINVALID, "permissions must not be empty; omit it or use [\"*\"] for full access.")
	}
	for _, p := range perms {
		if !auth.ValidPermission(p) {
			return openfast.Errorf(openfast.EINVALID, "Unknown permission %q. Valid permissions: *, %s.", openfast.Truncate(p, 40), strings.Join(auth.Permissions, ", "))
		}
	}
	perms = auth.NormalizePermissions(perms)
	if !auth.PermissionsWithin(perms, c.p.Permissions) {
		return openfast.Errorf(openfast.EFORBIDDEN, "A token cannot be given permissions that the calling token does not have.")
	}

	sites, _, err := body.strings("websiteIds", openfast.MaxListItems)
	if err != nil {
		return err
	}
	for _, id := range sites {
		if !openfast.ValidID(id) {
			return openfast.Errorf(openfast.EINVALID, "websiteIds must hold 24-character hex ObjectIds; %q is not one.", openfast.Truncate(id, 40))
		}
	}
	slices.Sort(sites)
	sites = slices.Compact(sites)
	if !auth.WebsitesWithin(sites, c.p.WebsiteIDs) {
		return openfast.Errorf(openfast.EFORBIDDEN, "A token cannot be given websites outside the calling token's websites.")
	}
	for _, id := range sites {
		if c.p.Memberships[id] == "" {
			return openfast.Errorf(openfast.EFORBIDDEN, "You do not have access to website %s.", id)
		}
	}

	secret, t := auth.NewAccessToken(c.p.UserID, name, perms, sites)
	if err := s.store.CreateAccessToken(r.Context(), t, openfast.MaxAccessTokensPerUser,
		c.audit(openfast.AuditAccessTokenCreate, "access_token", t.ID, t.DisplayKey)); err != nil {
		return err
	}
	out := s.accessTokenJSON(t)
	out.Key = secret.Raw
	writeData(w, []accessTokenJSON{out})
	return nil
}

// deleteAccessToken: DELETE /admin/access-tokens/{tokenId}. Only the
// caller's own tokens, and none with a wider scope than the caller's.
func (s *Server) deleteAccessToken(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "tokenId")
	if err != nil {
		return err
	}
	t, err := s.store.AccessToken(r.Context(), c.p.UserID, id)
	if err != nil {
		return err
	}
	if t.ID != c.p.ID && (!auth.PermissionsWithin(t.Permissions, c.p.Permissions) || !auth.WebsitesWithin(t.WebsiteIDs, c.p.WebsiteIDs)) {
		return openfast.Errorf(openfast.EFORBIDDEN, "A token cannot delete a token with wider permissions or websites than its own.")
	}
	if err := s.store.DeleteAccessToken(r.Context(), c.p.UserID, id,
		c.audit(openfast.AuditAccessTokenDelete, "access_token", t.ID, t.DisplayKey)); err != nil {
		return err
	}
	s.verifier.Invalidate()
	writeData(w, []map[string]string{{"message": "Access token deleted successfully"}})
	return nil
}
