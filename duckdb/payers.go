package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/analytics/sqlq"
)

// The revenue of breakdown groups (GroupRevenue) is the payments of the
// visitors who viewed a group's pages, keys or countries in the range. The
// costly part is finding the payers' pageviews among all the range's: the
// dashboard's page asks it of four breakdowns at once (pages, referrers,
// countries, browsers), and it took each about 100 ms of CPU at 10M
// events. payerRead reads it once for them (DB.share), in one statement:
// the payments of the range, their payers numbered, and for each key of
// each of payerSets the list of the payers who viewed it; a breakdown's
// revenue is then summed in Go from its groups' lists.

// payerColumns are the breakdown columns of the shared read, and payerSets
// its breakdowns' keys: those of the dashboard's first tabs (pages,
// hostnames, referrers, countries, browsers). The other breakdowns'
// revenue has its own statement.
var (
	payerColumns = []string{"hostname", "path", "session_referrer", "country", "browser"}
	payerSets    = [][]string{{"hostname", "path"}, {"hostname"}, {"session_referrer"}, {"country"}, {"browser"}}
)

// payerReadRows is the most rows and listed payers one shared read keeps;
// a range with more has its own statement per breakdown. (A variable for
// tests.)
var payerReadRows = 100_000

// payerPayment is one payment, as GroupRevenue sums them.
type payerPayment struct {
	currency string
	day      int64
	kind     analytics.RevenueKind
	cents    int64
}

// payerData is the answer of payerRead's statement.
type payerData struct {
	// sets are, for each of payerSets, the payers (numbers) of each key
	// (its values joined by NUL).
	sets     []map[string][]int32
	payments [][]payerPayment // by payer number
	over     bool             // more than payerReadRows rows and payers listed
}

// payerSet returns the index in payerSets of a breakdown's keys, or -1.
func payerSet(keys []string) int {
	return slices.IndexFunc(payerSets, func(s []string) bool { return slices.Equal(s, keys) })
}

// grouping is the value of GROUPING(payerColumns...) for the rows of a
// grouping set: a bit for each column, the first the highest, set when
// the column is not one of the set's.
func grouping(set []string) int64 {
	var g int64
	for i, c := range payerColumns {
		if !slices.Contains(set, c) {
			g |= 1 << (len(payerColumns) - 1 - i)
		}
	}
	return g
}

// sharedGroupRevenue is GroupRevenue by payerSets[set] from the shared
// read of r's payers; ok is false when the read is over its bound, and
// the caller runs its own statement.
func (d *DB) sharedGroupRevenue(ctx context.Context, r analytics.Request, set int, groups [][]string) (out []analytics.RevenueRow, ok bool, err error) {
	pd, err := d.payerRead(ctx, r)
	if err != nil || pd.over {
		return nil, false, err
	}
	type sumKey struct {
		group    int64
		currency string
		day      int64
		kind     analytics.RevenueKind
	}
	sums := make(map[sumKey]*analytics.RevenueRow)
	// A group given twice sums as its last (as ScanGroupRevenue does).
	index := make(map[string]int64, len(groups))
	for i, g := range groups {
		index[strings.Join(g, "\x00")] = int64(i)
	}
	for key, i := range index {
		for _, payer := range pd.sets[set][key] {
			for _, pay := range pd.payments[payer] {
				k := sumKey{i, pay.currency, pay.day, pay.kind}
				row := sums[k]
				if row == nil {
					row = &analytics.RevenueRow{Key: i, Currency: pay.currency, Day: pay.day, Kind: pay.kind}
					sums[k] = row
				}
				row.Payments++
				row.Cents += pay.cents
			}
		}
	}
	out = make([]analytics.RevenueRow, 0, len(sums))
	for _, row := range sums {
		out = append(out, *row)
	}
	return out, true, nil
}

