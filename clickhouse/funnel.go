package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.FunnelStore = (*DB)(nil)

// notReached is the time of a step a visitor did not reach: greater than
// any event's, so that no later step follows it.
const notReached = "toInt64(9223372036854775807)"

// funnelVisitors adds the SELECT of the visitors who reached a funnel's
// first step, each with t0, t1, ... the times at which they reached each
// step (notReached for the steps they did not): one scan of the matching
// events of the range, gathered per visitor into an array of (time, mask)
// pairs that each step filters. With payers, only the visitors with a
// payment in the range.
func funnelVisitors(q *sqlq.Query, r analytics.Request, steps []analytics.FunnelStep, window time.Duration, payers bool) {
	w := "toInt64(" + strconv.FormatInt(window.Microseconds(), 10) + ")"
	q.Add("SELECT visitor_id, groupArray((t, mask)) AS evs")
	for k := range steps {
		cond := ""
		if k > 0 {
			prev := "t" + strconv.Itoa(k-1)
			cond = " AND x.1 > " + prev + " AND x.1 <= " + prev + " + " + w
		}
		q.Add(", arrayReduce('min', arrayPushBack(arrayMap(x -> x.1, arrayFilter(x -> bitAnd(x.2, " + strconv.Itoa(1<<k) + ") != 0" + cond +
			", evs)), " + notReached + ")) AS t" + strconv.Itoa(k))
	}
	q.Add(" FROM (")
	q.FunnelEvents(r, steps, "ts")
	if payers {
		q.Add(" AND visitor_id IN (SELECT visitor_id FROM events WHERE ")
		q.Base(r)
		q.Add(" AND type = " + payment + ")")
	}
	q.Add(") GROUP BY visitor_id HAVING t0 < " + notReached)
}

// Funnel implements analytics.FunnelStore in two statements: each step's
// visitors and median from the visitors' step times (funnelVisitors), and
// the revenue rows of the payments of the range joined with the steps
// reached by the visitors who paid.
func (d *DB) Funnel(ctx context.Context, r analytics.Request, steps []analytics.FunnelStep, window time.Duration) (analytics.FunnelCounts, error) {
	out := analytics.FunnelCounts{Steps: make([]analytics.FunnelStepCount, len(steps))}
	if err := analytics.CheckFunnelSteps(steps); err != nil {
		return out, err
	}
	if err := sqlq.CheckFilters(r); err != nil {
		return out, err
	}
	q := newQuery()
	q.Add("SELECT ")
	dest := make([]any, 0, 2*len(steps))
	for k := range steps {
		tk := "t" + strconv.Itoa(k)
		if k > 0 {
			q.Add(", ")
		}
		// The median: the mean of the middle two of the sorted times from
		// the previous step (the same one when their number is odd).
		median := "toFloat64(0)"
		if k > 0 {
			dk := "arraySort(groupArrayIf(" + tk + " - t" + strconv.Itoa(k-1) + ", " + tk + " < " + notReached + "))"
			median = "if(empty(" + dk + "), toFloat64(0), (" + dk + "[intDiv(length(" + dk + ") + 1, 2)] + " + dk + "[intDiv(length(" + dk + "), 2) + 1]) / 2)"
		}
		q.Add("toInt64(countIf(" + tk + " < " + notReached + ")), toFloat64(" + median + ")")
		dest = append(dest, &out.Steps[k].Visitors, &out.Steps[k].MedianMicros)
	}
	q.Add(" FROM (")
	funnelVisitors(q, r, steps, window, false)
	q.Add(")")
	if err := d.conn.QueryRow(ctx, q.String(), q.Args...).Scan(dest...); err != nil {
		return out, fmt.Errorf("funnel of %s: %w", r.WebsiteID, err)
	}
	if out.Steps[0].Visitors == 0 {
		return out, nil
	}
	reached := make([]string, len(steps))
	for k := range steps {
		reached[k] = "(t" + strconv.Itoa(k) + " < " + notReached + ")"
	}
	q = newQuery()
	q.Add("SELECT toInt64(step), currency, day, kind, toInt64(count()), toInt64(sum(revenue_cents)) FROM (SELECT visitor_id, currency, revenue_cents, " +
		"toInt64(intDiv(ts, 86400000000)) AS day, toInt64(" + sqlq.Kind + ") AS kind FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ")\nALL INNER JOIN (SELECT visitor_id, arrayJoin(range(toUInt64(" + joinPlus(reached) + "))) AS step FROM (")
	funnelVisitors(q, r, steps, window, true)
	q.Add(")) USING visitor_id GROUP BY step, currency, day, kind")
	rows, err := d.conn.Query(ctx, q.String(), q.Args...)
	if err != nil {
		return out, fmt.Errorf("funnel revenue of %s: %w", r.WebsiteID, err)
	}
	defer rows.Close()
	if out.Revenue, err = sqlq.ScanRevenue(rows); err != nil {
		return out, fmt.Errorf("funnel revenue of %s: %w", r.WebsiteID, err)
	}
	return out, nil
}

// joinPlus is the SQL sum of terms.
func joinPlus(terms []string) string {
	s := terms[0]
	for _, t := range terms[1:] {
		s += " + " + t
	}
	return s
}
