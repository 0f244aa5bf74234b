package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// importSite starts a server on a new data folder, bootstraps it and
// creates a website, then stops the server: imports need the folder.
func importSite(t *testing.T) (dataDir, token, websiteID string) {
	t.Helper()
	dataDir = privateDir(t)
	token = runBootstrap(t, dataDir, "owner@example.com", "Owner")
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
	websiteID = srv.createWebsite(t, token, "example.org")
	srv.signal(t, syscall.SIGTERM)
	srv.waitExit(t)
	return dataDir, token, websiteID
}

var importedLine = regexp.MustCompile(`Imported (\d+) events \((\d+) rows skipped\) in \S+: import ([0-9a-f]{24})`)

// runImportCLI imports file and returns the number of events and the
// import's id.
func runImportCLI(t *testing.T, dataDir, websiteID, file string) (events, skipped, id string) {
	t.Helper()
	stdout, stderr, code := runCLI(t, "import", "--website", websiteID, "--data-dir", dataDir, file)
	if code != 0 {
		t.Fatalf("import exited with %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m := importedLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout = %q, want a summary line", stdout)
	}
	return m[1], m[2], m[3]
}

// answers are the analytics answers compared across installations.
func answers(t *testing.T, srv *serverProcess, token, websiteID string) map[string]string {
	t.Helper()
	out := map[string]string{}
	q := "?websiteId=" + websiteID + "&startAt=2024-01-01&endAt=2024-12-31&timezone=UTC"
	for _, p := range []string{"overview", "timeseries", "pages", "referrers", "countries", "devices", "browsers"} {
		extra := ""
		if p == "timeseries" {
			extra = "&interval=day&fields=visitors,sessions"
		}
		out[p] = string(srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/"+p+q+extra, token, nil))
	}
	return out
}

func exportCSV(t *testing.T, srv *serverProcess, token, websiteID, format string) []byte {
	t.Helper()
	return srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/export?format="+format+"&websiteId="+websiteID, token, nil)
}

// TestImport_GoatCounterThenExportImportGivesIdenticalAnswers imports the
// GoatCounter fixture, exports it in each format, and imports each export
// into a fresh installation: every analytics answer is the same.
func TestImport_GoatCounterThenExportImportGivesIdenticalAnswers(t *testing.T) {
	t.Parallel()
	dataA, tokenA, siteA := importSite(t)
	events, skipped, _ := runImportCLI(t, dataA, siteA, filepath.Join(wd(t), "testdata/import/goatcounter.csv"))
	if events != "4" || skipped != "2" {
		t.Fatalf("imported %s events, skipped %s; want 4 pageviews, the bot and the event skipped", events, skipped)
	}
	srvA := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataA}})
	want := answers(t, srvA, tokenA, siteA)
	if !strings.Contains(want["pages"], `"/docs"`) || !strings.Contains(want["pages"], `"/pricing"`) {
		t.Fatalf("pages = %s", want["pages"])
	}
	if !strings.Contains(want["overview"], `"visitors":3`) {
		t.Fatalf("overview = %s, want 3 visitors (one a GoatCounter session)", want["overview"])
	}
	exports := map[string][]byte{}
	for _, f := range []string{"csv", "parquet"} {
		exports[f] = exportCSV(t, srvA, tokenA, siteA, f)
	}
	// The NDJSON one through openfast export.
	ndjson := filepath.Join(t.TempDir(), "events.ndjson")
	if stdout, stderr, code := runCLI(t, "export", "--url", srvA.baseURL, "--token", tokenA, "--website", siteA,
		"--from", "2024-03-01", "--to", "2024-03-02", "--format", "ndjson", "-o", ndjson); code != 0 || !strings.Contains(stderr, "Wrote") {
		t.Fatalf("openfast export exited with %d: %s %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(ndjson)
	if err != nil || bytes.Count(b, []byte("\n")) != 4 {
		t.Fatalf("openfast export wrote %q, %v; want 4 lines", b, err)
	}
	exports["ndjson"] = b
	if _, stderr, code := runCLI(t, "export", "--url", srvA.baseURL, "--token", tokenA, "--website", siteA, "--format", "xml"); code != 2 || !strings.Contains(stderr, "want csv, ndjson or parquet") {
		t.Fatalf("openfast export --format xml: %d %s", code, stderr)
	}
	if rows, err := csv.NewReader(bytes.NewReader(exports["csv"])).ReadAll(); err != nil || len(rows) != 5 {
		t.Fatalf("CSV export: %d rows, %v; want the header and 4", len(rows), err)
	}
	srvA.signal(t, syscall.SIGTERM)
	srvA.waitExit(t)

	for format, body := range exports {
		t.Run(format, func(t *testing.T) {
			dataB, tokenB, siteB := importSite(t)
			file := filepath.Join(t.TempDir(), "export."+format)
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			if events, _, _ := runImportCLI(t, dataB, siteB, file); events != "4" {
				t.Fatalf("imported %s events, want 4", events)
			}
			srvB := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataB}})
			got := answers(t, srvB, tokenB, siteB)
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("%s:\n got %s\nwant %s", k, got[k], want[k])
				}
			}
		})
	}
}