// payerRead returns the shared read of r's payers (DB.share).
func (d *DB) payerRead(ctx context.Context, r analytics.Request) (*payerData, error) {
	cols := strings.Join(payerColumns, ", ")
	q := d.newQuery()
	q.Add("WITH pay AS MATERIALIZED (SELECT visitor_id, currency, CAST(epoch_us(ts) // 86400000000 AS BIGINT) AS day, CAST(" + sqlq.Kind + " AS BIGINT) AS kind, revenue_cents, " +
		"CAST(dense_rank() OVER (ORDER BY visitor_id) - 1 AS INTEGER) AS payer FROM events WHERE ")
	q.Base(r)
	q.Add(" AND type = " + payment + "),\npayers AS (SELECT DISTINCT visitor_id, payer FROM pay),\n")
	q.Add("tuples AS (SELECT " + cols + ", payer FROM events JOIN payers USING (visitor_id) WHERE ")
	q.Base(r)
	q.Add(" AND type = " + pageview)
	q.Filters(r)
	q.Add("),\nsets AS (SELECT CAST(GROUPING(" + cols + ") AS BIGINT) AS g, " + cols + ", list(DISTINCT payer) AS payers FROM tuples GROUP BY GROUPING SETS (")
	for i, s := range payerSets {
		if i > 0 {
			q.Add(", ")
		}
		q.Add("(" + strings.Join(s, ", ") + ")")
	}
	q.Add("))\nSELECT g, " + cols + ", payers, NULL, NULL, NULL, NULL, NULL FROM sets UNION ALL SELECT -1" + strings.Repeat(", NULL", len(payerColumns)+1) +
		", payer, currency, day, kind, revenue_cents FROM pay")
	key := fmt.Sprintf("payers %s %#v", q.String(), q.Args)
	v, err := d.share(ctx, key, func() (any, error) {
		var pd payerData
		err := d.asWritten(ctx, func(conn *sql.Conn) error {
			rows, err := conn.QueryContext(ctx, q.String(), q.Args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			return pd.scan(rows)
		})
		return &pd, err
	})
	if err != nil {
		return nil, fmt.Errorf("revenue of %s by page, referrer, country and browser: %w", r.WebsiteID, err)
	}
	return v.(*payerData), nil
}

// scan reads the rows of payerRead's statement: a grouping set's key and
// its payers (g ≥ 0), or a payment (g = -1).
func (pd *payerData) scan(rows *sql.Rows) error {
	setOf := make(map[int64]int, len(payerSets))
	for i, s := range payerSets {
		setOf[grouping(s)] = i
	}
	pd.sets = make([]map[string][]int32, len(payerSets))
	for i := range pd.sets {
		pd.sets[i] = make(map[string][]int32)
	}
	var n int
	vals := make([]any, 1+len(payerColumns)+6)
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		g, ok := vals[0].(int64)
		if !ok {
			return fmt.Errorf("grouping %T", vals[0])
		}
		n++
		if g < 0 {
			payer, ok1 := vals[len(payerColumns)+2].(int32)
			currency, ok2 := vals[len(payerColumns)+3].(string)
			day, ok3 := vals[len(payerColumns)+4].(int64)
			kind, ok4 := vals[len(payerColumns)+5].(int64)
			cents, ok5 := vals[len(payerColumns)+6].(int64)
			if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || payer < 0 || int(payer) >= payerReadRows {
				return fmt.Errorf("payment row %v", vals)
			}
			if int(payer) >= len(pd.payments) {
				pd.payments = append(pd.payments, make([][]payerPayment, int(payer)+1-len(pd.payments))...)
			}
			pd.payments[payer] = append(pd.payments[payer], payerPayment{currency, day, analytics.RevenueKind(kind), cents})
		} else {
			set, ok := setOf[g]
			if !ok {
				return fmt.Errorf("grouping %d", g)
			}
			parts := make([]string, len(payerSets[set]))
			for i, c := range payerSets[set] {
				s, ok := vals[1+slices.Index(payerColumns, c)].(string)
				if !ok {
					return fmt.Errorf("key %s: %T", c, vals[1+slices.Index(payerColumns, c)])
				}
				parts[i] = s
			}
			list, ok := vals[1+len(payerColumns)].([]any)
			if !ok {
				return fmt.Errorf("payers %T", vals[1+len(payerColumns)])
			}
			payers := make([]int32, len(list))
			for i, p := range list {
				if payers[i], ok = p.(int32); !ok {
					return fmt.Errorf("payer %T", p)
				}
			}
			n += len(payers)
			pd.sets[set][strings.Join(parts, "\x00")] = payers
		}
		if n > payerReadRows {
			pd.over, pd.sets, pd.payments = true, nil, nil
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Every listed payer has its payments (the same statement).
	for _, m := range pd.sets {
		for _, payers := range m {
			for _, p := range payers {
				if int(p) >= len(pd.payments) {
					return fmt.Errorf("payer %d without payments", p)
				}
			}
		}
	}
	return nil
}
