package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openfast/openfast/internal/testskip"
	"github.com/openfast/openfast/sqlite"
)

// waitLimit bounds every wait of these tests: generous, so that a slow
// machine passes, and finite, so that a broken binary fails instead of
// hanging.
const waitLimit = 30 * time.Second

// binary is the openfast executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "openfast-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create build folder:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "openfast")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go build:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := testskip.Main(m, "cmd/openfast")
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	tokenLine     = regexp.MustCompile(`^dft_[0-9A-Za-z]{36}$`)
	listeningAddr = regexp.MustCompile(`msg="openfast listening" addr=(\S+)`)
)

// baseEnv is the test process's environment without OPENFAST_ variables,
// so that a developer's settings cannot change what the binary does, and
// with no exchange-rate URL: the servers the tests start reach no address
// but loopback.
func baseEnv() []string {
	env := []string{"OPENFAST_EXCHANGE_RATES_URL="}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENFAST_") {
			env = append(env, kv)
		}
	}
	return env
}

// logWatcher collects the lines a process writes and lets a test wait,
// with a bound, for a line containing some text.
type logWatcher struct {
	mu      sync.Mutex
	lines   []string
	ended   bool
	changed chan struct{} // closed and replaced whenever lines or ended change
}

func newLogWatcher() *logWatcher {
	return &logWatcher{changed: make(chan struct{})}
}

// consume reads r line by line until it ends.
func (w *logWatcher) consume(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			w.update(func() { w.lines = append(w.lines, strings.TrimRight(line, "\r\n")) })
		}
		if err != nil {
			w.update(func() { w.ended = true })
			return
		}
	}
}

func (w *logWatcher) update(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
	close(w.changed)
	w.changed = make(chan struct{})
}

// waitFor returns the first line containing text. It gives up when the
// stream ends without such a line or after limit.
func (w *logWatcher) waitFor(text string, limit time.Duration) (string, bool) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			if strings.Contains(l, text) {
				w.mu.Unlock()
				return l, true
			}
		}
		ended, changed := w.ended, w.changed
		w.mu.Unlock()
		if ended {
			return "", false
		}
		select {
		case <-changed:
		case <-timer.C:
			return "", false
		}
	}
}

func (w *logWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// serverProcess is a running `openfast serve`.
type serverProcess struct {
	cmd     *exec.Cmd
	logs    *logWatcher
	exited  chan struct{} // closed once the process has been waited for
	addr    string        // host:port it listens on
	baseURL string
	client  *http.Client
}

type serverOptions struct {
	args []string // after "serve"
	env  []string // added to baseEnv()
	dir  string   // working directory; empty means a new temporary folder
}

// startServer starts `openfast serve` and waits until it logs the address
// it listens on. The process is killed at the end of the test if it is
// still running.
func startServer(t *testing.T, o serverOptions) *serverProcess {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, o.args...)...)
	cmd.Env = append(baseEnv(), o.env...)
	// A temporary working folder keeps a default ./openfast-data out of
	// the source tree.
	cmd.Dir = o.dir
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start openfast serve: %v", err)
	}
	transport := &http.Transport{Proxy: nil}
	p := &serverProcess{
		cmd: cmd, logs: newLogWatcher(), exited: make(chan struct{}),
		client: &http.Client{Transport: transport, Timeout: waitLimit},
	}
	go func() {
		p.logs.consume(stderr)
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			select {
			case <-p.exited:
			case <-time.After(waitLimit):
				t.Errorf("openfast serve (pid %d) did not exit after being killed", cmd.Process.Pid)
			}
		}
		if t.Failed() {
			t.Logf("openfast serve %s logs:\n%s", strings.Join(o.args, " "), p.logs)
		}
	})
	line, ok := p.logs.waitFor(`msg="openfast listening"`, waitLimit)
	if !ok {
		t.Fatalf("openfast serve did not log that it listens; logs:\n%s", p.logs)
	}
	m := listeningAddr.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	p.addr = m[1]
	p.baseURL = "http://" + p.addr
	return p
}

