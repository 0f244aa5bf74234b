package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
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

// TestImport_PlausibleAndDelete imports the Plausible fixture (written
// from the columns of Plausible CE's CSV export), checks its totals, and
// deletes it.
func TestImport_PlausibleAndDelete(t *testing.T) {
	t.Parallel()
	data, token, site := importSite(t)
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
	os.WriteFile(zipFile, buf.Bytes(), 0o600)

	events, _, id := runImportCLI(t, data, site, zipFile)
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
