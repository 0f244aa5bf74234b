package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
)

// permissionPreset is a choice of permissions for a new key or token, from
// the recipes of the DataFast docs.
type permissionPreset struct {
	ID, Label string
	Perms     []string // nil: ["*"]
}

var permissionPresets = []permissionPreset{
	{"all", "Full access (every permission)", nil},
	{"read", "Read analytics and visitors", []string{auth.PermAnalyticsRead, auth.PermWebsitesRead}},
	{"track", "Read analytics, and record goals, payments and identify", []string{
		auth.PermAnalyticsRead, auth.PermWebsitesRead, auth.PermGoalsWrite, auth.PermPaymentsWrite, auth.PermIdentifyWrite,
	}},
}

// presetPerms returns the permissions of the preset a form chose.
func presetPerms(id string) ([]string, error) {
	for _, p := range permissionPresets {
		if p.ID == id {
			return p.Perms, nil
		}
	}
	return nil, openfast.Errorf(openfast.EINVALID, "Choose the permissions from the list.")
}

// expiryAfter returns the expiry a create form chose, days ahead of now
// (30, 90 or 365), or nil for "" (never).
func expiryAfter(days string, now time.Time) (*time.Time, error) {
	switch days {
	case "":
		return nil, nil
	case "30", "90", "365":
		n, _ := strconv.Atoi(days)
		t := now.AddDate(0, 0, n)
		return &t, nil
	}
	return nil, openfast.Errorf(openfast.EINVALID, "Choose when it expires from the list.")
}

// allowedIPsField splits the "Allowed IPs" field of a create form into
// its entries (separated by commas, spaces or lines); nil when blank, the
// caller's list. The app checks each entry.
func allowedIPsField(s string) []string {
	list := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(list) == 0 {
		return nil
	}
	return list
}

// allowedIPsText shows a key's or token's allowedIps in a list: "" for
// any address.
func allowedIPsText(list []string) string { return strings.Join(list, ", ") }

// keyRow is a website key in the list.
type keyRow struct {
	ID, Name, DisplayKey, CreatedBy, Permissions string
	// AllowedIPs are the addresses the key works from; "" for any.
	AllowedIPs            string
	CreatedAt             time.Time
	LastUsedAt, ExpiresAt *time.Time
	Usage                 usageCell
}

const keyOnceWarning = "Copy it now: it is shown this once and cannot be shown again. Only its masked form is kept."

func (s *Server) developerPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	return s.showSettings(w, r, v, site, "developer", http.StatusOK, &settingsView{})
}

func (s *Server) loadDeveloper(ctx context.Context, v *visit, siteID string, view *settingsView) error {
	keys, err := s.app.APIKeys(ctx, v.caller, siteID)
	if err != nil {
		return err
	}
	usage, err := s.app.APIKeysUsage(ctx, v.caller, siteID, 0)
	if err != nil {
		return err
	}
	emails := s.memberEmails(ctx, v, siteID)
	for _, k := range keys {
		by := emails[k.CreatedBy]
		if by == "" && k.CreatedBy != "" {
			by = "a former member"
		}
		view.Keys = append(view.Keys, keyRow{
			ID: k.ID, Name: deref(k.Name), DisplayKey: k.DisplayKey, CreatedBy: by, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt,
			Permissions: strings.Join(auth.KeyPermissions(k.Permissions), ", "), AllowedIPs: allowedIPsText(k.AllowedIPs), Usage: newUsageCell(k.Usage7d, usage[k.ID]),
		})
	}
	view.KeyMax, view.Presets = openfast.MaxAPIKeysPerWebsite, permissionPresets
	return nil
}

// createKey makes a df_ key and shows its value, once.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	values := map[string]string{"name": formValue(r, "name"), "permissions": formValue(r, "permissions"), "expires": formValue(r, "expires"),
		"allowedIps": formValue(r, "allowedIps")}
	again := func(err error) error {
		return s.afterAction(w, r, v, site, "developer", err, &settingsView{Values: values})
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	// The role is checked before the form, as the API does: a viewer
	// learns nothing from the validation of what they sent.
	if d, _ := app.Decide(app.ActCreateAPIKey, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err()
	}
	perms, err := presetPerms(values["permissions"])
	if err != nil {
		return again(err)
	}
	expires, err := expiryAfter(values["expires"], s.app.Now())
	if err != nil {
		return again(err)
	}
	in := app.NewAPIKey{Permissions: perms, ExpiresAt: expires, AllowedIPs: allowedIPsField(values["allowedIps"])}
	if n := values["name"]; n != "" {
		in.Name = &n
	}
	raw, k, err := s.app.CreateAPIKey(ctx, v.caller, site.ID, in)
	if err != nil {
		return again(err)
	}
	return s.showSettings(w, r, v, site, "developer", http.StatusOK, &settingsView{
		Secret: &shownSecret{Title: "Your new key " + k.DisplayKey, Value: raw, Warning: keyOnceWarning},
	})
}

// rollKey gives a key a new value, shown once; the old one stops working.
func (s *Server) rollKey(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	raw, k, err := s.app.RollAPIKey(ctx, v.caller, site.ID, r.PathValue("keyId"))
	if err != nil {
		return s.afterAction(w, r, v, site, "developer", err, &settingsView{})
	}
	return s.showSettings(w, r, v, site, "developer", http.StatusOK, &settingsView{
		Secret: &shownSecret{Title: "The new value of " + k.DisplayKey, Value: raw, Warning: "The old value no longer works. " + keyOnceWarning},
	})
}

// deleteKey revokes a key at once.
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.DeleteAPIKey(ctx, v.caller, site.ID, r.PathValue("keyId")); err != nil {
		return s.afterAction(w, r, v, site, "developer", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/developer")
}

// usageCell is a key's or token's requests in the lists: the last 7 days,
// and its 90 days as a sparkline.
type usageCell struct {
	Week  int64
	Chart *sparklineView // nil when the days could not be read
}

func newUsageCell(week int64, u *app.CredentialUsage) usageCell {
	c := usageCell{Week: week}
	if u != nil {
		days := make([]int64, len(u.Days))
		for i, d := range u.Days {
			days[i] = d.Requests
		}
		chart := newSparkline(days, func(total int64) string {
			return fmt.Sprintf("%d in %d days", total, len(days))
		})
		c.Chart = &chart
	}
	return c
}
