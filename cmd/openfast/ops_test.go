package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
)

// `openfast version`, `version --json` and `--version` report the binary's
// version with those of Go, DuckDB and SQLite.
func TestVersion(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runCLI(t, "version", "--json")
	if code != 0 {
		t.Fatalf("version --json exited with %d: %s", code, stderr)
	}
	var v struct{ Version, GoVersion, Platform, DuckDB, SQLite string }
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("version --json printed %q: %v", stdout, err)
	}
	if v.Version != "(devel)" || v.GoVersion != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version --json = %+v, want (devel) built with %s for %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+`).MatchString(v.DuckDB) || !regexp.MustCompile(`^3\.\d+\.\d+$`).MatchString(v.SQLite) {
		t.Errorf("library versions duckdb %q sqlite %q, want them from the libraries", v.DuckDB, v.SQLite)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		stdout, stderr, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v exited with %d: %s", args, code, stderr)
		}
		for _, want := range []string{"version:  (devel)", "go:       " + runtime.Version(), "duckdb:   " + v.DuckDB, "sqlite:   " + v.SQLite} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v printed %q, want a line %q", args, stdout, want)
			}
		}
	}
}

// healthcheck exits 0 while the server answers /healthz, 1 when nothing
// answers.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", privateDir(t)}})
	if _, stderr, code := runCLI(t, "healthcheck", "--healthcheck-url", srv.baseURL+"/healthz"); code != 0 {
		t.Errorf("healthcheck of a running server exited with %d: %s", code, stderr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/healthz"
	ln.Close()
	if _, stderr, code := runCLI(t, "healthcheck", "--healthcheck-url", closed); code != 1 || !strings.Contains(stderr, "health check") {
		t.Errorf("healthcheck of no server exited with %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "healthcheck", "--healthcheck-url", "ftp://x/"); code == 0 || !strings.Contains(stderr, "--healthcheck-url must be") {
		t.Errorf("healthcheck of an ftp URL exited with %d: %s", code, stderr)
	}
}

// serve logs each migration it applies, and none when it starts again.
func TestServe_LogsMigrations(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
	latest := migrationVersions(t)[len(migrationVersions(t))-1]
	srv.waitLog(t, fmt.Sprintf("msg=migrated store=sqlite version=%d ", latest))
	srv.waitLog(t, "msg=migrated store=duckdb version=1 ")
	srv.signal(t, syscall.SIGTERM)
	if code := srv.waitExit(t); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	again := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
	if strings.Contains(again.logs.String(), "msg=migrated") {
		t.Errorf("a second start logged migrations:\n%s", again.logs)
	}
}

// serve refuses a data folder whose metadata or event database a newer
// openfast migrated further, says so, and leaves the database as it is.
func TestServe_RefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Metadata", func(t *testing.T) {
		t.Parallel()
		dataDir := privateDir(t)
		dbPath := filepath.Join(dataDir, sqlite.FileName)
		store, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		store.Close()
		execSQL(t, "sqlite3", dbPath, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`)
		before := appliedMigrations(t, dbPath)

		stdout, stderr, code := runCLI(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir)
		if code == 0 {
			t.Fatalf("serve exited with 0; stdout:\n%s", stdout)
		}
		want := fmt.Sprintf("openfast: this data folder was written by a newer openfast (metadata schema 9999, this binary knows up to %d); use a newer binary or restore a backup", migrationVersions(t)[len(migrationVersions(t))-1])
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
		if after := appliedMigrations(t, dbPath); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("migrations %v after the refusal, want %v", after, before)
		}
		checkMissing(t, filepath.Join(dataDir, duckdb.FileName))
	})
	t.Run("Events", func(t *testing.T) {
		t.Parallel()
		dataDir := privateDir(t)
		dbPath := filepath.Join(dataDir, duckdb.FileName)
		events, err := duckdb.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		events.Close()
		execSQL(t, "duckdb", dbPath, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`)

		stdout, stderr, code := runCLI(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir)
		if code == 0 {
			t.Fatalf("serve exited with 0; stdout:\n%s", stdout)
		}
		if want := "openfast: this data folder was written by a newer openfast (event schema 9999, this binary knows up to "; !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
	})
}

// execSQL runs one statement on a database file with the named driver.
func execSQL(t *testing.T, driver, path, stmt string) {
	t.Helper()
	db, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// A second serve on a data folder in use fails at once and names the
// process that holds it, instead of failing on the event database's lock.
func TestServe_SecondServerOnSameDataDir(t *testing.T) {
	t.Parallel()
	dataDir := privateDir(t)
	first := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
	stdout, stderr, code := runCLI(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir)
	if code == 0 {
		t.Fatalf("a second serve exited with 0; stdout:\n%s", stdout)
	}
	want := "openfast: another openfast (pid " + strconv.Itoa(first.cmd.Process.Pid) + ") is using this data folder (" + dataDir + ")"
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); lines[len(lines)-1] != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	first.expectStatus(t, 200, "GET", "/healthz", "", nil)
	// Once the first has stopped, the folder is free again.
	first.signal(t, syscall.SIGTERM)
	if code := first.waitExit(t); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}})
}

// admin bootstrap refuses a data folder without a metadata database unless
// --create is given, and names the folder it used.
func TestAdminBootstrap_DataDirMustExist(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	dataDir := filepath.Join(work, "data")

	stdout, stderr, code := runCLI(t, "admin", "bootstrap", "--email", "a@example.com", "--data-dir", dataDir)
	if code == 0 || strings.Contains(stdout, "dft_") {
		t.Fatalf("bootstrap without --create exited with %d; stdout:\n%s", code, stdout)
	}
	if want := "no openfast data folder at " + dataDir + " (no openfast.db in it)"; !strings.Contains(stderr, want) || !strings.Contains(stderr, "--create") {
		t.Errorf("stderr = %q, want it to contain %q and mention --create", stderr, want)
	}
	checkMissing(t, dataDir)

	// With the default folder, relative to the working folder, the message
	// shows the absolute path.
	_, stderr, _ = runCLI(t, "admin", "bootstrap", "--email", "a@example.com")
	if !regexp.MustCompile(`no openfast data folder at /\S+/openfast-data `).MatchString(stderr) {
		t.Errorf("stderr = %q, want the default folder's absolute path", stderr)
	}

	for i, args := range [][]string{{"--create"}, nil} {
		stdout, stderr, code := runCLI(t, append([]string{"admin", "bootstrap", "--email", "a@example.com", "--data-dir", dataDir}, args...)...)
		if code != 0 {
			t.Fatalf("bootstrap %d exited with %d: %s", i, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if lines[0] != "Data folder: "+dataDir || !tokenLine.MatchString(lines[len(lines)-1]) {
			t.Errorf("bootstrap %d printed %q, want the data folder first and the token last", i, stdout)
		}
	}
	checkMode(t, dataDir, 0o700)

	// delete-website has no --create: its refusal does not suggest it.
	_, stderr, code = runCLI(t, "admin", "delete-website", "--id", "665f0b3c4d2e1a0012345678", "--data-dir", filepath.Join(work, "elsewhere"))
	if code == 0 || !strings.Contains(stderr, "no openfast data folder at") || strings.Contains(stderr, "--create") {
		t.Errorf("delete-website on a missing folder exited with %d: %s", code, stderr)
	}
	checkMissing(t, filepath.Join(work, "elsewhere"))
}

// websites create without --timezone uses this machine's time zone (TZ
// here), and UTC when TZ is empty.
func TestWebsitesCreate_DefaultTimezone(t *testing.T) {
	t.Parallel()
	srv, dataDir := startCLIServer(t)
	token := runBootstrap(t, dataDir, "tz@example.com", "TZ")
	for i, tc := range []struct{ tz, want string }{{"America/New_York", "America/New_York"}, {"", "UTC"}} {
		u := newCLIUser(t, "TZ="+tc.tz)
		u.login(t, srv, token)
		r := u.run(t, "", "websites", "create", "--domain", fmt.Sprintf("tz%d.example.com", i), "--json")
		if r.code != 0 || !strings.Contains(r.stderr, "using "+tc.want) {
			t.Fatalf("websites create with TZ=%q exited with %d; stderr:\n%s", tc.tz, r.code, r.stderr)
		}
		var created []struct{ WebsiteID string }
		if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || len(created) != 1 {
			t.Fatalf("websites create --json: %q (%v)", r.stdout, err)
		}
		var site []map[string]any
		u.json(t, &site, "websites", "get", created[0].WebsiteID)
		if site[0]["timezone"] != tc.want {
			t.Errorf("TZ=%q: website timezone %v, want %s", tc.tz, site[0]["timezone"], tc.want)
		}
	}
}
