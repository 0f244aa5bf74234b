// Package clickhouse is openfast's event store on a ClickHouse server, for
// installations that outgrow the embedded DuckDB store. It answers exactly
// what the DuckDB store and the reference of storetest answer: the same
// numbers, orders and ties.
//
// It speaks ClickHouse's native protocol (clickhouse://host:port/database)
// through clickhouse-go, and its SQL runs on ClickHouse 18.16 (the server
// Debian ships, on which it is tested: version 18.16.1, protocol revision
// 54412) as on current releases. So it keeps to what both have:
//   - no DateTime64: times are Int64 microseconds since the Unix epoch
//     (UTC), which keeps the microseconds of events exact and makes range
//     conditions and timeseries buckets plain integer arithmetic, with no
//     timezone database on the server;
//   - visitor and session ids are FixedString(16), the UUID's bytes, which
//     compare bytewise like the canonical strings the reads order by (the
//     UUID type compares as a 128-bit integer, in an order of its own);
//   - no common table expressions, no window functions, one JOIN per
//     SELECT (always ALL ... USING, on keys unique on the right), no
//     LowCardinality;
//   - "first" and "latest" events are argMin/argMax over a tuple that
//     starts with the time and goes on with every value picked, so that
//     ties break as analytics/visitors.go says;
//   - deletes are mutations (ALTER TABLE ... DELETE), asynchronous on
//     every version: DeleteEvents waits until system.mutations reports them
//     done.
package clickhouse

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/internal/migration"
)

// schema creates the tables.
//
// events mirrors the DuckDB store's table. ts is the event's time in
// microseconds since the epoch (read it with toDateTime(intDiv(ts,
// 1000000))). Partitions are calendar months (UTC); the sort key starts
// with the website and the time, which every analytics query selects on.
//
// journal and batch are the ingest journal and its batch that stored the
// event ("" and 0 for InsertEvents), and ingest_journal records the batches
// stored, per journal (each server has its own). ClickHouse
// has no transaction spanning two inserts, nor (on 18.16, without
// replication) insert deduplication, so a journal batch is stored in two
// steps that are safe to repeat: its events go in with their batch number,
// then its number goes into ingest_journal, the commit mark. A crash between
// the two, or inside the first (an insert spanning several months writes one
// part per month), leaves events of a batch above the last one marked;
// InsertBatch deletes them (that journal's only) before loading the batch
// again, so a batch replayed after a crash is stored once. ingest_journal is
// a ReplacingMergeTree keyed by journal: merges fold each journal to its
// greatest seq, and max(seq) is right before they do.
//
// schema_migrations records the one-off data migrations (migrations)
// applied to the database, one row per name; a ReplacingMergeTree, so that
// a name recorded twice (two servers opening an old database at once)
// merges into one row.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS events (
    website_id        String,
    ts                Int64,
    type              UInt8,
    visitor_id        FixedString(16),
    session_id        FixedString(16),
    hostname          String,
    path              String,
    entry_path        String,
    session_referrer  String,
    referrer          String,
    referrer_host     String,
    utm_source        String,
    utm_medium        String,
    utm_campaign      String,
    utm_term          String,
    utm_content       String,
    ref               String,
    source            String,
    via               String,
    country           String,
    region            String,
    city              String,
    browser           String,
    os                String,
    device            String,
    screen_width      UInt16,
    screen_height     UInt16,
    viewport_width    UInt16,
    viewport_height   UInt16,
    language          String,
    goal              String,
    props             String,
    ad_click_ids      String,
    revenue_cents     Int64,
    currency          String,
    event_id          String,
    transaction_id    String,
    journal           String,
    batch             UInt64,
    latitude          Nullable(Float32),
    longitude         Nullable(Float32)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000000), 'UTC'))
