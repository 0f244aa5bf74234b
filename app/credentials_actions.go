package app

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// APIKeys lists a website's keys, masked, with the newest use this process
// has seen.
func (a *App) APIKeys(ctx context.Context, c Caller, websiteID string) ([]*openfast.APIKey, error) {
	id, err := authorize(c, ActListAPIKeys, websiteID)
	if err != nil {
		return nil, err
	}
	keys, err := a.store.APIKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	now := a.now()
	ids := make([]string, len(keys))
	for i, k := range keys {
		k.LastUsedAt = a.lastUsed(auth.KindWebsiteKey, k.ID, k.LastUsedAt)
		endedPrevious(k, now)
		ids[i] = k.ID
	}
	usage, err := a.usage7d(ctx, auth.KindWebsiteKey, ids, now)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		k.Usage7d = usage[k.ID]
	}
	return keys, nil
}

// endedPrevious forgets a key's previous value once its grace is over.
func endedPrevious(k *openfast.APIKey, now time.Time) {
	if k.PreviousExpiresAt != nil && !now.Before(*k.PreviousExpiresAt) {
		k.PreviousHash, k.PreviousExpiresAt = nil, nil
	}
}

// MaxRollGrace is the longest grace period of a roll, during which the
// previous value of the key keeps working.
const MaxRollGrace = 7 * 24 * time.Hour

// NewAPIKey is the input of CreateAPIKey. A nil Permissions means ["*"],
// every website-level permission (DataFast's keys); an empty one is
// refused.
type NewAPIKey struct {
	Name        *string
	Permissions []string
	// ExpiresAt, when set, is when the key stops working: in the future,
	// at most openfast.MaxCredentialLifetime ahead. nil is never.
	ExpiresAt *time.Time
	// AllowedIPs, when set, are the client addresses the key may be used
	// from (auth.ParseAllowedIPs). nil is the caller's: any address, unless
	// the calling credential is itself limited to some.
	AllowedIPs []string
}

// CreateAPIKey creates a df_ key on a website. The raw key is returned
// here and nowhere else: only its hash is stored. A credential never makes
// a key that can do more than itself: the caller must hold every
// permission the key would have, and a caller limited to some addresses
// makes keys limited to addresses within its own.
func (a *App) CreateAPIKey(ctx context.Context, c Caller, websiteID string, in NewAPIKey) (raw string, key *openfast.APIKey, err error) {
	id, err := authorize(c, ActCreateAPIKey, websiteID)
	if err != nil {
		return "", nil, err
	}
	name := in.Name
	if name != nil {
		if name, err = openfast.NormalizeName("name", *name); err != nil {
			return "", nil, err
		}
	}
	perms, err := parsePermissions(in.Permissions, auth.WebsitePermissions, "every website permission")
	if err != nil {
		return "", nil, err
	}
	if err := mayIssueKey(c, perms, "create"); err != nil {
		return "", nil, err
	}
	expiresAt, err := a.checkExpiry(in.ExpiresAt)
	if err != nil {
		return "", nil, err
	}
	allowed, err := newAllowedIPs(c, in.AllowedIPs, "create a key")
	if err != nil {
		return "", nil, err
	}
	secret, k := auth.NewAPIKey(id, name, perms, c.Principal)
	k.ExpiresAt, k.AllowedIPs = expiresAt, auth.FormatAllowedIPs(allowed)
	if err := a.store.CreateAPIKey(ctx, k, openfast.MaxAPIKeysPerWebsite,
		c.audit(id, openfast.AuditAPIKeyCreate, "apikey", k.ID, k.DisplayKey)); err != nil {
		return "", nil, err
	}
	// A failed authentication with this key's value may be remembered;
	// this makes the key usable at once.
	a.verifier.ForgetUnknown()
	return secret.Raw, k, nil
}

// checkExpiry checks the expiresAt of a new key or token and returns it
// in UTC, to the millisecond (what the stores keep): in the future, and at
// most openfast.MaxCredentialLifetime ahead. nil stays nil (never).
func (a *App) checkExpiry(at *time.Time) (*time.Time, error) {
	if at == nil {
		return nil, nil
	}
	t := at.UTC().Truncate(time.Millisecond)
	now := a.now()
	if !t.After(now) {
		return nil, openfast.Errorf(openfast.EINVALID, "expiresAt must be in the future; %s is not.", t.Format(time.RFC3339Nano))
	}
	if t.Sub(now) > openfast.MaxCredentialLifetime {
		return nil, openfast.Errorf(openfast.EINVALID, "expiresAt can be at most 5 years ahead; %s is further.", t.Format(time.RFC3339Nano))
	}
	return &t, nil
}

