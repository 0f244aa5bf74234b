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
	"sync/atomic"

	ddb "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics/sqlq"
	"github.com/openfast/openfast/internal/migration"
)

// FileName is the event database's name inside the data folder.
const FileName = "events.duckdb"

// settings are set on the database when it is opened.
//
// max_vacuum_tasks = 0: no row-group merging at checkpoints. Each load
// commits a few thousand events, and a checkpoint writes what came since
// the last one as a row group of its own. With merging on, DuckDB merges
// such row groups with their neighbours into full ones, decompressing
// several row groups of all columns into memory at once, which was most of
// the server's peak memory while events arrive (docs/benchmarks.md). The
// row groups stay at the size of one checkpoint's events (bulk loads write
// full ones), which scans as fast. Deleted events are hidden at once
// either way; their space is reused only when DuckDB rewrites their row
// group.
//
// allocator_background_threads: jemalloc's own threads return the pages
// DuckDB freed once allocatorDecay has passed, also when the process has
// fallen idle (without them, only allocations and frees move the decay).
const settings = `SET max_vacuum_tasks = 0; SET allocator_background_threads = true`

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
	// writes counts the writes to the events' own columns (inserts,
	// deletes, the website numbers), each added once it is done: reads
	// kept for reuse (shared.go) are reused only while it is unchanged.
	// Every such write must add to it; the index columns' do not.
	writes atomic.Uint64
	// shared are the reads kept for reuse (shared.go).
	shared sharedReads
}

var _ openfast.EventStore = (*DB)(nil)

// OpenDataDir opens (creating it if needed) the event database in dir,
// which must exist.
func OpenDataDir(ctx context.Context, dir string) (*DB, error) {
	return Open(ctx, filepath.Join(dir, FileName))
}

