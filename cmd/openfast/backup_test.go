package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/openfast/openfast/duckdb"
)

// backupLoad posts pageviews of a website from several clients, and
// server-side goals from one more, until stopped; it records when each
// event was acknowledged.
type backupLoad struct {
	stop  chan struct{}
	wg    sync.WaitGroup
	acks  atomic.Int64
	fails atomic.Int64
	// lastErr is the last failure's description.
	lastErr atomic.Value
	mu      sync.Mutex
	paths   map[string]time.Time // pageview path → acknowledged at
	goals   map[string]time.Time // goal name → acknowledged at
}

func startBackupLoad(srv *serverProcess, site trackedSite, token string) *backupLoad {
	l := &backupLoad{stop: make(chan struct{}), paths: map[string]time.Time{}, goals: map[string]time.Time{}}
	transport := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}
	client := &http.Client{Transport: transport, Timeout: waitLimit}
	for c := range 4 {
		l.wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				path := fmt.Sprintf("/load/%d/%d", c, n)
				if err := postPageview(client, srv.baseURL, site.trackingID, path); err != nil {
					l.fails.Add(1)
					l.lastErr.Store(err.Error())
					time.Sleep(10 * time.Millisecond)
					continue
				}
				at := time.Now()
				l.mu.Lock()
				l.paths[path] = at
				l.mu.Unlock()
				l.acks.Add(1)
			}
		})
	}
	l.wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-l.stop:
				return
			default:
			}
			name := fmt.Sprintf("load_goal_%d", n)
			body := fmt.Sprintf(`{"datafast_visitor_id":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd","name":%q}`, name)
			req, _ := http.NewRequest(http.MethodPost, srv.baseURL+"/api/v1/goals?websiteId="+site.websiteID, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				l.fails.Add(1)
				continue
			}
			rb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound && n == 0 {
				// The visitor's first pageview is not loaded yet.
				n--
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if resp.StatusCode != http.StatusOK {
				l.fails.Add(1)
				l.lastErr.Store(fmt.Sprintf("goal: %d %s", resp.StatusCode, rb))
				time.Sleep(10 * time.Millisecond)
				continue
			}
			at := time.Now()
			l.mu.Lock()
			l.goals[name] = at
			l.mu.Unlock()
			l.acks.Add(1)
		}
	})
	return l
}

func (l *backupLoad) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// ackedBefore returns the pageview paths and goal names acknowledged
// before t.
func (l *backupLoad) ackedBefore(t time.Time) (paths, goals []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, at := range l.paths {
		if at.Before(t) {
			paths = append(paths, p)
		}
	}
	for g, at := range l.goals {
		if at.Before(t) {
			goals = append(goals, g)
		}
	}
	return paths, goals
}

// storedGoals reads how often each goal name is stored for the website.
func storedGoals(t *testing.T, dataDir, websiteID string) map[string]int {
	t.Helper()
	events, err := duckdb.OpenDataDir(context.Background(), dataDir)
	if err != nil {
		t.Fatalf("open the event database: %v", err)
	}
	defer events.Close()
	rows, err := events.SQL().Query(`SELECT goal FROM events WHERE website_id = ? AND goal <> ''`, websiteID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			t.Fatal(err)
		}
		out[g]++
	}
	return out
}

