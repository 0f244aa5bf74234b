//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the file in the data folder that the running server
// holds an exclusive lock on, with its process id in it.
const lockFileName = "openfast.lock"

// lockDataDir takes the data folder for this process: an exclusive,
// non-blocking flock on its lock file, which then holds this process's id.
// Another server on the folder is refused at once, with its pid, instead
// of failing later on the event database's own lock. The lock lasts until
// the returned function is called or the process ends.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the data folder's lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := "unknown"
			if b, err := os.ReadFile(path); err == nil {
				if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
					pid = strconv.Itoa(n)
				}
			}
			abs, _ := filepath.Abs(dir)
			return nil, fmt.Errorf("another openfast (pid %s) is using this data folder (%s)", pid, abs)
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write the data folder's lock file: %w", err)
	}
	return func() { f.Close() }, nil
}
