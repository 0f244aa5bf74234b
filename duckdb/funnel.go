package duckdb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.FunnelStore = (*DB)(nil)

// Funnel implements analytics.FunnelStore in one statement: the events
// that match a step (matched: a scan of the range for the exact paths, one
// for each wildcard's literal prefix and one for the goals, conditions that
// DuckDB pushes into its scans, which took a third less time on the
// benchmark's funnel than one scan with their OR); then each step's
// visitors with the time they reached it, step k+1 from a join of the
// matched events of step k+1 with the visitors of step k (each visitor's
// earliest match in the window after its time); then the counts, medians
// and the revenue rows of the steps' visitors who paid.
func (d *DB) Funnel(ctx context.Context, r analytics.Request, steps []analytics.FunnelStep, window time.Duration) (analytics.FunnelCounts, error) {
	if err := analytics.CheckFunnelSteps(steps); err != nil {
		return analytics.FunnelCounts{}, err
	}
	if err := sqlq.CheckFilters(r); err != nil {
		return analytics.FunnelCounts{}, err
	}
	q := d.funnelQuery(r, steps, window)
	rows, err := d.db.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return analytics.FunnelCounts{}, fmt.Errorf("funnel of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	out, err := sqlq.ScanFunnel(rows, len(steps))
	if err != nil {
		return out, fmt.Errorf("funnel of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// funnelQuery is the statement of Funnel.
func (d *DB) funnelQuery(r analytics.Request, steps []analytics.FunnelStep, window time.Duration) *sqlq.Query {
	w := strconv.FormatInt(window.Microseconds(), 10)
	q := d.newQuery()
	q.Add("WITH matched AS MATERIALIZED (")
	q.FunnelEventsByKind(r, steps, "epoch_us(ts)")
	q.Add("),\nstep0 AS MATERIALIZED (SELECT visitor_id, min(t) AS t, CAST(0 AS BIGINT) AS d FROM matched WHERE mask & 1 <> 0 GROUP BY visitor_id)")
	for k := 1; k < len(steps); k++ {
		prev, bit := "step"+strconv.Itoa(k-1), strconv.Itoa(1<<k)
		q.Add(",\nstep" + strconv.Itoa(k) + " AS MATERIALIZED (SELECT m.visitor_id, min(m.t) AS t, min(m.t) - p.t AS d FROM matched m JOIN " + prev +
			" p USING (visitor_id) WHERE m.mask & " + bit + " <> 0 AND m.t > p.t AND m.t <= p.t + " + w + " GROUP BY m.visitor_id, p.t)")
	}
	q.Add(",\npay AS MATERIALIZED (SELECT visitor_id, currency, revenue_cents, CAST(epoch_us(ts) // 86400000000 AS BIGINT) AS day, " + sqlq.Kind + " AS kind FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ")")
	q.Add(",\nreached AS (")
	for k := range steps {
		if k > 0 {
			q.Add(" UNION ALL ")
		}
		q.Add("SELECT " + strconv.Itoa(k) + " AS step, visitor_id, d FROM step" + strconv.Itoa(k))
	}
	q.Add(")\nSELECT 0, step, count(*), CAST(coalesce(median(d), 0) AS DOUBLE), '', 0, 0, 0, 0 FROM reached GROUP BY step\nUNION ALL\n")
	// The payers first (few), then their steps.
	q.Add("SELECT 1, step, 0, 0, currency, day, kind, count(*), CAST(sum(revenue_cents) AS BIGINT) FROM pay JOIN (SELECT step, visitor_id FROM reached WHERE visitor_id IN (SELECT visitor_id FROM pay)) payers USING (visitor_id) GROUP BY step, currency, day, kind")
	return q
}