// newAllowedIPs checks the allowedIps of a new key or token and returns
// them parsed: nil takes the caller's (nil, any address, for a caller not
// limited to some addresses).
func newAllowedIPs(c Caller, list []string, what string) ([]netip.Prefix, error) {
	if list == nil {
		return slices.Clone(c.AllowedIPs), nil
	}
	allowed, err := auth.ParseAllowedIPs(list)
	if err != nil {
		return nil, err
	}
	return allowed, mayAllowIPs(c, allowed, what, "or omit allowedIps to get the caller's")
}

// mayAllowIPs refuses, naming what is outside, a caller limited to some
// addresses that would issue a credential usable from elsewhere: whoever
// holds the new value could use it from there.
func mayAllowIPs(c Caller, allowed []netip.Prefix, what, hint string) error {
	if auth.AllowedIPsWithin(allowed, c.AllowedIPs) {
		return nil
	}
	from := "any address"
	if allowed != nil {
		var outside []string
		for _, q := range allowed {
			if !auth.AllowedIPsWithin([]netip.Prefix{q}, c.AllowedIPs) {
				outside = append(outside, q.String())
			}
		}
		from = strings.Join(outside, ", ")
	}
	if hint != "" {
		hint = " (" + hint + ")"
	}
	return openfast.Errorf(openfast.EFORBIDDEN, "A credential limited to some IP addresses cannot %s usable from %s: the calling %s may be used only from %s. Ask for allowedIps within those%s.",
		what, from, c.Kind.Noun(), strings.Join(auth.FormatAllowedIPs(c.AllowedIPs), ", "), hint)
}

// parsePermissions checks the permissions given to a new key or token
// (valid: those of the list, and "*", which stands for all) and returns
// them normalized; nil means ["*"], an empty list is refused.
func parsePermissions(perms, valid []string, all string) ([]string, error) {
	if perms == nil {
		return []string{auth.PermAll}, nil
	}
	if len(perms) == 0 {
		return nil, openfast.Errorf(openfast.EINVALID, "permissions must not be empty; omit it or use [\"*\"] for %s.", all)
	}
	for _, p := range perms {
		if p != auth.PermAll && !slices.Contains(valid, p) {
			return nil, openfast.Errorf(openfast.EINVALID, "Unknown permission %q. Valid permissions: *, %s.", openfast.Truncate(p, 40), strings.Join(valid, ", "))
		}
	}
	return auth.NormalizePermissions(perms), nil
}

// mayIssueKey refuses, naming what is missing, a caller who lacks some of
// the permissions of the key it would create or roll: whoever holds the
// new value can do all that the key can.
func mayIssueKey(c Caller, keyPerms []string, verb string) error {
	if missing := auth.MissingPermissions(keyPerms, c.Permissions); len(missing) > 0 {
		return openfast.Errorf(openfast.EFORBIDDEN, "A credential cannot %s a key that can do more than itself: the key would have %s, which the calling %s lacks. Ask for a key with only the permissions you hold (\"permissions\").",
			verb, strings.Join(missing, ", "), c.Kind.Noun())
	}
	return nil
}

// RollAPIKey gives a key a new value and keeps its _id; the old value is
// refused from the next request on. Rolling hands the caller the key's
// value, so the caller must hold every permission of the key, and the key
// is then the caller's user's: it is revoked when that user leaves the
// website.
func (a *App) RollAPIKey(ctx context.Context, c Caller, websiteID, keyID string) (raw string, key *openfast.APIKey, err error) {
	return a.RollAPIKeyWithGrace(ctx, c, websiteID, keyID, 0)
}

// RollAPIKeyWithGrace is RollAPIKey where the previous value keeps
// working for grace (at most MaxRollGrace; 0 ends it at once, as
// DataFast). Deleting the key ends both values at once.
func (a *App) RollAPIKeyWithGrace(ctx context.Context, c Caller, websiteID, keyID string, grace time.Duration) (raw string, key *openfast.APIKey, err error) {
	return a.RollAPIKeyWith(ctx, c, websiteID, keyID, KeyRoll{Grace: grace})
}

