package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/openfast/openfast/duckdb"
)

// The durability tests post pageviews to a real `openfast serve` from
// several clients at once, stop the process in the middle of that load and
// then read the event database: every event answered 200 must be in it.
const (
	// loadClients is the number of goroutines posting events, each with
	// at most one request in flight.
	loadClients = 16
	// loadAcks is how many acknowledged events a load gathers before the
	// server is signalled.
	loadAcks = 2000
	// loadLimit bounds the wait for loadAcks acknowledgements.
	loadLimit = 60 * time.Second
	// killRounds is how often the SIGKILL test kills the server, each time
	// on the same data folder.
	killRounds = 3
)

// desktopChrome is an ordinary browser: bots are answered 200 but not
// stored.
const desktopChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

// trackedSite is a website created over HTTP.
type trackedSite struct {
	websiteID  string
	trackingID string
}

// createTrackedWebsite creates example.com over HTTP and returns its ids.
func (p *serverProcess) createTrackedWebsite(t *testing.T, token string) trackedSite {
	t.Helper()
	b := p.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/websites", token,
		map[string]string{"domain": "example.com", "timezone": "UTC"})
	var r struct {
		Data []struct {
			WebsiteID  string `json:"websiteId"`
			TrackingID string `json:"trackingId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Data) != 1 || r.Data[0].WebsiteID == "" || r.Data[0].TrackingID == "" {
		t.Fatalf("no websiteId and trackingId in %s (%v)", b, err)
	}
	return trackedSite{websiteID: r.Data[0].WebsiteID, trackingID: r.Data[0].TrackingID}
}

// pageviewBody is the tracker's payload for a pageview of path on
// example.com.
func pageviewBody(trackingID, path string) string {
	return fmt.Sprintf(`{"websiteId":%q,"domain":"example.com","href":"https://example.com%s","referrer":null,"viewport":{"width":1280,"height":720},"visitorId":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd","sessionId":"s1b2c3d4e-989f-4cfa-91c6-2461c9e3c6bd","type":"pageview"}`, trackingID, path)
}

// postPageview posts a pageview of path as a desktop browser. It returns
// nil when the server acknowledged the event (200 with status success),
// and otherwise what happened instead.
func postPageview(client *http.Client, baseURL, trackingID, path string) error {
	req, err := http.NewRequest(http.MethodPost, baseURL+"/api/events", strings.NewReader(pageviewBody(trackingID, path)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", desktopChrome)
	req.Header.Set("Origin", "https://example.com")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("status %d, reading the body: %w", resp.StatusCode, err)
	}
	var r struct {
		Status string `json:"status"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || r.Status != "success" {
		return fmt.Errorf("status %d, body %s", resp.StatusCode, b)
	}
	return nil
}

// expectPageview fails the test unless the server acknowledges a pageview
// of path.
func (p *serverProcess) expectPageview(t *testing.T, trackingID, path string) {
	t.Helper()
	if err := postPageview(p.client, p.baseURL, trackingID, path); err != nil {
		t.Fatalf("POST /api/events for %s: %v", path, err)
	}
}

// eventLoad is loadClients goroutines posting pageviews with unique paths
// (prefix<client>/<n>) until stopped. It records the paths that were
// acknowledged.
type eventLoad struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	acks    atomic.Int64
	reached chan struct{} // closed at loadAcks acknowledgements

	// signalled is set just before the server is signalled: from then on
	// a request may fail.
	signalled atomic.Bool
	broken    chan struct{} // closed at the first failure before that
	brokeOnce sync.Once
	brokeWith error

	acked    [loadClients][]string // written by client i only, read after wg.Wait
	failures atomic.Int64          // requests without an acknowledgement
}

func startLoad(srv *serverProcess, trackingID, prefix string) *eventLoad {
	l := &eventLoad{stop: make(chan struct{}), reached: make(chan struct{}), broken: make(chan struct{})}
	transport := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: loadClients}
	client := &http.Client{Transport: transport, Timeout: waitLimit}
	for c := range loadClients {
		l.wg.Go(func() {
			defer transport.CloseIdleConnections()
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				path := fmt.Sprintf("%s%d/%d", prefix, c, n)
				err := postPageview(client, srv.baseURL, trackingID, path)
				if err == nil {
					l.acked[c] = append(l.acked[c], path)
					if l.acks.Add(1) == loadAcks {
						close(l.reached)
					}
					continue
				}
				l.failures.Add(1)
				if !l.signalled.Load() {
					l.brokeOnce.Do(func() {
						l.brokeWith = fmt.Errorf("%s: %w", path, err)
						close(l.broken)
					})
					return
				}
				// The server is going away: new connections are refused
				// at once, so do not spin until the load is stopped.
				select {
				case <-l.stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
	}
	return l
}

// waitAcks waits until loadAcks events were acknowledged.
func (l *eventLoad) waitAcks(t *testing.T) {
	t.Helper()
	select {
	case <-l.reached:
	case <-l.broken:
		l.finish()
		t.Fatalf("an event was not acknowledged before the server was signalled: %v", l.brokeWith)
	case <-time.After(loadLimit):
		l.finish()
		t.Fatalf("only %d events acknowledged within %v, want %d", l.acks.Load(), loadLimit, loadAcks)
	}
}

// result stops the clients and returns the acknowledged paths. It fails
// the test if a request failed before the server was signalled.
func (l *eventLoad) result(t *testing.T) []string {
	t.Helper()
	acked := l.finish()
	if l.brokeWith != nil {
		t.Errorf("an event was not acknowledged before the server was signalled: %v", l.brokeWith)
	}
	return acked
}

// finish stops the clients and returns the acknowledged paths.
func (l *eventLoad) finish() []string {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
	var all []string
	for _, a := range l.acked {
		all = append(all, a...)
	}
	return all
}

// storedPaths reads how often each path is stored for the website.
func storedPaths(t *testing.T, db *sql.DB, websiteID string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT path FROM events WHERE website_id = ?`, websiteID)
	if err != nil {
		t.Fatalf("read stored events: %v", err)
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		stored[p]++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read stored events: %v", err)
	}
	return stored
}

// storedAfterStop reads the event database of dataDir through the store
// the server uses.
func storedAfterStop(t *testing.T, dataDir, websiteID string) map[string]int {
	t.Helper()
	events, err := duckdb.OpenDataDir(context.Background(), dataDir)
	if err != nil {
		t.Fatalf("open the event database: %v", err)
	}
	defer func() {
		if err := events.Close(); err != nil {
			t.Errorf("close the event database: %v", err)
		}
	}()
	return storedPaths(t, events.SQL(), websiteID)
}

// checkStored fails the test unless every acknowledged path is stored,
// and no path more than once. It returns how many stored paths have
// prefix, and how many of those were not acknowledged: events committed
// whose answer was lost.
func checkStored(t *testing.T, stored map[string]int, acked []string, prefix string) (withPrefix, unacked int) {
	t.Helper()
	ack := make(map[string]bool, len(acked))
	var missing []string
	for _, p := range acked {
		ack[p] = true
		if stored[p] == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("%d of %d acknowledged events are not stored (a filtered event is answered 200 too), e.g. %q",
			len(missing), len(acked), missing[:min(len(missing), 10)])
	}
	var twice []string
	for p, n := range stored {
		if n > 1 {
			twice = append(twice, fmt.Sprintf("%s (%d times)", p, n))
		}
		if strings.HasPrefix(p, prefix) {
			withPrefix++
			if !ack[p] {
				unacked++
			}
		}
	}
	if len(twice) > 0 {
		slices.Sort(twice)
		t.Errorf("%d events are stored more than once, e.g. %q", len(twice), twice[:min(len(twice), 10)])
	}
	return withPrefix, unacked
}

func serveArgs(dataDir string) serverOptions {
	return serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}}
}

// TestServe_SIGKILLKeepsAcknowledgedEvents kills the server under load,
// several times on one data folder: after each kill every acknowledged
// event is in the event database, and the server starts again on it.
func TestServe_SIGKILLKeepsAcknowledgedEvents(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "kill@example.com", "Kill")
	first := startServer(t, serveArgs(dataDir))
	site := first.createTrackedWebsite(t, token)
	first.signal(t, syscall.SIGTERM)
	if code := first.waitExit(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}

	var acked []string // by every round so far
	replays := 0       // rounds whose restart loaded events from the journal
	for round := range killRounds {
		ok := t.Run(fmt.Sprintf("Round%d", round+1), func(t *testing.T) {
			prefix := fmt.Sprintf("/k/%d/", round+1)
			srv := startServer(t, serveArgs(dataDir))
			load := startLoad(srv, site.trackingID, prefix)
			load.waitAcks(t)
			load.signalled.Store(true)
			srv.signal(t, syscall.SIGKILL)
			select {
			case <-srv.exited:
			case <-time.After(waitLimit):
				load.finish()
				t.Fatalf("openfast serve did not exit within %v of SIGKILL", waitLimit)
			}
			if status, ok := srv.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
				t.Errorf("openfast serve ended with %v, want killed by SIGKILL", srv.cmd.ProcessState)
			}
			roundAcked := load.result(t)
			acked = append(acked, roundAcked...)

			// The server recovers from the kill: it loads what the killed
			// process acknowledged but had not moved from its journal into
			// the event database, and takes events again.
			again := startServer(t, serveArgs(dataDir))
			probe := fmt.Sprintf("/probe/%d", round+1)
			again.expectPageview(t, site.trackingID, probe)
			acked = append(acked, probe)
			if _, ok := again.logs.waitFor("left by the previous run", 0); ok {
				replays++
			}
			again.signal(t, syscall.SIGTERM)
			if code := again.waitExit(t); code != 0 {
				t.Fatalf("exit status %d after SIGTERM, want 0", code)
			}

			stored := storedAfterStop(t, dataDir, site.websiteID)
			ofRound, unacked := checkStored(t, stored, acked, prefix)
			t.Logf("acknowledged %d events (%d requests failed); stored %d of this round (%d without an acknowledgement), %d in all",
				len(roundAcked), load.failures.Load(), ofRound, unacked, len(stored))
			// Each client had at most one request in flight at the kill.
			if unacked > loadClients {
				t.Errorf("%d events of this round stored without an acknowledgement, want at most %d (one per client)", unacked, loadClients)
			}
		})
		if !ok {
			return
		}
	}

	// Everything acknowledged in every round, and the events taken after
	// each restart, through the store the server uses.
	stored := storedAfterStop(t, dataDir, site.websiteID)
	_, unacked := checkStored(t, stored, acked, "/")
	t.Logf("after %d rounds: %d events acknowledged, %d stored; %d restarts loaded journaled events", killRounds, len(acked), len(stored), replays)
	// Under load, a kill leaves acknowledged events in the journal that
	// only the restart moves into the event database: the path this test
	// is for. (Every round missing it would mean the test proves nothing.)
	if replays == 0 {
		t.Error("no restart loaded events from the journal")
	}
	if unacked > killRounds*loadClients {
		t.Errorf("%d events stored without an acknowledgement, want at most %d", unacked, killRounds*loadClients)
	}
}