ORDER BY (website_id, ts, type)`,
	`CREATE TABLE IF NOT EXISTS ingest_journal (
    journal String,
    seq     UInt64
) ENGINE = ReplacingMergeTree(seq)
ORDER BY journal`,
	`CREATE TABLE IF NOT EXISTS schema_migrations (
    name       String,
    applied_at DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY name`,
}

// addedColumns are the columns of events that tables made by older
// versions lack, in the order of the table: Open adds them (ClickHouse
// 18.16 has no ADD COLUMN IF NOT EXISTS). The coordinates are NULL when
// unknown, as for the events stored before.
var addedColumns = [][2]string{{"latitude", "Nullable(Float32)"}, {"longitude", "Nullable(Float32)"}}

// addColumns adds the addedColumns that the events table lacks.
func (d *DB) addColumns(ctx context.Context) error {
	for _, c := range addedColumns {
		var n uint64
		err := d.conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = ? AND table = 'events' AND name = ?`, d.database, c[0]).Scan(&n)
		if err == nil && n == 0 {
			err = d.conn.Exec(ctx, "ALTER TABLE events ADD COLUMN "+c[0]+" "+c[1])
		}
		if err != nil {
			return fmt.Errorf("add column %s to the events: %w", c[0], err)
		}
	}
	return nil
}

// insertEvents is the insert of events, with its explicit column list
// (ClickHouse 18.16 needs it for batches).
const insertEvents = `INSERT INTO events (` + insertColumns + `)`

// insertColumns are the events table's columns, in their order.
const insertColumns = `website_id, ts, type, visitor_id, session_id,
    hostname, path, entry_path, session_referrer, referrer, referrer_host,
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via,
    country, region, city, browser, os, device,
    screen_width, screen_height, viewport_width, viewport_height, language,
    goal, props, ad_click_ids, revenue_cents, currency, event_id, transaction_id, journal, batch, latitude, longitude`

// DB is the ClickHouse event store.
type DB struct {
	conn     driver.Conn
	database string
	// failReason is the expression of system.mutations that tells why a
	// mutation fails ('' on versions without the column).
	failReason string

	// mu serializes journal batches. clean holds the journals whose events
	// of batches above the last one marked are known to be gone (see
	// schema).
	mu    sync.Mutex
	clean map[string]bool
}

var _ openfast.EventStore = (*DB)(nil)

// Open connects to the server of url (clickhouse://user:password@host:port/
// database?options, the native protocol), creates the database if it is
// missing and the tables.
func Open(ctx context.Context, url string) (*DB, error) {
	opts, err := ch.ParseDSN(url)
	if err != nil {
		// net/url masks the password in the URLs its errors quote.
		return nil, fmt.Errorf("event database URL: %w", err)
	}
	database := opts.Auth.Database
	if database == "" {
		database = "default"
	}
	if !validIdentifier(database) {
		return nil, fmt.Errorf("event database name %q: want letters, digits and underscores", database)
	}
	// The database may not exist yet, and a connection to a missing one
	// fails: create it through the user's default database first.
	opts.Auth.Database = ""
	boot, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to the event database: %w", err)
	}
	err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database)
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("create event database %s: %w", database, err)
	}
	opts.Auth.Database = database
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to event database %s: %w", database, err)
	}
	d := &DB{conn: conn, database: database, failReason: "''", clean: map[string]bool{}}
	// A database without the events table is new: it has nothing to
	// migrate.
	var tables uint64
	if err := conn.QueryRow(ctx, `SELECT count() FROM system.tables WHERE database = ? AND name = 'events'`, database).Scan(&tables); err != nil {
		conn.Close()
		return nil, fmt.Errorf("event database: read system.tables: %w", err)
	}
	for _, stmt := range schema {
		if err := conn.Exec(ctx, stmt); err != nil {
			conn.Close()
			return nil, fmt.Errorf("create the event tables: %w", err)
		}
	}
	var n uint64
	err = conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = 'system' AND table = 'mutations' AND name = 'latest_fail_reason'`).Scan(&n)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("event database: read system.mutations: %w", err)
	}
	if n > 0 {
		d.failReason = "max(latest_fail_reason)"
	}
	// The columns first: the migrations copy rows with the full column list.
	if err := d.addColumns(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := d.migrate(ctx, tables == 0); err != nil {
		conn.Close()
		return nil, err
	}
	return d, nil
}

// migrations are the one-off data migrations, in order. Each runs once per
// database: migrate records it in schema_migrations after it ran, and a
// new database records them all without running them. A crash between a
// migration and its record runs it again at the next Open.
var migrations = []migrationStep{
	{"payment_hints", (*DB).migratePaymentHints},
}

type migrationStep struct {
	name string
	run  func(d *DB, ctx context.Context) error
}

// migrate runs the migrations that schema_migrations does not record, or
// for a new database only records them.
func (d *DB) migrate(ctx context.Context, fresh bool) error {
	rows, err := d.conn.Query(ctx, `SELECT DISTINCT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("event database: read schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("event database: read schema_migrations: %w", err)
		}
		applied[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("event database: read schema_migrations: %w", err)
	}
	// A migration this binary does not know was made by a newer one: the
	// database is left as it is. Migrations are only ever appended, so the
	// count of those recorded is the schema's version.
	for name := range applied {
		if !slices.ContainsFunc(migrations, func(m migrationStep) bool { return m.name == name }) {
			return &migration.NewerError{Where: "this database", Store: "event", Found: max(len(applied), len(migrations)+1), Known: len(migrations)}
		}
	}
	for i, m := range migrations {
		if applied[m.name] {
			continue
		}
		if !fresh {
			if err := m.run(d, ctx); err != nil {
				return err
			}
		}
		if err := d.insertRow(ctx, `INSERT INTO schema_migrations (name, applied_at)`, m.name, time.Now().UTC()); err != nil {
			return fmt.Errorf("event database: record migration %s: %w", m.name, err)
		}
		migration.Report(ctx, migration.Applied{Store: "clickhouse", Version: i + 1, Name: m.name})
	}
	return nil
}

