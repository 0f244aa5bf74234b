package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSecretsNeverStored_RealServer runs the real binary, creates, uses,
// rolls and deletes website keys and account tokens, sends events and a
// payment with a key, then stops the server and scans every byte it left:
// the SQLite database, the event journal, the DuckDB files, anything else
// in the data folder, and the server's standard error. No raw credential
// may be in any of them.
func TestSecretsNeverStored_RealServer(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	root := runBootstrap(t, dataDir, "secrets@example.com", "Secrets")
	srv := startServer(t, serveArgs(dataDir))
	site := srv.createTrackedWebsite(t, root)
	raws := []string{root}

	newKey := func() (id, raw string) {
		b := srv.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/websites/"+site.websiteID+"/apikeys", root, map[string]string{"name": "k"})
		var r struct {
			Data []struct {
				ID  string `json:"_id"`
				Key string `json:"key"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &r); err != nil || len(r.Data) != 1 || r.Data[0].Key == "" {
			t.Fatalf("no key in %s (%v)", b, err)
		}
		return r.Data[0].ID, r.Data[0].Key
	}
	for i := range 4 {
		id, raw := newKey()
		raws = append(raws, raw)
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/metadata", raw, nil)
		srv.expectPageview(t, site.trackingID, "/secret/"+id)
		srv.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/payments", raw,
			map[string]any{"amount": 9.99, "currency": "USD", "transaction_id": "tx_" + id})
		switch i % 2 {
		case 0:
			b := srv.expectStatus(t, http.StatusOK, http.MethodPut, "/api/v1/admin/websites/"+site.websiteID+"/apikeys/"+id, root, nil)
			var r struct {
				Data []struct {
					Key string `json:"key"`
				} `json:"data"`
			}
			if err := json.Unmarshal(b, &r); err != nil || len(r.Data) != 1 || r.Data[0].Key == "" {
				t.Fatalf("no rolled key in %s (%v)", b, err)
			}
			raws = append(raws, r.Data[0].Key)
			srv.expectStatus(t, http.StatusUnauthorized, http.MethodGet, "/api/v1/analytics/metadata", raw, nil)
			srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/metadata", r.Data[0].Key, nil)
		case 1:
			srv.expectStatus(t, http.StatusOK, http.MethodDelete, "/api/v1/admin/websites/"+site.websiteID+"/apikeys/"+id, root, nil)
		}
	}
	for range 2 {
		b := srv.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/access-tokens", root, map[string]any{"name": "t"})
		var r struct {
			Data []struct {
				Key string `json:"key"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &r); err != nil || len(r.Data) != 1 || r.Data[0].Key == "" {
			t.Fatalf("no token in %s (%v)", b, err)
		}
		raws = append(raws, r.Data[0].Key)
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/admin/account", r.Data[0].Key, nil)
	}
	// A wrong credential is logged as refused, never echoed.
	srv.expectStatus(t, http.StatusUnauthorized, http.MethodGet, "/api/v1/admin/account", raws[1]+"x", nil)

	srv.signal(t, syscall.SIGTERM)
	if code := srv.waitExit(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}

	files, journal, duck := 0, 0, 0
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(dataDir, path)
		if filepath.Dir(rel) != "." {
			journal++
		}
		if filepath.Ext(rel) == ".duckdb" || filepath.Ext(rel) == ".wal" {
			duck++
		}
		for _, raw := range raws {
			if bytes.Contains(b, []byte(raw)) || bytes.Contains(b, []byte(raw[len(raw)-36:])) {
				t.Errorf("%s contains a raw credential", rel)
			}
		}
		return nil
	})
	if err != nil || files < 3 || journal == 0 || duck == 0 {
		t.Fatalf("scanned %d files (%d in folders such as the journal, %d of DuckDB): %v", files, journal, duck, err)
	}
	logs := srv.logs.String()
	if len(logs) == 0 {
		t.Fatal("no standard error to scan")
	}
	for _, raw := range raws {
		if bytes.Contains([]byte(logs), []byte(raw[len(raw)-36:])) {
			t.Fatal("the server's standard error contains a raw credential")
		}
	}
	if len(raws) != 9 {
		t.Fatalf("%d raw values checked", len(raws))
	}
}
