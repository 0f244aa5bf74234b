package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/openfast/openfast"
)

// An unsubscribe link's token names a user, a website and a kind of mail,
// signed with the installation's mail key (MailStore.MailKey):
// <userId>.<websiteId>.<kind>.<HMAC-SHA256, base64url>. It works without
// signing in and never expires; whoever holds it can only stop (or, from
// the page, see the state of) that one kind of mail of that one website
// for that one user.

// maxUnsubscribeToken bounds the token read from a link.
const maxUnsubscribeToken = 200

var badUnsubscribeLink = openfast.Errorf(openfast.EINVALID, "This unsubscribe link is not valid: it may have been cut short. Use the whole link from the email, or change your subscriptions in the account settings.")

// mailKey returns the store's key for signing unsubscribe links, read once.
func (a *App) mailKey(ctx context.Context) ([]byte, error) {
	a.mailState.mu.Lock()
	defer a.mailState.mu.Unlock()
	if a.mailState.key == nil {
		key, err := a.store.MailKey(ctx)
		if err != nil {
			return nil, err
		}
		a.mailState.key = key
	}
	return a.mailState.key, nil
}

func unsubscribeMAC(key []byte, userID, websiteID string, kind openfast.MailKind) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("openfast unsubscribe\x00" + userID + "\x00" + websiteID + "\x00" + string(kind)))
	return m.Sum(nil)
}

// unsubscribeToken returns the token of the unsubscribe link of a user's
// mail of kind from a website.
func (a *App) unsubscribeToken(ctx context.Context, userID, websiteID string, kind openfast.MailKind) (string, error) {
	key, err := a.mailKey(ctx)
	if err != nil {
		return "", err
	}
	mac := base64.RawURLEncoding.EncodeToString(unsubscribeMAC(key, userID, websiteID, kind))
	return userID + "." + websiteID + "." + string(kind) + "." + mac, nil
}

// readUnsubscribeToken checks a token's signature and returns what it names.
func (a *App) readUnsubscribeToken(ctx context.Context, token string) (userID, websiteID string, kind openfast.MailKind, err error) {
	parts := strings.Split(token, ".")
	if len(token) > maxUnsubscribeToken || len(parts) != 4 || !openfast.ValidID(parts[0]) || !openfast.ValidID(parts[1]) ||
		!openfast.MailKind(parts[2]).Valid() {
		return "", "", "", badUnsubscribeLink
	}
	got, derr := base64.RawURLEncoding.DecodeString(parts[3])
	if derr != nil {
		return "", "", "", badUnsubscribeLink
	}
	key, err := a.mailKey(ctx)
	if err != nil {
		return "", "", "", err
	}
	kind = openfast.MailKind(parts[2])
	if !hmac.Equal(got, unsubscribeMAC(key, parts[0], parts[1], kind)) {
		return "", "", "", badUnsubscribeLink
	}
	return parts[0], parts[1], kind, nil
}

// Unsubscription is what an unsubscribe link names, and whether that mail
// is still sent to its user.
type Unsubscription struct {
	Kind       openfast.MailKind
	Domain     string
	Email      string
	Subscribed bool
}

// Unsubscription reads an unsubscribe link's token, for the page that
// asks to confirm. A token that is not one this installation signed is
// EINVALID; one of a user or website since deleted is ENOTFOUND.
func (a *App) Unsubscription(ctx context.Context, token string) (*Unsubscription, error) {
	userID, websiteID, kind, err := a.readUnsubscribeToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return a.unsubscription(ctx, userID, websiteID, kind)
}

