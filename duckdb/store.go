// Package duckdb is openfast's embedded event store: events in a DuckDB
// file in the data folder, next to the SQLite metadata database. DuckDB is
// a columnar engine made for the aggregate queries of the analytics API.
// Only one process may open the file, so only `openfast serve` opens it;
// the admin commands that need metadata only never do.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ddb "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics/sqlq"
)

// FileName is the event database's name inside the data folder.
const FileName = "events.duckdb"

// schema is the events table. Columns are typed; visitor and session ids
// are UUIDs (128-bit integers inside DuckDB), so that count(DISTINCT ...)
// stays cheap. Low-cardinality strings are dictionary-compressed by DuckDB.
const schema = `
CREATE TABLE IF NOT EXISTS events (
    website_id        VARCHAR   NOT NULL,
    ts                TIMESTAMP NOT NULL,
    type              UTINYINT  NOT NULL,
    visitor_id        UUID      NOT NULL,
    session_id        UUID      NOT NULL,
    hostname          VARCHAR   NOT NULL,
    path              VARCHAR   NOT NULL,
    entry_path        VARCHAR   NOT NULL,
    session_referrer  VARCHAR   NOT NULL,
    referrer          VARCHAR   NOT NULL,
    referrer_host     VARCHAR   NOT NULL,
    utm_source        VARCHAR   NOT NULL,
    utm_medium        VARCHAR   NOT NULL,
    utm_campaign      VARCHAR   NOT NULL,
    utm_term          VARCHAR   NOT NULL,
    utm_content       VARCHAR   NOT NULL,
    ref               VARCHAR   NOT NULL,
    source            VARCHAR   NOT NULL,
    via               VARCHAR   NOT NULL,
    country           VARCHAR   NOT NULL,
    region            VARCHAR   NOT NULL,
    city              VARCHAR   NOT NULL,
    browser           VARCHAR   NOT NULL,
    os                VARCHAR   NOT NULL,
    device            VARCHAR   NOT NULL,
    screen_width      USMALLINT NOT NULL,
    screen_height     USMALLINT NOT NULL,
    viewport_width    USMALLINT NOT NULL,
    viewport_height   USMALLINT NOT NULL,
    language          VARCHAR   NOT NULL,
    goal              VARCHAR   NOT NULL,
    props             VARCHAR   NOT NULL,
    ad_click_ids      VARCHAR   NOT NULL,
    revenue_cents     BIGINT    NOT NULL,
    currency          VARCHAR   NOT NULL,
    event_id          VARCHAR   NOT NULL,
    transaction_id    VARCHAR   NOT NULL,
    vprev             BIGINT,
    sprev             BIGINT,
    sprev2            BIGINT,
    pprev             BIGINT,
    rprev             BIGINT,
    cprev             BIGINT,
    site              INTEGER,
    pvprev            BIGINT,
    pvnext            BIGINT
);
CREATE TABLE IF NOT EXISTS sites (
    website_id VARCHAR PRIMARY KEY,
    n          INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS pvnext_updates (
    site       INTEGER NOT NULL,
    visitor_id UUID    NOT NULL,
    since      BIGINT  NOT NULL,
    next       BIGINT  NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_journals (
    journal    VARCHAR PRIMARY KEY,
    last_batch UBIGINT NOT NULL
);
`

// settings are set on the database when it is opened.
//
// max_vacuum_tasks = 0: no row-group merging at checkpoints. Each load
// commits a few thousand events, and a checkpoint (every 16 MB of WAL)
// writes what came since the last one as a row group of its own. With
// merging on, DuckDB would merge such row groups with their neighbours
// into full ones (122,880 rows), decompressing up to three row groups of
// all columns into memory at once: 80-200 MB for a second at every other
// checkpoint while events arrive, most of the server's peak memory. The
// row groups stay at the size of one checkpoint's events (about 50,000
// rows at 20,000 events/s; bulk loads write full ones), which scans as
// fast. Deleted events are hidden at once either way; their space is
// reused only when DuckDB rewrites their row group.
const settings = `SET max_vacuum_tasks = 0`

