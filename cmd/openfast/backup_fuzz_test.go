package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfast/openfast"
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

// FuzzParseImportRequest: the admin socket's import query is parsed or
// refused; what is accepted is a website id and a plain file name.
func FuzzParseImportRequest(f *testing.F) {
	f.Add("website=665f0b3c4d2e1a0012345678&name=export.csv")
	f.Add("website=665f0b3c4d2e1a0012345678&name=..%2Fetc%2Fpasswd")
	f.Add("website=665f0b3c4d2e1a0012345678&website=665f0b3c4d2e1a0012345678")
	f.Add("name=%00&x=%zz")
	f.Fuzz(func(t *testing.T, q string) {
		req, err := parseImportRequest(q)
		if err != nil {
			return
		}
		if !openfast.ValidID(req.website) || req.name == "" || filepath.Base(req.name) != req.name || strings.ContainsAny(req.name, "/\\\x00") || len(req.name) > maxImportName {
			t.Fatalf("accepted %+v", req)
		}
	})
}
