package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
	"github.com/spf13/pflag"
)

// The admin socket is a Unix socket in the data folder on which `serve`
// answers the local admin commands that need the running server, such as
// `admin backup`. Its mode (0600, in a 0700 folder) is the authentication:
// only the data folder's owner can connect.

const (
	adminSocketName = "admin.sock"
	// maxAdminBody bounds an admin request's body.
	maxAdminBody = 64 << 10
	// maxBackupPath bounds the backup folder's path.
	maxBackupPath = 4096
)

// errBackupRunning answers a backup asked for while one runs.
var errBackupRunning = errors.New("a backup is already running; try again when it has finished")

// backupRunner runs one backup at a time, each within backupTimeout.
type backupRunner struct {
	running atomic.Bool
	runs    sync.WaitGroup
	// source returns what to back up, or why this server cannot.
	source func() (backupSource, error)
}

func (b *backupRunner) run(ctx context.Context, to string) (*backupManifest, error) {
	src, err := b.source()
	if err != nil {
		return nil, err
	}
	if err := checkBackupTarget(to); err != nil {
		return nil, err // before a running backup is reported
	}
	if !b.running.CompareAndSwap(false, true) {
		return nil, errBackupRunning
	}
	b.runs.Add(1)
	defer b.runs.Done()
	defer b.running.Store(false)
	ctx, cancel := context.WithTimeout(ctx, backupTimeout)
	defer cancel()
	return runBackup(ctx, src, to)
}

// backupRequest is the body of POST /backup.
type backupRequest struct {
	To string `json:"to"`
}

// parseBackupRequest reads POST /backup's body: {"to": an absolute path}.
func parseBackupRequest(b []byte) (string, error) {
	var req backupRequest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "", fmt.Errorf("the body must be JSON {\"to\": \"/absolute/folder\"}: %v", err)
	}
	if dec.More() {
		return "", errors.New("the body must be one JSON object")
	}
	switch {
	case req.To == "":
		return "", errors.New("to is required: the absolute path of a new or empty folder")
	case len(req.To) > maxBackupPath || strings.ContainsRune(req.To, 0):
		return "", errors.New("to is not a usable path")
	case !filepath.IsAbs(req.To):
		return "", fmt.Errorf("to must be an absolute path, not %q", req.To)
	}
	return filepath.Clean(req.To), nil
}

// adminHandler serves the admin socket's API.
func adminHandler(ctx context.Context, b *backupRunner, ir *importRunner, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/import", ir.handleImport(ctx, log))
	mux.HandleFunc("/imports", ir.handleList)
	mux.HandleFunc("/imports/{id}", ir.handleDelete)
	mux.HandleFunc("/backup", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeAdminError(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, "read the body: "+err.Error())
			return
		}
		to, err := parseBackupRequest(body)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		// A client that goes away does not stop the backup; the server's
		// shutdown does.
		start := time.Now()
		m, err := b.run(ctx, to)
		switch {
		case errors.Is(err, errBackupRunning):
			writeAdminError(w, http.StatusConflict, err.Error())
		case errors.Is(err, errBackupUnsupported), errors.As(err, new(targetError)):
			writeAdminError(w, http.StatusBadRequest, err.Error())
		case err != nil:
			log.Error("backup failed", "to", to, "error", err)
			writeAdminError(w, http.StatusInternalServerError, "backup failed: "+err.Error())
		default:
			log.Info("backup written", "to", to, "files", len(m.Files), "bytes", backupSize(m), "duration", time.Since(start).Round(time.Millisecond).String())
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": m})
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, http.StatusNotFound, "no such admin command")
	})
	return mux
}

// writeAdminError writes the error envelope.
func writeAdminError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"status": "error", "error": map[string]any{"code": code, "message": msg}})
}

func backupSize(m *backupManifest) (n int64) {
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// maxSocketPath is the longest path a Unix socket may have (sun_path
// holds 104 bytes on the BSDs, 108 on Linux, with the final NUL).
const maxSocketPath = 103

// listenAdmin serves the admin API on <dataDir>/admin.sock, replacing a
// socket a previous run left (the caller holds the data folder's lock).
// The returned function, which may be called more than once, stops it,
// ends a backup or an import in progress, and removes the socket.
func listenAdmin(dataDir string, b *backupRunner, ir *importRunner, log *slog.Logger) (func(), error) {
	removeImportSpools(dataDir, log)
	path := filepath.Join(dataDir, adminSocketName)
	if abs, err := filepath.Abs(path); err == nil && len(abs) > maxSocketPath {
		log.Warn("no admin socket: the data folder's path is too long for a Unix socket; admin backup and import cannot reach this server (stop it to back up or import, or use a shorter --data-dir)", "socket", abs)
		return func() {}, nil
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket: remove it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove the stale admin socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           adminHandler(ctx, b, ir, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      backupTimeout + time.Minute,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(ln) })
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			srv.Close()
			wg.Wait()
			b.runs.Wait() // the stores close next
			ir.runs.Wait()
			os.Remove(path)
		})
	}, nil
}

