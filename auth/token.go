// Package auth is the core of openfast's security: credential generation
// and parsing, hashing, masking, permission strings, and the policy that
// decides whether a credential may perform an action on a website. It
// reads no store, file or network; its only source outside the program is
// crypto/rand, for new credentials, so the policy is a pure function that
// tests can walk exhaustively.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"hash/crc32"
)

// Kind is the kind of a credential.
type Kind uint8

// Credential kinds.
const (
	KindNone         Kind = iota
	KindWebsiteKey        // df_
	KindAccountToken      // dft_
	// KindPublic is no credential: the visitor of a website's public
	// dashboard, which reads that website's analytics and nothing else.
	KindPublic
)

// Prefixes of the two credential kinds.
const (
	WebsiteKeyPrefix   = "df_"
	AccountTokenPrefix = "dft_"
)

const (
	secretLength   = 30
	checksumLength = 6
	base62         = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// String returns the kind's name as the API shows it.
func (k Kind) String() string {
	switch k {
	case KindWebsiteKey:
		return "website_key"
	case KindAccountToken:
		return "account_token"
	case KindPublic:
		return "public"
	}
	return "none"
}

// Noun names the kind in messages: "df_ key" or "dft_ token".
func (k Kind) Noun() string {
	switch k {
	case KindWebsiteKey:
		return "df_ key"
	case KindAccountToken:
		return "dft_ token"
	case KindPublic:
		return "public dashboard"
	}
	return "credential"
}

// Prefix returns the kind's prefix.
func (k Kind) Prefix() string {
	switch k {
	case KindWebsiteKey:
		return WebsiteKeyPrefix
	case KindAccountToken:
		return AccountTokenPrefix
	}
	return ""
}

// Generate returns a new raw credential of kind k: the prefix, 30 random
// base62 characters from crypto/rand, and a 6-character base62 CRC32 of
// everything before it.
func Generate(k Kind) string {
	prefix := k.Prefix()
	if prefix == "" {
		panic("auth: Generate with unknown kind")
	}
	b := make([]byte, 0, len(prefix)+secretLength+checksumLength)
	b = append(b, prefix...)
	b = appendRandomBase62(b, secretLength)
	b = appendChecksum(b, crc32.ChecksumIEEE(b))
	return string(b)
}

// RandomBase62 returns n uniformly random base62 characters from crypto/rand.
func RandomBase62(n int) string {
	return string(appendRandomBase62(make([]byte, 0, n), n))
}

func appendRandomBase62(b []byte, n int) []byte {
	want := len(b) + n
	var buf [64]byte
	for len(b) < want {
		rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
		for _, c := range buf {
			// Rejection sampling keeps the distribution uniform: 248 = 4*62.
			if c < 248 && len(b) < want {
				b = append(b, base62[c%62])
			}
		}
	}
	return b
}

func appendChecksum(b []byte, sum uint32) []byte {
	var c [checksumLength]byte
	for i := checksumLength - 1; i >= 0; i-- {
		c[i] = base62[sum%62]
		sum /= 62
	}
	return append(b, c[:]...)
}

// Parse checks the form of a raw credential (prefix, length, alphabet and
// checksum) and returns its kind, or KindNone when any of them is wrong. It
// reads nothing but its argument.
func Parse(raw string) Kind {
	var k Kind
	var prefixLen int
	switch {
	case len(raw) == len(AccountTokenPrefix)+secretLength+checksumLength && raw[:len(AccountTokenPrefix)] == AccountTokenPrefix:
		k, prefixLen = KindAccountToken, len(AccountTokenPrefix)
	case len(raw) == len(WebsiteKeyPrefix)+secretLength+checksumLength && raw[:len(WebsiteKeyPrefix)] == WebsiteKeyPrefix:
		k, prefixLen = KindWebsiteKey, len(WebsiteKeyPrefix)
	default:
		return KindNone
	}
	for i := prefixLen; i < len(raw); i++ {
		if !isBase62(raw[i]) {
			return KindNone
		}
	}
	body := len(raw) - checksumLength
	sum := crc32String(raw[:body])
	for i := len(raw) - 1; i >= body; i-- {
		if raw[i] != base62[sum%62] {
			return KindNone
		}
		sum /= 62
	}
	if sum != 0 {
		// A CRC32 needs at most 6 base62 digits (62^6 > 2^32), so this
		// cannot happen; it keeps the decoding honest.
		return KindNone
	}
	return k
}

// crc32String is crc32.ChecksumIEEE of a string, without copying it to a
// byte slice (which would escape to the heap).
func crc32String(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// Hash returns the SHA-256 of a raw credential: the only form that is stored.
func Hash(raw string) [sha256.Size]byte {
	return sha256.Sum256([]byte(raw))
}

// DisplayKey masks a raw credential as its first 7 characters, "...", and
// its last 4: df_ab12...xyz9, dft_ab1...xyz9.
func DisplayKey(raw string) string {
	if len(raw) < 11 {
		return "..."
	}
	return raw[:7] + "..." + raw[len(raw)-4:]
}
