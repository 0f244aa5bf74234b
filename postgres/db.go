// Package postgres is openfast's metadata store on PostgreSQL, for
// installations that run more than one openfast process. It speaks to the
// server with pgx and behaves like the SQLite store: the same error codes,
// orderings and time semantics. Limits (keys per website, tokens per
// account) hold across processes: the count and the insert run in one
// transaction that first locks the parent row with SELECT ... FOR UPDATE.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is the pg_advisory_xact_lock key that serialises the
// migrations of processes starting at the same time on one database.
const migrationLockID int64 = 0x6f70656e66617374 // "openfast"

// DB is the PostgreSQL metadata store. It implements openfast.MetadataStore.
type DB struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

var _ openfast.MetadataStore = (*DB)(nil)

// Open connects to the database at a postgres:// URL and applies the
// embedded migrations. Besides the parameters libpq knows, the URL may set
// the pool's, such as pool_max_conns (default: the number of CPUs, at
// least 4).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	config, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, errors.New("parse postgres url: malformed URL or parameter") // the error may quote the password
	}
	p, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db := &DB{pool: p, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the store's connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	err := db.conn(ctx, func(c *pgx.Conn) error { return c.Ping(ctx) })
	if err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	files, err := migration.List(migrations, "migrations")
	if err != nil {
		return err
	}
	known := migration.Latest(files)
	for _, f := range files {
		applied := false
		err = db.tx(ctx, func(tx pgx.Tx) error {
			// Another process opening the same database waits here until
			// this transaction ends, then finds the migration applied.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			// A database that a newer binary migrated further is left as
			// it is.
			var found int
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&found); err != nil {
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			if found > known {
				return &migration.NewerError{Where: "this database", Store: "metadata", Found: found, Known: known}
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, f.Version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			// Without arguments pgx sends the simple protocol, which runs
			// every statement of the file.
			if _, err := tx.Exec(ctx, f.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, f.Version, ms(db.now()))
			applied = err == nil
			return err
		})
		var newer *migration.NewerError
		if errors.As(err, &newer) {
			return newer
		}
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", f.Name, err)
		}
		if applied {
			migration.Report(ctx, migration.Applied{Store: "postgres", Version: f.Version, Name: f.Label()})
		}
	}
	return nil
}

// conn runs fn on a pooled connection, outside an explicit transaction.
func (db *DB) conn(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer c.Release()
	return fn(c.Conn())
}

// maxTxAttempts bounds the reruns of a transaction that the server aborted
// to break a deadlock.
const maxTxAttempts = 3

// tx runs fn in a READ COMMITTED transaction, committing when fn returns
// nil. A transaction that the server chose as a deadlock victim (or, at a
// stricter isolation level, a serialization failure) runs again from the
// start, so fn must only assign its results, never accumulate them.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.tx1(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !isRetryable(err) {
			return err
		}
	}
}

func (db *DB) tx1(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.conn(ctx, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback(ctx) // a connection left in a transaction is closed on release
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// lockRow takes the row lock that serialises the count-and-insert of a
// limit across processes: SELECT ... FOR UPDATE on the parent row. A
// missing parent locks nothing; the insert that follows then fails on its
// foreign key, as in the SQLite store.
func lockRow(ctx context.Context, tx pgx.Tx, table, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = $1 FOR UPDATE`, id).Scan(&one)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("lock %s row: %w", table, err)
	}
	return nil
}

func insertAudit(ctx context.Context, tx pgx.Tx, a *openfast.AuditEntry, now time.Time) error {
	if a == nil {
		return nil
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	err := tx.QueryRow(ctx, `INSERT INTO audit_log (website_id, actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		nullString(a.WebsiteID), a.ActorUserID, a.ActorDisplayKey, a.Action, a.TargetType, a.TargetID, a.TargetDisplayKey, a.IP, ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("insert audit entry %s: %w", a.Action, err)
	}
	return nil
}

// PostgreSQL error codes (SQLSTATE) this package tells apart.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

// isUniqueViolation reports a duplicate in a UNIQUE column or index other
// than a primary key (the SQLite store tells the two apart too).
func isUniqueViolation(err error) bool {
	code, constraint := pgCode(err)
	return code == codeUniqueViolation && !strings.HasSuffix(constraint, "_pkey")
}

// isPrimaryKeyViolation reports a duplicate primary key (the constraints
// keep PostgreSQL's default names, <table>_pkey).
func isPrimaryKeyViolation(err error) bool {
	code, constraint := pgCode(err)
	return code == codeUniqueViolation && strings.HasSuffix(constraint, "_pkey")
}

func isRetryable(err error) bool {
	code, _ := pgCode(err)
	return code == codeDeadlockDetected || code == codeSerializationFailure
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ms is a time as stored: UTC, truncated to the millisecond like the SQLite
// store's Unix milliseconds, so that orderings and round trips agree.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// utcPtr returns a read nullable time in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func notFound(what string) error {
	return openfast.Errorf(openfast.ENOTFOUND, "%s not found.", what)
}
