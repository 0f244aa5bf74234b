package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		re   *regexp.Regexp
	}{
		{KindWebsiteKey, regexp.MustCompile(`^df_[0-9A-Za-z]{36}$`)},
		{KindAccountToken, regexp.MustCompile(`^dft_[0-9A-Za-z]{36}$`)},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			seen := map[string]bool{}
			for range 1000 {
				raw := Generate(tc.kind)
				if !tc.re.MatchString(raw) {
					t.Fatalf("Generate(%v) = %q, want %v", tc.kind, raw, tc.re)
				}
				if got := Parse(raw); got != tc.kind {
					t.Fatalf("Parse(%q) = %v, want %v", raw, got, tc.kind)
				}
				if seen[raw] {
					t.Fatalf("Generate returned %q twice", raw)
				}
				seen[raw] = true
			}
		})
	}
}

// TestGenerate_Alphabet checks that every base62 character shows up in the
// secret part and none is grossly over-represented.
func TestGenerate_Alphabet(t *testing.T) {
	counts := map[rune]int{}
	const n = 4000
	for range n {
		raw := Generate(KindWebsiteKey)
		for _, c := range raw[3 : 3+30] {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("saw %d distinct characters, want 62", len(counts))
	}
	mean := float64(n*30) / 62
	for c, k := range counts {
		if float64(k) < mean*0.8 || float64(k) > mean*1.2 {
			t.Errorf("character %q appeared %d times, mean %.0f", c, k, mean)
		}
	}
}

func TestParse_Rejects(t *testing.T) {
	key := Generate(KindWebsiteKey)
	token := Generate(KindAccountToken)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	for name, raw := range map[string]string{
		"empty":                "",
		"prefix only":          "df_",
		"wrong prefix":         "dx_" + key[3:],
		"upper-case prefix":    "DF_" + key[3:],
		"token prefix on key":  "dft_" + key[3:],
		"key prefix on token":  "df_" + token[4:],
		"too short":            key[:len(key)-1],
		"too long":             key + "a",
		"bad alphabet":         key[:10] + "-" + key[11:],
		"non-ascii":            key[:10] + "é" + key[12:],
		"checksum flipped":     flip(key, len(key)-1),
		"secret flipped":       flip(key, 5),
		"token secret flipped": flip(token, 6),
		"space inside":         key[:10] + " " + key[11:],
		"trailing newline":     key[:len(key)-1] + "\n",
		"all zeros checksum":   key[:len(key)-6] + "000000",
		"legacy hex":           "df_" + strings.Repeat("0", 36),
	} {
		if got := Parse(raw); got != KindNone {
			t.Errorf("%s: Parse(%q) = %v, want KindNone", name, raw, got)
		}
	}
}

func TestDisplayKey(t *testing.T) {
	key := "df_ab12CDEFGHIJKLMNOPQRSTUVWXYZ0123xyz9"
	if got := DisplayKey(key); got != "df_ab12...xyz9" {
		t.Errorf("DisplayKey(key) = %q, want df_ab12...xyz9", got)
	}
	token := "dft_ab1CDEFGHIJKLMNOPQRSTUVWXYZ01234xyz9"
	if got := DisplayKey(token); got != "dft_ab1...xyz9" {
		t.Errorf("DisplayKey(token) = %q, want dft_ab1...xyz9", got)
	}
	raw := Generate(KindAccountToken)
	if d := DisplayKey(raw); strings.Contains(d, raw[7:len(raw)-4]) || len(d) != 14 {
		t.Errorf("DisplayKey(%q) = %q reveals the middle or has the wrong length", raw, d)
	}
}

func TestHash(t *testing.T) {
	raw := Generate(KindWebsiteKey)
	h := Hash(raw)
	want := sha256.Sum256([]byte(raw))
	if hex.EncodeToString(h[:]) != hex.EncodeToString(want[:]) {
		t.Fatal("Hash is not the SHA-256 of the raw value")
	}
}

func TestRandomBase62(t *testing.T) {
	s := RandomBase62(16)
	if !regexp.MustCompile(`^[0-9A-Za-z]{16}$`).MatchString(s) {
		t.Fatalf("RandomBase62(16) = %q", s)
	}
}

func TestNewRecords(t *testing.T) {
	s, tok := NewAccessToken("u", nil, []string{PermAll}, nil)
	h := Hash(s.Raw)
	if Parse(s.Raw) != KindAccountToken || string(tok.Hash) != string(h[:]) || tok.DisplayKey != DisplayKey(s.Raw) ||
		tok.UserID != "u" || tok.WebsiteIDs == nil || len(tok.ID) != 24 {
		t.Fatalf("NewAccessToken: %+v", tok)
	}
	k, key := NewAPIKey("w", nil, []string{PermAll}, &Principal{Kind: KindAccountToken, DisplayKey: "dft_abc...0000", UserID: "u"})
	h = Hash(k.Raw)
	if Parse(k.Raw) != KindWebsiteKey || string(key.Hash) != string(h[:]) || key.DisplayKey != DisplayKey(k.Raw) || key.WebsiteID != "w" {
		t.Fatalf("NewAPIKey: %+v", key)
	}
}