// analyticsAnswers reads the analytics of a website over a window of
// three days around now.
func analyticsAnswers(t *testing.T, srv *serverProcess, token, websiteID string) map[string]string {
	t.Helper()
	reads := []string{"overview", "timeseries?interval=hour&fields=visitors,sessions,revenue,payments,conversion_rate", "pages", "referrers", "goals"}
	now := time.Now().UTC()
	window := "&startAt=" + now.AddDate(0, 0, -1).Format(time.DateOnly) + "&endAt=" + now.AddDate(0, 0, 1).Format(time.DateOnly)
	out := map[string]string{}
	for _, r := range reads {
		sep := "?"
		if strings.Contains(r, "?") {
			sep = "&"
		}
		out[r] = string(srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/"+r+sep+"websiteId="+websiteID+window+"&limit=1000", token, nil))
	}
	return out
}

// TestBackup_UnderLoadThenRestore backs up a running server while events
// arrive, restores the backup into a new folder and starts a second
// server on it. Website A got all its events (pageviews and a goal) before
// the backup: its analytics answers are the same on both servers. Website
// B got pageviews and server-side goals all along: on the restored server
// every one acknowledged before `admin backup` was started is stored, once.
func TestBackup_UnderLoadThenRestore(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "backup@example.com", "")
	args := serveArgs(dataDir)
	args.args = append(args.args, "--rate-limit", "0") // the goals' client
	srv := startServer(t, args)
	checkMode(t, filepath.Join(dataDir, adminSocketName), 0o600)

	siteB := srv.createTrackedWebsite(t, token) // example.com
	b := srv.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/websites", token,
		map[string]string{"domain": "a.example.com", "timezone": "UTC"})
	var created struct {
		Data []struct {
			WebsiteID  string `json:"websiteId"`
			TrackingID string `json:"trackingId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &created); err != nil || len(created.Data) != 1 {
		t.Fatalf("create website A: %s", b)
	}
	siteA := trackedSite{websiteID: created.Data[0].WebsiteID, trackingID: created.Data[0].TrackingID}
	for i := range 40 {
		body := strings.ReplaceAll(pageviewBody(siteA.trackingID, fmt.Sprintf("/a/%d", i%9)), "example.com", "a.example.com")
		req, _ := http.NewRequest(http.MethodPost, srv.baseURL+"/api/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", desktopChrome)
		resp, err := srv.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("pageview of website A: status %d", resp.StatusCode)
		}
	}
	// The goal needs the visitor's pageview in the store: retried until
	// it is loaded.
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(50 * time.Millisecond) {
		status, body := srv.do(t, http.MethodPost, "/api/v1/goals?websiteId="+siteA.websiteID, token,
			map[string]string{"datafast_visitor_id": "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd", "name": "signup"})
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goal of website A: %d %s", status, body)
		}
	}

	load := startBackupLoad(srv, siteB, token)
	defer load.finish()
	for deadline := time.Now().Add(loadLimit); load.acks.Load() < 300; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d events acknowledged within %v (%d failures)", load.acks.Load(), loadLimit, load.fails.Load())
		}
	}

	backupDir := filepath.Join(t.TempDir(), "backup")
	started := time.Now()
	stdout, stderr, code := runCLI(t, "admin", "backup", "--to", backupDir, "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("admin backup exited with %d:\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"Backup: " + backupDir, "events.duckdb", "openfast.db", "secret.key", "journal/name", "Total: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("admin backup's output lacks %q:\n%s", want, stdout)
		}
	}
	// Some events after the backup too.
	for n := load.acks.Load(); load.acks.Load() < n+100; time.Sleep(10 * time.Millisecond) {
	}
	load.finish()
	if n := load.fails.Load(); n > 0 {
		t.Errorf("%d events were not acknowledged during the load, the last: %v", n, load.lastErr.Load())
	}
	pathsBefore, goalsBefore := load.ackedBefore(started)
	if len(pathsBefore) < 250 || len(goalsBefore) < 1 {
		t.Fatalf("only %d pageviews and %d goals acknowledged before the backup", len(pathsBefore), len(goalsBefore))
	}
	answersA := analyticsAnswers(t, srv, token, siteA.websiteID)
	if !strings.Contains(answersA["goals"], `"signup"`) {
		t.Fatalf("website A's goal does not show: %s", answersA["goals"])
	}

	restored := filepath.Join(t.TempDir(), "restored")
	stdout, stderr, code = runCLI(t, "admin", "restore", "--from", backupDir, "--data-dir", restored)
	if code != 0 || !strings.Contains(stdout, "Restored ") {
		t.Fatalf("admin restore exited with %d:\n%s\n%s", code, stdout, stderr)
	}
	checkMode(t, restored, 0o700)
	for _, f := range []string{"events.duckdb", "openfast.db", "secret.key", "journal/name"} {
		checkMode(t, filepath.Join(restored, f), 0o600)
	}

	second := startServer(t, serveArgs(restored))
	answersRestored := analyticsAnswers(t, second, token, siteA.websiteID)
	for r, want := range answersA {
		if answersRestored[r] != want {
			t.Errorf("website A's %s differs after the restore:\nbefore %s\nafter  %s", r, want, answersRestored[r])
		}
	}
	second.signal(t, syscall.SIGTERM)
	if code := second.waitExit(t); code != 0 {
		t.Fatalf("restored server exit status %d", code)
	}
	stored := storedAfterStop(t, restored, siteB.websiteID)
	delete(stored, "") // the goals'
	withPrefix, _ := checkStored(t, stored, pathsBefore, "/load/")
	goals := storedGoals(t, restored, siteB.websiteID)
	var missing []string
	for _, g := range goalsBefore {
		if goals[g] != 1 {
			missing = append(missing, fmt.Sprintf("%s (%d times)", g, goals[g]))
		}
	}
	if len(missing) > 0 {
		t.Errorf("goals acknowledged before the backup not stored once in the restore: %q", missing)
	}
	t.Logf("acknowledged before the backup: %d pageviews, %d goals; in the restore: %d pageviews, %d goals", len(pathsBefore), len(goalsBefore), withPrefix, len(goals))
}

// TestBackup_RefusalsAndRotation: a non-empty backup folder is refused; a
// corrupt or incomplete backup and a non-empty restore target are refused
// with the file named; scheduled backups keep --backup-keep of them; the
// admin socket is removed on exit, and admin backup then works on the
// stopped folder by itself.
func TestBackup_RefusalsAndRotation(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "rotate@example.com", "")
	scheduled := filepath.Join(t.TempDir(), "scheduled")
	args := serveArgs(dataDir)
	args.args = append(args.args, "--backup-dir", scheduled, "--backup-every", "1s", "--backup-keep", "2")
	srv := startServer(t, args)
	site := srv.createTrackedWebsite(t, token)
	srv.expectPageview(t, site.trackingID, "/rotated")

	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, "admin", "backup", "--to", full, "--data-dir", dataDir)
	if code == 0 || !strings.Contains(stderr, "is not empty") {
		t.Errorf("a backup into a non-empty folder: exit %d\n%s\n%s", code, stdout, stderr)
	}

	for deadline := time.Now().Add(waitLimit); strings.Count(srv.logs.String(), `msg="scheduled backup written"`) < 4; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 scheduled backups within %v", waitLimit)
		}
	}
	srv.signal(t, syscall.SIGTERM)
	if code := srv.waitExit(t); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	checkMissing(t, filepath.Join(dataDir, adminSocketName))
	entries, err := os.ReadDir(scheduled)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d entries in --backup-dir, want the 2 kept: %v", len(entries), entries)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "openfast-") {
			t.Errorf("unexpected entry %s in --backup-dir", e.Name())
		}
		if _, err := os.Stat(filepath.Join(scheduled, e.Name(), manifestName)); err != nil {
			t.Errorf("kept backup %s: %v", e.Name(), err)
		}
	}

	// Without a server, admin backup takes the lock and writes it.
	backupDir := filepath.Join(t.TempDir(), "offline")
	stdout, stderr, code = runCLI(t, "admin", "backup", "--to", backupDir, "--data-dir", dataDir)
	if code != 0 || !strings.Contains(stdout, "Secret key: included") {
		t.Fatalf("admin backup of a stopped folder: exit %d\n%s\n%s", code, stdout, stderr)
	}
	restore := func(from string) (string, int) {
		target := filepath.Join(t.TempDir(), "restored")
		_, stderr, code := runCLI(t, "admin", "restore", "--from", from, "--data-dir", target)
		return stderr, code
	}
	if stderr, code := restore(backupDir); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o600)
	if _, stderr, code := runCLI(t, "admin", "restore", "--from", backupDir, "--data-dir", nonEmpty); code == 0 || !strings.Contains(stderr, "is not empty") {
		t.Errorf("restore into a non-empty folder: exit %d: %s", code, stderr)
	}

	// Corrupt and incomplete copies of the backup are refused by name.
	corrupt := func(name string, damage func(dir string)) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "copy")
		if err := os.CopyFS(dir, os.DirFS(backupDir)); err != nil {
			t.Fatal(err)
		}
		damage(dir)
		stderr, code := restore(dir)
		if code == 0 || !strings.Contains(stderr, name) {
			t.Errorf("restore of a backup with a damaged %s: exit %d: %s", name, code, stderr)
		}
	}
	corrupt("openfast.db", func(dir string) {
		f, err := os.OpenFile(filepath.Join(dir, "openfast.db"), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{0xff}, 100)
		f.Close()
	})
	corrupt("events.duckdb", func(dir string) {
		os.Truncate(filepath.Join(dir, "events.duckdb"), 100)
	})
	corrupt("journal/name", func(dir string) {
		os.Remove(filepath.Join(dir, "journal", "name"))
	})
	corrupt("manifest.json", func(dir string) {
		os.Remove(filepath.Join(dir, "manifest.json"))
	})
}

// TestServe_BackupFlagsRefused: each backup setting is refused when it
// cannot act.
func TestServe_BackupFlagsRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--backup-every", "1h"}, "need --backup-dir"},
		{[]string{"--backup-keep", "3"}, "need --backup-dir"},
		{[]string{"--backup-dir", "b"}, "needs --backup-every"},
		{[]string{"--backup-dir", "b", "--backup-every", "1h", "--backup-keep", "0"}, "--backup-keep must be 1 or more"},
		{[]string{"--backup-dir", "b", "--backup-every", "1h", "--database-url", "postgres://x@127.0.0.1:1/x"}, "pg_dump"},
	} {
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", privateDir(t)}, c.args...)
		_, stderr, code := runCLI(t, args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("serve %v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
	_, stderr, code := runCLI(t, "admin", "backup", "--to", t.TempDir(), "--database-url", "postgres://x@127.0.0.1:1/x")
	if code == 0 || !strings.Contains(stderr, "pg_dump") {
		t.Errorf("admin backup with --database-url: exit %d: %s", code, stderr)
	}
}
