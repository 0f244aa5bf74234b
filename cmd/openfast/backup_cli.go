package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/sqlite"
	"github.com/spf13/cobra"
)

func newBackupCommand() *cobra.Command {
	var to string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:   "backup --to DIR",
		Short: "Write a consistent backup of the data folder, while the server runs",
		Long: `Write a backup of the data folder into DIR, a new or empty folder: the
metadata database (SQLite, through VACUUM INTO), a copy of the event database
(DuckDB), the journal segments whose events are acknowledged but not yet in
the event database, secret.key, and manifest.json (versions, the journal
position, and each file's size and SHA-256), written last.

With a server running on the data folder, the server writes the backup (asked
over the admin socket, admin.sock in the data folder) and keeps accepting
events meanwhile: every event acknowledged before the backup started is in it;
events acknowledged during it may or may not be. Without a server, the command
takes the data folder's lock and writes the backup itself.

The backup holds secret.key, the key that seals the payment providers'
credentials: keep it as private as the data folder. A server started with
--secret-key-file keeps its key elsewhere, and the backup does not hold it.

PostgreSQL (--database-url) and ClickHouse (--clickhouse-url) are backed up
with their own tools (pg_dump, ClickHouse's BACKUP).`,
		Example: `  openfast admin backup --to /var/backups/openfast/2026-12-07 --data-dir /var/lib/openfast`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("--to is required: a new or empty folder for the backup")
			}
			m, dir, err := backupCommand(cmd.Context(), &stores, to, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			printBackup(cmd.OutOrStdout(), dir, m)
			if m.SecretKey != secretKeyIncluded {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the secret key is %s\n", m.SecretKey)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "a new or empty folder to write the backup in (required)")
	stores.metadataFlags(cmd.Flags())
	stores.eventFlags(cmd.Flags())
	return cmd
}

// backupCommand backs up the data folder into to, through the running
// server's admin socket or, with no server, directly. It returns the
// manifest and the backup's absolute path.
func backupCommand(ctx context.Context, stores *storeOptions, to string, out io.Writer) (*backupManifest, string, error) {
	if stores.databaseURL != "" {
		return nil, "", errors.New("the metadata is in PostgreSQL (--database-url): back it up with pg_dump; admin backup copies the embedded stores of a data folder")
	}
	if stores.clickhouseURL != "" {
		return nil, "", errors.New("the events are in ClickHouse (--clickhouse-url): back them up with ClickHouse's BACKUP; admin backup copies the embedded stores of a data folder")
	}
	dir, err := stores.operatorDataDir()
	if err != nil {
		return nil, "", err
	}
	abs, err := filepath.Abs(to)
	if err != nil {
		return nil, "", fmt.Errorf("--to: %w", err)
	}
	fmt.Fprintf(out, "Data folder: %s\n", dir)
	m, err := backupThroughServer(ctx, dir, abs)
	if !errors.Is(err, errNoServer) {
		return m, abs, err
	}
	m, err = backupOffline(ctx, dir, abs)
	return m, abs, err
}

// errNoServer: nothing answers on the admin socket.
var errNoServer = errors.New("no server answers on the admin socket")

// adminClient is a client of the admin socket of the server running on
// dataDir, or errNoServer when none answers there.
func adminClient(dataDir string, timeout time.Duration) (*http.Client, error) {
	sock := filepath.Join(dataDir, adminSocketName)
	conn, err := net.Dial("unix", sock)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, errNoServer
		}
		return nil, fmt.Errorf("connect to the server's admin socket %s: %w", sock, err)
	}
	conn.Close()
	return &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
		},
		Timeout: timeout,
	}, nil
}

// backupThroughServer asks the server running on dataDir for a backup.
func backupThroughServer(ctx context.Context, dataDir, to string) (*backupManifest, error) {
	client, err := adminClient(dataDir, backupTimeout+time.Minute)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(backupRequest{To: to})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://openfast-admin/backup", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the server for a backup: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("read the server's answer: %w", err)
	}
	var r struct {
		Status string          `json:"status"`
		Data   *backupManifest `json:"data"`
		Error  struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("the server answered %d: %s", resp.StatusCode, b)
	}
	if resp.StatusCode != http.StatusOK || r.Data == nil {
		return nil, fmt.Errorf("the server refused the backup: %s", r.Error.Message)
	}
	return r.Data, nil
}

