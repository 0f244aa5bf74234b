// Package sqlite is openfast's embedded metadata store: SQLite through
// database/sql, in WAL mode, with one writer connection and a pool of
// readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
)

// FileName is the metadata database's name inside the data folder.
const FileName = "openfast.db"

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite metadata store. It implements openfast.MetadataStore.
type DB struct {
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB
	now   func() time.Time
	dsn   string // of a reader, for the change watcher's own connection
}

var _ openfast.MetadataStore = (*DB)(nil)

// OpenDataDir creates the data folder with owner-only permissions if it
// does not exist, and opens the metadata database in it.
func OpenDataDir(ctx context.Context, dir string) (*DB, error) {
	if err := EnsureDataDir(dir); err != nil {
		return nil, err
	}
	return Open(ctx, filepath.Join(dir, FileName))
}

// EnsureDataDir creates dir (mode 0700) when it is missing.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder %s: %w", dir, err)
	}
	return nil
}

// CheckDataDirPrivate refuses a data folder that users other than its
// owner may read, write or list: its group or other permission bits are
// set. The files inside are as private as the folder that holds them.
// Windows has no such bits, and passes.
func CheckDataDirPrivate(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("data folder %s has mode %04o: other users may read it; make it private with: chmod -R go= %s", dir, perm, dir)
	}
	return nil
}

// Open opens (creating it with mode 0600 if needed) the database file at
// path and applies the embedded migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	f.Close()
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Set("_journal_mode", "WAL")
		q.Set("_busy_timeout", "10000")
		q.Set("_foreign_keys", "on")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", txlock)
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	write, err := sql.Open("sqlite3", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite3", dsn("deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	db := &DB{write: write, read: read, now: time.Now, dsn: dsn("deferred")}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	files, err := migration.List(migrations, "migrations")
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// A file that a newer binary migrated further is left as it is.
	var found int
	if err := db.write.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&found); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if known := migration.Latest(files); found > known {
		return &migration.NewerError{Where: "this data folder", Store: "metadata", Found: found, Known: known}
	}
	for _, f := range files {
		applied := false
		err = db.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, f.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, f.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, f.Version, db.now().UnixMilli())
			applied = err == nil
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", f.Name, err)
		}
		if applied {
			migration.Report(ctx, migration.Applied{Store: "sqlite", Version: f.Version, Name: f.Label()})
		}
	}
	return nil
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE), committing when fn
// returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func insertAudit(ctx context.Context, tx *sql.Tx, a *openfast.AuditEntry, now time.Time) error {
	if a == nil {
		return nil
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO audit_log (website_id, actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullString(a.WebsiteID), a.ActorUserID, a.ActorDisplayKey, a.Action, a.TargetType, a.TargetID, a.TargetDisplayKey, a.IP, a.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("insert audit entry %s: %w", a.Action, err)
	}
	a.ID, _ = res.LastInsertId()
	return nil
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

func isPrimaryKeyViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func strPtr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

func ptrStr(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

func notFound(what string) error {
	return openfast.Errorf(openfast.ENOTFOUND, "%s not found.", what)
}

// LibraryVersion is the version of the SQLite library linked into the
// binary, such as 3.50.4.
func LibraryVersion() string {
	v, _, _ := sqlite3.Version()
	return v
}