func (a *App) unsubscription(ctx context.Context, userID, websiteID string, kind openfast.MailKind) (*Unsubscription, error) {
	gone := openfast.Errorf(openfast.ENOTFOUND, "This email's website or account no longer exists: no more of its mail is sent.")
	u, err := a.store.UserByID(ctx, userID)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	site, err := a.website(ctx, websiteID)
	if openfast.ErrorCode(err) == openfast.ENOTFOUND {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	outs, err := a.store.MailOptOuts(ctx, userID, "")
	if err != nil {
		return nil, err
	}
	un := &Unsubscription{Kind: kind, Domain: site.Domain, Email: u.Email, Subscribed: true}
	for _, o := range outs {
		if o.WebsiteID == websiteID && o.Kind == kind {
			un.Subscribed = false
		}
	}
	return un, nil
}

// Unsubscribe records the opt-out an unsubscribe link's token names (once
// or many times: the same). The token is the authority: no session is
// needed.
func (a *App) Unsubscribe(ctx context.Context, token string) (*Unsubscription, error) {
	userID, websiteID, kind, err := a.readUnsubscribeToken(ctx, token)
	if err != nil {
		return nil, err
	}
	un, err := a.unsubscription(ctx, userID, websiteID, kind)
	if err != nil {
		return nil, err
	}
	if err := a.store.SetMailOptOut(ctx, &openfast.MailOptOut{UserID: userID, WebsiteID: websiteID, Kind: kind, CreatedAt: a.now()}, true); err != nil {
		return nil, err
	}
	un.Subscribed = false
	a.log.Info("unsubscribed by link", "user", userID, "website", websiteID, "kind", string(kind))
	return un, nil
}

// MailSubscription is one kind of scheduled mail of one of the caller's
// websites.
type MailSubscription struct {
	WebsiteID, Domain string
	Kind              openfast.MailKind
	// Enabled is the website's setting (sendWeeklyReports,
	// sendViralTrafficAlerts): off, nobody gets this mail.
	Enabled bool
	// Subscribed is false when the caller opted out.
	Subscribed bool
}

// MailSubscriptions lists the caller's scheduled mail: the weekly report
// of each website they belong to, and the traffic alerts of each website
// they own (alerts go to the owner only).
func (a *App) MailSubscriptions(ctx context.Context, c Caller) ([]MailSubscription, error) {
	if c.Principal == nil || c.UserID == "" || c.IsPublic() {
		return nil, openfast.Errorf(openfast.EFORBIDDEN, "Only a signed-in user has mail subscriptions.")
	}
	sites, err := a.store.WebsitesForUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	outs, err := a.store.MailOptOuts(ctx, c.UserID, "")
	if err != nil {
		return nil, err
	}
	out := make([]MailSubscription, 0, 2*len(sites))
	for _, w := range sites {
		for _, kind := range openfast.MailKinds {
			if kind == openfast.MailViral && w.Role != openfast.RoleOwner {
				continue
			}
			sub := MailSubscription{WebsiteID: w.ID, Domain: w.Domain, Kind: kind, Subscribed: true,
				Enabled: kind == openfast.MailWeekly && w.SendWeeklyReports || kind == openfast.MailViral && w.SendViralTrafficAlerts}
			for _, o := range outs {
				if o.WebsiteID == w.ID && o.Kind == kind {
					sub.Subscribed = false
				}
			}
			out = append(out, sub)
		}
	}
	return out, nil
}

// SetMailSubscription opts the caller out of (or back into) a kind of
// mail of one of their websites.
func (a *App) SetMailSubscription(ctx context.Context, c Caller, websiteID string, kind openfast.MailKind, subscribed bool) error {
	if c.Principal == nil || c.UserID == "" || c.IsPublic() {
		return openfast.Errorf(openfast.EFORBIDDEN, "Only a signed-in user has mail subscriptions.")
	}
	if !kind.Valid() {
		return openfast.Errorf(openfast.EINVALID, "The kind of mail must be weekly or viral.")
	}
	roles, err := a.store.Memberships(ctx, c.UserID)
	if err != nil {
		return err
	}
	role, ok := roles[websiteID]
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
	}
	if kind == openfast.MailViral && role != openfast.RoleOwner {
		return openfast.Errorf(openfast.EINVALID, "Traffic alerts go to the website's owner only.")
	}
	return a.store.SetMailOptOut(ctx, &openfast.MailOptOut{UserID: c.UserID, WebsiteID: websiteID, Kind: kind, CreatedAt: a.now()}, !subscribed)
}
