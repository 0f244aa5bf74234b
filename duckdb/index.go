package duckdb

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The index columns (prev_visitor_pageview, prev_session_pageview, ...,
// nearest_pageview_before, nearest_pageview_after) let the unfiltered
// reads count rows instead of deduplicating visitors. What each holds, why
// counting them is exact, and how the live index and the background
// indexer below keep them up to date: docs/analytics-index.md.
//
// none is the value of a column when there is no such pageview; a row not
// indexed yet (pending) has NULL.
const none = -(1 << 62)

// noneNext is nearest_pageview_after's none: no later pageview.
const noneNext = 1 << 62

// noneSQL and noneNextSQL are none and noneNext as SQL literals.
var noneSQL, noneNextSQL = strconv.FormatInt(none, 10), strconv.FormatInt(noneNext, 10)

// pendingRow is the condition of a row not indexed yet.
var pendingRow = "((type = " + pageview + " AND prev_visitor_pageview IS NULL) OR (type IN (" + custom + ", " + payment + ") AND nearest_pageview_before IS NULL))"

// Round sizes. A round takes the pending visitors in turn while their
// pending rows add up to less than roundRows (at least one visitor), out
// of at most roundCandidates visitors with pending rows. What a round
// orders and updates goes with the rows it recomputes (see indexSQL), so
// roundRows bounds a round's memory when a backlog is pending (a bulk
// load, an upgraded file). It is not smaller because DuckDB's window and
// update structures take about as much memory for fewer rows, and each
// round scans the table a few times (docs/benchmarks.md).
var roundRows = 100_000 // a variable for the tests' small rounds

const roundCandidates = 100_000

// wholeVisitors is how many visitors a round takes when it indexes their
// whole history (see wholeSQL), which bounds its memory when a whole file
// is pending; it is also the number of visitors indexed in one pass above
// which the pass checkpoints (see checkpointAfter). The round's window
// functions sort its visitors' rows, spilling to disk past the memory
// cap: at 10M events (1.4M pending pageviews, 400MB), 250,000 visitors a
// round spilled up to 3.1 GB, twice the database, and 50,000 up to 1.0-1.2
// GB, less than it, for 27-32% more time indexing (docs/benchmarks.md).
const wholeVisitors = 50_000

// indexRound computes the columns of the rows that changed for a round of
// the visitors that have a pending row at or after since (epoch
// microseconds): with whole, of up to wholeVisitors visitors over their
// whole history (wholeSQL: right for a file that is pending as a whole,
// where the history is what is pending), otherwise incrementally
// (indexSQL: right for live traffic, where a returning visitor's history
// is long and indexed already). It returns how many visitors it indexed,
// and whether more visitors than it took had pending rows at or after
// since.
func (d *DB) indexRound(ctx context.Context, since int64, whole bool) (visitors int64, more bool, err error) {
	d.roundMu.Lock()
	defer d.roundMu.Unlock()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("index pageviews: %w", err)
	}
	defer conn.Close()
	limit, update := roundCandidates, indexSQL
	// The round's visitors: with whole, the first wholeVisitors with a
	// pending row; otherwise, each with the time earliest_pending of its
	// earliest pending row (over all its rows, not only those at or after
	// since), while their pending rows add up to less than roundRows.
	chosen := `, pending AS (
  SELECT site, visitor_id, min(ts) AS earliest_pending, count(*) AS pending_rows FROM events SEMI JOIN candidates USING (site, visitor_id)
  WHERE ` + pendingRow + `
  GROUP BY site, visitor_id
), running AS (
  SELECT *, sum(pending_rows) OVER (ORDER BY site, visitor_id ROWS UNBOUNDED PRECEDING) AS rows_so_far, count(*) OVER () AS candidates FROM pending
)
SELECT site, visitor_id, earliest_pending, candidates FROM running WHERE rows_so_far - pending_rows < ` + strconv.Itoa(roundRows)
	if whole {
		limit, update = wholeVisitors, wholeSQL
		chosen = "\nSELECT site, visitor_id, count(*) OVER () AS candidates FROM candidates"
	}
	q := `CREATE OR REPLACE TEMP TABLE pending_visitors AS
WITH candidates AS (
  SELECT DISTINCT site, visitor_id FROM events
  WHERE ts >= make_timestamp(` + strconv.FormatInt(since, 10) + `) AND ` + pendingRow + `
  LIMIT ` + strconv.Itoa(limit) + `
)` + chosen
	if _, err = conn.ExecContext(ctx, q); err != nil {
		return 0, false, fmt.Errorf("index pageviews: find pending visitors: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS pending_visitors")
	var candidates int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*), coalesce(max(candidates), 0) FROM pending_visitors").Scan(&visitors, &candidates); err != nil || visitors == 0 {
		return 0, false, err
	}
	more = visitors < candidates || candidates == int64(limit)
	_, err = conn.ExecContext(ctx, update)
	// A round frees most of what it allocated: return it (see
	// InsertBatch) before the next one.
	releaseMemory()
	if err != nil {
		return 0, false, fmt.Errorf("index pageviews: %w", err)
	}
	return visitors, more, nil
}

