package auth

import (
	"slices"
	"testing"
)

func TestValidPermission(t *testing.T) {
	for _, p := range append([]string{"*"}, Permissions...) {
		if !ValidPermission(p) {
			t.Errorf("ValidPermission(%q) = false", p)
		}
	}
	for _, p := range []string{"", "analytics", "analytics:write", "ANALYTICS:READ", "*:read", " analytics:read"} {
		if ValidPermission(p) {
			t.Errorf("ValidPermission(%q) = true", p)
		}
	}
	if len(Permissions) != 18 {
		t.Errorf("len(Permissions) = %d, want the spec's 18", len(Permissions))
	}
}

func TestPermissionsWithin(t *testing.T) {
	for _, tc := range []struct {
		want, have []string
		ok         bool
	}{
		{[]string{"*"}, []string{"*"}, true},
		{[]string{"analytics:read"}, []string{"*"}, true},
		{[]string{"*"}, []string{"analytics:read"}, false},
		{[]string{"analytics:read"}, []string{"analytics:read", "goals:write"}, true},
		{[]string{"analytics:read", "goals:write"}, []string{"analytics:read"}, false},
		{[]string{}, []string{"analytics:read"}, true},
	} {
		if got := PermissionsWithin(tc.want, tc.have); got != tc.ok {
			t.Errorf("PermissionsWithin(%v, %v) = %v, want %v", tc.want, tc.have, got, tc.ok)
		}
	}
}

func TestWebsitesWithin(t *testing.T) {
	a, b := "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	for _, tc := range []struct {
		want, have []string
		ok         bool
	}{
		{nil, nil, true},
		{[]string{a}, nil, true},
		{nil, []string{a}, false}, // all websites is wider than one
		{[]string{a}, []string{a, b}, true},
		{[]string{a, b}, []string{a}, false},
	} {
		if got := WebsitesWithin(tc.want, tc.have); got != tc.ok {
			t.Errorf("WebsitesWithin(%v, %v) = %v, want %v", tc.want, tc.have, got, tc.ok)
		}
	}
}

func TestNormalizePermissions(t *testing.T) {
	if got := NormalizePermissions([]string{"goals:write", "analytics:read", "goals:write"}); !slices.Equal(got, []string{"analytics:read", "goals:write"}) {
		t.Errorf("got %v", got)
	}
	if got := NormalizePermissions([]string{"goals:write", "*"}); !slices.Equal(got, []string{"*"}) {
		t.Errorf("got %v", got)
	}
}