// backupOffline backs up a data folder no server runs on, holding its
// lock meanwhile.
func backupOffline(ctx context.Context, dataDir, to string) (*backupManifest, error) {
	restrictUmask()
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("%w (and its admin socket does not answer: is it an older openfast? stop it, or upgrade it)", err)
	}
	defer unlock()
	meta, err := sqlite.OpenDataDir(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	events, err := duckdb.OpenDataDir(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer events.Close()
	src := backupSource{dataDir: dataDir, metadata: meta, events: events,
		hold: func(ctx context.Context, fn func(string, uint64) error) error {
			// No writer runs: the journal is still.
			journal, err := ingest.JournalName(filepath.Join(dataDir, ingest.JournalDir))
			if err != nil {
				return err
			}
			loaded, err := events.LastBatch(ctx, journal)
			if err != nil {
				return err
			}
			return fn(journal, loaded)
		},
	}
	if key := filepath.Join(dataDir, secretKeyFileName); fileExists(key) {
		src.secretKey = key
	} else {
		src.keyNote = "not included: the data folder has no " + secretKeyFileName + " (the server uses --secret-key-file); keep a copy of that key with the backup, separately"
	}
	ctx, cancel := context.WithTimeout(ctx, backupTimeout)
	defer cancel()
	return runBackup(ctx, src, to)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// printBackup lists a backup's files and sizes.
func printBackup(w io.Writer, dir string, m *backupManifest) {
	fmt.Fprintf(w, "Backup: %s\n", dir)
	for _, f := range m.Files {
		fmt.Fprintf(w, "  %-36s %14d bytes\n", f.Path, f.Size)
	}
	fmt.Fprintf(w, "Total: %d files, %d bytes\n", len(m.Files), backupSize(m))
	fmt.Fprintf(w, "Journal: %s, batches up to %d in the event database, %d segments after them\n", m.Journal.Name, m.Journal.LastLoadedBatch, m.Journal.Segments)
	fmt.Fprintf(w, "Secret key: %s\n", m.SecretKey)
}

func newRestoreCommand() *cobra.Command {
	var from, dataDir string
	cmd := &cobra.Command{
		Use:   "restore --from DIR --data-dir NEW",
		Short: "Restore a backup into a new data folder",
		Long: `Check every file of the backup in DIR against its manifest.json (a missing or
changed file is refused, by name), then copy it into NEW, a new or empty
folder (mode 0700, files 0600). Start the server on it with
serve --data-dir NEW: it loads the journal segments of the backup before it
listens.

A backup without secret.key (the server used --secret-key-file) needs that key
in place before the server starts, or the payment providers' credentials
cannot be read.`,
		Example: `  openfast admin restore --from /var/backups/openfast/2026-12-07 --data-dir /var/lib/openfast-restored`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || dataDir == "" {
				return errors.New("--from (the backup) and --data-dir (a new or empty folder) are required")
			}
			restrictUmask()
			absFrom, err := filepath.Abs(from)
			if err != nil {
				return err
			}
			abs, err := filepath.Abs(dataDir)
			if err != nil {
				return err
			}
			m, err := restoreBackup(absFrom, abs)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Restored %s (made %s) into %s: %d files, %d bytes; %d journal segments load when the server starts.\n",
				absFrom, m.Created.Format(time.RFC3339), abs, len(m.Files), backupSize(m), m.Journal.Segments)
			if m.SecretKey != secretKeyIncluded {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the backup holds no secret key (%s). Start the server with --secret-key-file naming that key, or it cannot read the payment providers' credentials.\n", m.SecretKey)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the backup's folder (required)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "the new data folder: must not exist or be empty (required)")
	return cmd
}
