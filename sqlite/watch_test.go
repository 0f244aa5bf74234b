package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// TestWatchChanges opens one database file twice, as a server and an
// operator command do: a commit through the second handle reaches the
// first's watcher within a second, and nothing is reported while nobody
// writes.
func TestWatchChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ctx := context.Background()
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	changed := make(chan struct{}, 64)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.WatchChanges(wctx, func() { changed <- struct{}{} }, func(err error) { t.Errorf("watcher lost: %v", err) })
	}()
	defer func() { stop(); <-done }()

	select { // the first call, for whatever happened before watching
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no first call to changed")
	}
	select {
	case <-changed:
		t.Fatal("changed called although nothing was written")
	case <-time.After(3 * WatchInterval):
	}

	if err := other.CreateUser(ctx, &openfast.User{ID: openfast.NewID(), Email: "someone@example.com"}); err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	select {
	case <-changed:
		t.Logf("the watcher saw the other handle's commit after %v", time.Since(committed).Round(time.Millisecond))
	case <-time.After(time.Second):
		t.Fatal("a commit through another handle was not reported within a second")
	}
}
