package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	ddb "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
)

var (
	_ openfast.EventStreamer   = (*DB)(nil)
	_ openfast.ParquetExporter = (*DB)(nil)
	_ openfast.ImportStore     = (*DB)(nil)
)

// eventColumns are the stored columns of an event, in the order that
// scanEvent reads.
const eventColumns = `website_id, ts, type, visitor_id, session_id,
		hostname, path, entry_path, session_referrer, referrer, referrer_host,
		utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via,
		country, region, city, browser, os, device,
		screen_width, screen_height, viewport_width, viewport_height, language,
		goal, props, ad_click_ids, revenue_cents, currency, event_id, transaction_id, latitude, longitude`

// scanEvent reads a row of eventColumns.
func scanEvent(rows *sql.Rows, e *openfast.Event) error {
	var typ uint8
	var visitor, session ddb.UUID
	var lat, lon sql.NullFloat64
	err := rows.Scan(&e.WebsiteID, &e.Time, &typ, &visitor, &session,
		&e.Hostname, &e.Path, &e.EntryPath, &e.SessionReferrer, &e.Referrer, &e.ReferrerHost,
		&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Ref, &e.Source, &e.Via,
		&e.CountryCode, &e.Region, &e.City, &e.Browser, &e.OS, &e.Device,
		&e.ScreenWidth, &e.ScreenHeight, &e.ViewportWidth, &e.ViewportHeight, &e.Language,
		&e.Goal, &e.Props, &e.AdClickIDs, &e.RevenueCents, &e.Currency, &e.EventID, &e.TransactionID, &lat, &lon)
	if err != nil {
		return err
	}
	e.Type, e.VisitorID, e.SessionID, e.Time = openfast.EventType(typ), openfast.UUID(visitor), openfast.UUID(session), e.Time.UTC()
	e.Coordinates = coordinatesFrom(lat, lon)
	return nil
}

// exportWhere selects a website's events in [start, end) (zero times:
// unbounded) by its number, as the analytics reads do (0, a website
// without events, selects none), as literals: COPY takes no parameters.
func (d *DB) exportWhere(websiteID string, start, end time.Time) string {
	where := "site = " + strconv.Itoa(int(d.site(websiteID)))
	const layout = "2006-01-02 15:04:05.999999"
	if !start.IsZero() {
		where += " AND ts >= TIMESTAMP " + sqlString(start.UTC().Format(layout))
	}
	if !end.IsZero() {
		where += " AND ts < TIMESTAMP " + sqlString(end.UTC().Format(layout))
	}
	return where
}

// StreamEvents calls fn with each of a website's events in [start, end),
// as DuckDB's result chunks arrive: in storage order (about the order of
// arrival), not sorted, so that memory stays flat however many there are.
func (d *DB) StreamEvents(ctx context.Context, websiteID string, start, end time.Time, fn func(*openfast.Event) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE `+d.exportWhere(websiteID, start, end))
	if err != nil {
		return fmt.Errorf("export the events of %s: %w", websiteID, err)
	}
	defer rows.Close()
	var e openfast.Event
	for rows.Next() {
		e = openfast.Event{}
		if err := scanEvent(rows, &e); err != nil {
			return fmt.Errorf("export the events of %s: %w", websiteID, err)
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export the events of %s: %w", websiteID, err)
	}
	return nil
}

// exportSelect is the SELECT list of an export: openfast.ExportColumns,
// with the type's tracker name and the ids as text.
func exportSelect() string {
	var typ strings.Builder
	typ.WriteString("CASE type")
	for t := openfast.EventType(1); t <= 16; t++ {
		if name := t.String(); name != "unknown" {
			fmt.Fprintf(&typ, " WHEN %d THEN '%s'", t, name)
		}
	}
	typ.WriteString(" ELSE 'unknown' END")
	return `website_id, ts AS "timestamp", ` + typ.String() + ` AS type, visitor_id::VARCHAR AS visitor_id, session_id::VARCHAR AS session_id,
		hostname, path, entry_path, session_referrer, referrer, referrer_host,
		utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via,
		country, region, city, round(latitude::DOUBLE, 2) AS latitude, round(longitude::DOUBLE, 2) AS longitude, browser, os, device,
		screen_width, screen_height, viewport_width, viewport_height, language,
		goal, props, ad_click_ids, revenue_cents, currency, event_id, transaction_id`
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ExportParquet writes a website's events in [start, end) to w as a
// Parquet file: DuckDB's COPY writes it to a temporary file (COPY takes
// no parameters: the values are quoted literals), which is then copied to
// w and removed.
func (d *DB) ExportParquet(ctx context.Context, websiteID string, start, end time.Time, w io.Writer) error {
	f, err := os.CreateTemp("", "openfast-export-*.parquet")
	if err != nil {
		return fmt.Errorf("export parquet: %w", err)
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	q := `COPY (SELECT ` + exportSelect() + ` FROM events WHERE ` + d.exportWhere(websiteID, start, end) + `) TO ` + sqlString(name) + ` (FORMAT parquet, COMPRESSION zstd)`
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("export parquet of %s: %w", websiteID, err)
	}
	f, err = os.Open(name)
	if err != nil {
		return fmt.Errorf("export parquet: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("export parquet: %w", err)
	}
	return nil
}

// ReadParquet calls fn with the values of each row of a Parquet file
// written by ExportParquet, as text in the order of
// openfast.ExportColumns (NULL: ""), reading it with an in-memory DuckDB.
func ReadParquet(ctx context.Context, path string, fn func([]string) error) error {
	connector, err := ddb.NewConnector("", nil)
	if err != nil {
		return fmt.Errorf("open an in-memory duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	cols := make([]string, len(openfast.ExportColumns))
	for i, c := range openfast.ExportColumns {
		cols[i] = `"` + c + `"::VARCHAR`
	}
	rows, err := db.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM read_parquet(`+sqlString(path)+`)`)
	if err != nil {
		return fmt.Errorf("read the Parquet file (it must have the columns of an openfast export): %w", err)
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read the Parquet file: %w", err)
		}
		for i, v := range vals {
			out[i] = v.String
		}
		if err := fn(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the Parquet file: %w", err)
	}
	return nil
}

