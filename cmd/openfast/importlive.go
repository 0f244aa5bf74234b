package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/duckdb"
)

// A server imports files it is sent over the admin socket (POST /import),
// so that importing does not need it stopped. The CLI sends the file's
// bytes, not its path: it may run as another user than the server. The
// server spools them into the data folder, then runs the same import as
// the offline command, and streams its progress back as lines of JSON.

const (
	// maxImportUpload bounds the file an import sends to a running server.
	maxImportUpload = 8 << 30
	// importTimeout bounds one import through the server.
	importTimeout = 6 * time.Hour
	// importIdle bounds the wait for the next bytes of the upload, and for
	// the client to take the next progress line.
	importIdle = time.Minute
	// maxImportName bounds the file name an import records.
	maxImportName = 255
	// importSpoolPattern names the files uploads are spooled to.
	importSpoolPattern = ".import-*.upload"
	// importAnswerIdle bounds the CLI's wait for the server's next line.
	importAnswerIdle = 10 * time.Minute
	// maxImportLine bounds a progress line the CLI reads.
	maxImportLine = 64 << 10
)

// errImportRunning answers an import asked for while one runs.
var errImportRunning = errors.New("an import is already running on this server; try again when it has finished")

// importRunner runs the imports a server is sent, one at a time.
type importRunner struct {
	dataDir string
	// website reads a website of the server's metadata store.
	website func(ctx context.Context, id string) (*openfast.Website, error)
	// store is the server's event store, nil when it does not take
	// imports (ClickHouse).
	store    openfast.ImportStore
	maxBytes int64
	running  atomic.Bool
	runs     sync.WaitGroup
	mu       sync.Mutex
	current  string // the id of the running import
}

// serverImports is the import runner of a server with these stores.
func serverImports(dataDir string, meta metadataStore, events eventStore) *importRunner {
	r := &importRunner{dataDir: dataDir, website: meta.Website, maxBytes: maxImportUpload}
	if db, ok := events.(*duckdb.DB); ok {
		r.store = db
	}
	return r
}

// errImportUnsupported: the server's events are not in the embedded store.
var errImportUnsupported = errors.New("this server's events are in ClickHouse (--clickhouse-url): imports are for the embedded event store (DuckDB)")

// importRequest is what POST /import's query says.
type importRequest struct {
	website string
	name    string // the file's name, as the import records it
}

// parseImportRequest reads POST /import's query: website=ID (required)
// and name=FILE (the file's base name, optional).
func parseImportRequest(rawQuery string) (importRequest, error) {
	q, err := adminQuery(rawQuery, "website", "name")
	if err != nil {
		return importRequest{}, err
	}
	req := importRequest{website: q.Get("website"), name: q.Get("name")}
	if !openfast.ValidID(req.website) {
		return importRequest{}, errors.New("website must be a 24-character hex ObjectId")
	}
	if req.name == "" {
		req.name = "upload"
	}
	if !validImportName(req.name) {
		return importRequest{}, fmt.Errorf("name must be a file name of at most %d bytes, without a folder", maxImportName)
	}
	return req, nil
}

// validImportName accepts a printable base name of a file.
func validImportName(s string) bool {
	if len(s) > maxImportName || !utf8.ValidString(s) || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// adminQuery parses a query of the admin API, which may hold each of
// allowed once.
func adminQuery(rawQuery string, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("malformed query: %v", err)
	}
	for k, v := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return nil, fmt.Errorf("unknown parameter %q", clipped(k))
		}
		if len(v) > 1 {
			return nil, fmt.Errorf("%s is given more than once", k)
		}
	}
	return q, nil
}

