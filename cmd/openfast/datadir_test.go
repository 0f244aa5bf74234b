package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
)

// serve refuses a data folder that other users may read, write or list,
// and says how to fix it, before it opens anything in it.
func TestServe_RefusesDataDirOpenToOthers(t *testing.T) {
	t.Parallel()
	for _, mode := range []fs.FileMode{0o755, 0o770, 0o701} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			dataDir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dataDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dataDir, mode); err != nil { // not subject to the umask
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir)
			if code == 0 {
				t.Fatalf("serve on a %v data folder exited with 0; stdout:\n%s", mode, stdout)
			}
			if want := "chmod -R go= " + dataDir; !strings.Contains(stderr, want) {
				t.Errorf("stderr = %q, want it to say %q", stderr, want)
			}
			checkMissing(t, filepath.Join(dataDir, sqlite.FileName))
			checkMode(t, dataDir, mode)
		})
	}
}

// Every file and folder that serve creates in the data folder is private
// to its owner, the event database's write-ahead log and the journal
// included, whatever the umask it was started with.
func TestServe_DataDirFilesArePrivate(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	token := runBootstrap(t, dataDir, "private@example.com", "Private")
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--event-load-delay", "1ms"}})
	site := srv.createTrackedWebsite(t, token)
	srv.expectPageview(t, site.trackingID, "/private")

	// The event reaches the event database within the load delay; its
	// write-ahead log then exists until the server stops.
	wal := filepath.Join(dataDir, duckdb.FileName+".wal")
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(wal); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear", wal)
		}
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		seen[filepath.Dir(rel)] = true
		seen[rel] = true
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group or others", rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sqlite.FileName, duckdb.FileName, duckdb.FileName + ".wal", "journal"} {
		if !seen[want] {
			t.Errorf("no %s in the data folder; saw %v", want, seen)
		}
	}
}
