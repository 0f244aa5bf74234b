package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

var _ analytics.FunnelStore = (*DB)(nil)

// Funnel implements analytics.FunnelStore in one statement: step 1's
// visitors with the time they reached it (their earliest match), then each
// next step's from a join of its matching events with the previous step's
// visitors (each visitor's earliest match in the window after its time);
// then the counts, medians and the revenue rows of the steps' visitors who
// paid. A pageview step's events come from a scan of their own, whose
// conditions DuckDB pushes into it; the goal steps share one scan of the
// range's custom events of their goals (few rows). Measured on the
// benchmark's funnel, this took a fifth less time than gathering every
// step's events first, in one materialized set with a step mask per event.
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
	var goals []string
	for _, s := range steps {
		if s.Type == analytics.StepGoal && !slices.Contains(goals, s.GoalName) {
			goals = append(goals, s.GoalName)
		}
	}
	q.Add("WITH ")
	if len(goals) > 0 {
		q.Add("goals AS MATERIALIZED (SELECT visitor_id, epoch_us(ts) AS t, goal FROM events WHERE ")
		q.Base(r)
		q.Add(" AND type = " + custom + " AND ")
		q.Match("goal", analytics.OpIs, goals)
		q.Filters(r)
		q.Add("),\n")
	}
	// matches adds the events of step k: visitor_id and t.
	matches := func(k int) {
		if steps[k].Type == analytics.StepGoal {
			q.Add("SELECT visitor_id, t FROM goals WHERE goal = ?", steps[k].GoalName)
			return
		}
		q.Add("SELECT visitor_id, epoch_us(ts) AS t FROM events WHERE ")
		q.Base(r)
		q.Add(" AND ")
		q.FunnelStep(steps[k])
		q.Filters(r)
	}
	q.Add("step0 AS MATERIALIZED (SELECT visitor_id, min(t) AS t FROM (")
	matches(0)
	q.Add(") GROUP BY visitor_id)")
	for k := 1; k < len(steps); k++ {
		prev, ks := "step"+strconv.Itoa(k-1), strconv.Itoa(k)
		// A step has one row per visitor, so p.t is one value in each
		// group: grouping by the visitor alone makes the keys smaller.
		q.Add(",\nstep" + ks + " AS MATERIALIZED (SELECT m.visitor_id, min(m.t) AS t, min(m.t) - any_value(p.t) AS d FROM (")
		matches(k)
		q.Add(") m JOIN " + prev + " p USING (visitor_id) WHERE m.t > p.t AND m.t <= p.t + " + w + " GROUP BY m.visitor_id)")
	}
	q.Add(",\npay AS MATERIALIZED (SELECT visitor_id, currency, revenue_cents, CAST(epoch_us(ts) // 86400000000 AS BIGINT) AS day, " + sqlq.Kind + " AS kind FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + ")")
	// The payers, few, joined with each step: as a semi join (visitor_id
	// IN pay) DuckDB built its hash table from the step's visitors, and
	// these joins took a tenth of the statement's time.
	q.Add(",\npay_visitors AS MATERIALIZED (SELECT DISTINCT visitor_id FROM pay)")
	q.Add(",\npayers AS (")
	for k := range steps {
		if k > 0 {
			q.Add(" UNION ALL ")
		}
		q.Add("SELECT " + strconv.Itoa(k) + " AS step, visitor_id FROM step" + strconv.Itoa(k) + " JOIN pay_visitors USING (visitor_id)")
	}
	// Step 0's times from the previous step are 0: no median to compute.
	q.Add(")\nSELECT 0, 0, count(*), CAST(0 AS DOUBLE), '', 0, 0, 0, 0 FROM step0")
	for k := 1; k < len(steps); k++ {
		q.Add("\nUNION ALL SELECT 0, " + strconv.Itoa(k) + ", count(*), CAST(coalesce(median(d), 0) AS DOUBLE), '', 0, 0, 0, 0 FROM step" + strconv.Itoa(k))
	}
	q.Add("\nUNION ALL SELECT 1, step, 0, 0, currency, day, kind, count(*), CAST(sum(revenue_cents) AS BIGINT) FROM pay JOIN payers USING (visitor_id) GROUP BY step, currency, day, kind")
	return q
}
