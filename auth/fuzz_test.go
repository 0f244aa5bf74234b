package auth

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, accepts only well-formed
// credentials, and that DisplayKey and Hash are safe on anything.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		Generate(KindWebsiteKey), Generate(KindAccountToken), "", "df_", "dft_", "df_" + strings.Repeat("A", 36),
		"dft_" + strings.Repeat("z", 36), "Bearer df_x", "df_ab12...xyz9", "\xff\xfe", "dfid_abc123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		k := Parse(raw)
		DisplayKey(raw)
		Hash(raw)
		if k == KindNone {
			return
		}
		if !strings.HasPrefix(raw, k.Prefix()) || len(raw) != len(k.Prefix())+36 {
			t.Fatalf("Parse(%q) = %v for a malformed value", raw, k)
		}
		for i := len(k.Prefix()); i < len(raw); i++ {
			if !isBase62(raw[i]) {
				t.Fatalf("Parse(%q) accepted a non-base62 byte", raw)
			}
		}
		// A valid value stops being valid when one character changes.
		b := []byte(raw)
		b[len(b)-1] = map[bool]byte{true: 'A', false: 'B'}[b[len(b)-1] != 'A']
		if Parse(string(b)) != KindNone {
			t.Fatalf("Parse accepted %q after its checksum changed", b)
		}
	})
}
