package openfast

import (
	"net/mail"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Field limits.
const (
	MaxNameLength     = 100
	MaxListItems      = 100
	MaxHostnameLength = 253
	MaxPathLength     = 2048
)

// KPIColorSchemes is the palette that kpiColorScheme accepts: the
// families of GoalPalette.
var KPIColorSchemes = func() []string {
	out := make([]string, len(GoalPalette))
	for i, c := range GoalPalette {
		out[i] = c.Family
	}
	return out
}()

// NormalizeDomain lowercases and trims a website domain and checks that it
// is a bare hostname: no scheme, port, path or IP address.
func NormalizeDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if d == "" {
		return "", Errorf(EINVALID, "domain is required")
	}
	if strings.Contains(d, "://") || strings.ContainsAny(d, "/:?#@ ") {
		return "", Errorf(EINVALID, "domain must be a bare hostname such as example.com, without scheme, port or path")
	}
	if !ValidHostname(d) || !strings.Contains(d, ".") {
		return "", Errorf(EINVALID, "domain %q is not a valid domain name", Truncate(s, 80))
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", Errorf(EINVALID, "domain must be a domain name, not an IP address")
	}
	return d, nil
}

// ValidHostname reports whether s is a lowercase DNS hostname.
func ValidHostname(s string) bool {
	if s == "" || len(s) > MaxHostnameLength {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ValidTimezone reports whether name is an IANA time zone name.
func ValidTimezone(name string) bool {
	_, ok := LoadTimezone(name)
	return ok
}

// maxTimezoneName bounds a timezone name (the longest IANA names have
// about 30 characters).
const maxTimezoneName = 64

// timezones caches the zones loaded so far: time.LoadLocation reads and
// parses a file on every call, and analytics requests name a zone each.
var timezones sync.Map // name -> *time.Location

// LoadTimezone returns the IANA time zone name. Names that could address a
// file outside the zone database ("..", a leading "/", other characters
// than letters, digits and "/_-+") and "Local" are refused before anything
// is read. Loaded zones are cached.
func LoadTimezone(name string) (*time.Location, bool) {
	if loc, ok := timezones.Load(name); ok {
		return loc.(*time.Location), true
	}
	if name == "" || name == "Local" || len(name) > maxTimezoneName || name[0] == '/' || strings.Contains(name, "..") {
		return nil, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return nil, false
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	timezones.Store(name, loc)
	return loc, true
}

// NormalizeCurrency upper-cases a three-letter ISO 4217 code.
func NormalizeCurrency(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 3 {
		return "", false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return "", false
		}
	}
	return s, true
}

// NormalizeEmail lowercases and trims an address and checks its form.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" {
		return "", Errorf(EINVALID, "email is required")
	}
	if len(e) > 254 {
		return "", Errorf(EINVALID, "email is too long")
	}
	if err := CheckText("email", e); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", Errorf(EINVALID, "email %q is not a valid email address", Truncate(s, 80))
	}
	return e, nil
}

// NormalizeName trims a display name. Empty means none. It fails when the
// name is longer than MaxNameLength characters.
func NormalizeName(field, s string) (*string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if err := CheckText(field, s); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > MaxNameLength {
		return nil, Errorf(EINVALID, "%s must be at most %d characters", field, MaxNameLength)
	}
	return &s, nil
}

// ValidGoalName reports whether s follows the goal-name rules: lowercase
// a-z, 0-9, _, - and :, at most 64 characters.
func ValidGoalName(s string) bool {
	if s == "" || len(s) > MaxGoalName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// NormalizeGoalName lowercases a goal name and turns spaces into
// underscores, as DataFast does, then checks it with ValidGoalName.
func NormalizeGoalName(raw string) (string, bool) {
	name := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(raw)), " ", "_")
	return name, ValidGoalName(name)
}

// ValidPropertyName reports whether s may name a goal parameter or a
// metadata key: lowercase a-z, 0-9, _ and -, 1 to 64 characters.
func ValidPropertyName(s string) bool {
	if s == "" || len(s) > MaxPropertyName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidIPOrPrefix reports whether s is an IP address or a CIDR prefix.
func ValidIPOrPrefix(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// ValidCountryCode reports whether s is a two-letter upper-case code.
func ValidCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// Truncate shortens s to at most n bytes, on a character boundary, marking
// the cut with "...". Error messages use it to quote client input.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// HasUnsafeChars reports whether s holds a character that no stored text
// may hold: NUL and the other C0 controls (tab, newline and carriage
// return included), DEL, the C1 controls, the bidirectional overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) that make a text display other
// than it reads, or invalid UTF-8.
func HasUnsafeChars(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == utf8.RuneError:
			return true
		}
	}
	return false
}

// CheckText returns an EINVALID error naming field when s holds a
// character HasUnsafeChars refuses.
func CheckText(field, s string) error {
	if HasUnsafeChars(s) {
		return Errorf(EINVALID, "%s must not contain control characters, bidirectional overrides or invalid UTF-8.", field)
	}
	return nil
}