// CreateImport records a new import.
func (d *DB) CreateImport(ctx context.Context, im openfast.Import) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO imports VALUES (?, ?, ?, ?, 0, ?, false)`,
		im.ID, im.WebsiteID, im.Source, im.FileName, im.Created.UTC())
	if err != nil {
		return fmt.Errorf("record import %s: %w", im.ID, err)
	}
	return nil
}

// InsertImported stores a batch of an import in one transaction, with the
// rows pending for the background indexer (imported events are mostly
// older than what the live index holds).
func (d *DB) InsertImported(ctx context.Context, importID string, events []openfast.Event) error {
	if importID == "" {
		return errors.New("an imported batch needs its import's id")
	}
	if len(events) == 0 {
		return nil
	}
	sites, err := d.assignSites(ctx, events)
	if err != nil {
		return err
	}
	d.insertMu.Lock()
	if d.live != nil {
		d.live.forgetAll()
	}
	pending, err := d.insertTx(ctx, "", 0, importID, events, sites, nil)
	if err == nil {
		d.countRows(events, sites)
	}
	d.insertMu.Unlock()
	if err == nil {
		d.kickIndexer(pending)
	}
	releaseMemory()
	return err
}

// CompleteImport marks an import complete.
func (d *DB) CompleteImport(ctx context.Context, importID string) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE imports SET complete = true WHERE id = ?`, importID); err != nil {
		return fmt.Errorf("complete import %s: %w", importID, err)
	}
	return nil
}

// Imports lists a website's imports ("": all), oldest first.
func (d *DB) Imports(ctx context.Context, websiteID string) ([]openfast.Import, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, website_id, source, file_name, rows, created_at, complete FROM imports
		WHERE ? = '' OR website_id = ? ORDER BY created_at, id`, websiteID, websiteID)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []openfast.Import
	for rows.Next() {
		var im openfast.Import
		if err := rows.Scan(&im.ID, &im.WebsiteID, &im.Source, &im.FileName, &im.Rows, &im.Created, &im.Complete); err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		im.Created = im.Created.UTC()
		out = append(out, im)
	}
	return out, rows.Err()
}

// DeleteImport deletes an import's events and its record in one
// transaction. The index columns of the other events of its visitors
// (visitor ids may be shared with tracked events, e.g. an export imported
// back) are reset, so that the indexer computes them again without the
// deleted pageviews.
func (d *DB) DeleteImport(ctx context.Context, importID string) (int64, error) {
	d.insertMu.Lock()
	defer d.insertMu.Unlock()
	defer d.writes.Add(1)
	if d.live != nil {
		d.live.forgetAll()
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete import %s: %w", importID, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, fmt.Errorf("delete import %s: begin: %w", importID, err)
	}
	rollback := func() { conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") }
	var found int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM imports WHERE id = ?`, importID).Scan(&found); err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: %w", importID, err)
	}
	if found == 0 {
		rollback()
		return 0, openfast.Errorf(openfast.ENOTFOUND, "Import %s not found.", importID)
	}
	var earliest sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT min(epoch_us(ts)) FROM events WHERE import_id = ?`, importID).Scan(&earliest); err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: %w", importID, err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE events SET prev_visitor_pageview = NULL, prev_session_pageview = NULL,
		second_prev_session_pageview = NULL, prev_page_pageview = NULL, prev_referrer_pageview = NULL, prev_country_pageview = NULL,
		nearest_pageview_before = NULL, nearest_pageview_after = NULL, tech_changed = NULL
		WHERE import_id IS DISTINCT FROM ? AND (website_id, visitor_id) IN (SELECT DISTINCT website_id, visitor_id FROM events WHERE import_id = ?)`, importID, importID); err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: reset the index of its visitors: %w", importID, err)
	}
	res, err := conn.ExecContext(ctx, `DELETE FROM events WHERE import_id = ?`, importID)
	if err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: %w", importID, err)
	}
	n, _ := res.RowsAffected()
	if _, err := conn.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, importID); err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: %w", importID, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		rollback()
		return 0, fmt.Errorf("delete import %s: commit: %w", importID, err)
	}
	if earliest.Valid {
		d.kickIndexer(0) // the reset rows of its visitors may be older than its own
	}
	return n, nil
}
