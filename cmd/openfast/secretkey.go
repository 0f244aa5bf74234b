package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/openfast/openfast/app"
)

// secretKeyFileName is the secret key's file in the data folder, when
// --secret-key-file does not name another.
const secretKeyFileName = "secret.key"

// loadSecretKey reads the server's secret key, which seals the payment
// providers' credentials: 32 bytes in a file that only its owner may read.
// With named false (the default file in the data folder) a missing file is
// created with 32 random bytes, mode 0600; a file named by the flag must
// exist, so that a mistyped path does not make a new key that opens
// nothing stored.
func loadSecretKey(path string, named bool) ([]byte, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		key := make([]byte, app.SecretKeySize)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create the secret key file %s: %w", path, err)
		}
		_, werr := f.Write(key)
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write the secret key file %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("--secret-key-file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("--secret-key-file %s has mode %04o: other users may read it; make it readable by its owner only (chmod 600 %s)", path, perm, path)
	}
	if info.Size() != app.SecretKeySize {
		return nil, fmt.Errorf("--secret-key-file %s holds %d bytes; the key is exactly %d random bytes (e.g. head -c %d /dev/urandom > %s)",
			path, info.Size(), app.SecretKeySize, app.SecretKeySize, filepath.Base(path))
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	if len(key) != app.SecretKeySize {
		return nil, fmt.Errorf("--secret-key-file %s changed while it was read", path)
	}
	return key, nil
}
