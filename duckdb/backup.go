package duckdb

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// BackupTo writes a consistent copy of the event database to path, a file
// that must not exist: the database is attached as a new file and every
// table copied into it (COPY FROM DATABASE) in one transaction, so the
// copy is the database as of that transaction's start while loads,
// indexing and reads go on. It returns the copy's schema version (its last
// migration) and the journals' last loaded batches it holds.
func (d *DB) BackupTo(ctx context.Context, path string) (schema int, err error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("back up the events: %s exists", path)
	}
	if strings.ContainsAny(path, "'\x00") {
		// ATTACH takes no parameters: the path is quoted into the
		// statement, and a quote in it is refused rather than escaped.
		return 0, fmt.Errorf("back up the events: the path %q has a quote in it", path)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("back up the events: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH '`+path+`' AS openfast_backup`); err != nil {
		return 0, fmt.Errorf("back up the events: create %s: %w", path, err)
	}
	attached := true
	defer func() {
		if attached {
			conn.ExecContext(context.WithoutCancel(ctx), `DETACH openfast_backup`)
		}
		if err != nil {
			os.Remove(path)
			os.Remove(path + ".wal")
		}
	}()
	var main string
	if err := conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&main); err != nil {
		return 0, fmt.Errorf("back up the events: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COPY FROM DATABASE "`+strings.ReplaceAll(main, `"`, `""`)+`" TO openfast_backup`); err != nil {
		return 0, fmt.Errorf("back up the events (COPY FROM DATABASE): %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM openfast_backup.schema_migrations`).Scan(&schema); err != nil {
		return 0, fmt.Errorf("back up the events: read its schema version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CHECKPOINT openfast_backup`); err != nil {
		return 0, fmt.Errorf("back up the events: checkpoint the copy: %w", err)
	}
	attached = false
	if _, err := conn.ExecContext(ctx, `DETACH openfast_backup`); err != nil {
		return 0, fmt.Errorf("back up the events: close the copy: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return 0, fmt.Errorf("back up the events: %w", err)
	}
	return schema, nil
}
