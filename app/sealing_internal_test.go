package app

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/openfast/openfast/integrations"
)

func TestSealer(t *testing.T) {
	key := make([]byte, SecretKeySize)
	rand.Read(key)
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	c := integrations.Credentials{APIKey: "rk_live_secret", Account: "store_1", WebhookSecret: "whsec_secret"}
	blob := s.seal("site1", "stripe", c)
	if bytes.Contains(blob, []byte("rk_live_secret")) || bytes.Contains(blob, []byte("whsec_secret")) {
		t.Fatal("the sealed blob holds a secret in the clear")
	}
	if again := s.seal("site1", "stripe", c); bytes.Equal(again, blob) {
		t.Fatal("two seals of the same credentials are equal: the nonce is not random")
	}
	got, err := s.open("site1", "stripe", blob)
	if err != nil || got != c {
		t.Fatalf("open = %+v, %v", got, err)
	}
	// Bound to its row: another website or provider does not open it.
	for _, where := range [][2]string{{"site2", "stripe"}, {"site1", "paddle"}} {
		if _, err := s.open(where[0], where[1], blob); !errors.Is(err, errUnsealable) {
			t.Fatalf("open on %v: %v, want refused", where, err)
		}
	}
	// Another key, a changed byte, a short blob: refused.
	other := make([]byte, SecretKeySize)
	rand.Read(other)
	s2, _ := newSealer(other)
	if _, err := s2.open("site1", "stripe", blob); !errors.Is(err, errUnsealable) {
		t.Fatalf("open with another key: %v", err)
	}
	flipped := bytes.Clone(blob)
	flipped[len(flipped)-1] ^= 1
	for _, b := range [][]byte{flipped, blob[:5], nil} {
		if _, err := s.open("site1", "stripe", b); !errors.Is(err, errUnsealable) {
			t.Fatalf("open of a damaged blob: %v", err)
		}
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := newSealer(make([]byte, n)); err == nil {
			t.Fatalf("a %d-byte key was accepted", n)
		}
	}
}
