package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSecretKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, secretKeyFileName)

	// The default file is made on first start, private, and read after.
	key, err := loadSecretKey(path, false)
	if err != nil || len(key) != 32 {
		t.Fatalf("first start: %d bytes, %v", len(key), err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", info.Mode(), err)
	}
	again, err := loadSecretKey(path, false)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second start read another key (%v)", err)
	}

	// A named file that is not there is not made up.
	if _, err := loadSecretKey(filepath.Join(dir, "typo.key"), true); err == nil {
		t.Fatal("a missing named key file was accepted")
	}
	for name, c := range map[string]struct {
		size int
		mode os.FileMode
		want string
	}{
		"short":          {16, 0o600, "holds 16 bytes"},
		"long":           {64, 0o600, "holds 64 bytes"},
		"group-readable": {32, 0o640, "other users may read it"},
		"world-readable": {32, 0o604, "other users may read it"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".key")
			if err := os.WriteFile(p, make([]byte, c.size), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, c.mode); err != nil {
				t.Fatal(err)
			}
			_, err := loadSecretKey(p, true)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
