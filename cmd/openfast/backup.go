package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/sqlite"
)

// A backup is a folder holding a copy of the data folder's stores, the
// journal segments not yet loaded into the event store, the secret key
// (when it lives in the data folder) and manifest.json, which is written
// last: a folder without it is an incomplete backup.

const (
	manifestName = "manifest.json"
	// backupFormat is the manifest's layout version.
	backupFormat = 1
	// backupTimeout bounds one backup.
	backupTimeout = time.Hour
	// maxManifestSize bounds the manifest a restore reads.
	maxManifestSize = 4 << 20
	// maxBackupFiles bounds the files a manifest may list.
	maxBackupFiles = 100_000
)

// backupManifest is manifest.json.
type backupManifest struct {
	Format          int           `json:"format"`
	OpenfastVersion string        `json:"openfastVersion"`
	Created         time.Time     `json:"created"`
	MetadataSchema  int           `json:"metadataSchema"`
	EventsSchema    int           `json:"eventsSchema"`
	Journal         backupJournal `json:"journal"`
	// SecretKey says whether secret.key is in the backup, and if not
	// where the key is kept.
	SecretKey string         `json:"secretKey"`
	Files     []manifestFile `json:"files"`
}

// backupJournal is the journal position of a backup: the event store copy
// holds the journal's batches up to LastLoadedBatch, and the backup's
// journal folder the segments after it.
type backupJournal struct {
	Name            string `json:"name"`
	LastLoadedBatch uint64 `json:"lastLoadedBatch"`
	Segments        int    `json:"segments"`
}

type manifestFile struct {
	Path   string `json:"path"` // slash-separated, relative to the backup
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// secretKeyIncluded is backupManifest.SecretKey when secret.key is in the
// backup.
const secretKeyIncluded = "included"

// backupSource is what a backup copies: the stores of a data folder, open
// in this process, and how to keep the journal from being loaded while
// the event store and the journal are copied.
type backupSource struct {
	dataDir  string
	metadata *sqlite.DB
	events   *duckdb.DB
	hold     func(ctx context.Context, fn func(journal string, loaded uint64) error) error
	// secretKey is the path of the secret key file to copy, or "" when
	// the key is kept outside the data folder; keyNote then says where.
	secretKey string
	keyNote   string
}

// prepareBackupDir makes dir, an absolute path, ready for a backup: it is
// created (mode 0700) if missing, and refused if it is not an empty
// folder. created says whether it was made here.
func prepareBackupDir(dir string) (created bool, err error) {
	if !filepath.IsAbs(dir) {
		return false, targetError{fmt.Errorf("the folder must be an absolute path, not %q", dir)}
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, targetError{fmt.Errorf("create the folder: %w", err)}
		}
		return true, nil
	case err != nil:
		return false, targetError{err}
	case !fi.IsDir():
		return false, targetError{fmt.Errorf("%s exists and is not a folder: name a new or empty folder", dir)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, targetError{err}
	}
	if len(entries) > 0 {
		return false, targetError{fmt.Errorf("%s is not empty: name a new or empty folder", dir)}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return false, targetError{err}
	}
	return false, nil
}

// checkBackupTarget refuses what prepareBackupDir would, without creating
// anything.
func checkBackupTarget(dir string) error {
	if !filepath.IsAbs(dir) {
		return targetError{fmt.Errorf("the folder must be an absolute path, not %q", dir)}
	}
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return targetError{fmt.Errorf("%s exists and is not a folder: name a new or empty folder", dir)}
		}
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return targetError{fmt.Errorf("%s is not empty: name a new or empty folder", dir)}
		}
	}
	return nil
}

// targetError is a folder that cannot take a backup or a restore.
type targetError struct{ error }

func (e targetError) Unwrap() error { return e.error }