// plausibleZip writes the Plausible fixture as the zip Plausible CE
// exports, and returns its path.
func plausibleZip(t *testing.T) string {
	t.Helper()
	zipFile := filepath.Join(t.TempDir(), "plausible-export.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, _ := filepath.Glob(filepath.Join(wd(t), "testdata/import/plausible/*.csv"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(f))
		w.Write(b)
	}
	zw.Close()
	if err := os.WriteFile(zipFile, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return zipFile
}

// TestImport_PlausibleAndDelete imports the Plausible fixture (written
// from the columns of Plausible CE's CSV export), checks its totals, and
// deletes it.
func TestImport_PlausibleAndDelete(t *testing.T) {
	t.Parallel()
	data, token, site := importSite(t)
	events, _, id := runImportCLI(t, data, site, plausibleZip(t))
	if events != "9" {
		t.Fatalf("imported %s events, want the 9 pageviews of the two days", events)
	}
	// A GoatCounter import too, which the deletion must leave.
	runImportCLI(t, data, site, filepath.Join(wd(t), "testdata/import/goatcounter.csv"))
	stdout, _, code := runCLI(t, "import", "list", "--website", site, "--data-dir", data)
	if code != 0 || !strings.Contains(stdout, id) || !strings.Contains(stdout, "plausible") || !strings.Contains(stdout, "goatcounter") {
		t.Fatalf("import list = %q (%d)", stdout, code)
	}

	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", data}})
	q := "?websiteId=" + site + "&startAt=2024-03-01&endAt=2024-03-02&timezone=UTC"
	var ts struct {
		Data []struct {
			Name     string `json:"name"`
			Visitors int    `json:"visitors"`
			Sessions int    `json:"sessions"`
		} `json:"data"`
	}
	b := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/timeseries"+q+"&interval=day&fields=visitors,sessions", token, nil)
	if err := json.Unmarshal(b, &ts); err != nil || len(ts.Data) != 2 {
		t.Fatalf("timeseries = %s", b)
	}
	// 1 March: Plausible's 3 visitors and 4 visits, and GoatCounter's 2
	// sessions; 2 March: 2 and 2, and GoatCounter's 1.
	if ts.Data[0].Visitors != 3+2 || ts.Data[0].Sessions != 4+2 || ts.Data[1].Visitors != 2+1 || ts.Data[1].Sessions != 2+1 {
		t.Fatalf("timeseries = %s", b)
	}
	pages := string(srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/pages"+q, token, nil))
	for _, p := range []string{`"/blog"`, `"/about"`} {
		if !strings.Contains(pages, p) {
			t.Errorf("pages = %s, want %s", pages, p)
		}
	}
	// Pageviews per day, from the export.
	rows, _ := csv.NewReader(bytes.NewReader(exportCSV(t, srv, token, site, "csv"))).ReadAll()
	perDay := map[string]int{}
	for _, r := range rows[1:] {
		perDay[r[1][:10]]++
	}
	if perDay["2024-03-01"] != 7+3 || perDay["2024-03-02"] != 2+1 {
		t.Fatalf("pageviews per day = %v, want 7 and 2 of Plausible's, 3 and 1 of GoatCounter's", perDay)
	}
	srv.signal(t, syscall.SIGTERM)
	srv.waitExit(t)

	stdout, stderr, code := runCLI(t, "import", "delete", id, "--data-dir", data)
	if code != 0 || !strings.Contains(stdout, "9 events") {
		t.Fatalf("import delete = %q %q (%d)", stdout, stderr, code)
	}
	if _, stderr, code := runCLI(t, "import", "delete", id, "--data-dir", data); code == 0 || !strings.Contains(stderr, "not found") {
		t.Fatalf("second delete: %q (%d)", stderr, code)
	}
	srv = startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", data}})
	rows, _ = csv.NewReader(bytes.NewReader(exportCSV(t, srv, token, site, "csv"))).ReadAll()
	if len(rows) != 1+4 {
		t.Fatalf("%d rows after the deletion, want GoatCounter's 4", len(rows)-1)
	}
}

// TestImport_BadFiles are refused with a message, not a crash.
func TestImport_BadFiles(t *testing.T) {
	t.Parallel()
	data, _, site := importSite(t)
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"empty.csv":     {"", "empty"},
		"other.csv":     {"a,b,c\n1,2,3\n", "not an openfast export"},
		"bad-time.csv":  {"2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date\n/,,false,,,,s,0,,,,,true,yesterday\n", "not an RFC 3339 time"},
		"no-visits.zip": {"", "no imported_visitors"},
		"broken.zip":    {"PK\x03\x04garbage", "not a zip file"},
		"bad.ndjson":    {"{\"website_id\": 3}\n", "object 1"},
	}
	for name, c := range cases {
		body := []byte(c.body)
		if name == "no-visits.zip" {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("imported_pages_20240101_20240101.csv")
			w.Write([]byte("date,hostname,page,pageviews\n2024-01-01,,/,1\n"))
			zw.Close()
			body = buf.Bytes()
		}
		file := filepath.Join(dir, name)
		os.WriteFile(file, body, 0o600)
		stdout, stderr, code := runCLI(t, "import", "--website", site, "--data-dir", data, file)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "panic") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want an error saying %q", name, code, stdout, stderr, c.want)
		}
	}
}

func wd(t *testing.T) string {
	t.Helper()
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// importTimeseries reads the visitors and sessions of 1 and 2 March 2024.
func importTimeseries(t *testing.T, srv *serverProcess, token, websiteID string) [2][2]int {
	t.Helper()
	q := "?websiteId=" + websiteID + "&startAt=2024-03-01&endAt=2024-03-02&timezone=UTC&interval=day&fields=visitors,sessions"
	b := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/timeseries"+q, token, nil)
	var ts struct {
		Data []struct {
			Visitors int `json:"visitors"`
			Sessions int `json:"sessions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &ts); err != nil || len(ts.Data) != 2 {
		t.Fatalf("timeseries = %s", b)
	}
	return [2][2]int{{ts.Data[0].Visitors, ts.Data[0].Sessions}, {ts.Data[1].Visitors, ts.Data[1].Sessions}}
}

// TestImport_WhileServing imports the GoatCounter and the Plausible
// fixtures through a running server while it takes events: the analytics
// of the imported days are those of the offline import, every event
// acknowledged meanwhile is stored, once; a second import while one runs
// is refused; import list and import delete go through the server too.
func TestImport_WhileServing(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	srv := startServer(t, serveArgs(dataDir))
	site := srv.createTrackedWebsite(t, token)
	load := startLoad(srv, site.trackingID, "/live/")
	defer load.finish()
	for deadline := time.Now().Add(loadLimit); load.acks.Load() < 100; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d events acknowledged within %v", load.acks.Load(), loadLimit)
		}
	}

	// An upload that does not finish holds the server's import: a second
	// one is refused until its client goes away.
	conn, err := net.Dial("unix", filepath.Join(dataDir, adminSocketName))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /import?website=%s&name=slow.csv HTTP/1.1\r\nHost: openfast-admin\r\nContent-Length: 1000000\r\n\r\n2Path,Title\n", site.websiteID)
	eventually(t, "the slow upload is spooled", func() bool {
		left, _ := filepath.Glob(filepath.Join(dataDir, importSpoolPattern))
		return len(left) == 1
	})
	goatcounter := filepath.Join(wd(t), "testdata/import/goatcounter.csv")
	stdout, stderr, code := runCLI(t, "import", "--website", site.websiteID, "--data-dir", dataDir, goatcounter)
	if code == 0 || !strings.Contains(stderr, "an import is already running") {
		t.Fatalf("second import: exit %d, %q %q; want a refusal", code, stdout, stderr)
	}
	conn.Close()
	eventually(t, "the slow upload is removed", func() bool {
		left, _ := filepath.Glob(filepath.Join(dataDir, importSpoolPattern))
		return len(left) == 0
	})

	events, skipped, goatID := runImportCLI(t, dataDir, site.websiteID, goatcounter)
	if events != "4" || skipped != "2" {
		t.Fatalf("imported %s events, skipped %s; want 4 and 2", events, skipped)
	}
	stdout, _, _ = runCLI(t, "import", "--website", site.websiteID, "--data-dir", dataDir, plausibleZip(t))
	if !strings.Contains(stdout, "the server running on it imports the file") {
		t.Errorf("stdout %q does not say the server imports", stdout)
	}
	m := importedLine.FindStringSubmatch(stdout)
	if m == nil || m[1] != "9" {
		t.Fatalf("Plausible import: %q, want 9 events", stdout)
	}
	plausibleID := m[3]
	if _, stderr, code := runCLI(t, "import", "--website", "665f0b3c4d2e1a0000000000", "--data-dir", dataDir, goatcounter); code == 0 || !strings.Contains(stderr, "not found") {
		t.Errorf("import into an unknown website: exit %d, %q", code, stderr)
	}

	stdout, stderr, code = runCLI(t, "import", "list", "--website", site.websiteID, "--data-dir", dataDir)
	if code != 0 || !strings.Contains(stdout, goatID) || !strings.Contains(stdout, plausibleID) || strings.Contains(stdout, "incomplete") {
		t.Fatalf("import list = %q %q (%d)", stdout, stderr, code)
	}
	// As offline: 1 March has Plausible's 3 visitors and 4 visits and
	// GoatCounter's 2 sessions; 2 March 2 and 2, and GoatCounter's 1.
	if got := importTimeseries(t, srv, token, site.websiteID); got != [2][2]int{{3 + 2, 4 + 2}, {2 + 1, 2 + 1}} {
		t.Errorf("timeseries = %v", got)
	}
	stdout, stderr, code = runCLI(t, "import", "delete", plausibleID, "--data-dir", dataDir)
	if code != 0 || !strings.Contains(stdout, "9 events") {
		t.Fatalf("import delete = %q %q (%d)", stdout, stderr, code)
	}
	if _, stderr, code := runCLI(t, "import", "delete", plausibleID, "--data-dir", dataDir); code == 0 || !strings.Contains(stderr, "not found") {
		t.Errorf("second delete: %q (%d)", stderr, code)
	}
	if got := importTimeseries(t, srv, token, site.websiteID); got != [2][2]int{{2, 2}, {1, 1}} {
		t.Errorf("timeseries after the deletion = %v, want GoatCounter's alone", got)
	}

	// A Parquet export of the imported days, imported back into a second
	// website through the server (DuckDB reads the upload by its path).
	parquet := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/export?format=parquet&websiteId="+site.websiteID+"&startAt=2024-03-01&endAt=2024-03-02&timezone=UTC", token, nil)
	parquetFile := filepath.Join(t.TempDir(), "export.parquet")
	if err := os.WriteFile(parquetFile, parquet, 0o600); err != nil {
		t.Fatal(err)
	}
	siteB := srv.createWebsite(t, token, "b.example.com")
	if events, _, _ := runImportCLI(t, dataDir, siteB, parquetFile); events != "4" {
		t.Errorf("Parquet import: %s events, want GoatCounter's 4", events)
	}
	if got := importTimeseries(t, srv, token, siteB); got != [2][2]int{{2, 2}, {1, 1}} {
		t.Errorf("timeseries of the Parquet import = %v, want GoatCounter's", got)
	}

	acked := load.result(t)
	srv.signal(t, syscall.SIGTERM)
	if code := srv.waitExit(t); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	checkMissing(t, filepath.Join(dataDir, adminSocketName))
	stored := storedAfterStop(t, dataDir, site.websiteID)
	for p := range stored {
		if !strings.HasPrefix(p, "/live/") {
			delete(stored, p) // the imported pageviews
		}
	}
	if n, _ := checkStored(t, stored, acked, "/live/"); n < len(acked) {
		t.Errorf("%d events of the load stored, %d acknowledged", n, len(acked))
	}
}
