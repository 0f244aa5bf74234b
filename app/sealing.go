package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openfast/openfast/integrations"
)

// SecretKeySize is the size of the server's secret key, which seals the
// payment providers' credentials at rest (AES-256).
const SecretKeySize = 32

// sealVersion is the first byte of a sealed blob: the format (AES-256-GCM,
// 12-byte random nonce, credentials as JSON).
const sealVersion = 1

// sealer seals and opens providers' credentials with AES-256-GCM. The
// associated data binds a blob to its website and provider: a blob copied
// to another row does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("app: the secret key must be %d bytes, not %d", SecretKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("app: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("app: secret key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// sealedCredentials is what a blob holds.
type sealedCredentials struct {
	APIKey        string `json:"apiKey"`
	Account       string `json:"account,omitempty"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
}

func sealData(websiteID, provider string) []byte {
	return []byte("openfast integration\x00" + websiteID + "\x00" + provider)
}

// seal encrypts the credentials of a website's connection to a provider.
func (s *sealer) seal(websiteID, provider string, c integrations.Credentials) []byte {
	plain, _ := json.Marshal(sealedCredentials{APIKey: c.APIKey, Account: c.Account, WebhookSecret: c.WebhookSecret}) // strings always marshal
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plain, sealData(websiteID, provider))
}

var errUnsealable = errors.New("the stored credentials do not open with this server's secret key (was --secret-key-file changed?)")

// open decrypts what seal made for the same website and provider.
func (s *sealer) open(websiteID, provider string, blob []byte) (integrations.Credentials, error) {
	n := s.aead.NonceSize()
	if len(blob) < 1+n || blob[0] != sealVersion {
		return integrations.Credentials{}, errUnsealable
	}
	plain, err := s.aead.Open(nil, blob[1:1+n], blob[1+n:], sealData(websiteID, provider))
	if err != nil {
		return integrations.Credentials{}, errUnsealable
	}
	var c sealedCredentials
	if err := json.Unmarshal(plain, &c); err != nil {
		return integrations.Credentials{}, errUnsealable
	}
	return integrations.Credentials{APIKey: c.APIKey, Account: c.Account, WebhookSecret: c.WebhookSecret}, nil
}
