package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// AddCredentialUsage adds the counts to the stored ones in one statement.
// The rows are written in key order, so that two processes flushing at
// once lock them in the same order.
func (db *DB) AddCredentialUsage(ctx context.Context, counts []openfast.CredentialUsage) error {
	if len(counts) == 0 {
		return nil
	}
	// One row per key: an upsert may not touch a row twice.
	sum := make(map[openfast.CredentialUsage]int64, len(counts))
	for _, c := range counts {
		n := c.Requests
		c.Requests, c.Day = 0, openfast.UsageDay(c.Day)
		sum[c] += n
	}
	rows := make([]openfast.CredentialUsage, 0, len(sum))
	for c, n := range sum {
		c.Requests = n
		rows = append(rows, c)
	}
	slices.SortFunc(rows, func(a, b openfast.CredentialUsage) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.CredentialID, b.CredentialID), a.Day.Compare(b.Day))
	})
	kinds, ids, days, requests := make([]string, len(rows)), make([]string, len(rows)), make([]time.Time, len(rows)), make([]int64, len(rows))
	for i, c := range rows {
		kinds[i], ids[i], days[i], requests[i] = c.Kind, c.CredentialID, c.Day, c.Requests
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO credential_usage (kind, credential_id, day, requests)
			SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[])
			ON CONFLICT (kind, credential_id, day) DO UPDATE SET requests = credential_usage.requests + excluded.requests`,
			kinds, ids, days, requests); err != nil {
			return fmt.Errorf("add credential usage: %w", err)
		}
		return nil
	})
}

// CredentialUsage returns the stored counts of the given credentials from
// the day from on.
func (db *DB) CredentialUsage(ctx context.Context, kind string, ids []string, from time.Time) ([]openfast.CredentialUsage, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []openfast.CredentialUsage
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT credential_id, day, requests FROM credential_usage
			WHERE kind = $1 AND day >= $2 AND credential_id = ANY($3)`, kind, openfast.UsageDay(from), ids)
		if err != nil {
			return fmt.Errorf("select credential usage: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			u := openfast.CredentialUsage{Kind: kind}
			if err := rows.Scan(&u.CredentialID, &u.Day, &u.Requests); err != nil {
				return fmt.Errorf("scan credential usage: %w", err)
			}
			u.Day = openfast.UsageDay(u.Day)
			out = append(out, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteCredentialUsageBefore deletes the counts of the days before day.
func (db *DB) DeleteCredentialUsageBefore(ctx context.Context, day time.Time) error {
	err := db.conn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `DELETE FROM credential_usage WHERE day < $1`, openfast.UsageDay(day))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete old credential usage: %w", err)
	}
	return nil
}

func exportCredentialUsage(ctx context.Context, tx pgx.Tx, d *openfast.MetadataDump) error {
	return eachRow(ctx, tx, `SELECT kind, credential_id, day, requests FROM credential_usage ORDER BY kind, credential_id, day`, func(r pgx.Rows) error {
		var c openfast.CredentialUsage
		err := r.Scan(&c.Kind, &c.CredentialID, &c.Day, &c.Requests)
		c.Day = openfast.UsageDay(c.Day)
		d.CredentialUsage = append(d.CredentialUsage, c)
		return err
	})
}

// importCredentialUsage queues the inserts of the dump's usage counts with
// add, skipping the credential days that exist (importing twice adds
// nothing).
func importCredentialUsage(d *openfast.MetadataDump, add func(name, query string, args ...any)) {
	for _, c := range d.CredentialUsage {
		add(fmt.Sprintf("usage of %s %s on %s", c.Kind, c.CredentialID, c.Day.Format(time.DateOnly)), `INSERT INTO credential_usage (kind, credential_id, day, requests)
			VALUES ($1, $2, $3, $4) ON CONFLICT (kind, credential_id, day) DO NOTHING`, c.Kind, c.CredentialID, openfast.UsageDay(c.Day), c.Requests)
	}
}
