package ingest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The journal's name tells the event store whose batches it records: each
// server's journal numbers its batches from 1, and several servers may load
// into one shared event store. A new journal gets a random name, kept in
// the file "name" in its folder.

const (
	nameFile = "name"
	// LegacyJournalName is the name of a journal folder made before journals
	// had names that still holds segments: its batch numbers are the ones
	// the event store recorded without a name.
	LegacyJournalName = "local"
)

// JournalName returns the name of the journal in dir, giving the journal
// one if it has none; dir is created owner-only if missing.
func JournalName(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the event journal: %w", err)
	}
	path := filepath.Join(dir, nameFile)
	b, err := os.ReadFile(path)
	if err == nil {
		name := strings.TrimSpace(string(b))
		if !validJournalName(name) {
			return "", fmt.Errorf("the event journal's name in %s is not valid: %q", path, name)
		}
		return name, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read the event journal's name: %w", err)
	}
	seqs, err := listSegments(dir)
	if err != nil {
		return "", err
	}
	name := LegacyJournalName
	if len(seqs) == 0 {
		var r [8]byte
		rand.Read(r[:])
		name = hex.EncodeToString(r[:])
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("name the event journal: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return "", fmt.Errorf("name the event journal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("name the event journal: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("name the event journal: %w", err)
	}
	return name, nil
}

// validJournalName accepts 1 to 64 lower-case letters, digits and dashes.
func validJournalName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// JournalPending counts the segments in dir that are not yet loaded and
// removed: after a writer's Close, 0 means every acknowledged event is in
// the event store.
func JournalPending(dir string) (int, error) {
	seqs, err := listSegments(dir)
	return len(seqs), err
}
