package openfast

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// NewID returns a new MongoDB-ObjectId-style identifier: 24 lowercase hex
// characters, a 4-byte big-endian creation time in seconds followed by 8
// random bytes.
func NewID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(time.Now().Unix()))
	rand.Read(b[4:]) // never returns an error (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether s has the ObjectId form: 24 lowercase hex characters.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckID returns an EINVALID error naming field unless id has the ObjectId
// form.
func CheckID(field, id string) error {
	if !ValidID(id) {
		return Errorf(EINVALID, "%s must be a 24-character hex ObjectId.", field)
	}
	return nil
}