func clipped(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// importLine is one line of POST /import's answer: the first says what is
// imported, the next ones how far it went, the last how it ended.
type importLine struct {
	ImportID string `json:"importId,omitempty"`
	Source   string `json:"source,omitempty"`
	FileName string `json:"fileName,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Events   int64  `json:"events"`
	Bytes    int64  `json:"bytes,omitempty"` // -1: unknown
	Done     bool   `json:"done,omitempty"`
	Skipped  int64  `json:"skipped,omitempty"`
	Error    string `json:"error,omitempty"`
}

// importInfo is an import in GET /imports's answer.
type importInfo struct {
	ID        string    `json:"id"`
	WebsiteID string    `json:"websiteId"`
	Source    string    `json:"source"`
	FileName  string    `json:"fileName"`
	Rows      int64     `json:"rows"`
	Created   time.Time `json:"created"`
	Complete  bool      `json:"complete"`
}

// handleImport serves POST /import: the body is the file.
func (ir *importRunner) handleImport(ctx context.Context, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeAdminError(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		req, err := parseImportRequest(r.URL.RawQuery)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		if ir.store == nil {
			writeAdminError(w, http.StatusBadRequest, errImportUnsupported.Error())
			return
		}
		if r.ContentLength > ir.maxBytes {
			writeAdminError(w, http.StatusRequestEntityTooLarge, ir.tooLarge())
			return
		}
		site, err := ir.website(r.Context(), req.website)
		if err != nil {
			code := openfast.HTTPStatus(openfast.ErrorCode(err))
			if code >= 500 {
				log.Error("import: read the website", "website", req.website, "error", err)
			}
			writeAdminError(w, code, fmt.Sprintf("website %s: %v", req.website, err))
			return
		}
		if !ir.running.CompareAndSwap(false, true) {
			writeAdminError(w, http.StatusConflict, errImportRunning.Error())
			return
		}
		rc := http.NewResponseController(w)
		// A refusal replaces the type; the first line writes the 200.
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		send := func(l importLine) {
			rc.SetWriteDeadline(time.Now().Add(importIdle))
			enc.Encode(l) // a client gone cancels the import
			rc.Flush()
		}
		// The last line, or the refusal, is written once the import is
		// over and the next one may start.
		last, code, err := ir.run(ctx, r, rc, req, site, send, log)
		if err != nil {
			writeAdminError(w, code, err.Error())
			return
		}
		send(last)
	}
}

// run spools the body of r and imports it, holding the server's import
// meanwhile. Once the answer has started (the first line is sent), it
// returns the last line to send; before, the status and the error to
// answer with.
func (ir *importRunner) run(ctx context.Context, r *http.Request, rc *http.ResponseController, req importRequest, site *openfast.Website, send func(importLine), log *slog.Logger) (importLine, int, error) {
	ir.runs.Add(1)
	defer ir.runs.Done()
	defer ir.running.Store(false)
	// The import stops when the client goes away (as Ctrl-C stops the
	// offline one), when the server shuts down, or after importTimeout.
	ictx, cancel := context.WithTimeout(r.Context(), importTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	spool, code, err := ir.spool(r, rc)
	if spool != "" {
		defer os.Remove(spool)
	}
	if err != nil {
		return importLine{}, code, err
	}
	// The body is read: the connection's next read only tells when the
	// client goes away.
	deadline, _ := ictx.Deadline()
	rc.SetReadDeadline(deadline)
	src, err := openImportSource(ictx, spool, req.name, site)
	if err != nil {
		return importLine{}, http.StatusBadRequest, err
	}
	defer src.Close()
	im := src.newImport(req.website)
	ir.setCurrent(im.ID)
	defer ir.setCurrent("")

	// Size is given when the progress follows the bytes read.
	first := importLine{ImportID: im.ID, Source: im.Source, FileName: im.FileName, Domain: site.Domain, Bytes: -1}
	if src.counted != nil {
		first.Size = src.size
	}
	send(first)
	start := time.Now()
	log.Info("import started", "import", im.ID, "website", im.WebsiteID, "source", im.Source, "file", im.FileName, "bytes", src.size)
	total, err := importEvents(ictx, ir.store, im, src, func(events, bytes int64) {
		send(importLine{Events: events, Bytes: bytes})
	})
	if err != nil {
		log.Warn("import stopped", "import", im.ID, "events", total, "error", err)
		return importLine{ImportID: im.ID, Events: total, Error: err.Error()}, 0, nil
	}
	log.Info("import complete", "import", im.ID, "events", total, "skipped", src.Skipped(), "duration", time.Since(start).Round(time.Millisecond).String())
	return importLine{ImportID: im.ID, Done: true, Events: total, Skipped: src.Skipped()}, 0, nil
}

func (ir *importRunner) tooLarge() string {
	return fmt.Sprintf("the file is larger than the %d bytes an import through the running server takes: stop the server and import it offline", ir.maxBytes)
}

func (ir *importRunner) setCurrent(id string) {
	ir.mu.Lock()
	ir.current = id
	ir.mu.Unlock()
}

// spool writes the body into a new file of the data folder (mode 0600)
// and returns its path; on an error the status to answer with.
func (ir *importRunner) spool(r *http.Request, rc *http.ResponseController) (string, int, error) {
	f, err := os.CreateTemp(ir.dataDir, importSpoolPattern)
	if err != nil {
		return "", http.StatusInternalServerError, fmt.Errorf("spool the file: %w", err)
	}
	path := f.Name()
	body := http.MaxBytesReader(nil, io.NopCloser(&idleReader{r: r.Body, rc: rc}), ir.maxBytes)
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil && cerr != nil {
		return path, http.StatusInternalServerError, fmt.Errorf("spool the file: %w", cerr)
	}
	if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
		return path, http.StatusRequestEntityTooLarge, errors.New(ir.tooLarge())
	}
	if err != nil {
		return path, http.StatusBadRequest, fmt.Errorf("read the file: %w", err)
	}
	return path, 0, nil
}

// idleReader gives each read of a request's body importIdle.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (d *idleReader) Read(p []byte) (int, error) {
	d.rc.SetReadDeadline(time.Now().Add(importIdle))
	return d.r.Read(p)
}

// handleList serves GET /imports[?website=ID].
func (ir *importRunner) handleList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeAdminError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	q, err := adminQuery(r.URL.RawQuery, "website")
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	website := q.Get("website")
	if website != "" && !openfast.ValidID(website) {
		writeAdminError(w, http.StatusBadRequest, "website must be a 24-character hex ObjectId")
		return
	}
	if ir.store == nil {
		writeAdminError(w, http.StatusBadRequest, errImportUnsupported.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), importIdle)
	defer cancel()
	list, err := ir.store.Imports(ctx, website)
	if err != nil {
		writeAdminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]importInfo, 0, len(list))
	for _, im := range list {
		out = append(out, importInfo(im))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": out})
}

// handleDelete serves DELETE /imports/{id}.
func (ir *importRunner) handleDelete(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodDelete {
		w.Header().Set("Allow", http.MethodDelete)
		writeAdminError(w, http.StatusMethodNotAllowed, "use DELETE")
		return
	}
	id := r.PathValue("id")
	if !openfast.ValidID(id) {
		writeAdminError(w, http.StatusBadRequest, "an import id is 24 hex characters")
		return
	}
	if ir.store == nil {
		writeAdminError(w, http.StatusBadRequest, errImportUnsupported.Error())
		return
	}
	ir.mu.Lock()
	running := ir.current == id
	ir.mu.Unlock()
	if running {
		writeAdminError(w, http.StatusConflict, "import "+id+" is running: stop it (interrupt openfast import) first")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), importTimeout)
	defer cancel()
	n, err := ir.store.DeleteImport(ctx, id)
	if err != nil {
		writeAdminError(w, openfast.HTTPStatus(openfast.ErrorCode(err)), err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"id": id, "events": n}})
}

// removeImportSpools removes the upload files a previous run left (the
// caller holds the data folder's lock: no import runs).
func removeImportSpools(dataDir string, log *slog.Logger) {
	stale, _ := filepath.Glob(filepath.Join(dataDir, importSpoolPattern))
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			log.Warn("remove an import's upload left by a previous run", "file", p, "error", err)
		}
	}
}

// importThroughServer sends the file f (of size bytes) to the server
// running on dataDir, which imports it into websiteID, and shows its
// progress; errNoServer when no server answers there.
func importThroughServer(ctx context.Context, dataDir, websiteID string, f *os.File, size int64, out, errOut io.Writer) error {
	client, err := adminClient(dataDir, 0)
	if err != nil {
		return err
	}
	// The body is sent once the server said it takes the import ("100
	// Continue"): a refusal comes before the upload.
	client.Transport.(*http.Transport).ExpectContinueTimeout = importIdle
	ctx, cancel := context.WithTimeout(ctx, importTimeout+time.Minute)
	defer cancel()
	name := filepath.Base(f.Name())
	if !validImportName(name) {
		name = "upload"
	}
	fmt.Fprintf(out, "Data folder: %s (the server running on it imports the file)\n", dataDir)
	up := newImportProgress(errOut, size, "sending")
	body := &progressReader{r: f, report: up.sent}
	q := url.Values{"website": {websiteID}, "name": {name}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://openfast-admin/import?"+q.Encode(), body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Expect", "100-continue")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		up.stop()
		return fmt.Errorf("send the file to the server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		up.stop() // a refusal comes before the upload: no full bar
		return adminRefusal(resp, "the server refused the import")
	}
	up.finish()
	// Each line must come within importAnswerIdle.
	idle := time.AfterFunc(importAnswerIdle, cancel)
	defer idle.Stop()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 4096), maxImportLine)
	var im importLine
	var bar *importProgress
	defer func() {
		if bar != nil {
			bar.finish()
		}
	}()
	for sc.Scan() {
		idle.Reset(importAnswerIdle)
		var l importLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("the server answered %q: %v", clipped(sc.Text()), err)
		}
		switch {
		case l.Error != "":
			return errors.New(l.Error)
		case l.Done:
			bar.finish()
			bar = nil
			fmt.Fprintf(out, "Imported %d events (%d rows skipped) in %s: import %s\n", l.Events, l.Skipped, time.Since(start).Round(time.Millisecond), im.ImportID)
			return nil
		case bar == nil:
			im = l
			fmt.Fprintf(out, "Importing %s (%s) into %s as import %s\n", l.FileName, l.Source, l.Domain, l.ImportID)
			bar = newImportProgress(errOut, l.Size, "importing")
		default:
			bar.events(l.Events, l.Bytes)
		}
	}
	err = sc.Err()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	if im.ImportID == "" {
		return fmt.Errorf("read the server's answer: %w", err)
	}
	return fmt.Errorf("the server's answer ended before the import did: %w (import %s may be incomplete: openfast import list shows it, openfast import delete %s deletes it)", err, im.ImportID, im.ImportID)
}

// progressReader reports the bytes read so far after each read.
type progressReader struct {
	r      io.Reader
	n      int64
	report func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.report(p.n)
	return n, err
}

// adminRefusal is the error of an admin API answer that is not a success.
func adminRefusal(resp *http.Response, what string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAdminBody))
	var r struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Error.Message == "" {
		return fmt.Errorf("%s: status %d: %s", what, resp.StatusCode, clipped(string(b)))
	}
	if resp.StatusCode == http.StatusNotFound && r.Error.Message == "no such admin command" {
		return fmt.Errorf("%s: the running server is an older openfast, without imports over the admin socket: stop it to run the command offline, or upgrade it", what)
	}
	return errors.New(r.Error.Message)
}

// importsThroughServer lists the imports of websiteID ("": all) on the
// server running on dataDir; errNoServer when none answers there.
func importsThroughServer(ctx context.Context, dataDir, websiteID string) ([]openfast.Import, error) {
	client, err := adminClient(dataDir, 2*importIdle)
	if err != nil {
		return nil, err
	}
	u := "http://openfast-admin/imports"
	if websiteID != "" {
		u += "?" + url.Values{"website": {websiteID}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the server for the imports: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, adminRefusal(resp, "the server refused the list")
	}
	var r struct {
		Data []importInfo `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("read the server's answer: %w", err)
	}
	out := make([]openfast.Import, 0, len(r.Data))
	for _, im := range r.Data {
		out = append(out, openfast.Import(im))
	}
	return out, nil
}

// deleteImportThroughServer deletes an import on the server running on
// dataDir; errNoServer when none answers there.
func deleteImportThroughServer(ctx context.Context, dataDir, id string) (int64, error) {
	client, err := adminClient(dataDir, importTimeout+time.Minute)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://openfast-admin/imports/"+url.PathEscape(id), nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("ask the server to delete the import: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, adminRefusal(resp, "the server refused the deletion")
	}
	var r struct {
		Data struct {
			Events int64 `json:"events"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, fmt.Errorf("read the server's answer: %w", err)
	}
	return r.Data.Events, nil
}