// removeContents undoes a failed backup or restore into dir: dir itself
// when it was created for it, else what was written into it.
func removeContents(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// runBackup writes a consistent backup of src into to, a new or empty
// folder, and returns its manifest. The event store and the journal are
// copied first, while the journal is held (events are still acknowledged
// meanwhile, and stay in the journal until the hold ends): the copy of
// the store has the journal's batches up to a number, and the backup's
// journal the segments after it, so every event acknowledged before the
// backup started is in it. The metadata follows, as of a moment later.
func runBackup(ctx context.Context, src backupSource, to string) (*backupManifest, error) {
	created, err := prepareBackupDir(to)
	if err != nil {
		return nil, err
	}
	m, err := writeBackup(ctx, src, to)
	if err != nil {
		removeContents(to, created)
		return nil, err
	}
	return m, nil
}

func writeBackup(ctx context.Context, src backupSource, to string) (*backupManifest, error) {
	m := &backupManifest{Format: backupFormat, OpenfastVersion: readBuildInfo(ctx).Version, Created: time.Now().UTC().Truncate(time.Second)}
	journalDir := filepath.Join(src.dataDir, ingest.JournalDir)
	if err := os.Mkdir(filepath.Join(to, ingest.JournalDir), 0o700); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	err := src.hold(ctx, func(journal string, loaded uint64) error {
		schema, err := src.events.BackupTo(ctx, filepath.Join(to, duckdb.FileName))
		if err != nil {
			return err
		}
		m.EventsSchema = schema
		m.Journal = backupJournal{Name: journal, LastLoadedBatch: loaded}
		names, err := ingest.UnloadedSegments(journalDir, loaded)
		if err != nil {
			return err
		}
		for _, name := range names {
			f, err := copyFile(filepath.Join(journalDir, name), filepath.Join(to, ingest.JournalDir, name), path.Join(ingest.JournalDir, name))
			if err != nil {
				return fmt.Errorf("backup of the event journal: %w", err)
			}
			m.Files = append(m.Files, f)
		}
		m.Journal.Segments = len(names) - 1 // the name file
		return nil
	})
	if err != nil {
		return nil, err
	}
	f, err := hashFile(filepath.Join(to, duckdb.FileName), duckdb.FileName)
	if err != nil {
		return nil, err
	}
	m.Files = append(m.Files, f)
	if m.MetadataSchema, err = src.metadata.BackupTo(ctx, filepath.Join(to, sqlite.FileName)); err != nil {
		return nil, err
	}
	if f, err = hashFile(filepath.Join(to, sqlite.FileName), sqlite.FileName); err != nil {
		return nil, err
	}
	m.Files = append(m.Files, f)
	if src.secretKey != "" {
		f, err := copyFile(src.secretKey, filepath.Join(to, secretKeyFileName), secretKeyFileName)
		if err != nil {
			return nil, fmt.Errorf("backup of the secret key: %w", err)
		}
		m.Files = append(m.Files, f)
		m.SecretKey = secretKeyIncluded
	} else {
		m.SecretKey = src.keyNote
	}
	slices.SortFunc(m.Files, func(a, b manifestFile) int { return strings.Compare(a.Path, b.Path) })
	if err := writeManifest(to, m); err != nil {
		return nil, err
	}
	return m, nil
}

// writeManifest writes manifest.json durably, last, by a rename.
func writeManifest(dir string, m *backupManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the backup's manifest: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write the backup's manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, manifestName)); err != nil {
		return fmt.Errorf("write the backup's manifest: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// copyFile copies the regular file src to dst (a new file, mode 0600),
// syncs it, and returns its manifest entry named name.
func copyFile(src, dst, name string) (manifestFile, error) {
	in, err := os.Open(src)
	if err != nil {
		return manifestFile{}, err
	}
	defer in.Close()
	if fi, err := in.Stat(); err != nil || !fi.Mode().IsRegular() {
		return manifestFile{}, fmt.Errorf("%s is not a regular file", src)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return manifestFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err = errors.Join(err, out.Sync(), out.Close()); err != nil {
		return manifestFile{}, fmt.Errorf("copy %s: %w", name, err)
	}
	return manifestFile{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// hashFile syncs a file written by a store and returns its manifest entry.
func hashFile(p, name string) (manifestFile, error) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return manifestFile{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return manifestFile{}, fmt.Errorf("backup: sync %s: %w", name, err)
	}
	return hashOpen(f, name)
}

// hashOpen reads an open file and returns its manifest entry.
func hashOpen(f *os.File, name string) (manifestFile, error) {
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return manifestFile{}, fmt.Errorf("read %s: %w", name, err)
	}
	return manifestFile{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// parseManifest reads manifest.json and checks its shape: the format, and
// files that are the ones a backup holds (each once, with a size and a
// SHA-256), the two stores among them.
func parseManifest(b []byte) (*backupManifest, error) {
	var m backupManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", manifestName, err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("%s has format %d; this openfast restores format %d", manifestName, m.Format, backupFormat)
	}
	if len(m.Files) > maxBackupFiles {
		return nil, fmt.Errorf("%s lists %d files, more than %d", manifestName, len(m.Files), maxBackupFiles)
	}
	seen := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if !validBackupPath(f.Path) {
			return nil, fmt.Errorf("%s lists %q, which is not a file of a backup", manifestName, f.Path)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("%s lists %s twice", manifestName, f.Path)
		}
		seen[f.Path] = true
		if f.Size < 0 {
			return nil, fmt.Errorf("%s gives %s a negative size", manifestName, f.Path)
		}
		if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("%s gives %s no valid SHA-256", manifestName, f.Path)
		}
	}
	for _, need := range []string{sqlite.FileName, duckdb.FileName} {
		if !seen[need] {
			return nil, fmt.Errorf("%s does not list %s: incomplete backup", manifestName, need)
		}
	}
	return &m, nil
}

// validBackupPath: the stores, the secret key, and the journal's files.
func validBackupPath(p string) bool {
	switch p {
	case sqlite.FileName, duckdb.FileName, secretKeyFileName:
		return true
	}
	name, ok := strings.CutPrefix(p, ingest.JournalDir+"/")
	return ok && ingest.IsJournalFile(name)
}

// readManifest reads and checks the manifest of the backup in dir.
func readManifest(dir string) (*backupManifest, error) {
	f, err := os.Open(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: not a backup, or an incomplete one", dir, manifestName)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", manifestName, err)
	}
	if len(b) > maxManifestSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", manifestName, maxManifestSize)
	}
	return parseManifest(b)
}

