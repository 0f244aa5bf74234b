package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// changeChannel is the LISTEN/NOTIFY channel on which a change that can
// revoke or narrow access (a key rolled or deleted, a token deleted, a
// member removed, a website's settings changed or the website deleted) is
// announced to every server of the installation.
const changeChannel = "openfast_changes"

var _ openfast.ChangeWatcher = (*DB)(nil)

// notifyChange announces a change when tx commits (PostgreSQL delivers a
// notification at commit, and drops it on rollback).
func notifyChange(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, changeChannel); err != nil {
		return fmt.Errorf("announce the change: %w", err)
	}
	return nil
}

// WatchChanges calls changed after every change any server commits, until
// ctx ends. It holds one connection of its own; when that connection is
// lost it tells lost why, reconnects a second later and calls changed once
// more, for what it may have missed meanwhile.
func (db *DB) WatchChanges(ctx context.Context, changed func(), lost func(error)) {
	openfast.KeepWatching(ctx, func(ctx context.Context) error { return db.watch(ctx, changed) }, lost)
}

func (db *DB) watch(ctx context.Context, changed func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect to listen for changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	changed() // whatever happened before the LISTEN
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for changes: %w", err)
		}
		changed()
	}
}
