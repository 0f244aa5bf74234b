package openfast

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) || seen[id] {
			t.Fatalf("NewID() = %q (valid %v, repeated %v)", id, ValidID(id), seen[id])
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "665f0b3c4d2e1a001234567", "665F0B3C4D2E1A0012345678", "665f0b3c4d2e1a001234567g", "665f0b3c4d2e1a00123456789"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{"Example.COM": "example.com", " app.example.co.uk. ": "app.example.co.uk", "xn--bcher-kva.example": "xn--bcher-kva.example"} {
		if got, err := NormalizeDomain(in); err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "https://example.com", "example.com/", "example.com:80", "user@example.com", "-x.com", "x-.com", "a..com", "1.2.3.4", "exa mple.com", "bücher.de", strings.Repeat("a", 64) + ".com"} {
		if _, err := NormalizeDomain(bad); ErrorCode(err) != EINVALID {
			t.Errorf("NormalizeDomain(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got, err := NormalizeEmail("  Bob@Example.COM "); err != nil || got != "bob@example.com" {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, bad := range []string{"", "bob", "bob@", "@example.com", "Bob <bob@example.com>", "bob@localhost", "a b@example.com", strings.Repeat("a", 250) + "@example.com"} {
		if _, err := NormalizeEmail(bad); ErrorCode(err) != EINVALID {
			t.Errorf("NormalizeEmail(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestValidators(t *testing.T) {
	for tz, ok := range map[string]bool{"UTC": true, "Europe/Paris": true, "America/Argentina/Buenos_Aires": true, "": false, "Local": false, "Mars/Base": false, "../etc/passwd": false,
		"/etc/localtime": false, "Europe/../../etc/passwd": false, "Etc/GMT+5": true, "Europe/Paris\x00": false} {
		if ValidTimezone(tz) != ok {
			t.Errorf("ValidTimezone(%q) != %v", tz, ok)
		}
	}
	// A zone is loaded once: later calls return the same Location.
	if a, _ := LoadTimezone("Asia/Kolkata"); a == nil {
		t.Error("LoadTimezone(Asia/Kolkata) failed")
	} else if b, _ := LoadTimezone("Asia/Kolkata"); b != a {
		t.Error("LoadTimezone loaded Asia/Kolkata twice")
	}
	if c, ok := NormalizeCurrency(" eur "); !ok || c != "EUR" {
		t.Errorf("NormalizeCurrency = %q %v", c, ok)
	}
	for _, bad := range []string{"EURO", "E1R", "", "€"} {
		if _, ok := NormalizeCurrency(bad); ok {
			t.Errorf("NormalizeCurrency(%q) accepted", bad)
		}
	}
	for s, ok := range map[string]bool{"signup": true, "checkout:done": true, "a-b_c": true, "Sign Up": false, "": false, strings.Repeat("a", 65): false} {
		if ValidGoalName(s) != ok {
			t.Errorf("ValidGoalName(%q) != %v", s, ok)
		}
	}
	for s, ok := range map[string]bool{"10.0.0.1": true, "10.0.0.0/8": true, "::1": true, "2001:db8::/32": true, "10.0.0": false, "x": false} {
		if ValidIPOrPrefix(s) != ok {
			t.Errorf("ValidIPOrPrefix(%q) != %v", s, ok)
		}
	}
	if name, err := NormalizeName("name", "  "); name != nil || err != nil {
		t.Error("a blank name is no name")
	}
	if _, err := NormalizeName("name", strings.Repeat("é", 101)); ErrorCode(err) != EINVALID {
		t.Error("101 characters accepted")
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo", 2); got != "h..." || !utf8.ValidString(got) {
		t.Errorf("Truncate cut a character: %q", got)
	}
	if Truncate("abc", 3) != "abc" {
		t.Error("Truncate changed a short string")
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("create key: %w", Errorf(ELIMIT, "Key limit reached."))
	if ErrorCode(err) != ELIMIT || ErrorMessage(err) != "Key limit reached." {
		t.Fatalf("wrapped error: %q %q", ErrorCode(err), ErrorMessage(err))
	}
	plain := errors.New("SELECT failed")
	if ErrorCode(plain) != EINTERNAL || strings.Contains(ErrorMessage(plain), "SELECT") {
		t.Fatal("an unknown error leaks its text")
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has a code")
	}
}

func TestUUID(t *testing.T) {
	const s = "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"
	u, ok := ParseUUID(s)
	if !ok || u.String() != s {
		t.Fatalf("round trip: %v %q", ok, u.String())
	}
	if u2, ok := ParseUUID("A3AB2331-989F-4CFA-91C6-2461C9E3C6BD"); !ok || u2 != u {
		t.Fatal("upper case not accepted")
	}
	for _, bad := range []string{"", "a3ab2331989f4cfa91c62461c9e3c6bd", "a3ab2331-989f-4cfa-91c6-2461c9e3c6b", "g3ab2331-989f-4cfa-91c6-2461c9e3c6bd", "a3ab2331-989f-4cfa-91c6_2461c9e3c6bd", "s3ab2331-989f-4cfa-91c6-2461c9e3c6bd"} {
		if _, ok := ParseUUID(bad); ok {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
	for _, name := range []string{"pageview", "custom", "identify", "payment", "external_link"} {
		typ, ok := ParseEventType(name)
		if !ok || typ.String() != name {
			t.Errorf("event type %q: %v %v", name, typ, ok)
		}
	}
	if _, ok := ParseEventType("unknown"); ok {
		t.Error("unknown type accepted")
	}
}

func FuzzParseUUID(f *testing.F) {
	f.Add("a3ab2331-989f-4cfa-91c6-2461c9e3c6bd")
	f.Add("")
	f.Add("--------------------------------------")
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := ParseUUID(s)
		if ok && !strings.EqualFold(u.String(), s) {
			t.Fatalf("ParseUUID(%q) = %s", s, u)
		}
	})
}

// TestHasUnsafeChars: the characters no stored text may hold, and the ones
// it may.
func TestHasUnsafeChars(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"Production backend", false},
		{"Café — ünïcode ✓ 日本", false},
		{"a\x00b", true},
		{"tab\there", true},
		{"new\nline", true},
		{"del\x7f", true},
		{"c1\u0085", true},
		{"rlo\u202eevil", true},
		{"lri\u2066x\u2069", true},
		{"bad\xffutf8", true},
		{"", false},
	} {
		if got := HasUnsafeChars(tc.s); got != tc.want {
			t.Errorf("HasUnsafeChars(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if err := CheckText("name", "a\x00"); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "name must not contain") {
		t.Fatalf("CheckText: %v", err)
	}
	if _, err := NormalizeName("name", "x\u202ey"); ErrorCode(err) != EINVALID {
		t.Fatalf("NormalizeName with a bidi override: %v", err)
	}
}