// indexSQL recomputes the columns of the rows of the visitors in
// pending_visitors(site, visitor_id, earliest_pending) that an insert at or
// after earliest_pending can change, and writes those that changed.
//
// Rows before earliest_pending are all indexed, and stay right: an insert
// changes the values of later rows only, except nearest_pageview_after. So
// the rows recomputed (recomputed) are the visitor's rows at or after
// earliest_pending, and the goals and payments before it whose
// nearest_pageview_after is at or after it (no pageview lies between them
// and earliest_pending). Their values need, of the pageviews before
// earliest_pending (earlier_pageviews), only the latest of each partition:
// the visitor's latest (prev_visitor_pageview, and
// nearest_pageview_before), the latest two of each of their sessions
// (prev_session_pageview, second_prev_session_pageview), and the latest of
// each of their pages, session referrers and countries. Those few rows
// join the window as latest_earlier rows, each with the key of its own
// partition only (the other keys NULL: partitions no recomputed row is
// in) and its browser, OS and device; any older pageview they bring into
// the visitor's partition comes before the latest one, so no value
// changes (tech_changed compares with the row just before, the latest or
// a pageview at its time). A round therefore orders the
// new rows and a few rows a partition, not the visitors' whole history,
// which a returning visitor would otherwise bring in again at every visit;
// the history is only aggregated, in a stream.
var indexSQL = func() string {
	// latestEarlier selects the latest n pageviews before earliest_pending
	// of each partition by keys that a recomputed row has too.
	latestEarlier := func(keys []string, n int) string {
		cols := make([]string, 0, 5)
		for _, c := range []string{"session_id", "hostname", "path", "session_referrer", "country"} {
			typ := "VARCHAR"
			if c == "session_id" {
				typ = "UUID"
			}
			v := "CAST(NULL AS " + typ + ")"
			for _, k := range keys {
				if k == c {
					v = c
				}
			}
			cols = append(cols, v+" AS "+c)
		}
		by := "site, visitor_id"
		for _, k := range keys {
			by += ", " + k
		}
		from := "earlier_pageviews"
		if len(keys) > 0 {
			from = "earlier_pageviews SEMI JOIN recomputed USING (" + by + ")"
		}
		// The visitor's latest is the latest in the window's order (time,
		// then row), whose browser, OS and device tech_changed compares
		// with; among the other partitions' any at the latest time will do.
		order := "ts"
		if len(keys) == 0 {
			order = "struct_pack(ts, row_id)"
		}
		return `SELECT site, visitor_id, ` + strings.Join(cols, ", ") + `, unnest(arg_max(struct_pack(row_id := row_id, ts := ts, browser := browser, os := os, device := device), ` + order + `, ` + strconv.Itoa(n) + `)) AS latest
    FROM ` + from + ` GROUP BY ` + by
	}
	return recomputeSQL(`WITH recomputed AS MATERIALIZED (
    SELECT visitor_events.rowid AS row_id, visitor_events.site, visitor_events.visitor_id, visitor_events.type, visitor_events.ts,
      visitor_events.session_id, visitor_events.hostname, visitor_events.path, visitor_events.session_referrer, visitor_events.country,
      visitor_events.browser, visitor_events.os, visitor_events.device,
      visitor_events.prev_visitor_pageview, visitor_events.prev_session_pageview, visitor_events.second_prev_session_pageview,
      visitor_events.prev_page_pageview, visitor_events.prev_referrer_pageview, visitor_events.prev_country_pageview,
      visitor_events.nearest_pageview_before, visitor_events.nearest_pageview_after, visitor_events.tech_changed
    FROM events visitor_events JOIN pending_visitors
      ON visitor_events.site = pending_visitors.site AND visitor_events.visitor_id = pending_visitors.visitor_id
    WHERE visitor_events.type IN (`+pageview+`, `+custom+`, `+payment+`)
      AND (visitor_events.ts >= pending_visitors.earliest_pending
        OR (visitor_events.type <> `+pageview+` AND visitor_events.nearest_pageview_after >= epoch_us(pending_visitors.earliest_pending)))
  ), earlier_pageviews AS NOT MATERIALIZED (
    SELECT visitor_events.rowid AS row_id, visitor_events.site, visitor_events.visitor_id, visitor_events.ts,
      visitor_events.session_id, visitor_events.hostname, visitor_events.path, visitor_events.session_referrer, visitor_events.country,
      visitor_events.browser, visitor_events.os, visitor_events.device
    FROM events visitor_events JOIN pending_visitors
      ON visitor_events.site = pending_visitors.site AND visitor_events.visitor_id = pending_visitors.visitor_id
    WHERE visitor_events.type = `+pageview+` AND visitor_events.ts < pending_visitors.earliest_pending
  ), latest_earlier AS (
    `+latestEarlier(nil, 1)+`
    UNION ALL `+latestEarlier([]string{"session_id"}, 2)+`
    UNION ALL `+latestEarlier([]string{"hostname", "path"}, 1)+`
    UNION ALL `+latestEarlier([]string{"session_referrer"}, 1)+`
    UNION ALL `+latestEarlier([]string{"country"}, 1)+`
  ), window_rows AS (
    SELECT *, true AS target FROM recomputed
    UNION ALL
    SELECT latest.row_id, site, visitor_id, `+pageview+`, latest.ts, session_id, hostname, path, session_referrer, country,
      latest.browser, latest.os, latest.device, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false
    FROM latest_earlier
  )`, "window_rows", "row_id", "target")
}()

