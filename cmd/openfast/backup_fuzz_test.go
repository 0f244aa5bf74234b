package main

import (
	"path/filepath"
	"testing"
)

// FuzzParseManifest: a manifest, however malformed, is parsed or refused,
// never a panic; what is accepted names only files of a backup.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"files":[{"path":"openfast.db","size":1,"sha256":"` + zeros64 + `"},{"path":"events.duckdb","size":1,"sha256":"` + zeros64 + `"}]}`))
	f.Add([]byte(`{"format":1,"files":[{"path":"../etc/passwd","size":1,"sha256":"` + zeros64 + `"}]}`))
	f.Add([]byte(`{"format":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseManifest(b)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if !validBackupPath(file.Path) || !filepath.IsLocal(filepath.FromSlash(file.Path)) || file.Size < 0 {
				t.Fatalf("accepted %+v", file)
			}
		}
	})
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"

// FuzzParseBackupRequest: the admin socket's request body is parsed or
// refused; what is accepted is a clean absolute path.
func FuzzParseBackupRequest(f *testing.F) {
	f.Add([]byte(`{"to":"/var/backups/openfast"}`))
	f.Add([]byte(`{"to":"relative"}`))
	f.Add([]byte(`{"to":"/a/../b"} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		to, err := parseBackupRequest(b)
		if err != nil {
			return
		}
		if !filepath.IsAbs(to) || filepath.Clean(to) != to {
			t.Fatalf("accepted %q", to)
		}
	})
}
