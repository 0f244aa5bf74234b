package api

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast/sqlite"
)

// TestSecretsNeverStored creates keys and tokens, rolls and deletes some,
// stops the server, and scans every byte of the data folder, and the log,
// for the raw values (and for their secret parts without the prefix).
func TestSecretsNeverStored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	store, err := sqlite.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700 (%v)", fi.Mode().Perm(), err)
	}
	var logs syncBuffer
	e := newTestEnv(t, func(c *testConfig) {
		c.Store = store
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, root := e.user("owner@example.com", nil, nil)
	raws := []string{root}
	site := e.website(root)
	for i := range 6 {
		id, raw := e.key(root, site)
		raws = append(raws, raw)
		e.do("GET", "/api/v1/analytics/metadata", raw, nil).ok() // used, so lastUsedAt is written
		switch i % 3 {
		case 1:
			rolled := e.do("PUT", "/api/v1/admin/websites/"+site+"/apikeys/"+id, root, nil).first()["key"].(string)
			raws = append(raws, rolled)
			e.do("GET", "/api/v1/analytics/metadata", rolled, nil).ok()
		case 2:
			e.do("DELETE", "/api/v1/admin/websites/"+site+"/apikeys/"+id, root, nil).ok()
		}
	}
	for i := range 4 {
		d := e.do("POST", "/api/v1/admin/access-tokens", root, map[string]any{"name": "t"}).first()
		raw := d["key"].(string)
		raws = append(raws, raw)
		e.do("GET", "/api/v1/admin/account", raw, nil).ok()
		if i%2 == 0 {
			e.do("DELETE", "/api/v1/admin/access-tokens/"+d["_id"].(string), root, nil).ok()
		}
	}
	if err := e.srv.app.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}

	scan := func(when string) {
		t.Helper()
		files := 0
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, raw := range raws {
				secret := raw[len(raw)-36:]
				if bytes.Contains(b, []byte(raw)) || bytes.Contains(b, []byte(secret)) {
					t.Fatalf("%s: %s contains a raw credential", when, path)
				}
			}
			return nil
		})
		if err != nil || files == 0 {
			t.Fatalf("%s: scanned %d files: %v", when, files, err)
		}
	}
	scan("while serving")
	e.http.Close()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	scan("after stopping")
	for _, raw := range raws {
		if bytes.Contains([]byte(logs.String()), []byte(raw[len(raw)-36:])) {
			t.Fatal("the log contains a raw credential")
		}
	}
	if len(raws) != 13 {
		t.Fatalf("%d raw values checked", len(raws))
	}
}