// oldPaymentHints selects the tracker's payment events stored as payments
// by older versions: server-side payments always have a transaction id
// and an event id.
var oldPaymentHints = `type = ` + payment + ` AND transaction_id = '' AND event_id = ''`

// migratePaymentHints makes the tracker's payment events of older
// versions payment hints (openfast.EventPaymentHint): type is part of the
// table's sort key, so they are copied with the new type, then deleted.
// It scans the whole table, so migrate runs it once per database.
func (d *DB) migratePaymentHints(ctx context.Context) error {
	var n uint64
	if err := d.conn.QueryRow(ctx, `SELECT count() FROM events WHERE `+oldPaymentHints).Scan(&n); err != nil {
		return fmt.Errorf("event database: count old payment hints: %w", err)
	}
	if n == 0 {
		return nil
	}
	cols := strings.TrimSpace(insertColumns)
	sel := strings.Replace(cols, "type,", "toUInt8("+strconv.Itoa(int(openfast.EventPaymentHint))+"),", 1)
	if err := d.conn.Exec(ctx, `INSERT INTO events (`+cols+`) SELECT `+sel+` FROM events WHERE `+oldPaymentHints); err != nil {
		return fmt.Errorf("event database: copy old payment hints: %w", err)
	}
	if err := d.mutate(ctx, `ALTER TABLE events DELETE WHERE `+oldPaymentHints); err != nil {
		return fmt.Errorf("event database: delete old payment hints: %w", err)
	}
	return nil
}

