package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules: at least MinPasswordLength characters; at most
// MaxPasswordBytes bytes, which bounds the work a sign-in asks for.
const (
	MinPasswordLength = 10
	MaxPasswordBytes  = 1024
)

// The argon2id parameters of new hashes: OWASP's first recommended
// configuration (19 MiB, 2 passes, 1 lane), about 30 ms on one core here.
// Stored hashes carry their own parameters, so these can grow.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters a stored hash may ask for, so that a tampered
// or corrupt hash cannot make a sign-in take all memory or time.
const (
	maxArgonMemory  = 1024 * 1024 // KiB: 1 GiB
	maxArgonTime    = 20
	maxArgonThreads = 16
)

// ErrPasswordMismatch is VerifyPassword's answer for a wrong password.
var ErrPasswordMismatch = errors.New("password does not match")

// CheckPassword tells what is wrong with a new password, or nil.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("the password is not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return fmt.Errorf("the password must have at least %d characters", MinPasswordLength)
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("the password can have at most %d bytes", MaxPasswordBytes)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string format,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded base64).
func HashPassword(pw string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseArgonHash(h string) (*argonHash, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, errors.New("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, errors.New("unknown argon2 version")
	}
	var a argonHash
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.memory, &a.time, &threads); err != nil || n != 3 {
		return nil, errors.New("bad argon2 parameters")
	}
	if a.memory < 8*threads || a.memory > maxArgonMemory || a.time < 1 || a.time > maxArgonTime || threads < 1 || threads > maxArgonThreads {
		return nil, errors.New("argon2 parameters out of bounds")
	}
	a.threads = uint8(threads)
	var err error
	if a.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(a.salt) < 8 || len(a.salt) > 64 {
		return nil, errors.New("bad argon2 salt")
	}
	if a.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(a.key) < 16 || len(a.key) > 64 {
		return nil, errors.New("bad argon2 key")
	}
	return &a, nil
}

// VerifyPassword checks pw against a hash made by HashPassword (or with
// other argon2id parameters within bounds), in constant time. It returns
// ErrPasswordMismatch for a wrong password, another error for a hash it
// cannot read.
func VerifyPassword(hash, pw string) error {
	a, err := parseArgonHash(hash)
	if err != nil {
		return err
	}
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordMismatch
	}
	key := argon2.IDKey([]byte(pw), a.salt, a.time, a.memory, a.threads, uint32(len(a.key)))
	if subtle.ConstantTimeCompare(key, a.key) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// PasswordNeedsRehash reports whether a valid hash was made with other
// parameters than new hashes get.
func PasswordNeedsRehash(hash string) bool {
	a, err := parseArgonHash(hash)
	return err == nil && (a.memory != argonMemory || a.time != argonTime || a.threads != argonThreads || len(a.key) != argonKeyLen)
}

// DummyPasswordHash is a valid hash of no one's password: a sign-in for an
// unknown email verifies against it, so that it takes as long as one for
// a known email.
var DummyPasswordHash = HashPassword("no one's password, never stored")
