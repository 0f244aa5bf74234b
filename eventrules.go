package openfast

import (
	"strings"
	"unicode/utf8"
)

// Rules of the values an event carries, the same whichever door the event
// comes in by: the tracker's POST /api/events (spec §7.3) or the
// server-side goal, payment and identify routes (§5.11–5.15). Lengths
// counted in characters are Unicode code points.
const (
	// MaxGoalName is the longest goal name, in bytes (names are ASCII).
	MaxGoalName = 64
	// ReservedGoalName is the name no goal may take: it is the tracker's
	// identify call.
	ReservedGoalName = "identify"
	// MaxProperties is how many parameters a goal, metadata keys a
	// server-side goal, or properties a profile (besides user_id) may have.
	MaxProperties = 10
	// MaxPropertyName is the longest parameter or metadata key, in bytes
	// (names are ASCII).
	MaxPropertyName = 64
	// MaxPropertyValue is the longest parameter, metadata or profile
	// value, in characters.
	MaxPropertyValue = 255
	// MaxUserID is the longest user id of an identify event, in characters.
	MaxUserID = 255
	// MaxTransactionID is the longest payment transaction id, in characters.
	MaxTransactionID = 255
	// MaxDescription is the longest description of a server-side goal, in
	// characters.
	MaxDescription = 500
)

// ParseGoalName normalizes a goal name as DataFast does (trimmed, lower
// case, spaces to underscores) and checks it: a-z, 0-9, _, - and :, at most
// MaxGoalName characters, and not ReservedGoalName. Its error is EINVALID.
func ParseGoalName(raw string) (string, error) {
	name, ok := NormalizeGoalName(raw)
	if !ok {
		return "", Errorf(EINVALID, "Goal name %q is invalid: the name must use lowercase a-z, 0-9, _, - and :, at most %d characters.", Truncate(raw, 70), MaxGoalName)
	}
	if name == ReservedGoalName {
		return "", Errorf(EINVALID, "The goal name %s is reserved.", ReservedGoalName)
	}
	return name, nil
}

// ValidUserID reports whether id may identify a user: not blank, at most
// MaxUserID characters.
func ValidUserID(id string) bool {
	return strings.TrimSpace(id) != "" && !LongerThan(id, MaxUserID)
}

// ParseTransactionID trims a payment's transaction id and reports whether
// it is valid: not empty, at most MaxTransactionID characters.
func ParseTransactionID(raw string) (string, bool) {
	id := strings.TrimSpace(raw)
	return id, id != "" && !LongerThan(id, MaxTransactionID)
}

// LongerThan reports whether s has more than n characters.
func LongerThan(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

// CutChars cuts s to its first n characters (code points).
func CutChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// CleanValue is the rule for a value the tracker sends (§7.3), which is
// what the tracker script itself applies: the markup characters < > ' " &,
// the script markers javascript:, vbscript: and data: (in any case) and
// event handler attributes (on<word>=) are removed until none is left; the
// value is trimmed and cut to n characters.
func CleanValue(s string, n int) string {
	// Most values have none of the characters every marker holds: they
	// are returned as they are, without allocating.
	if strings.ContainsAny(s, "<>'\"&:=") {
		for {
			t := removeHandlers(removeMarkers(removeMarkup(s)))
			if t == s {
				break
			}
			s = t
		}
	}
	return strings.TrimSpace(CutChars(s, n))
}

// StripMarkup is the rule for a text value of the server-side routes
// (§5.11, "HTML/script stripped"): HTML tags are removed with what they
// hold between < and > (a < left open runs to the end), then CleanValue
// applies. The tracker's values do not go through it: the tracker removes
// the markup characters only, keeping the text of a tag, and so does
// CleanValue.
func StripMarkup(s string, n int) string {
	if strings.ContainsAny(s, "<>") {
		var b strings.Builder
		b.Grow(len(s))
		inTag := false
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '<':
				inTag = true
			case c == '>':
				inTag = false
			case !inTag:
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	return CleanValue(s, n)
}

func removeMarkup(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '\'', '"', '&':
			return -1
		}
		return r
	}, s)
}

// scriptMarkers are removed from values, as the tracker does.
var scriptMarkers = []string{"javascript:", "vbscript:", "data:"}

// removeMarkers removes every script marker, in any case.
func removeMarkers(s string) string {
	for _, m := range scriptMarkers {
		for {
			i := indexFold(s, m)
			if i < 0 {
				break
			}
			s = s[:i] + s[i+len(m):]
		}
	}
	return s
}

// indexFold is the index of the first instance of lower (an ASCII
// lowercase string) in s, comparing ASCII letters without case; -1 if
// none.
func indexFold(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for j < len(lower) && asciiLower(s[i+j]) == lower[j] {
			j++
		}
		if j == len(lower) {
			return i
		}
	}
	return -1
}

// removeHandlers removes the event handler attributes of the tracker's
// pattern \bon\w+\s*= (onclick=, ONERROR =).
func removeHandlers(s string) string {
	var b strings.Builder
	last := 0 // s[last:i] is not written yet
	for i := 0; i+2 < len(s); i++ {
		if asciiLower(s[i]) != 'o' || asciiLower(s[i+1]) != 'n' || (i > 0 && isWordChar(s[i-1])) {
			continue
		}
		j := i + 2
		for j < len(s) && isWordChar(s[j]) {
			j++
		}
		k := j
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if j == i+2 || k == len(s) || s[k] != '=' {
			continue
		}
		b.WriteString(s[last:i])
		last = k + 1
		i = k
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isWordChar is \w of a regular expression: an ASCII letter, digit or _.
func isWordChar(c byte) bool {
	c = asciiLower(c)
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// isSpace is \s of a regular expression, for ASCII.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
