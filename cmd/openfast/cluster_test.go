package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// freshDatabases returns URLs of a new PostgreSQL database and a new
// ClickHouse database name on the test servers, dropped after the test.
func freshDatabases(t *testing.T) (pgURL, chURL string) {
	t.Helper()
	servers := storetest.ServerURLs(t, "start them with .ci/postgres start and .ci/clickhouse start",
		"OPENFAST_TEST_POSTGRES_URL", "OPENFAST_TEST_CLICKHOUSE_URL")
	pgServer, chServer := servers[0], servers[1]
	var r [6]byte
	rand.Read(r[:])
	name := "openfast_cluster_" + hex.EncodeToString(r[:])
	ctx := context.Background()

	conn, err := pgx.Connect(ctx, pgServer)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, pgServer); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(pgServer)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	pgURL = u.String()

	c, err := url.Parse(chServer)
	if err != nil {
		t.Fatal(err)
	}
	c.Path = "/" + name
	chURL = c.String()
	t.Cleanup(func() {
		opts, err := chgo.ParseDSN(chServer)
		if err != nil {
			return
		}
		if ch, err := chgo.Open(opts); err == nil {
			ch.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
			ch.Close()
		}
	})
	return pgURL, chURL
}

// TestCluster_TwoNodesShareOneDatabase runs two servers on one PostgreSQL
// and one ClickHouse: the key limit holds across them, a key deleted on one
// is refused by the other within the cache bound, and events ingested on
// either show in the analytics of both.
func TestCluster_TwoNodesShareOneDatabase(t *testing.T) {
	pgURL, chURL := freshDatabases(t)
	stdout, stderr, code := runCLI(t, "admin", "bootstrap", "--email", "ops@example.com", "--database-url", pgURL)
	if code != 0 {
		t.Fatalf("admin bootstrap exited with %d:\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	token := lines[len(lines)-1]

	node := func() *serverProcess {
		return startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", privateDir(t),
			"--database-url", pgURL, "--clickhouse-url", chURL, "--event-load-delay", "50ms"}})
	}
	a, b := node(), node()
	site := a.createTrackedWebsite(t, token)

	t.Run("KeyLimitAcrossNodes", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 40)
		for i := range statuses {
			srv := a
			if i%2 == 1 {
				srv = b
			}
			wg.Go(func() {
				statuses[i], _ = srv.do(t, http.MethodPost, "/api/v1/admin/websites/"+site.websiteID+"/apikeys", token, map[string]string{"name": fmt.Sprintf("k%d", i)})
			})
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK, http.StatusCreated:
				created++
			case http.StatusBadRequest:
			default:
				t.Errorf("unexpected status %d", s)
			}
		}
		if created != openfast.MaxAPIKeysPerWebsite {
			t.Fatalf("%d keys created across two nodes, want %d (statuses %v)", created, openfast.MaxAPIKeysPerWebsite, statuses)
		}
		body := b.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/admin/websites/"+site.websiteID+"/apikeys", token, nil)
		var list struct {
			Data []struct {
				ID string `json:"_id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &list); err != nil || len(list.Data) != openfast.MaxAPIKeysPerWebsite {
			t.Fatalf("node B lists %s (%v)", body, err)
		}
		// Make room for the next subtest.
		a.expectStatus(t, http.StatusOK, http.MethodDelete, "/api/v1/admin/websites/"+site.websiteID+"/apikeys/"+list.Data[0].ID, token, nil)
	})

	t.Run("RevokedOnOneNodeRefusedOnTheOther", func(t *testing.T) {
		body := a.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/websites/"+site.websiteID+"/apikeys", token, map[string]string{"name": "short-lived"})
		var created struct {
			Data []struct {
				ID  string `json:"_id"`
				Key string `json:"key"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &created); err != nil || len(created.Data) != 1 || !strings.HasPrefix(created.Data[0].Key, "df_") {
			t.Fatalf("create key: %s (%v)", body, err)
		}
		key := created.Data[0]
		// Node B verifies the key and caches it.
		b.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/overview", key.Key, nil)
		a.expectStatus(t, http.StatusOK, http.MethodDelete, "/api/v1/admin/websites/"+site.websiteID+"/apikeys/"+key.ID, token, nil)
		deleted := time.Now()
		for {
			status, _ := b.do(t, http.MethodGet, "/api/v1/analytics/overview", key.Key, nil)
			if status == http.StatusUnauthorized {
				t.Logf("node B refused the deleted key %v after the deletion", time.Since(deleted).Round(time.Millisecond))
				break
			}
			if status != http.StatusOK {
				t.Fatalf("node B answered %d for a key being revoked", status)
			}
			// Node B hears of the deletion through PostgreSQL's
			// notification within milliseconds. The credential cache TTL
			// (5 s) is only the bound for when notifications are lost, so
			// a refusal later than a second means they did not work.
			if time.Since(deleted) > time.Second {
				t.Fatalf("node B still accepts the deleted key after %v: the change notification did not reach it", time.Since(deleted))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("EventsFromBothNodesInBothAnalytics", func(t *testing.T) {
		for i := range 5 {
			a.expectPageview(t, site.trackingID, fmt.Sprintf("/from-a/%d", i))
			b.expectPageview(t, site.trackingID, fmt.Sprintf("/from-b/%d", i))
		}
		for _, srv := range []*serverProcess{a, b} {
			deadline := time.Now().Add(waitLimit)
			for {
				body := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/pages?websiteId="+site.websiteID+"&limit=100", token, nil)
				n := strings.Count(string(body), `"/from-a/`) + strings.Count(string(body), `"/from-b/`)
				if n == 10 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s shows %d of the 10 pages: %s", srv.addr, n, body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
}

// TestAdminMigrate copies an embedded installation into PostgreSQL and
// ClickHouse: the token still works, every analytics answer is the same,
// and a second run copies nothing again.
func TestAdminMigrate(t *testing.T) {
	pgURL, chURL := freshDatabases(t)
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "migrate@example.com", "")
	embedded := startServer(t, serveArgs(dataDir))
	site := embedded.createTrackedWebsite(t, token)
	for i := range 30 {
		embedded.expectPageview(t, site.trackingID, fmt.Sprintf("/page/%d", i%7))
	}
	reads := []string{"overview", "timeseries?interval=hour&fields=visitors,sessions,revenue,payments,conversion_rate", "pages", "referrers", "countries", "devices", "browsers", "hostnames", "goals"}
	now := time.Now().UTC()
	window := "&startAt=" + now.AddDate(0, 0, -1).Format(time.DateOnly) + "&endAt=" + now.AddDate(0, 0, 1).Format(time.DateOnly)
	answers := func(srv *serverProcess) map[string]string {
		out := map[string]string{}
		for _, r := range reads {
			sep := "?"
			if strings.Contains(r, "?") {
				sep = "&"
			}
			out[r] = string(srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/"+r+sep+"websiteId="+site.websiteID+window, token, nil))
		}
		return out
	}
	embedded.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/goals?websiteId="+site.websiteID, token,
		map[string]string{"datafast_visitor_id": "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd", "name": "signup"})
	// The goal is the last event: once it shows, every event does.
	var before map[string]string
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(100 * time.Millisecond) {
		if before = answers(embedded); strings.Contains(before["goals"], `"signup"`) {
			before = answers(embedded) // all of them after the goal's load
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the goal does not show: %s", before["goals"])
		}
	}
	embedded.signal(t, syscall.SIGTERM)
	if code := embedded.waitExit(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM", code)
	}

	args := []string{"admin", "migrate", "--from-data-dir", dataDir, "--database-url", pgURL, "--clickhouse-url", chURL}
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 || !strings.Contains(stdout, "Events: 31 in ") || !strings.Contains(stdout, "31 copied by this run") {
		t.Fatalf("admin migrate exited with %d:\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = runCLI(t, args...)
	if code != 0 || !strings.Contains(stdout, "0 copied by this run") || !strings.Contains(stdout, "(0 rows copied by this run") {
		t.Fatalf("second admin migrate exited with %d:\n%s\n%s", code, stdout, stderr)
	}

	scaled := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", privateDir(t), "--database-url", pgURL, "--clickhouse-url", chURL}})
	after := answers(scaled)
	for _, r := range reads {
		if before[r] != after[r] {
			t.Errorf("%s differs after the copy:\nbefore %s\nafter  %s", r, before[r], after[r])
		}
	}
}
