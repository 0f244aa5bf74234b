package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/providertest"
	"github.com/openfast/openfast/sqlite"
)

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

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
	events, err := duckdb.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	writer, err := ingest.OpenWriter(context.Background(), ingest.WriterConfig{Store: events, Dir: filepath.Join(dir, ingest.JournalDir), QueueSize: 100, MaxBatch: 10})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	e := newTestEnv(t, func(c *testConfig) {
		c.Store = store
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Providers = providertest.AsProviders(providertest.Providers())
		c.EventStore, c.EventWriter = events, writer
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
	// The payment providers' keys and webhook secrets are stored sealed:
	// connected, used by a webhook and a sync, refused once (logged), and
	// replaced.
	providerSecrets := func() (key, secret string) {
		return "live_" + hex.EncodeToString(random(20)), "whsec_" + hex.EncodeToString(random(20))
	}
	for _, p := range []struct{ name, keyField, accountField string }{
		{"stripe", "stripeRak", ""}, {"lemonsqueezy", "lemonsqueezyApiKey", "lemonsqueezyStoreId"},
		{"polar", "polarAccessToken", "polarOrgId"}, {"paddle", "paddleApiKey", ""},
	} {
		for range 2 {
			key, secret := providerSecrets()
			raws = append(raws, key, secret)
			body := map[string]any{p.keyField: key, "webhookSecret": secret}
			if p.accountField != "" {
				body[p.accountField] = "acct_1"
			}
			e.do("POST", "/api/v1/admin/websites/"+site+"/integrations/"+p.name, root, body).ok()
			hook, _ := json.Marshal(providertest.WebhookBody{ID: "evt_" + key})
			req, _ := http.NewRequest("POST", e.http.URL+"/api/webhooks/"+p.name+"/"+site, bytes.NewReader(hook))
			req.Header = providertest.Sign(secret, hook, time.Now())
			if res, err := e.client.Do(req); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("webhook: %v, %v", res, err)
			}
		}
	}
	e.srv.app.WaitSyncs()
	e.srv.app.SyncIntegrations(context.Background())
	e.do("GET", "/api/v1/admin/websites/"+site+"/integrations", root, nil).ok()
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
	writer.Close()
	if err := errors.Join(events.Close(), store.Close()); err != nil {
		t.Fatal(err)
	}
	scan("after stopping")
	for _, raw := range raws {
		if bytes.Contains([]byte(logs.String()), []byte(raw[len(raw)-36:])) {
			t.Fatal("the log contains a raw credential")
		}
	}
	if len(raws) != 13+16 {
		t.Fatalf("%d raw values checked", len(raws))
	}
}
