package app

import (
	"context"
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

// credentialUsage reads the usage of one credential over the last days UTC
// days (1 to openfast.UsageDays; 0 is all of them).
func (a *App) credentialUsage(ctx context.Context, kind auth.Kind, id string, days int) (*CredentialUsage, error) {
	if days == 0 {
		days = openfast.UsageDays
	}
	if days < 1 || days > openfast.UsageDays {
		return nil, openfast.Errorf(openfast.EINVALID, "days must be between 1 and %d.", openfast.UsageDays)
	}
	today := unixDay(a.now())
	from := today - int32(max(days, usageWeek)) + 1
	counts, err := a.verifier.Usage(ctx, kind, []string{id}, from)
	if err != nil {
		return nil, err
	}
	byDay := counts[id]
	out := &CredentialUsage{ID: id, Days: make([]openfast.CredentialUsage, 0, days)}
	for day := today - int32(days) + 1; day <= today; day++ {
		n := byDay[day]
		out.Days = append(out.Days, openfast.CredentialUsage{Kind: usageKind(kind), CredentialID: id, Day: dayStart(day), Requests: n})
		out.Total += n
	}
	for day := today - usageWeek + 1; day <= today; day++ {
		out.Usage7d += byDay[day]
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
	found := false
	for _, k := range keys {
		found = found || k.ID == keyID
	}
	if !found {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "API key not found.")
	}
	return a.credentialUsage(ctx, auth.KindWebsiteKey, keyID, days)
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
	return a.credentialUsage(ctx, auth.KindAccountToken, tokenID, days)
}