// Open opens the event database at path, creating it if needed, and
// applies the embedded migrations (migrations/*.sql) it has not recorded.
// Its folder should be the owner-only data folder; the file itself is made
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
	setAllocatorDecay()
	connector, err := ddb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open event database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if _, err := db.ExecContext(ctx, settings); err != nil {
		db.Close()
		return nil, fmt.Errorf("event database settings: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		var newer *migration.NewerError
		if errors.As(err, &newer) {
			return nil, newer
		}
		return nil, fmt.Errorf("migrate the event database: %w", err)
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

// SetMemoryLimit caps the memory DuckDB manages (its block cache and the
// working memory of queries, which spill to disk beyond it), e.g. "256MB"
// or "2GB". DuckDB's default is 80% of the machine's memory; serve sets
// DefaultMemoryLimit unless told otherwise.
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
	pending, err := d.insert(ctx, "", 0, "", events)
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
	pending, err := d.insert(ctx, journal, seq, "", events)
	if err == nil {
		d.kickIndexer(pending)
	}
	// What a load frees goes back to the system over allocatorDecay, not
	// at once: a load comes every quarter second under live traffic, and
	// purging after each one made the next load's memory, and the
	// dashboard's reads', come fresh from the system every time.
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
// A batch of an import (importID not "") marks its rows with the import
// and adds them to the import's rows, in the same transaction.
func (d *DB) insert(ctx context.Context, journal string, seq uint64, importID string, events []openfast.Event) (pending int64, err error) {
	if len(events) == 0 && seq == 0 {
		return noneNext, nil
	}
	sites, err := d.assignSites(ctx, events)
	if err != nil {
		return noneNext, err
	}
	d.insertMu.Lock()
	defer d.insertMu.Unlock()
	defer d.writes.Add(1)
	pending, err = d.insertTx(ctx, journal, seq, importID, events, sites, d.live)
	if errors.Is(err, errGoalUpdate) {
		// The goals were being indexed meanwhile, most likely (a
		// write conflict): insert the batch pending instead.
		pending, err = d.insertTx(ctx, journal, seq, importID, events, sites, nil)
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
func (d *DB) insertTx(ctx context.Context, journal string, seq uint64, importID string, events []openfast.Event, sites map[string]int32, live *liveIndex) (pending int64, err error) {
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
	if importID != "" {
		if _, err := conn.ExecContext(ctx, `UPDATE imports SET rows = rows + ? WHERE id = ?`, len(events), importID); err != nil {
			rollback()
			return noneNext, fmt.Errorf("count the rows of import %s: %w", importID, err)
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
				if err := appendEvent(a, &events[i], sites[events[i].WebsiteID], ix, importID); err != nil {
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
// (pending otherwise: NULL, see index.go), and the import's id when it
// is one's ("": NULL).
func appendEvent(a *ddb.Appender, e *openfast.Event, site int32, ix *rowIndex, importID string) error {
	// The index columns, in the order of the table's columns.
	var prevVisitor, prevSession, secondPrevSession, prevPage, prevReferrer, prevCountry, pageviewBefore, pageviewAfter, techChanged any
	if ix != nil {
		if e.Type == openfast.EventPageview {
			prevVisitor, prevSession, secondPrevSession = ix.prevVisitor, ix.prevSession, ix.secondPrevSession
			prevPage, prevReferrer, prevCountry = ix.prevPage, ix.prevReferrer, ix.prevCountry
			techChanged = ix.techChanged
		} else {
			pageviewBefore, pageviewAfter = ix.pageviewBefore, ix.pageviewAfter
		}
	}
	lat, lon := coordinateValues(e.Coordinates)
	var imp any
	if importID != "" {
		imp = importID
	}
	err := a.AppendRow(
		e.WebsiteID, e.Time.UTC(), uint8(e.Type), ddb.UUID(e.VisitorID), ddb.UUID(e.SessionID),
		e.Hostname, e.Path, e.EntryPath, e.SessionReferrer, e.Referrer, e.ReferrerHost,
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via,
		e.CountryCode, e.Region, e.City, e.Browser, e.OS, e.Device,
		e.ScreenWidth, e.ScreenHeight, e.ViewportWidth, e.ViewportHeight, e.Language,
		e.Goal, e.Props, e.AdClickIDs, e.RevenueCents, e.Currency, e.EventID, e.TransactionID,
		prevVisitor, prevSession, secondPrevSession, prevPage, prevReferrer, prevCountry,
		site,
		pageviewBefore, pageviewAfter,
		lat, lon,
		imp,
		techChanged,
	)
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// coordinateValues are the latitude and longitude columns of c: FLOAT,
// NULL when unknown.
func coordinateValues(c openfast.Coordinates) (lat, lon any) {
	if !c.Known {
		return nil, nil
	}
	return float32(c.Latitude), float32(c.Longitude)
}

// coordinatesFrom reads the latitude and longitude columns.
func coordinatesFrom(lat, lon sql.NullFloat64) openfast.Coordinates {
	if !lat.Valid || !lon.Valid {
		return openfast.Coordinates{}
	}
	return openfast.CoordinatesOf(lat.Float64, lon.Float64)
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

// VisitorByEmail returns the visitor of the website's latest payment hint
// or identify event whose props carry this email, without case.
func (d *DB) VisitorByEmail(ctx context.Context, websiteID, email string) (openfast.UUID, bool, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT CAST(visitor_id AS VARCHAR) FROM events WHERE site = ? AND type IN (?, ?) AND props <> ''
AND lower(json_extract_string(NULLIF(props, ''), '$.email')) = lower(?) AND visitor_id <> `+zeroUUID+` ORDER BY ts DESC LIMIT 1`,
		d.site(websiteID), uint8(openfast.EventPaymentHint), uint8(openfast.EventIdentify), email).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return openfast.UUID{}, false, nil
	}
	if err != nil {
		return openfast.UUID{}, false, fmt.Errorf("look up visitor by email: %w", err)
	}
	u, ok := openfast.ParseUUID(v)
	return u, ok, nil
}

// VisitorByPaymentHint returns the visitor of the website's latest payment
// hint whose props carry key with this value.
func (d *DB) VisitorByPaymentHint(ctx context.Context, websiteID, key, value string) (openfast.UUID, bool, error) {
	if !openfast.ValidPaymentHintKey(key) {
		return openfast.UUID{}, false, nil
	}
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT CAST(visitor_id AS VARCHAR) FROM events WHERE site = ? AND type = ? AND props <> ''
AND json_extract_string(NULLIF(props, ''), ?) = ? AND visitor_id <> `+zeroUUID+` ORDER BY ts DESC LIMIT 1`,
		d.site(websiteID), uint8(openfast.EventPaymentHint), "$."+key, value).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return openfast.UUID{}, false, nil
	}
	if err != nil {
		return openfast.UUID{}, false, fmt.Errorf("look up visitor by payment hint: %w", err)
	}
	u, ok := openfast.ParseUUID(v)
	return u, ok, nil
}

// DeleteEvents deletes the selected events.
func (d *DB) DeleteEvents(ctx context.Context, del openfast.EventDeletion) (int64, error) {
	where, args := d.deletionSelection(del)
	q := `DELETE FROM events WHERE ` + where
	if del.Type == openfast.EventPageview {
		// The live index's states would keep the deleted pageviews.
		d.insertMu.Lock()
		defer d.insertMu.Unlock()
		if d.live != nil {
			d.live.forgetAll()
		}
	}
	defer d.writes.Add(1)
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

// LibraryVersion is the version of the DuckDB library linked into the
// binary (such as v1.5.2), asked of an in-memory database.
func LibraryVersion(ctx context.Context) (string, error) {
	connector, err := ddb.NewConnector("", nil)
	if err != nil {
		return "", fmt.Errorf("open an in-memory duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("ask duckdb its version: %w", err)
	}
	return v, nil
}