// wholeSQL recomputes the columns of every pageview, goal and payment of
// the visitors in pending_visitors, over their whole history, and writes
// those that changed.
var wholeSQL = recomputeSQL("", "events SEMI JOIN pending_visitors USING (site, visitor_id) WHERE type IN ("+pageview+", "+custom+", "+payment+")", "rowid", "true")

// recomputeSQL is the UPDATE that computes the index columns with window
// functions over the rows of from (after the common table expressions of
// with), ordered by time and then by rowID (the events' rowid), and writes
// them into the rows for which target holds, where they changed.
func recomputeSQL(with, from, rowID, target string) string {
	// Pageview columns over the pageviews only (type is in each
	// partition), goal and payment columns over the visitor's rows.
	lag := func(n int, partition string) string {
		return "CASE WHEN " + target + " AND type = " + pageview + " THEN lag(epoch_us(ts), " + strconv.Itoa(n) + ", " + noneSQL + ") OVER (PARTITION BY site, visitor_id, type" + partition + " ORDER BY ts, " + rowID + ") END"
	}
	nearest := func(agg, frame, dflt string) string {
		return "CASE WHEN " + target + " AND type <> " + pageview + " THEN coalesce(" + agg + "(CASE WHEN type = " + pageview + " THEN epoch_us(ts) END) OVER (PARTITION BY site, visitor_id ORDER BY ts, " + rowID + " ROWS BETWEEN " + frame + "), " + dflt + ") END"
	}
	// tech_changed compares the browser, OS and device of a pageview with
	// those of the visitor's previous one.
	tech := "struct_pack(browser, os, device)"
	// Each index column and the expression of its new value, computed as
	// new_<column>.
	columns := []struct{ name, value string }{
		{"prev_visitor_pageview", lag(1, "")},
		{"prev_session_pageview", lag(1, ", session_id")},
		{"second_prev_session_pageview", lag(2, ", session_id")},
		{"prev_page_pageview", lag(1, ", hostname, path")},
		{"prev_referrer_pageview", lag(1, ", session_referrer")},
		{"prev_country_pageview", lag(1, ", country")},
		{"nearest_pageview_before", nearest("max", "UNBOUNDED PRECEDING AND CURRENT ROW", noneSQL)},
		{"nearest_pageview_after", nearest("min", "1 FOLLOWING AND UNBOUNDED FOLLOWING", noneNextSQL)},
		{"tech_changed", "CASE WHEN " + target + " AND type = " + pageview + " THEN coalesce(lag(" + tech + ") OVER (PARTITION BY site, visitor_id, type ORDER BY ts, " + rowID + ") <> " + tech + ", false) END"},
	}
	var set, old, computed, changed []string
	for _, c := range columns {
		set = append(set, c.name+" = computed.new_"+c.name)
		old = append(old, c.name)
		computed = append(computed, "\n      "+c.value+" AS new_"+c.name)
		changed = append(changed, c.name+" IS DISTINCT FROM new_"+c.name)
	}
	return `UPDATE events SET ` + strings.Join(set, ", ") + ` FROM (
  ` + with + `
  SELECT * FROM (
    SELECT ` + rowID + ` AS row_id, ` + target + ` AS target, ` + strings.Join(old, ", ") + `,` + strings.Join(computed, ",") + `
    FROM ` + from + `
  ) WHERE target AND (` + strings.Join(changed, "\n       OR ") + `)
) computed WHERE events.rowid = computed.row_id`
}

// Index indexes every pending row, in rounds over the visitors' whole
// history (as after a bulk load), and returns when none is left (rows
// inserted meanwhile included).
func (d *DB) Index(ctx context.Context) error {
	return d.index(ctx, true)
}

func (d *DB) index(ctx context.Context, whole bool) error {
	total := int64(0)
	for {
		n, _, err := d.indexRound(ctx, none, whole)
		if err != nil {
			return err
		}
		if n == 0 {
			d.checkpointAfter(ctx, total)
			return nil
		}
		total += n
	}
}

