package openfast

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEventRules is the one table of the rules that the tracker's events
// and the server-side routes share. want is the value a rule keeps, or
// "!invalid" / "!reserved" for a refusal.
func TestEventRules(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, tc := range []struct {
		rule, in, want string
	}{
		// Goal names: normalized, checked, identify reserved.
		{"goal", "Sign Up", "sign_up"},
		{"goal", "  checkout:done ", "checkout:done"},
		{"goal", "a-b_c", "a-b_c"},
		{"goal", long("a", 64), long("a", 64)},
		{"goal", long("a", 65), "!invalid"},
		{"goal", "sign/up", "!invalid"},
		{"goal", "", "!invalid"},
		{"goal", "café", "!invalid"},
		{"goal", "identify", "!reserved"},
		{"goal", "Identify", "!reserved"},
		{"goal", "identify_me", "identify_me"},

		// Parameter and metadata names: the case is the caller's (the
		// tracker lowercases, the server-side routes do not).
		{"property", "plan", "plan"},
		{"property", "utm-source_2", "utm-source_2"},
		{"property", long("k", 64), long("k", 64)},
		{"property", long("k", 65), "!invalid"},
		{"property", "Plan", "!invalid"},
		{"property", "bad key", "!invalid"},
		{"property", "a:b", "!invalid"},
		{"property", "", "!invalid"},

		// User ids: not blank, at most 255 characters.
		{"user", "user_1", "user_1"},
		{"user", long("é", 255), long("é", 255)},
		{"user", long("x", 256), "!invalid"},
		{"user", string(make([]byte, 256)), "!invalid"},
		{"user", "  ", "!invalid"},
		{"user", "", "!invalid"},

		// Transaction ids: trimmed, not empty, at most 255 characters.
		{"transaction", " tx_1 ", "tx_1"},
		{"transaction", long("€", 255), long("€", 255)},
		{"transaction", long("x", 256), "!invalid"},
		{"transaction", " ", "!invalid"},

		// The tracker's values (CleanValue, cut to 255 characters): markup
		// characters go, the text of a tag stays; script markers and event
		// handlers go, however nested or cased.
		{"value", "Pro", "Pro"},
		{"value", "Pro<script>alert('x')</script>", "Proscriptalert(x)/script"},
		{"value", "javascript:evil()", "evil()"},
		{"value", "JavaScript:evil()", "evil()"},
		{"value", "jav<ascript:x", "x"},
		{"value", "javajavascript:script:x", "x"},
		{"value", "jdata:avascript:x", "x"},
		{"value", "vbscript:x data:y", "x y"},
		{"value", "x onclick=y", "x y"},
		{"value", "x ONERROR =y", "x y"},
		{"value", "x on_load=y", "x y"},
		{"value", "oonnclick==y", "oonnclick==y"},
		{"value", "x on<b>click=y", "x y"},
		{"value", "x\tonload\n=y", "x\ty"},
		{"value", "x on =y", "x on =y"},
		{"value", "button=on", "button=on"},
		{"value", "a=b, c: d", "a=b, c: d"},
		{"value", "  spaced  ", "spaced"},
		{"value", "Fish & Chips", "Fish  Chips"},
		{"value", long("é", 300), long("é", 255)},
		{"value", long("ab", 200), long("ab", 127) + "a"},

		// The server-side routes' text (StripMarkup): tags go with their
		// text, then the tracker's rule applies.
		{"markup", "from <b>API</b>", "from API"},
		{"markup", "pro<script>", "pro"},
		{"markup", "<b>x</b>", "x"},
		{"markup", "a@example.com", "a@example.com"},
		{"markup", "Tom's \"shop\" & co", "Toms shop  co"},
		{"markup", "x <unclosed", "x"},
		{"markup", "2 > 1", "2  1"},
		{"markup", "<a href=javascript:x>link</a> javascript:y", "link y"},
		{"markup", long("é", 300), long("é", 255)},
	} {
		var got string
		switch tc.rule {
		case "goal":
			name, err := ParseGoalName(tc.in)
			got = name
			if err != nil {
				if ErrorCode(err) != EINVALID {
					t.Errorf("ParseGoalName(%q): %v, want EINVALID", tc.in, err)
				}
				got = "!invalid"
				if strings.Contains(err.Error(), "reserved") {
					got = "!reserved"
				}
			}
		case "property":
			got = tc.in
			if !ValidPropertyName(tc.in) {
				got = "!invalid"
			}
		case "user":
			got = tc.in
			if !ValidUserID(tc.in) {
				got = "!invalid"
			}
		case "transaction":
			id, ok := ParseTransactionID(tc.in)
			got = id
			if !ok {
				got = "!invalid"
			}
		case "value":
			got = CleanValue(tc.in, MaxPropertyValue)
		case "markup":
			got = StripMarkup(tc.in, MaxPropertyValue)
		default:
			t.Fatalf("unknown rule %q", tc.rule)
		}
		if got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.rule, Truncate(tc.in, 40), Truncate(got, 40), Truncate(tc.want, 40))
		}
	}
}

func TestLongerThan(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want bool
	}{{"abc", 3, false}, {"abcd", 3, true}, {"ééé", 3, false}, {"éééé", 3, true}, {"", 0, false}} {
		if got := LongerThan(tc.s, tc.n); got != tc.want {
			t.Errorf("LongerThan(%q, %d) = %v", tc.s, tc.n, got)
		}
	}
}

// FuzzCleanValue checks the sanitizers on any input: nothing they remove
// is left, the cut holds, valid UTF-8 stays valid, and a second pass
// changes nothing.
func FuzzCleanValue(f *testing.F) {
	for _, s := range []string{"Pro<script>alert('x')</script>", "jdata:avascript:x", "x onclick=y", "from <b>API</b>", "  é  ", "oonnclick==y"} {
		f.Add(s, 255)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 {
			n = 255
		}
		for name, clean := range map[string]func(string, int) string{"CleanValue": CleanValue, "StripMarkup": StripMarkup} {
			got := clean(s, n)
			if strings.ContainsAny(got, "<>'\"&") {
				t.Fatalf("%s(%q) = %q keeps markup", name, s, got)
			}
			lower := strings.ToLower(got)
			for _, m := range scriptMarkers {
				if strings.Contains(lower, m) {
					t.Fatalf("%s(%q) = %q keeps %s", name, s, got, m)
				}
			}
			if removeHandlers(got) != got {
				t.Fatalf("%s(%q) = %q keeps an event handler", name, s, got)
			}
			if utf8.RuneCountInString(got) > n {
				t.Fatalf("%s(%q, %d) = %q is longer", name, s, n, got)
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q is not UTF-8", name, s, got)
			}
			if again := clean(got, n); again != got {
				t.Fatalf("%s is not idempotent: %q, then %q", name, got, again)
			}
		}
	})
}
