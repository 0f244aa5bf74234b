package auth

import "github.com/openfast/openfast"

// Secret is a freshly generated credential: the raw value, which exists
// for one response only, and what may be stored of it.
type Secret struct {
	Raw        string
	Hash       []byte // SHA-256 of Raw
	DisplayKey string
}

// NewSecret generates a credential of kind k.
func NewSecret(k Kind) Secret {
	raw := Generate(k)
	h := Hash(raw)
	return Secret{Raw: raw, Hash: h[:], DisplayKey: DisplayKey(raw)}
}

// NewAccessToken returns a new dft_ token for a user and its record, which
// holds the hash and displayKey, never the raw value. A nil websiteIDs
// means every website.
func NewAccessToken(userID string, name *string, permissions, websiteIDs []string) (Secret, *openfast.AccessToken) {
	s := NewSecret(KindAccountToken)
	if websiteIDs == nil {
		websiteIDs = []string{}
	}
	return s, &openfast.AccessToken{
		ID: openfast.NewID(), UserID: userID, Name: name, DisplayKey: s.DisplayKey, Hash: s.Hash,
		Permissions: permissions, WebsiteIDs: websiteIDs, CreatedBy: userID,
	}
}

// NewAPIKey returns a new df_ key for a website and its record, with
// permissions perms. maker is the principal that creates it: the record
// keeps its displayKey and the user on whose authority it acts.
func NewAPIKey(websiteID string, name *string, perms []string, maker *Principal) (Secret, *openfast.APIKey) {
	s := NewSecret(KindWebsiteKey)
	return s, &openfast.APIKey{
		ID: openfast.NewID(), WebsiteID: websiteID, Name: name, DisplayKey: s.DisplayKey, Hash: s.Hash,
		Permissions: perms, CreatedByKey: maker.DisplayKey, CreatedBy: maker.Authority(),
	}
}

// Authority returns the user on whose authority the principal acts: a
// token's user, or the user who made a website key ("" when unknown).
func (p *Principal) Authority() string {
	if p.Kind == KindWebsiteKey {
		return p.KeyMaker
	}
	return p.UserID
}