// checkpointAfter checkpoints after a pass that indexed a backlog of
// visitors (more than wholeVisitors), so that reads scan the updated
// columns in their compressed form rather than through DuckDB's in-memory
// updates. Not after the passes of live traffic: a checkpoint of a large
// file holds up the reads running meanwhile. A checkpoint that cannot run
// now (other transactions are open) is left to DuckDB's automatic one.
func (d *DB) checkpointAfter(ctx context.Context, visitors int64) {
	if visitors > wholeVisitors {
		d.db.ExecContext(ctx, "CHECKPOINT")
	}
}

// indexPass indexes the rows at or after since, unless stop is done. The
// first pass after opening (since none: what an earlier run left pending,
// or a whole file made before the index) runs whole-history rounds until
// nothing is left. A live pass runs one incremental round and reports
// whether visitors with pending rows were left over; the indexer then
// runs another pass after its usual pause. One round a pass lets DuckDB
// checkpoint in between and free what the round's updates hold, which
// keeps the server's peak memory down under ingest. A round runs to its
// end, even when stop is done: interrupting rounds on Close made reopening
// the file in the same process hang at times (docs/benchmarks.md).
func (d *DB) indexPass(stop context.Context, since int64) (more bool, err error) {
	ctx := context.WithoutCancel(stop)
	total := int64(0)
	for {
		if stop.Err() != nil {
			return false, nil
		}
		n, more, err := d.indexRound(ctx, since, since == none)
		if err != nil {
			return false, err
		}
		total += n
		if !more {
			d.checkpointAfter(ctx, total)
			return false, nil
		}
		if since != none {
			return true, nil
		}
	}
}

// Pending counts the pageviews, goals and payments not indexed yet.
func (d *DB) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE `+pendingRow).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending pageviews: %w", err)
	}
	return n, nil
}

// indexer runs indexing passes in the background after inserts, at most
// once per interval, and then 20 times as long as the last pass took, so
// that indexing costs a bounded share of the machine however fast events
// arrive. A pass looks for pending rows from the earliest time inserted
// since the last pass on (every time, for the first one).
type indexer struct {
	// dirty is the earliest time of the goal, payment and pageview rows
	// inserted since the last pass began, in epoch microseconds, or
	// noneNext when there are none; guarded by mu.
	dirty  int64
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	log    *slog.Logger
	mu     sync.Mutex
}

// indexInterval is the shortest time between the starts of two indexing
// passes.
const indexInterval = time.Second

// SetLogger sets where the background indexer and the live index report
// their errors.
func (d *DB) SetLogger(l *slog.Logger) {
	if d.idx != nil {
		d.idx.mu.Lock()
		d.idx.log = l
		d.idx.mu.Unlock()
	}
	d.insertMu.Lock()
	if d.live != nil {
		d.live.mu.Lock()
		d.live.log = l
		d.live.mu.Unlock()
	}
	d.insertMu.Unlock()
}

func (d *DB) startIndexer() {
	ctx, cancel := context.WithCancel(context.Background())
	ix := &indexer{kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}), log: slog.Default(), dirty: none}
	d.idx = ix
	ix.kick <- struct{}{} // whatever an earlier run left pending
	go func() {
		defer close(ix.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ix.kick:
			}
			start := time.Now()
			ix.mu.Lock()
			since := ix.dirty
			ix.dirty = noneNext
			ix.mu.Unlock()
			more, err := d.indexPass(ctx, since)
			if more {
				ix.mu.Lock()
				ix.dirty = min(ix.dirty, since)
				ix.mu.Unlock()
				select {
				case ix.kick <- struct{}{}:
				default:
				}
			}
			if err != nil && ctx.Err() == nil {
				ix.mu.Lock()
				ix.dirty = min(ix.dirty, since)
				ix.log.Warn("indexing the event store failed; reads stay exact but slower until a later pass succeeds", "err", err)
				ix.mu.Unlock()
				select { // retry, even without new inserts
				case ix.kick <- struct{}{}:
				default:
				}
			}
			wait := max(indexInterval, 20*time.Since(start))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
}

// kickIndexer wakes the background indexer after an insert whose
// earliest pending row is at earliest (epoch microseconds; noneNext: none).
func (d *DB) kickIndexer(earliest int64) {
	if d.idx == nil || earliest == noneNext {
		return
	}
	d.idx.mu.Lock()
	d.idx.dirty = min(d.idx.dirty, earliest)
	d.idx.mu.Unlock()
	select {
	case d.idx.kick <- struct{}{}:
	default:
	}
}

func (d *DB) stopIndexer() {
	if d.idx != nil {
		d.idx.cancel()
		<-d.idx.done
	}
}
