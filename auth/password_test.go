package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if h == HashPassword("correct horse battery") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if err := VerifyPassword(h, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery ", strings.Repeat("x", MaxPasswordBytes+1)} {
		if err := VerifyPassword(h, wrong); !errors.Is(err, ErrPasswordMismatch) {
			t.Errorf("%.20q: %v", wrong, err)
		}
	}
	if PasswordNeedsRehash(h) {
		t.Error("a new hash needs a rehash")
	}
	// A hash with other parameters verifies, and asks to be rehashed.
	old := "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
	if err := VerifyPassword(old+"AAAAAAAAAAAAAAAAAAAAAA", "x"); !errors.Is(err, ErrPasswordMismatch) || !PasswordNeedsRehash(old+"AAAAAAAAAAAAAAAAAAAAAA") {
		t.Errorf("older parameters: %v", err)
	}
	for _, bad := range []string{"", "$2a$10$abc", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5"} {
		if err := VerifyPassword(bad, "x"); err == nil || errors.Is(err, ErrPasswordMismatch) {
			t.Errorf("%q: %v, want an unreadable hash", bad, err)
		}
	}
	if err := VerifyPassword(DummyPasswordHash, "no one's password, never stored"); err != nil {
		t.Error("the dummy hash does not verify its own password")
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"123456789": false, "1234567890": true, "ééééééééé": false, "éééééééééé": true,
		strings.Repeat("a", MaxPasswordBytes): true, strings.Repeat("a", MaxPasswordBytes+1): false, "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6": false,
	} {
		if err := CheckPassword(pw); (err == nil) != ok {
			t.Errorf("%.20q: %v", pw, err)
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add(HashPassword("0123456789"), "0123456789")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "x")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Never a panic, and never success for a hash not made here.
		if err := VerifyPassword(hash, pw); err == nil && !strings.HasPrefix(hash, "$argon2id$v=19$") {
			t.Fatalf("%q verified", hash)
		}
	})
}
