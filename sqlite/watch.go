package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

// WatchInterval is how often WatchChanges asks SQLite whether another
// connection committed. It bounds how long a key deleted by another process
// on the same file (openfast admin, a second server) stays accepted here,
// whatever --credential-cache-ttl says.
const WatchInterval = 250 * time.Millisecond

var _ openfast.ChangeWatcher = (*DB)(nil)

// WatchChanges calls changed, until ctx ends, within WatchInterval of any
// commit made through another connection to the database file: another
// process's, or this process's own writer. SQLite tells a connection that
// through PRAGMA data_version, which changes when another connection has
// committed since the last time it was read; reading it costs no I/O. The
// watcher holds one connection of its own. Should reading fail, it tells
// lost why, reopens it a second later and calls changed once more, for
// what it may have missed meanwhile.
func (db *DB) WatchChanges(ctx context.Context, changed func(), lost func(error)) {
	openfast.KeepWatching(ctx, func(ctx context.Context) error { return db.watch(ctx, changed) }, lost)
}

func (db *DB) watch(ctx context.Context, changed func()) error {
	h, err := sql.Open("sqlite3", db.dsn)
	if err != nil {
		return fmt.Errorf("open a connection to watch for changes: %w", err)
	}
	defer h.Close()
	h.SetMaxOpenConns(1)
	h.SetMaxIdleConns(1)
	h.SetConnMaxIdleTime(0)
	conn, err := h.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open a connection to watch for changes: %w", err)
	}
	defer conn.Close()
	version := func() (int64, error) {
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			return 0, fmt.Errorf("read data_version: %w", err)
		}
		return v, nil
	}
	last, err := version()
	if err != nil {
		return err
	}
	changed() // whatever happened before the first reading
	t := time.NewTicker(WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		v, err := version()
		if err != nil {
			return err
		}
		if v != last {
			last = v
			changed()
		}
	}
}