// KeyRoll is the input of RollAPIKeyWith.
type KeyRoll struct {
	// Grace is how long the previous value keeps working: at most
	// MaxRollGrace; 0 ends it at once, as DataFast.
	Grace time.Duration
	// SetAllowedIPs replaces the key's allowedIps with AllowedIPs (nil:
	// any address); otherwise the key keeps its own.
	SetAllowedIPs bool
	AllowedIPs    []string
}

// RollAPIKeyWith is RollAPIKey with a grace period and, optionally, new
// allowedIps. A caller limited to some addresses may roll only a key whose
// addresses (kept or new) are within its own.
func (a *App) RollAPIKeyWith(ctx context.Context, c Caller, websiteID, keyID string, in KeyRoll) (raw string, key *openfast.APIKey, err error) {
	id, err := authorize(c, ActRollAPIKey, websiteID)
	if err != nil {
		return "", nil, err
	}
	grace := in.Grace
	if grace < 0 || grace > MaxRollGrace {
		return "", nil, openfast.Errorf(openfast.EINVALID, "gracePeriodSeconds must be between 0 and %d (7 days).", int(MaxRollGrace/time.Second))
	}
	if err := openfast.CheckID("apiKeyId", keyID); err != nil {
		return "", nil, err
	}
	keys, err := a.store.APIKeys(ctx, id)
	if err != nil {
		return "", nil, err
	}
	i := slices.IndexFunc(keys, func(k *openfast.APIKey) bool { return k.ID == keyID })
	if i < 0 {
		return "", nil, openfast.Errorf(openfast.ENOTFOUND, "API key not found.")
	}
	if err := mayIssueKey(c, auth.KeyPermissions(keys[i].Permissions), "roll"); err != nil {
		return "", nil, err
	}
	allowed, hint := keys[i].AllowedIPs, "send allowedIps to replace the key's"
	if in.SetAllowedIPs {
		allowed, hint = in.AllowedIPs, ""
	}
	parsed, err := auth.ParseAllowedIPs(allowed)
	if err != nil {
		return "", nil, err
	}
	if err := mayAllowIPs(c, parsed, "roll a key", hint); err != nil {
		return "", nil, err
	}
	secret := auth.NewSecret(auth.KindWebsiteKey)
	var previousUntil *time.Time
	now := a.now()
	if grace > 0 {
		until := now.Add(grace).UTC().Truncate(time.Millisecond)
		previousUntil = &until
	}
	k, err := a.store.RollAPIKey(ctx, id, keyID, secret.Hash, secret.DisplayKey, c.Authority(), previousUntil, auth.FormatAllowedIPs(parsed),
		c.audit(id, openfast.AuditAPIKeyRoll, "apikey", keyID, secret.DisplayKey))
	if err != nil {
		return "", nil, err
	}
	a.verifier.Invalidate()
	k.LastUsedAt = a.lastUsed(auth.KindWebsiteKey, k.ID, k.LastUsedAt)
	endedPrevious(k, now)
	usage, err := a.usage7d(ctx, auth.KindWebsiteKey, []string{k.ID}, now)
	if err != nil {
		// The roll is done: answer it, without the count.
		a.log.WarnContext(ctx, "read credential usage", "err", err)
	}
	k.Usage7d = usage[k.ID]
	return secret.Raw, k, nil
}

// DeleteAPIKey revokes a key at once.
func (a *App) DeleteAPIKey(ctx context.Context, c Caller, websiteID, keyID string) error {
	id, err := authorize(c, ActDeleteAPIKey, websiteID)
	if err != nil {
		return err
	}
	if err := openfast.CheckID("apiKeyId", keyID); err != nil {
		return err
	}
	if err := a.store.DeleteAPIKey(ctx, id, keyID, c.audit(id, openfast.AuditAPIKeyDelete, "apikey", keyID, "")); err != nil {
		return err
	}
	a.verifier.Invalidate()
	return nil
}

// AccessTokens lists the caller's user's tokens, masked.
func (a *App) AccessTokens(ctx context.Context, c Caller) ([]*openfast.AccessToken, error) {
	if _, err := authorize(c, ActListAccessTokens, ""); err != nil {
		return nil, err
	}
	tokens, err := a.store.AccessTokens(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(tokens))
	for i, t := range tokens {
		t.LastUsedAt = a.lastUsed(auth.KindAccountToken, t.ID, t.LastUsedAt)
		ids[i] = t.ID
	}
	usage, err := a.usage7d(ctx, auth.KindAccountToken, ids, a.now())
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		t.Usage7d = usage[t.ID]
	}
	return tokens, nil
}

