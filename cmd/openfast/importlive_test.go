package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
)

const liveSiteID = "665f0b3c4d2e1a0012345678"

// newTestImportRunner is the import runner of a server whose data folder
// has a real event database and one website, liveSiteID.
func newTestImportRunner(t testing.TB) *importRunner {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.OpenDataDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &importRunner{dataDir: dir, store: db, maxBytes: 1 << 20,
		website: func(_ context.Context, id string) (*openfast.Website, error) {
			if id != liveSiteID {
				return nil, openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
			}
			return &openfast.Website{ID: id, Domain: "example.org", Timezone: "UTC"}, nil
		}}
}

// adminEnvelope reads an admin API error envelope.
func adminEnvelope(t *testing.T, rec *httptest.ResponseRecorder) (status string, code int, message string) {
	t.Helper()
	var env struct {
		Status string `json:"status"`
		Error  struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("body %q is not an envelope: %v", rec.Body, err)
	}
	return env.Status, env.Error.Code, env.Error.Message
}

// checkNoSpool fails the test if an upload is left in the data folder.
func checkNoSpool(t *testing.T, dir string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(dir, importSpoolPattern)); len(left) > 0 {
		t.Errorf("uploads left in the data folder: %v", left)
	}
}

// TestAdminHandler_ImportRefusals: bad requests to the import routes are
// answered with a 4xx in the error envelope, and leave no upload behind.
func TestAdminHandler_ImportRefusals(t *testing.T) {
	t.Parallel()
	ir := newTestImportRunner(t)
	h := adminHandler(context.Background(), &backupRunner{}, ir, slog.New(slog.DiscardHandler))
	big := strings.Repeat("x", 2<<20)
	for _, c := range []struct {
		name, method, target, body string
		chunked                    bool
		status                     int
		message                    string
	}{
		{"no website", http.MethodPost, "/import", "a", false, 400, "website must be"},
		{"bad website", http.MethodPost, "/import?website=nope", "a", false, 400, "website must be"},
		{"unknown parameter", http.MethodPost, "/import?website=" + liveSiteID + "&path=/etc/passwd", "a", false, 400, `unknown parameter "path"`},
		{"twice", http.MethodPost, "/import?website=" + liveSiteID + "&website=" + liveSiteID, "a", false, 400, "more than once"},
		{"bad query", http.MethodPost, "/import?website=%zz", "a", false, 400, "malformed query"},
		{"folder in the name", http.MethodPost, "/import?website=" + liveSiteID + "&name=../x.csv", "a", false, 400, "without a folder"},
		{"control in the name", http.MethodPost, "/import?website=" + liveSiteID + "&name=a%0Ab", "a", false, 400, "without a folder"},
		{"GET", http.MethodGet, "/import?website=" + liveSiteID, "", false, 405, "use POST"},
		{"unknown website", http.MethodPost, "/import?website=665f0b3c4d2e1a0000000000", "a", false, 404, "not found"},
		{"too large", http.MethodPost, "/import?website=" + liveSiteID, big, false, 413, "stop the server and import it offline"},
		{"too large, chunked", http.MethodPost, "/import?website=" + liveSiteID, big, true, 413, "stop the server and import it offline"},
		{"empty", http.MethodPost, "/import?website=" + liveSiteID + "&name=empty.csv", "", false, 400, "empty.csv"},
		{"not a zip", http.MethodPost, "/import?website=" + liveSiteID, "PK\x03\x04garbage", false, 400, "not a zip file"},
		{"not an export", http.MethodPost, "/import?website=" + liveSiteID, "a,b,c\n1,2,3\n", false, 400, "not an openfast export"},
		{"list: bad website", http.MethodGet, "/imports?website=x", "", false, 400, "website must be"},
		{"list: unknown parameter", http.MethodGet, "/imports?all=1", "", false, 400, "unknown parameter"},
		{"list: POST", http.MethodPost, "/imports", "", false, 405, "use GET"},
		{"delete: bad id", http.MethodDelete, "/imports/x'y", "", false, 400, "24 hex"},
		{"delete: unknown", http.MethodDelete, "/imports/" + liveSiteID, "", false, 404, "not found"},
		{"delete: GET", http.MethodGet, "/imports/" + liveSiteID, "", false, 405, "use DELETE"},
	} {
		req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		if c.chunked {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		status, code, msg := adminEnvelope(t, rec)
		if rec.Code != c.status || status != "error" || code != c.status || !strings.Contains(msg, c.message) {
			t.Errorf("%s: %d %s %d %q, want %d with %q", c.name, rec.Code, status, code, msg, c.status, c.message)
		}
	}
	checkNoSpool(t, ir.dataDir)

	// A server on ClickHouse refuses imports.
	noStore := &importRunner{dataDir: ir.dataDir, website: ir.website, maxBytes: 1 << 20}
	h = adminHandler(context.Background(), &backupRunner{}, noStore, slog.New(slog.DiscardHandler))
	for _, target := range []string{"/import?website=" + liveSiteID, "/imports"} {
		rec := httptest.NewRecorder()
		method := http.MethodPost
		if target == "/imports" {
			method = http.MethodGet
		}
		h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader("x")))
		if _, code, msg := adminEnvelope(t, rec); code != 400 || !strings.Contains(msg, "ClickHouse") {
			t.Errorf("%s on ClickHouse: %d %q", target, code, msg)
		}
	}

	// One import at a time.
	ir.running.Store(true)
	rec := httptest.NewRecorder()
	h = adminHandler(context.Background(), &backupRunner{}, ir, slog.New(slog.DiscardHandler))
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/import?website="+liveSiteID, strings.NewReader("x")))
	if _, code, msg := adminEnvelope(t, rec); code != 409 || !strings.Contains(msg, "already running") {
		t.Errorf("second import: %d %q", code, msg)
	}
}