// validIdentifier accepts a database name that needs no quoting.
func validIdentifier(s string) bool {
	if s == "" || len(s) > 128 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ServerVersion returns the server's version, e.g. "18.16.1".
func (d *DB) ServerVersion() (string, error) {
	v, err := d.conn.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("event database version: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch), nil
}

// Close closes the connections.
func (d *DB) Close() error { return d.conn.Close() }

// InsertEvents stores a batch with one insert.
func (d *DB) InsertEvents(ctx context.Context, events []openfast.Event) error {
	if len(events) == 0 {
		return nil
	}
	return d.insert(ctx, "", 0, events)
}

// InsertBatch stores batch seq of a journal and marks it stored; a batch
// not above the journal's last one marked is skipped (see schema for the
// steps).
func (d *DB) InsertBatch(ctx context.Context, journal string, seq uint64, events []openfast.Event) error {
	if err := openfast.CheckBatch(journal, seq); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	last, err := d.LastBatch(ctx, journal)
	if err != nil {
		return err
	}
	if seq <= last {
		return nil
	}
	if !d.clean[journal] {
		// Events of batches never marked: a previous load failed or
		// crashed in the middle.
		var n uint64
		if err := d.conn.QueryRow(ctx, `SELECT count() FROM events WHERE journal = ? AND batch > ?`, journal, last).Scan(&n); err != nil {
			return fmt.Errorf("look for events of unfinished journal batches: %w", err)
		}
		if n > 0 {
			if err := d.mutate(ctx, `ALTER TABLE events DELETE WHERE journal = ? AND batch > ?`, journal, last); err != nil {
				return fmt.Errorf("delete the events of unfinished journal batches: %w", err)
			}
		}
		d.clean[journal] = true
	}
	if len(events) > 0 {
		if err := d.insert(ctx, journal, seq, events); err != nil {
			d.clean[journal] = false
			return fmt.Errorf("journal batch %d: %w", seq, err)
		}
	}
	if err := d.mark(ctx, journal, seq); err != nil {
		d.clean[journal] = false
		return fmt.Errorf("mark journal batch %d stored: %w", seq, err)
	}
	return nil
}

// mark records journal batch seq as stored.
func (d *DB) mark(ctx context.Context, journal string, seq uint64) error {
	return d.insertRow(ctx, `INSERT INTO ingest_journal (journal, seq)`, journal, seq)
}

// insertRow inserts one row of values. Like every insert it goes through a
// batch: 18.16 waits for a data block even after VALUES.
func (d *DB) insertRow(ctx context.Context, insert string, values ...any) error {
	b, err := d.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return err
	}
	if err := b.Append(values...); err != nil {
		b.Abort()
		return err
	}
	return b.Send()
}

// LastBatch returns the number of a journal's last batch marked stored.
func (d *DB) LastBatch(ctx context.Context, journal string) (uint64, error) {
	var seq uint64
	if err := d.conn.QueryRow(ctx, `SELECT max(seq) FROM ingest_journal WHERE journal = ?`, journal).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the last journal batch: %w", err)
	}
	return seq, nil
}