// signal sends sig to the server.
func (p *serverProcess) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
}

// waitExit waits for the server to exit and returns its exit status.
func (p *serverProcess) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(waitLimit):
		t.Fatalf("openfast serve did not exit within %v; logs:\n%s", waitLimit, p.logs)
		return -1
	}
}

// waitLog fails the test unless the server logs a line containing text.
func (p *serverProcess) waitLog(t *testing.T, text string) string {
	t.Helper()
	line, ok := p.logs.waitFor(text, waitLimit)
	if !ok {
		t.Fatalf("openfast serve did not log %q; logs:\n%s", text, p.logs)
	}
	return line
}

// do sends a request with an optional bearer token and JSON body, and
// returns the status and the response body.
func (p *serverProcess) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.baseURL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// expectStatus sends a request and fails the test unless it answers want.
func (p *serverProcess) expectStatus(t *testing.T, want int, method, path, token string, body any) []byte {
	t.Helper()
	got, b := p.do(t, method, path, token, body)
	if got != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, got, want, b)
	}
	return b
}

type accountResponse struct {
	Data []struct {
		ID         string  `json:"_id"`
		Email      string  `json:"email"`
		Name       *string `json:"name"`
		Credential struct {
			Permissions json.RawMessage `json:"permissions"`
			WebsiteIDs  json.RawMessage `json:"websiteIds"`
		} `json:"credential"`
	} `json:"data"`
}

// account calls GET /api/v1/admin/account with token and checks that the
// token is a full-access token of the user with this email and name. It
// returns the user's _id.
func (p *serverProcess) account(t *testing.T, token, email, name string) string {
	t.Helper()
	b := p.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/admin/account", token, nil)
	var a accountResponse
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("decode account: %v; body: %s", err, b)
	}
	if len(a.Data) != 1 {
		t.Fatalf("account data has %d items, want 1; body: %s", len(a.Data), b)
	}
	d := a.Data[0]
	if d.Email != email {
		t.Errorf("account email = %q, want %q", d.Email, email)
	}
	if d.Name == nil || *d.Name != name {
		t.Errorf("account name = %v, want %q; body: %s", d.Name, name, b)
	}
	if got := string(d.Credential.Permissions); got != `["*"]` {
		t.Errorf("credential permissions = %s, want [\"*\"]", got)
	}
	if got := string(d.Credential.WebsiteIDs); got != `[]` {
		t.Errorf("credential websiteIds = %s, want []", got)
	}
	if d.ID == "" {
		t.Errorf("account has no _id; body: %s", b)
	}
	return d.ID
}

// createWebsite creates a website over HTTP and returns its id.
func (p *serverProcess) createWebsite(t *testing.T, token, domain string) string {
	t.Helper()
	b := p.expectStatus(t, http.StatusOK, http.MethodPost, "/api/v1/admin/websites", token,
		map[string]string{"domain": domain, "timezone": "UTC"})
	return websiteIDOf(t, b)
}

