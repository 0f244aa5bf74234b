package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/openfast/openfast/internal/migration"
)

//go:embed migrations/*.sql
var migrations embed.FS

// legacyJournal is the name under which the batches of the one unnamed
// journal of older files are recorded (ingest.LegacyJournalName; migration
// 0001 writes it as a literal).
const legacyJournal = "local"

// migrate applies the embedded migrations that the file has not recorded
// in schema_migrations, in the order of their numbers, each in a
// transaction of its own. Files made before numbered migrations have no
// schema_migrations: 0001 accepts them as they are.
func migrate(ctx context.Context, db *sql.DB) error {
	files, err := migration.List(migrations, "migrations")
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// A file that a newer binary migrated further is left as it is.
	var found int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&found); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if known := migration.Latest(files); found > known {
		return &migration.NewerError{Where: "this data folder", Store: "event", Found: found, Known: known}
	}
	for _, f := range files {
		applied, err := applyMigration(ctx, db, f.Version, f.SQL)
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", f.Name, err)
		}
		if applied {
			migration.Report(ctx, migration.Applied{Store: "duckdb", Version: f.Version, Name: f.Label()})
		}
	}
	return nil
}

// applyMigration runs a migration's statements and records its version,
// in one transaction, unless the version is recorded already; applied
// says whether it ran.
func applyMigration(ctx context.Context, db *sql.DB, version int, body string) (applied bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}
