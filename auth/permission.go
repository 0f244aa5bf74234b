package auth

import (
	"slices"
	"sort"
)

// Permission strings (spec §2.4).
const (
	PermAll           = "*"
	PermAnalyticsRead = "analytics:read"
	PermGoalsRead     = "goals:read"
	PermGoalsWrite    = "goals:write"
	PermPaymentsRead  = "payments:read"
	PermPaymentsWrite = "payments:write"
	PermIdentifyWrite = "identify:write"
	PermWebsitesRead  = "websites:read"
	PermWebsitesWrite = "websites:write"
	PermSettingsRead  = "settings:read"
	PermSettingsWrite = "settings:write"
	PermFunnelsRead   = "funnels:read"
	PermFunnelsWrite  = "funnels:write"
	PermAlertsRead    = "alerts:read"
	PermAlertsWrite   = "alerts:write"
	PermTeamRead      = "team:read"
	PermTeamWrite     = "team:write"
	PermAPIKeysRead   = "api-keys:read"
	PermAPIKeysWrite  = "api-keys:write"
)

// Permissions is every permission string except "*", in the spec's order.
var Permissions = []string{
	PermAnalyticsRead, PermGoalsRead, PermGoalsWrite, PermPaymentsRead, PermPaymentsWrite,
	PermIdentifyWrite, PermWebsitesRead, PermWebsitesWrite, PermSettingsRead, PermSettingsWrite,
	PermFunnelsRead, PermFunnelsWrite, PermAlertsRead, PermAlertsWrite, PermTeamRead,
	PermTeamWrite, PermAPIKeysRead, PermAPIKeysWrite,
}

// WebsitePermissions are the permissions a df_ website key may hold: every
// permission names something done on one website (the key's), so a key
// with ["*"] holds all of them.
var WebsitePermissions = Permissions

// KeyPermissions returns what a website key with the stored permissions
// perms may do: perms, or ["*"] for keys made before keys had permissions
// (nil), which is DataFast's behaviour.
func KeyPermissions(perms []string) []string {
	if perms == nil {
		return []string{PermAll}
	}
	return perms
}

// MissingPermissions returns, in the spec's order, the website-level
// permissions that want grants and have does not. "*" in want stands for
// every website permission.
func MissingPermissions(want, have []string) []string {
	if slices.Contains(have, PermAll) {
		return nil
	}
	var missing []string
	for _, p := range WebsitePermissions {
		if HasPermission(want, p) && !slices.Contains(have, p) {
			missing = append(missing, p)
		}
	}
	return missing
}

// ValidPermission reports whether p is "*" or a known permission string.
func ValidPermission(p string) bool {
	return p == PermAll || slices.Contains(Permissions, p)
}

// HasPermission reports whether perms grants p.
func HasPermission(perms []string, p string) bool {
	return slices.Contains(perms, PermAll) || slices.Contains(perms, p)
}

// NormalizePermissions sorts and de-duplicates perms; a set holding "*" is
// just ["*"].
func NormalizePermissions(perms []string) []string {
	if slices.Contains(perms, PermAll) {
		return []string{PermAll}
	}
	out := slices.Clone(perms)
	sort.Strings(out)
	return slices.Compact(out)
}

// PermissionsWithin reports whether every permission in want is granted by have.
func PermissionsWithin(want, have []string) bool {
	if slices.Contains(have, PermAll) {
		return true
	}
	for _, p := range want {
		if p == PermAll || !slices.Contains(have, p) {
			return false
		}
	}
	return true
}

// WebsitesWithin reports whether the website allowlist want is within have,
// where an empty list means every website.
func WebsitesWithin(want, have []string) bool {
	if len(have) == 0 {
		return true
	}
	if len(want) == 0 {
		return false
	}
	for _, id := range want {
		if !slices.Contains(have, id) {
			return false
		}
	}
	return true
}