// DB is the DuckDB event store. It implements openfast.EventStore.
type DB struct {
	db  *sql.DB
	idx *indexer // nil when nothing indexes in the background (tests)
	// dialect is the store's SQL dialect (see newDialect).
	dialect *sqlq.Dialect
	// sitesMu guards sites, the website numbers of the sites table (see
	// site.go).
	sitesMu sync.Mutex
	sites   map[string]int32
	// rows counts the events of each website number (roughly: deletes
	// are not subtracted), and total all of them; guarded by sitesMu.
	// Reads use them to choose a query's shape (see smallSite).
	rows  map[int32]int64
	total int64
	// roundMu serializes indexing rounds (index.go).
	roundMu sync.Mutex
	// insertMu serializes inserts, and guards live, the index columns
	// computed on insert (live.go; nil when off).
	insertMu sync.Mutex
	live     *liveIndex
}

var _ openfast.EventStore = (*DB)(nil)

// OpenDataDir opens (creating it if needed) the event database in dir,
// which must exist.
func OpenDataDir(ctx context.Context, dir string) (*DB, error) {
	return Open(ctx, filepath.Join(dir, FileName))
}

// Open opens the event database at path, creating it if needed. Its
// folder should be the owner-only data folder; the file itself is made
// owner-only too.
func Open(ctx context.Context, path string) (*DB, error) {
	d, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	d.startIndexer()
	return d, nil
}