func websiteIDOf(t *testing.T, body []byte) string {
	t.Helper()
	var r struct {
		Data []struct {
			WebsiteID string `json:"websiteId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || len(r.Data) != 1 || r.Data[0].WebsiteID == "" {
		t.Fatalf("no websiteId in %s (%v)", body, err)
	}
	return r.Data[0].WebsiteID
}

// runCLI runs the binary with args, in a temporary working folder, and
// returns its stdout, stderr and exit status.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with variables added to the environment.
func runCLIEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("openfast %s did not finish within %v", strings.Join(args, " "), waitLimit)
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run openfast %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// runBootstrap runs `openfast admin bootstrap`, checks its output and returns
// the token.
func runBootstrap(t *testing.T, dataDir, email, name string) string {
	t.Helper()
	args := []string{"admin", "bootstrap", "--email", email, "--data-dir", dataDir, "--create"}
	if name != "" {
		args = append(args, "--name", name)
	}
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("admin bootstrap exited with %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	token := lines[len(lines)-1]
	if !tokenLine.MatchString(token) {
		t.Fatalf("last line of stdout %q is not a dft_ token; stdout:\n%s", token, stdout)
	}
	if errLines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); len(errLines) != 1 || !strings.Contains(errLines[0], "shown once") {
		t.Errorf("stderr = %q, want one line saying the token is shown once", stderr)
	}
	return token
}

// privateDir is a new folder private to its owner, as serve wants its data
// folder: t.TempDir's folders are open to others under the usual umask.
func privateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkMode fails the test unless path exists with permission bits want.
func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

func checkMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists (stat error %v), want it absent", path, err)
	}
}

// appliedMigrations lists the versions recorded in schema_migrations,
// reading the database file without the sqlite package's Open (which
// would apply the migrations itself).
func appliedMigrations(t *testing.T, dbPath string) []int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return versions
}

// migrationVersions lists the versions of the migration files that the
// binary embeds.
func migrationVersions(t *testing.T) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "sqlite", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found (%v)", err)
	}
	var versions []int
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		versions = append(versions, v)
	}
	sort.Ints(versions)
	return versions
}

func TestServe_FlagsCreateDataDirAndBootstrapWorksWhileRunning(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "sub", "data")
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})

	if !strings.HasPrefix(srv.addr, "127.0.0.1:") || srv.addr == "127.0.0.1:0" {
		t.Errorf("server listens on %s, want 127.0.0.1 with a chosen port", srv.addr)
	}
	checkMode(t, dataDir, 0o700)
	dbPath := filepath.Join(dataDir, sqlite.FileName)
	checkMode(t, dbPath, 0o600)
	if got, want := appliedMigrations(t, dbPath), migrationVersions(t); !slices.Equal(got, want) {
		t.Errorf("applied migrations %v, want %v", got, want)
	}
	srv.expectStatus(t, http.StatusOK, http.MethodGet, "/healthz", "", nil)
	srv.expectStatus(t, http.StatusOK, http.MethodGet, "/readyz", "", nil)

	first := runBootstrap(t, dataDir, "a@example.com", "Ann")
	userID := srv.account(t, first, "a@example.com", "Ann")

	second := runBootstrap(t, dataDir, "a@example.com", "Ann")
	if second == first {
		t.Fatal("a second bootstrap printed the same token")
	}
	if id := srv.account(t, second, "a@example.com", "Ann"); id != userID {
		t.Errorf("second bootstrap token belongs to user %s, want %s", id, userID)
	}
	if id := srv.account(t, first, "a@example.com", "Ann"); id != userID {
		t.Errorf("first token now belongs to user %s, want %s", id, userID)
	}

	srv.signal(t, syscall.SIGTERM)
	if code := srv.waitExit(t); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
}

func TestServe_Environment(t *testing.T) {
	t.Parallel()
	t.Run("EnvOnly", func(t *testing.T) {
		t.Parallel()
		dataDir := filepath.Join(t.TempDir(), "env-data")
		srv := startServer(t, serverOptions{env: []string{
			"OPENFAST_LISTEN=127.0.0.1:0",
			"OPENFAST_DATA_DIR=" + dataDir,
		}})
		if !strings.HasPrefix(srv.addr, "127.0.0.1:") || srv.addr == "127.0.0.1:8080" {
			t.Errorf("server listens on %s, want the port chosen for OPENFAST_LISTEN=127.0.0.1:0", srv.addr)
		}
		checkMode(t, dataDir, 0o700)
		checkMode(t, filepath.Join(dataDir, sqlite.FileName), 0o600)
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/readyz", "", nil)
	})
	t.Run("FlagWins", func(t *testing.T) {
		t.Parallel()
		tmp := t.TempDir()
		envDir, flagDir := filepath.Join(tmp, "from-env"), filepath.Join(tmp, "from-flag")
		srv := startServer(t, serverOptions{
			// The environment's address cannot be listened on: the server
			// starts only if the flag wins.
			env:  []string{"OPENFAST_LISTEN=256.0.0.1:1", "OPENFAST_DATA_DIR=" + envDir},
			args: []string{"--listen", "127.0.0.1:0", "--data-dir", flagDir},
		})
		if !strings.HasPrefix(srv.addr, "127.0.0.1:") {
			t.Errorf("server listens on %s, want the --listen address", srv.addr)
		}
		checkMode(t, flagDir, 0o700)
		checkMissing(t, envDir)
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/healthz", "", nil)
	})
}

func TestServe_Defaults(t *testing.T) {
	t.Parallel()
	t.Run("DataDir", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0"}, dir: work})
		dataDir := filepath.Join(work, "openfast-data")
		checkMode(t, dataDir, 0o700)
		checkMode(t, filepath.Join(dataDir, sqlite.FileName), 0o600)
		srv.expectStatus(t, http.StatusOK, http.MethodGet, "/readyz", "", nil)
	})
	t.Run("Help", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runCLI(t, "serve", "--help")
		if code != 0 {
			t.Fatalf("serve --help exited with %d; stderr:\n%s", code, stderr)
		}
		for _, want := range []string{`--listen`, `"127.0.0.1:8080"`, `--data-dir`, `"./openfast-data"`} {
			if !strings.Contains(stdout, want) {
				t.Errorf("serve --help does not mention %s:\n%s", want, stdout)
			}
		}
	})
}

func TestServe_GracefulShutdown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sig  os.Signal
	}{
		{"SIGTERM", syscall.SIGTERM},
		{"SIGINT", os.Interrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dataDir := privateDir(t)
			srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
			srv.expectStatus(t, http.StatusOK, http.MethodGet, "/healthz", "", nil)

			srv.signal(t, tc.sig)
			if code := srv.waitExit(t); code != 0 {
				t.Errorf("exit status %d after %s, want 0", code, tc.name)
			}
			srv.waitLog(t, "shutting down")
			srv.waitLog(t, `msg=stopped`)
			// SQLite removes the write-ahead log when the last connection
			// closes: its absence shows that the store was closed.
			checkMissing(t, filepath.Join(dataDir, sqlite.FileName+"-wal"))
		})
	}
}

func TestServe_ShutdownFinishesInFlightRequest(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
	token := runBootstrap(t, dataDir, "slow@example.com", "Slow")

	// The body is sent in two parts. Expect: 100-continue makes the server
	// say when its handler starts reading the body, so the request is
	// known to be in flight before the signal.
	body, bodyWriter := io.Pipe()
	defer bodyWriter.Close()
	req, err := http.NewRequest(http.MethodPost, srv.baseURL+"/api/v1/admin/websites", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	reading := make(chan struct{})
	var once sync.Once
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got100Continue: func() { once.Do(func() { close(reading) }) },
	}))
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true, ExpectContinueTimeout: 2 * waitLimit}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 2 * waitLimit}

	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: b, err: err}
	}()

	write := func(s string) {
		t.Helper()
		written := make(chan error, 1)
		go func() {
			_, err := io.WriteString(bodyWriter, s)
			written <- err
		}()
		select {
		case err := <-written:
			if err != nil {
				t.Fatalf("write request body: %v", err)
			}
		case r := <-done:
			t.Fatalf("request ended before its body was sent: status %d, body %s, error %v", r.status, r.body, r.err)
		case <-time.After(waitLimit):
			t.Fatal("the request body was not read")
		}
	}

	select {
	case <-reading:
	case r := <-done:
		t.Fatalf("request ended before its body was sent: status %d, body %s, error %v", r.status, r.body, r.err)
	case <-time.After(waitLimit):
		t.Fatal("the server did not start reading the request body")
	}
	const domain = "inflight.example.com"
	payload := `{"domain":"` + domain + `","timezone":"UTC"}`
	write(payload[:len(payload)/2])

	srv.signal(t, syscall.SIGTERM)
	srv.waitLog(t, "shutting down")

	// New connections are refused from now on.
	refused := false
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", srv.addr, waitLimit)
		if err != nil {
			refused = true
			break
		}
		conn.Close()
	}
	if !refused {
		t.Error("the server still accepts connections after it logged that it is shutting down")
	}

	write(payload[len(payload)/2:])
	if err := bodyWriter.Close(); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * waitLimit):
		t.Fatal("the in-flight request did not complete")
	}
	if r.err != nil {
		t.Fatalf("in-flight request failed: %v", r.err)
	}
	if r.status != http.StatusOK {
		t.Fatalf("in-flight request answered %d, want 200; body: %s", r.status, r.body)
	}
	websiteID := websiteIDOf(t, r.body)

	if code := srv.waitExit(t); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	srv.waitLog(t, "msg=stopped")
	if line, ok := srv.logs.waitFor("did not finish in time", 0); ok {
		t.Errorf("unexpected log line %q", line)
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dataDir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	user, err := store.UserByEmail(ctx, "slow@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sites, err := store.WebsitesForUser(ctx, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 1 || sites[0].ID != websiteID || sites[0].Domain != domain {
		t.Errorf("websites of the user after shutdown = %+v, want only %s (%s)", sites, websiteID, domain)
	}
}

func TestAdminBootstrap_RejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"BadEmail", []string{"--email", "not-an-email"}, "not a valid email address"},
		{"NoEmail", nil, "--email is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dataDir := filepath.Join(t.TempDir(), "data")
			args := append([]string{"admin", "bootstrap", "--data-dir", dataDir}, tc.args...)
			stdout, stderr, code := runCLI(t, args...)
			if code == 0 {
				t.Errorf("exit status 0, want non-zero; stdout:\n%s", stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.stderr)
			}
			if strings.Contains(stdout, "dft_") {
				t.Errorf("stdout shows a token: %q", stdout)
			}
			checkMissing(t, dataDir) // refused before touching the data folder
		})
	}
}

func TestAdminDeleteWebsite(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	// The credential cache would trust the website for an hour; the
	// server must still see another process's deletion within a second.
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--credential-cache-ttl", "1h"}})
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	websiteID := srv.createWebsite(t, token, "delete-me.example.com")
	srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/admin/websites/"+websiteID, token, nil)

	stdout, stderr, code := runCLI(t, "admin", "delete-website", "--id", websiteID, "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("delete-website exited with %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, websiteID) {
		t.Errorf("stdout = %q, want it to name the website", stdout)
	}
	// A website that is gone is refused like any website the caller cannot
	// access, within a second of the other process's commit.
	deleted := time.Now()
	for {
		status, _ := srv.do(t, http.MethodGet, "/api/v1/admin/websites/"+websiteID, token, nil)
		if status == http.StatusForbidden {
			t.Logf("the server refused the deleted website %v after the deletion", time.Since(deleted).Round(time.Millisecond))
			break
		}
		if time.Since(deleted) > time.Second {
			t.Fatalf("GET the deleted website: status %d a second after another process deleted it, want 403", status)
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, tc := range []struct {
		name, id, stderr string
	}{
		{"Malformed", "not-an-id", "--id must be"},
		{"AlreadyDeleted", websiteID, "not found"},
		{"Missing", "", "--id must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "admin", "delete-website", "--id", tc.id, "--data-dir", dataDir)
			if code == 0 {
				t.Errorf("exit status 0, want non-zero; stdout:\n%s", stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.stderr)
			}
		})
	}
}
