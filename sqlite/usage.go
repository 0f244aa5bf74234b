package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/openfast/openfast"
)

// usageDayLayout is how credential_usage keeps a day: text that sorts as
// the days do.
const usageDayLayout = time.DateOnly

// AddCredentialUsage adds the counts to the stored ones, in one
// transaction.
func (db *DB) AddCredentialUsage(ctx context.Context, counts []openfast.CredentialUsage) error {
	if len(counts) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO credential_usage (kind, credential_id, day, requests) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, credential_id, day) DO UPDATE SET requests = requests + excluded.requests`)
		if err != nil {
			return fmt.Errorf("add credential usage: %w", err)
		}
		defer stmt.Close()
		for _, c := range counts {
			if _, err := stmt.ExecContext(ctx, c.Kind, c.CredentialID, c.Day.UTC().Format(usageDayLayout), c.Requests); err != nil {
				return fmt.Errorf("add credential usage: %w", err)
			}
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
	args := make([]any, 0, len(ids)+2)
	args = append(args, kind, from.UTC().Format(usageDayLayout))
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT credential_id, day, requests FROM credential_usage
		WHERE kind = ? AND day >= ? AND credential_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("select credential usage: %w", err)
	}
	defer rows.Close()
	var out []openfast.CredentialUsage
	for rows.Next() {
		c := openfast.CredentialUsage{Kind: kind}
		var day string
		if err := rows.Scan(&c.CredentialID, &day, &c.Requests); err != nil {
			return nil, fmt.Errorf("scan credential usage: %w", err)
		}
		if c.Day, err = time.Parse(usageDayLayout, day); err != nil {
			return nil, fmt.Errorf("scan credential usage day %q: %w", day, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select credential usage: %w", err)
	}
	return out, nil
}

// DeleteCredentialUsageBefore deletes the counts of the days before day.
func (db *DB) DeleteCredentialUsageBefore(ctx context.Context, day time.Time) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM credential_usage WHERE day < ?`, day.UTC().Format(usageDayLayout)); err != nil {
		return fmt.Errorf("delete old credential usage: %w", err)
	}
	return nil
}

func exportCredentialUsage(ctx context.Context, tx *sql.Tx, d *openfast.MetadataDump) error {
	return eachRow(ctx, tx, `SELECT kind, credential_id, day, requests FROM credential_usage ORDER BY kind, credential_id, day`, func(r *sql.Rows) error {
		var c openfast.CredentialUsage
		var day string
		if err := r.Scan(&c.Kind, &c.CredentialID, &day, &c.Requests); err != nil {
			return err
		}
		var err error
		c.Day, err = time.Parse(usageDayLayout, day)
		d.CredentialUsage = append(d.CredentialUsage, c)
		return err
	})
}

// importCredentialUsage inserts the dump's usage counts with exec,
// skipping the credential days that exist (importing twice adds nothing).
func importCredentialUsage(d *openfast.MetadataDump, exec func(query string, args ...any) error) error {
	for _, c := range d.CredentialUsage {
		if err := exec(`INSERT INTO credential_usage (kind, credential_id, day, requests) VALUES (?, ?, ?, ?) ON CONFLICT (kind, credential_id, day) DO NOTHING`,
			c.Kind, c.CredentialID, c.Day.UTC().Format(usageDayLayout), c.Requests); err != nil {
			return fmt.Errorf("usage of %s %s on %s: %w", c.Kind, c.CredentialID, c.Day.Format(usageDayLayout), err)
		}
	}
	return nil
}