// insert sends events as one block, with a journal and batch number (""
// and 0 for none).
func (d *DB) insert(ctx context.Context, journal string, seq uint64, events []openfast.Event) error {
	b, err := d.conn.PrepareBatch(ctx, insertEvents)
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	for i := range events {
		e := &events[i]
		var lat, lon *float32
		if c := e.Coordinates; c.Known {
			la, lo := float32(c.Latitude), float32(c.Longitude)
			lat, lon = &la, &lo
		}
		err := b.Append(
			e.WebsiteID, e.Time.UnixMicro(), uint8(e.Type), string(e.VisitorID[:]), string(e.SessionID[:]),
			e.Hostname, e.Path, e.EntryPath, e.SessionReferrer, e.Referrer, e.ReferrerHost,
			e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via,
			e.CountryCode, e.Region, e.City, e.Browser, e.OS, e.Device,
			e.ScreenWidth, e.ScreenHeight, e.ViewportWidth, e.ViewportHeight, e.Language,
			e.Goal, e.Props, e.AdClickIDs, e.RevenueCents, e.Currency, e.EventID, e.TransactionID, journal, seq, lat, lon,
		)
		if err != nil {
			b.Abort()
			return fmt.Errorf("append event: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}

// CountEvents counts a website's events.
func (d *DB) CountEvents(ctx context.Context, websiteID string) (int64, error) {
	var n int64
	if err := d.conn.QueryRow(ctx, `SELECT toInt64(count()) FROM events WHERE website_id = ?`, websiteID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// HasPageview reports whether a visitor has a pageview on a website.
func (d *DB) HasPageview(ctx context.Context, websiteID string, visitor openfast.UUID) (bool, error) {
	var n uint64
	err := d.conn.QueryRow(ctx, `SELECT count() FROM (SELECT 1 FROM events WHERE website_id = ? AND visitor_id = `+uuidLiteral(visitor)+
		` AND type = `+pageview+` LIMIT 1)`, websiteID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up pageview: %w", err)
	}
	return n > 0, nil
}

// PaymentExists reports whether a website has a payment with this
// transaction id.
func (d *DB) PaymentExists(ctx context.Context, websiteID, transactionID string) (bool, error) {
	var n uint64
	err := d.conn.QueryRow(ctx, `SELECT count() FROM (SELECT 1 FROM events WHERE website_id = ? AND type = `+payment+
		` AND transaction_id = ? LIMIT 1)`, websiteID, transactionID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up payment: %w", err)
	}
	return n > 0, nil
}

// VisitorByEmail returns the visitor of the website's latest payment hint
// or identify event whose props carry this email, without case.
func (d *DB) VisitorByEmail(ctx context.Context, websiteID, email string) (openfast.UUID, bool, error) {
	return d.visitorWhere(ctx, "email", `type IN (`+strconv.Itoa(int(openfast.EventPaymentHint))+`, `+identify+`)
AND lower(visitParamExtractString(props, 'email')) = lower(?)`, websiteID, email)
}

// visitorWhere returns the visitor of the website's latest event with
// props that matches cond, whose one parameter is arg; what names the
// look-up in errors.
func (d *DB) visitorWhere(ctx context.Context, what, cond, websiteID, arg string) (openfast.UUID, bool, error) {
	rows, err := d.conn.Query(ctx, `SELECT hex(visitor_id) FROM events WHERE website_id = ? AND props <> '' AND `+cond+`
AND visitor_id != `+zeroUUID+` ORDER BY ts DESC LIMIT 1`, websiteID, arg)
	if err != nil {
		return openfast.UUID{}, false, fmt.Errorf("look up visitor by %s: %w", what, err)
	}
	defer rows.Close()
	var v string
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return openfast.UUID{}, false, fmt.Errorf("look up visitor by %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return openfast.UUID{}, false, fmt.Errorf("look up visitor by %s: %w", what, err)
	}
	var u openfast.UUID
	if _, err := hex.Decode(u[:], []byte(v)); err != nil || v == "" {
		return openfast.UUID{}, false, nil
	}
	return u, true, nil
}

// VisitorByPaymentHint returns the visitor of the website's latest payment
// hint whose props carry key with this value.
func (d *DB) VisitorByPaymentHint(ctx context.Context, websiteID, key, value string) (openfast.UUID, bool, error) {
	if !openfast.ValidPaymentHintKey(key) {
		return openfast.UUID{}, false, nil
	}
	return d.visitorWhere(ctx, "payment hint", `type = `+strconv.Itoa(int(openfast.EventPaymentHint))+
		` AND visitParamExtractString(props, '`+key+`') = ?`, websiteID, value)
}

// DeleteEvents counts the selected events, deletes them and waits until
// the deletion is done, so that reads after it no longer see them. Events
// inserted while it runs may be deleted without being counted.
func (d *DB) DeleteEvents(ctx context.Context, del openfast.EventDeletion) (int64, error) {
	q := deletionSelection(del)
	var n int64
	if err := d.conn.QueryRow(ctx, "SELECT toInt64(count()) FROM events WHERE "+q.String(), q.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := d.mutate(ctx, "ALTER TABLE events DELETE WHERE "+q.String(), q.Args...); err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	return n, nil
}

// mutate runs an ALTER TABLE events mutation and waits until the events
// table has no mutation left to do. ClickHouse runs mutations in the
// background (mutations_sync, which would wait, is newer than 18.16).
func (d *DB) mutate(ctx context.Context, stmt string, args ...any) error {
	if err := d.conn.Exec(ctx, stmt, args...); err != nil {
		return err
	}
	wait := 5 * time.Millisecond
	for {
		var pending uint64
		var reason string
		err := d.conn.QueryRow(ctx, `SELECT count(), `+d.failReason+` FROM system.mutations WHERE database = ? AND table = 'events' AND is_done = 0`,
			d.database).Scan(&pending, &reason)
		if err != nil {
			return fmt.Errorf("wait for the mutation: %w", err)
		}
		if pending == 0 {
			return nil
		}
		if reason != "" {
			return fmt.Errorf("the mutation fails: %s", reason)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the mutation: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// uuidLiteral returns a FixedString(16) literal of u's bytes. It is hex
// digits only, safe to write into a statement.
func uuidLiteral(u openfast.UUID) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 4*len(u)+2)
	b = append(b, '\'')
	for _, c := range u {
		b = append(b, '\\', 'x', digits[c>>4], digits[c&0xf])
	}
	return string(append(b, '\''))
}

// ceilMicros is the first microsecond at or after t: an event at
// microsecond m is at or after t exactly when m >= ceilMicros(t).
func ceilMicros(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

// fromMicros converts a stored time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// uuidOf converts a stored id (16 bytes).
func uuidOf(s string) (openfast.UUID, error) {
	var u openfast.UUID
	if len(s) != len(u) {
		return u, fmt.Errorf("stored id of %d bytes", len(s))
	}
	copy(u[:], s)
	return u, nil
}