// TestServe_SIGTERMDrainsEvents stops the server with SIGTERM under load:
// it exits 0 once every event it took is committed, so every acknowledged
// event is stored and nothing else but answers lost in flight.
func TestServe_SIGTERMDrainsEvents(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "term@example.com", "Term")
	srv := startServer(t, serveArgs(dataDir))
	site := srv.createTrackedWebsite(t, token)

	const prefix = "/t/"
	load := startLoad(srv, site.trackingID, prefix)
	load.waitAcks(t)
	load.signalled.Store(true)
	srv.signal(t, syscall.SIGTERM)
	select {
	case <-srv.exited:
	case <-time.After(waitLimit):
		load.finish()
		t.Fatalf("openfast serve did not exit within %v of SIGTERM; logs:\n%s", waitLimit, srv.logs)
	}
	acked := load.result(t)
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	srv.waitLog(t, "shutting down")
	srv.waitLog(t, "msg=stopped")
	if line, ok := srv.logs.waitFor("did not finish in time", 0); ok {
		t.Errorf("unexpected log line %q", line)
	}

	stored := storedAfterStop(t, dataDir, site.websiteID)
	_, unacked := checkStored(t, stored, acked, prefix)
	t.Logf("acknowledged %d events (%d requests failed); stored %d (%d without an acknowledgement)",
		len(acked), load.failures.Load(), len(stored), unacked)
	// A request either got its answer or failed on the client's side
	// while the server closed its connection: at most one per client.
	if unacked > loadClients {
		t.Errorf("%d events stored without an acknowledgement, want at most %d (one per client)", unacked, loadClients)
	}
	if len(stored) != len(acked)+unacked {
		t.Errorf("%d distinct paths stored, want %d acknowledged + %d unacknowledged", len(stored), len(acked), unacked)
	}
}