// importLines reads the lines of POST /import's answer.
func importLines(t *testing.T, body io.Reader) []importLine {
	t.Helper()
	var out []importLine
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		var l importLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// TestAdminHandler_ImportStreamsProgress imports the GoatCounter fixture
// and a file that breaks halfway: the answer's lines say what is imported
// and how it ended; the broken import stays listed as incomplete, and is
// deleted.
func TestAdminHandler_ImportStreamsProgress(t *testing.T) {
	t.Parallel()
	ir := newTestImportRunner(t)
	h := adminHandler(context.Background(), &backupRunner{}, ir, slog.New(slog.DiscardHandler))
	fixture, err := os.ReadFile("testdata/import/goatcounter.csv")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/import?website="+liveSiteID+"&name=goatcounter.csv", strings.NewReader(string(fixture))))
	lines := importLines(t, rec.Body)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-ndjson" || len(lines) < 2 {
		t.Fatalf("%d %q: %+v", rec.Code, rec.Header().Get("Content-Type"), lines)
	}
	first, last := lines[0], lines[len(lines)-1]
	if first.ImportID == "" || first.Source != "goatcounter" || first.FileName != "goatcounter.csv" || first.Domain != "example.org" || first.Size != int64(len(fixture)) {
		t.Errorf("first line %+v", first)
	}
	if !last.Done || last.Events != 4 || last.Skipped != 2 || last.Error != "" {
		t.Errorf("last line %+v, want done with 4 events and 2 skipped", last)
	}

	// A bad row after a good one: the import stops, stays incomplete.
	bad := "2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date\n" +
		"/,,false,,,,s,0,,,,,true,2024-03-01T09:00:00Z\n/,,false,,,,s,0,,,,,true,yesterday\n"
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/import?website="+liveSiteID+"&name=bad.csv", strings.NewReader(bad)))
	lines = importLines(t, rec.Body)
	last = lines[len(lines)-1]
	if rec.Code != 200 || !strings.Contains(last.Error, "not an RFC 3339 time") || !strings.Contains(last.Error, "openfast import delete "+lines[0].ImportID) {
		t.Fatalf("broken import: %d %+v", rec.Code, lines)
	}
	checkNoSpool(t, ir.dataDir)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/imports?website="+liveSiteID, nil))
	var list struct {
		Status string       `json:"status"`
		Data   []importInfo `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.Status != "success" || len(list.Data) != 2 {
		t.Fatalf("list: %s", rec.Body)
	}
	if !list.Data[0].Complete || list.Data[0].Rows != 4 || list.Data[1].Complete || list.Data[1].ID != lines[0].ImportID {
		t.Errorf("list: %+v, want the GoatCounter import complete and the broken one incomplete", list.Data)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/imports/"+lines[0].ImportID, nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"events":0`) {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
}

// TestAdminHandler_ImportClientGoesAway: a client that goes away halfway
// through the upload ends the import, and its upload is removed.
func TestAdminHandler_ImportClientGoesAway(t *testing.T) {
	t.Parallel()
	ir := newTestImportRunner(t)
	srv := httptest.NewServer(adminHandler(context.Background(), &backupRunner{}, ir, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/import?website="+liveSiteID, pr)
	req.ContentLength = 1 << 19
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	pw.Write([]byte(strings.Repeat("2Path,Title\n", 100)))
	eventually(t, "the upload is spooled", func() bool {
		left, _ := filepath.Glob(filepath.Join(ir.dataDir, importSpoolPattern))
		return len(left) == 1 && ir.running.Load()
	})
	left, _ := filepath.Glob(filepath.Join(ir.dataDir, importSpoolPattern))
	checkMode(t, left[0], 0o600)
	cancel()
	pw.CloseWithError(context.Canceled)
	<-done
	eventually(t, "the import ends", func() bool { return !ir.running.Load() })
	checkNoSpool(t, ir.dataDir)
}

// TestListenAdmin_RemovesStaleUploads: an upload a killed server left is
// removed when the next one starts.
func TestListenAdmin_RemovesStaleUploads(t *testing.T) {
	t.Parallel()
	dir := privateDir(t)
	stale := filepath.Join(dir, ".import-123.upload")
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, err := listenAdmin(dir, &backupRunner{}, &importRunner{dataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	checkNoSpool(t, dir)
}

// TestImportProgress_Lines: away from a terminal, the progress is a line
// every two seconds: events, percent (when the bytes read are known) and
// events/s, or the bytes sent of an upload.
func TestImportProgress_Lines(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	p := newImportProgress(&buf, 1000, "importing")
	p.events(10, 100) // within the first two seconds: nothing
	p.last = p.last.Add(-3 * time.Second)
	p.events(20, 250)
	p.last = p.last.Add(-3 * time.Second)
	p.events(30, -1)
	p.last = p.last.Add(-3 * time.Second)
	p.sent(500)
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "20 events, 25%, ") || !strings.HasSuffix(lines[0], " events/s") ||
		!strings.HasPrefix(lines[1], "30 events, ") || strings.Contains(lines[1], "%") || lines[2] != "sent 500 of 1000 bytes, 50%" {
		t.Errorf("progress lines:\n%s", buf.String())
	}
}

// TestImportThroughServer_BackToBack: imports sent one after the other
// over the admin socket each run (the server lets the next one start
// before it sends the last line); list and delete go through it too.
func TestImportThroughServer_BackToBack(t *testing.T) {
	t.Parallel()
	ir := newTestImportRunner(t)
	stop, err := listenAdmin(ir.dataDir, &backupRunner{}, ir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	var ids []string
	for range 3 {
		f, err := os.Open("testdata/import/goatcounter.csv")
		if err != nil {
			t.Fatal(err)
		}
		info, _ := f.Stat()
		var out strings.Builder
		err = importThroughServer(ctx, ir.dataDir, liveSiteID, f, info.Size(), &out, io.Discard)
		f.Close()
		m := importedLine.FindStringSubmatch(out.String())
		if err != nil || m == nil || m[1] != "4" || m[2] != "2" {
			t.Fatalf("import: %v; stdout %q", err, out.String())
		}
		ids = append(ids, m[3])
		checkNoSpool(t, ir.dataDir)
	}
	list, err := importsThroughServer(ctx, ir.dataDir, liveSiteID)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %v %+v", err, list)
	}
	for i, im := range list {
		if im.ID != ids[i] || !im.Complete || im.Rows != 4 || im.Source != "goatcounter" || im.FileName != "goatcounter.csv" {
			t.Errorf("import %d: %+v", i, im)
		}
	}
	if n, err := deleteImportThroughServer(ctx, ir.dataDir, ids[1]); err != nil || n != 4 {
		t.Errorf("delete: %d, %v", n, err)
	}
	if _, err := deleteImportThroughServer(ctx, ir.dataDir, ids[1]); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("second delete: %v", err)
	}
}