// verifyBackupFile checks one file of the backup in dir against its
// manifest entry; with dst it also copies it there (mode 0600).
func verifyBackupFile(dir string, f manifestFile, dst string) error {
	src := filepath.Join(dir, filepath.FromSlash(f.Path))
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("incomplete backup: %s is missing", f.Path)
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("corrupt backup: %s is not a regular file", f.Path)
	}
	if fi.Size() != f.Size {
		return fmt.Errorf("corrupt backup: %s has %d bytes, the manifest says %d", f.Path, fi.Size(), f.Size)
	}
	var got manifestFile
	if dst != "" {
		got, err = copyFile(src, dst, f.Path)
	} else {
		got, err = hashReadOnly(src, f.Path)
	}
	if err != nil {
		return err
	}
	if got.Size != f.Size || got.SHA256 != f.SHA256 {
		return fmt.Errorf("corrupt backup: the SHA-256 of %s differs from the manifest's", f.Path)
	}
	return nil
}

// hashReadOnly returns the manifest entry of a file it only reads.
func hashReadOnly(p, name string) (manifestFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return manifestFile{}, err
	}
	defer f.Close()
	return hashOpen(f, name)
}

// restoreBackup checks every file of the backup in from against its
// manifest, then copies them into to, a new or empty folder (mode 0700,
// files 0600), which becomes a data folder `serve` starts on: it loads the
// journal segments of the backup at start.
func restoreBackup(from, to string) (*backupManifest, error) {
	m, err := readManifest(from)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if err := verifyBackupFile(from, f, ""); err != nil {
			return nil, err
		}
	}
	created, err := prepareBackupDir(to)
	if err != nil {
		return nil, fmt.Errorf("restore target: %w", err)
	}
	unlock, err := lockDataDir(to)
	if err != nil {
		removeContents(to, created)
		return nil, err
	}
	defer unlock()
	if err := copyRestore(from, to, m); err != nil {
		removeContents(to, created)
		return nil, err
	}
	return m, nil
}

func copyRestore(from, to string, m *backupManifest) error {
	if err := os.Mkdir(filepath.Join(to, ingest.JournalDir), 0o700); err != nil {
		return err
	}
	for _, f := range m.Files {
		// Checked again as copied: the backup may change after the check.
		if err := verifyBackupFile(from, f, filepath.Join(to, filepath.FromSlash(f.Path))); err != nil {
			return err
		}
	}
	if err := syncDir(filepath.Join(to, ingest.JournalDir)); err != nil {
		return err
	}
	return syncDir(to)
}