// open opens the event database without its background indexer.
func open(ctx context.Context, path string) (*DB, error) {
	connector, err := ddb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open event database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if _, err := db.ExecContext(ctx, settings); err != nil {
		db.Close()
		return nil, fmt.Errorf("event database settings: %w", err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create events table: %w", err)
	}
	if err := migrateJournalTable(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := addEarlierColumns(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("event database mode: %w", err)
	}
	d := &DB{db: db}
	d.dialect = d.newDialect()
	if err := d.loadSites(ctx); err != nil {
		db.Close()
		return nil, err
	}
	d.startLive()
	return d, nil
}

// migrateJournalTable moves the last batch of the one unnamed journal that
// files made before journals had names recorded (table ingest_journal) to
// the journal named "local" (the name ingest gives the legacy journal).
// legacyJournal is the name under which the batches of the unnamed journal
// are recorded (ingest.LegacyJournalName).
const legacyJournal = "local"

func migrateJournalTable(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'ingest_journal'`).Scan(&n); err != nil {
		return fmt.Errorf("look for the old journal table: %w", err)
	}
	if n == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("move the old journal table: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_journals SELECT ?, last_batch FROM ingest_journal WHERE id = 1 ON CONFLICT DO NOTHING`, legacyJournal); err != nil {
		return fmt.Errorf("move the old journal table: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE ingest_journal`); err != nil {
		return fmt.Errorf("move the old journal table: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("move the old journal table: %w", err)
	}
	return nil
}

// SetMemoryLimit caps the memory DuckDB manages (its block cache and the
// working memory of queries, which spill to disk beyond it), e.g. "256MB"
// or "2GB". DuckDB's default is 80% of the machine's memory.
func (d *DB) SetMemoryLimit(ctx context.Context, limit string) error {
	if !validMemorySize(limit) {
		return fmt.Errorf("memory limit %q: want a size such as 256MB or 2GB", limit)
	}
	// The size is checked above: it is digits and a unit, safe to write
	// into the statement (SET takes no parameters).
	if _, err := d.db.ExecContext(ctx, "SET memory_limit = '"+limit+"'"); err != nil {
		return fmt.Errorf("set the event database's memory limit: %w", err)
	}
	return nil
}

// validMemorySize accepts digits followed by KB, MB, GB or TB.
func validMemorySize(s string) bool {
	digits, ok := strings.CutSuffix(s, "B")
	if !ok || len(digits) < 2 || !strings.ContainsRune("KMGT", rune(digits[len(digits)-1])) {
		return false
	}
	digits = digits[:len(digits)-1]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return digits != "" && digits[0] != '0'
}

// SQL returns the underlying database, for read-only inspection by tests
// and tools.
func (d *DB) SQL() *sql.DB { return d.db }

// Close stops the background indexer and closes the database.
func (d *DB) Close() error {
	d.stopIndexer()
	d.stopLive()
	return d.db.Close()
}

// InsertEvents appends a batch in one transaction, through DuckDB's
// appender.
func (d *DB) InsertEvents(ctx context.Context, events []openfast.Event) error {
	pending, err := d.insert(ctx, "", 0, events)
	if err == nil {
		d.kickIndexer(pending)
	}
	return err
}

// InsertBatch appends batch seq of a journal and records it as the
// journal's last batch loaded, in one transaction; a batch already loaded
// is skipped.
func (d *DB) InsertBatch(ctx context.Context, journal string, seq uint64, events []openfast.Event) error {
	if err := openfast.CheckBatch(journal, seq); err != nil {
		return err
	}
	pending, err := d.insert(ctx, journal, seq, events)
	if err == nil {
		d.kickIndexer(pending)
	}
	// A load (and the checkpoint it may trigger) frees most of what it
	// allocated: return it, so that the server's memory does not keep the
	// high-water mark of every load.
	releaseMemory()
	return err
}

// LastBatch returns the number of a journal's last batch loaded.
func (d *DB) LastBatch(ctx context.Context, journal string) (uint64, error) {
	var seq uint64
	err := d.db.QueryRowContext(ctx, `SELECT last_batch FROM ingest_journals WHERE journal = ?`, journal).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the last journal batch: %w", err)
	}
	return seq, nil
}

// insert appends events in one transaction, and with a batch number
// records it as the journal's last in the same transaction. It returns the
// earliest time (epoch microseconds) of the rows it inserted pending, for
// the indexer, or noneNext when there are none.
func (d *DB) insert(ctx context.Context, journal string, seq uint64, events []openfast.Event) (pending int64, err error) {
	if len(events) == 0 && seq == 0 {
		return noneNext, nil
	}
	sites, err := d.assignSites(ctx, events)
	if err != nil {
		return noneNext, err
	}
	d.insertMu.Lock()
	defer d.insertMu.Unlock()
	pending, err = d.insertTx(ctx, journal, seq, events, sites, d.live)
	if errors.Is(err, errGoalUpdate) {
		// The goals were being indexed meanwhile, most likely (a
		// write conflict): insert the batch pending instead.
		pending, err = d.insertTx(ctx, journal, seq, events, sites, nil)
	}
	if err == nil {
		d.countRows(events, sites)
	}
	return pending, err
}

// errGoalUpdate is the failure of the update of the open goals a batch's
// pageviews follow.
var errGoalUpdate = errors.New("update the goals the new pageviews follow")

// insertTx is insert's transaction, with the index columns computed by
// live (nil: none; all rows pending). The caller holds insertMu.
func (d *DB) insertTx(ctx context.Context, journal string, seq uint64, events []openfast.Event, sites map[string]int32, live *liveIndex) (pending int64, err error) {
	pending = noneNext
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return noneNext, fmt.Errorf("event store connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return noneNext, fmt.Errorf("begin: %w", err)
	}
	rollback := func() { conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") }
	if seq != 0 {
		var last uint64
		err := conn.QueryRowContext(ctx, `SELECT last_batch FROM ingest_journals WHERE journal = ?`, journal).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			rollback()
			return noneNext, fmt.Errorf("read the last journal batch: %w", err)
		}
		if seq <= last {
			rollback()
			return noneNext, nil
		}
		if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO ingest_journals VALUES (?, ?)`, journal, seq); err != nil {
			rollback()
			return noneNext, fmt.Errorf("record journal batch %d: %w", seq, err)
		}
	}
	var index []rowIndex
	var touched []visitorKey
	var updates []goalUpdate
	if live != nil && len(events) > 0 {
		index, touched, updates = live.compute(events, sites)
	}
	failed := func() {
		rollback()
		if live != nil {
			live.forget(touched...)
		}
	}
	if len(updates) > 0 {
		if err := updateOpenGoals(ctx, conn, updates); err != nil {
			failed()
			return noneNext, fmt.Errorf("%w: %w", errGoalUpdate, err)
		}
	}
	if len(events) > 0 {
		err = conn.Raw(func(dc any) error {
			a, err := ddb.NewAppenderFromConn(dc.(driver.Conn), "", "events")
			if err != nil {
				return fmt.Errorf("appender: %w", err)
			}
			for i := range events {
				var ix *rowIndex
				if index != nil && index[i].ok {
					ix = &index[i]
				} else if indexed(events[i].Type) {
					pending = min(pending, events[i].Time.UnixMicro())
				}
				if err := appendEvent(a, &events[i], sites[events[i].WebsiteID], ix); err != nil {
					a.Close()
					return err
				}
			}
			if err := a.Close(); err != nil {
				return fmt.Errorf("flush events: %w", err)
			}
			return nil
		})
		if err != nil {
			failed()
			return noneNext, err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		failed()
		return noneNext, fmt.Errorf("commit events: %w", err)
	}
	return pending, nil
}

// appendEvent appends an event, with its index columns when ix is not nil
// (pending otherwise: NULL, see index.go).
func appendEvent(a *ddb.Appender, e *openfast.Event, site int32, ix *rowIndex) error {
	var vprev, sprev, sprev2, pprev, rprev, cprev, pvprev, pvnext any
	if ix != nil {
		if e.Type == openfast.EventPageview {
			vprev, sprev, sprev2, pprev, rprev, cprev = ix.vprev, ix.sprev, ix.sprev2, ix.pprev, ix.rprev, ix.cprev
		} else {
			pvprev, pvnext = ix.pvprev, ix.pvnext
		}
	}
	err := a.AppendRow(
		e.WebsiteID, e.Time.UTC(), uint8(e.Type), ddb.UUID(e.VisitorID), ddb.UUID(e.SessionID),
		e.Hostname, e.Path, e.EntryPath, e.SessionReferrer, e.Referrer, e.ReferrerHost,
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via,
		e.CountryCode, e.Region, e.City, e.Browser, e.OS, e.Device,
		e.ScreenWidth, e.ScreenHeight, e.ViewportWidth, e.ViewportHeight, e.Language,
		e.Goal, e.Props, e.AdClickIDs, e.RevenueCents, e.Currency, e.EventID, e.TransactionID,
		vprev, sprev, sprev2, pprev, rprev, cprev,
		site,
		pvprev, pvnext,
	)
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// CountEvents counts a website's events.
func (d *DB) CountEvents(ctx context.Context, websiteID string) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE site = ?`, d.site(websiteID)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// HasPageview reports whether a visitor has a pageview on a website.
func (d *DB) HasPageview(ctx context.Context, websiteID string, visitor openfast.UUID) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE site = ? AND visitor_id = CAST(? AS UUID) AND type = ? LIMIT 1)`,
		d.site(websiteID), visitor.String(), uint8(openfast.EventPageview)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up pageview: %w", err)
	}
	return n > 0, nil
}

// PaymentExists reports whether a website has a payment with this
// transaction id.
func (d *DB) PaymentExists(ctx context.Context, websiteID, transactionID string) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE site = ? AND type = ? AND transaction_id = ? LIMIT 1)`,
		d.site(websiteID), uint8(openfast.EventPayment), transactionID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up payment: %w", err)
	}
	return n > 0, nil
}

// DeleteEvents deletes the selected events.
func (d *DB) DeleteEvents(ctx context.Context, del openfast.EventDeletion) (int64, error) {
	q := `DELETE FROM events WHERE site = ? AND type = ?`
	args := []any{d.site(del.WebsiteID), uint8(del.Type)}
	if del.Visitor != nil {
		q += ` AND visitor_id = CAST(? AS UUID)`
		args = append(args, del.Visitor.String())
	}
	if del.Goal != "" {
		q += ` AND goal = ?`
		args = append(args, del.Goal)
	}
	if del.TransactionID != "" {
		q += ` AND transaction_id = ?`
		args = append(args, del.TransactionID)
	}
	if !del.Start.IsZero() {
		q += ` AND ts >= ?`
		args = append(args, del.Start.UTC())
	}
	if !del.End.IsZero() {
		q += ` AND ts <= ?`
		args = append(args, del.End.UTC())
	}
	if del.Type == openfast.EventPageview {
		// The live index's states would keep the deleted pageviews.
		d.insertMu.Lock()
		defer d.insertMu.Unlock()
		if d.live != nil {
			d.live.forgetAll()
		}
	}
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	return n, nil
}