// errBackupUnsupported: the server's stores are not the embedded ones.
var errBackupUnsupported = errors.New("backup is for the embedded stores")

// serverBackupSource is the backup source of a running server: it refuses
// PostgreSQL and ClickHouse, which have their own tools.
func serverBackupSource(dataDir string, store metadataStore, events eventStore, hold func(context.Context, func(string, uint64) error) error, secretKeyFile string) func() (backupSource, error) {
	return func() (backupSource, error) {
		meta, ok := store.(*sqlite.DB)
		if !ok {
			return backupSource{}, fmt.Errorf("%w: this server's metadata is in PostgreSQL (--database-url); back it up with pg_dump", errBackupUnsupported)
		}
		ev, ok := events.(*duckdb.DB)
		if !ok {
			return backupSource{}, fmt.Errorf("%w: this server's events are in ClickHouse (--clickhouse-url); back them up with ClickHouse's BACKUP", errBackupUnsupported)
		}
		src := backupSource{dataDir: dataDir, metadata: meta, events: ev, hold: hold}
		if secretKeyFile == "" {
			src.secretKey = filepath.Join(dataDir, secretKeyFileName)
		} else {
			src.keyNote = "not included: the server's key is --secret-key-file " + secretKeyFile + "; keep a copy of it with the backup, separately"
		}
		return src, nil
	}
}

// pruneBackups deletes the oldest complete backups named by
// scheduledBackupName in dir beyond keep.
func pruneBackups(dir string, keep int, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("list the backups", "dir", dir, "error", err)
		return
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), scheduledPrefix) {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), manifestName)); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	slices.Sort(names) // the names sort by time
	for len(names) > keep {
		p := filepath.Join(dir, names[0])
		if err := os.RemoveAll(p); err != nil {
			log.Warn("delete an old backup", "backup", p, "error", err)
		} else {
			log.Info("deleted an old backup", "backup", p, "keep", keep)
		}
		names = names[1:]
	}
}

const scheduledPrefix = "openfast-"

// scheduledBackupName names a backup of time t in dir: openfast- and the
// UTC time, so that the names sort by time.
func scheduledBackupName(dir string, t time.Time) string {
	base := filepath.Join(dir, scheduledPrefix+t.UTC().Format("20060102T150405Z"))
	p := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s-%d", base, i)
	}
}

// backupSchedule makes a backup in dir every interval, keeping the last
// keep, until ctx ends.
func backupSchedule(ctx context.Context, b *backupRunner, dir string, every time.Duration, keep int, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		to := scheduledBackupName(dir, time.Now())
		start := time.Now()
		m, err := b.run(ctx, to)
		if err != nil {
			log.Error("scheduled backup failed", "to", to, "error", err)
			continue
		}
		log.Info("scheduled backup written", "to", to, "files", len(m.Files), "bytes", backupSize(m), "duration", time.Since(start).Round(time.Millisecond).String())
		pruneBackups(dir, keep, log)
	}
}

// backupOptions are serve's scheduled backups.
type backupOptions struct {
	dir     string
	every   time.Duration
	keep    int
	keepSet bool // --backup-keep or OPENFAST_BACKUP_KEEP given
}

func (o *backupOptions) flags(f *pflag.FlagSet) {
	f.StringVar(&o.dir, "backup-dir", "", "folder for scheduled backups of the data folder, one timestamped folder each (needs --backup-every; embedded stores only)")
	f.DurationVar(&o.every, "backup-every", 0, "time between scheduled backups into --backup-dir, e.g. 24h (at least 1s)")
	f.IntVar(&o.keep, "backup-keep", 7, "scheduled backups kept in --backup-dir; older ones are deleted")
}

// check refuses settings that cannot act, and makes dir absolute.
func (o *backupOptions) check(stores storeOptions) error {
	if o.dir == "" {
		if o.every != 0 || o.keepSet {
			return errors.New("--backup-every and --backup-keep need --backup-dir, the folder the backups go to")
		}
		return nil
	}
	if o.every < time.Second {
		return errors.New("--backup-dir needs --backup-every of at least 1s, e.g. 24h")
	}
	if o.keep < 1 {
		return errors.New("--backup-keep must be 1 or more")
	}
	if stores.databaseURL != "" || stores.clickhouseURL != "" {
		return errors.New("--backup-dir backs up the embedded stores; back up PostgreSQL with pg_dump and ClickHouse with its BACKUP command")
	}
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	o.dir = abs
	return nil
}
