package sqlite

import (
	"context"
	"fmt"
	"os"
)

// BackupTo writes a consistent copy of the metadata database to path, a
// file that must not exist, through VACUUM INTO: one read transaction, so
// writers go on meanwhile and the copy is the database as of its start.
// It returns the copy's schema version (its last migration).
func (db *DB) BackupTo(ctx context.Context, path string) (schema int, err error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("back up the metadata: %s exists", path)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("back up the metadata: %w", err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&schema); err != nil {
		return 0, fmt.Errorf("back up the metadata: read its schema version: %w", err)
	}
	// VACUUM INTO takes the file name as a value: a parameter, not SQL.
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("back up the metadata (VACUUM INTO): %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return 0, fmt.Errorf("back up the metadata: %w", err)
	}
	return schema, nil
}