// NewAccessToken is the input of CreateAccessToken. A nil Permissions
// means ["*"]; an empty one is refused. WebsiteIDs empty means every
// website of the user.
type NewAccessToken struct {
	Name        *string
	Permissions []string
	WebsiteIDs  []string
	// ExpiresAt, when set, is when the token stops working: in the
	// future, at most openfast.MaxCredentialLifetime ahead. nil is never.
	ExpiresAt *time.Time
	// AllowedIPs, when set, are the client addresses the token may be
	// used from (auth.ParseAllowedIPs). nil is the caller's: any address,
	// unless the calling token is itself limited to some.
	AllowedIPs []string
}

// CreateAccessToken creates a dft_ token for the caller's user. The new
// token never holds more permissions or websites than the calling token,
// nor addresses outside the calling token's allowedIps.
func (a *App) CreateAccessToken(ctx context.Context, c Caller, in NewAccessToken) (raw string, token *openfast.AccessToken, err error) {
	if _, err := authorize(c, ActCreateAccessToken, ""); err != nil {
		return "", nil, err
	}
	name := in.Name
	if name != nil {
		if name, err = openfast.NormalizeName("name", *name); err != nil {
			return "", nil, err
		}
	}
	perms, err := parsePermissions(in.Permissions, auth.Permissions, "full access")
	if err != nil {
		return "", nil, err
	}
	if !auth.PermissionsWithin(perms, c.Permissions) {
		return "", nil, openfast.Errorf(openfast.EFORBIDDEN, "A token cannot be given permissions that the calling token does not have.")
	}
	sites := slices.Clone(in.WebsiteIDs)
	for _, id := range sites {
		if !openfast.ValidID(id) {
			return "", nil, openfast.Errorf(openfast.EINVALID, "websiteIds must hold 24-character hex ObjectIds; %q is not one.", openfast.Truncate(id, 40))
		}
	}
	slices.Sort(sites)
	sites = slices.Compact(sites)
	if !auth.WebsitesWithin(sites, c.WebsiteIDs) {
		return "", nil, openfast.Errorf(openfast.EFORBIDDEN, "A token cannot be given websites outside the calling token's websites.")
	}
	for _, id := range sites {
		if c.Memberships[id] == "" {
			return "", nil, openfast.Errorf(openfast.EFORBIDDEN, "You do not have access to website %s.", id)
		}
	}
	expiresAt, err := a.checkExpiry(in.ExpiresAt)
	if err != nil {
		return "", nil, err
	}
	allowed, err := newAllowedIPs(c, in.AllowedIPs, "create a token")
	if err != nil {
		return "", nil, err
	}
	secret, t := auth.NewAccessToken(c.UserID, name, perms, sites)
	t.ExpiresAt, t.AllowedIPs = expiresAt, auth.FormatAllowedIPs(allowed)
	if err := a.store.CreateAccessToken(ctx, t, openfast.MaxAccessTokensPerUser,
		c.audit("", openfast.AuditAccessTokenCreate, "access_token", t.ID, t.DisplayKey)); err != nil {
		return "", nil, err
	}
	a.verifier.ForgetUnknown()
	return secret.Raw, t, nil
}

// DeleteAccessToken revokes one of the caller's user's tokens at once, but
// none with a wider scope than the calling token.
func (a *App) DeleteAccessToken(ctx context.Context, c Caller, tokenID string) error {
	if _, err := authorize(c, ActDeleteAccessToken, ""); err != nil {
		return err
	}
	if err := openfast.CheckID("tokenId", tokenID); err != nil {
		return err
	}
	t, err := a.store.AccessToken(ctx, c.UserID, tokenID)
	if err != nil {
		return err
	}
	if t.ID != c.ID && (!auth.PermissionsWithin(t.Permissions, c.Permissions) || !auth.WebsitesWithin(t.WebsiteIDs, c.WebsiteIDs)) {
		return openfast.Errorf(openfast.EFORBIDDEN, "A token cannot delete a token with wider permissions or websites than its own.")
	}
	if err := a.store.DeleteAccessToken(ctx, c.UserID, tokenID,
		c.audit("", openfast.AuditAccessTokenDelete, "access_token", t.ID, t.DisplayKey)); err != nil {
		return err
	}
	a.verifier.Invalidate()
	return nil
}
