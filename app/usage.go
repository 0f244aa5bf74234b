package app

import (
	"context"
	"slices"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// usageWeek is the window of usage7d: the last 7 UTC days, today included.
const usageWeek = 7

// CredentialUsage is a key's or token's requests per UTC day.
type CredentialUsage struct {
	ID string
	// Usage7d is the requests of the last 7 UTC days, today included.
	Usage7d int64
	// Total is the requests of Days.
	Total int64
	// Days has one entry per UTC day, oldest first, today last, with 0
	// for the days without requests.
	Days []openfast.CredentialUsage
}

// usage7d returns the requests of each credential in the last 7 UTC days
// up to now's, including those this process has not written yet.
func (a *App) usage7d(ctx context.Context, kind auth.Kind, ids []string, now time.Time) (map[string]int64, error) {
	today := unixDay(now)
	days, err := a.verifier.Usage(ctx, kind, ids, today-usageWeek+1)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(ids))
	for id, byDay := range days {
		for day, n := range byDay {
			if day <= today {
				out[id] += n
			}
		}
	}
	return out, nil
}

// credentialUsage reads the usage of credentials over the last days UTC
// days (1 to openfast.UsageDays; 0 is all of them), by id.
func (a *App) credentialUsage(ctx context.Context, kind auth.Kind, ids []string, days int) (map[string]*CredentialUsage, error) {
	if days == 0 {
		days = openfast.UsageDays
	}
	if days < 1 || days > openfast.UsageDays {
		return nil, openfast.Errorf(openfast.EINVALID, "days must be between 1 and %d.", openfast.UsageDays)
	}
	today := unixDay(a.now())
	from := today - int32(max(days, usageWeek)) + 1
	counts, err := a.verifier.Usage(ctx, kind, ids, from)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*CredentialUsage, len(ids))
	for _, id := range ids {
		byDay := counts[id]
		u := &CredentialUsage{ID: id, Days: make([]openfast.CredentialUsage, 0, days)}
		for day := today - int32(days) + 1; day <= today; day++ {
			n := byDay[day]
			u.Days = append(u.Days, openfast.CredentialUsage{Kind: usageKind(kind), CredentialID: id, Day: dayStart(day), Requests: n})
			u.Total += n
		}
		for day := today - usageWeek + 1; day <= today; day++ {
			u.Usage7d += byDay[day]
		}
		out[id] = u
	}
	return out, nil
}

// APIKeyUsage returns a website key's requests per UTC day over the last
// days days (1 to openfast.UsageDays; 0 is all of them). A key of another
// website is not found.
func (a *App) APIKeyUsage(ctx context.Context, c Caller, websiteID, keyID string, days int) (*CredentialUsage, error) {
	id, err := authorize(c, ActAPIKeyUsage, websiteID)
	if err != nil {
		return nil, err
	}
	if err := openfast.CheckID("apiKeyId", keyID); err != nil {
		return nil, err
	}
	keys, err := a.store.APIKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(keys, func(k *openfast.APIKey) bool { return k.ID == keyID }) {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "API key not found.")
	}
	usage, err := a.credentialUsage(ctx, auth.KindWebsiteKey, []string{keyID}, days)
	if err != nil {
		return nil, err
	}
	return usage[keyID], nil
}

// APIKeysUsage returns the usage of every key of a website over the last
// days days (as APIKeyUsage), by key id.
func (a *App) APIKeysUsage(ctx context.Context, c Caller, websiteID string, days int) (map[string]*CredentialUsage, error) {
	id, err := authorize(c, ActAPIKeyUsage, websiteID)
	if err != nil {
		return nil, err
	}
	keys, err := a.store.APIKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return a.credentialUsage(ctx, auth.KindWebsiteKey, ids, days)
}

// AccessTokenUsage returns one of the caller's user's tokens' requests per
// UTC day over the last days days (1 to openfast.UsageDays; 0 is all of
// them). Another user's token is not found.
func (a *App) AccessTokenUsage(ctx context.Context, c Caller, tokenID string, days int) (*CredentialUsage, error) {
	if _, err := authorize(c, ActAccessTokenUsage, ""); err != nil {
		return nil, err
	}
	if err := openfast.CheckID("tokenId", tokenID); err != nil {
		return nil, err
	}
	if _, err := a.store.AccessToken(ctx, c.UserID, tokenID); err != nil {
		return nil, err
	}
	usage, err := a.credentialUsage(ctx, auth.KindAccountToken, []string{tokenID}, days)
	if err != nil {
		return nil, err
	}
	return usage[tokenID], nil
}

// AccessTokensUsage returns the usage of every token of the caller's user
// over the last days days (as AccessTokenUsage), by token id.
func (a *App) AccessTokensUsage(ctx context.Context, c Caller, days int) (map[string]*CredentialUsage, error) {
	if _, err := authorize(c, ActAccessTokenUsage, ""); err != nil {
		return nil, err
	}
	tokens, err := a.store.AccessTokens(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(tokens))
	for i, t := range tokens {
		ids[i] = t.ID
	}
	return a.credentialUsage(ctx, auth.KindAccountToken, ids, days)
}
