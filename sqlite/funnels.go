package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

const funnelColumns = `id, website_id, name, slug, steps, window_days, is_active, created_at, updated_at`

func scanFunnel(row interface{ Scan(...any) error }) (*openfast.Funnel, error) {
	var f openfast.Funnel
	var steps string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.WebsiteID, &f.Name, &f.Slug, &steps, &f.WindowDays, &f.IsActive, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if f.Steps, err = sqlmeta.DecodeSteps([]byte(steps)); err != nil {
		return nil, fmt.Errorf("funnel %s: %w", f.ID, err)
	}
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	return &f, nil
}

// Funnels lists a website's funnels, oldest first.
func (db *DB) Funnels(ctx context.Context, websiteID string, inactive bool) ([]*openfast.Funnel, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+funnelColumns+` FROM funnels WHERE website_id = ? AND (is_active = 1 OR ?) ORDER BY created_at, id`, websiteID, inactive)
	if err != nil {
		return nil, fmt.Errorf("select funnels: %w", err)
	}
	defer rows.Close()
	var out []*openfast.Funnel
	for rows.Next() {
		f, err := scanFunnel(rows)
		if err != nil {
			return nil, fmt.Errorf("scan funnel: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Funnel returns one funnel of a website, or ENOTFOUND.
func (db *DB) Funnel(ctx context.Context, websiteID, id string) (*openfast.Funnel, error) {
	return selectFunnel(ctx, db.read, websiteID, id)
}

func selectFunnel(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, websiteID, id string) (*openfast.Funnel, error) {
	f, err := scanFunnel(q.QueryRowContext(ctx, `SELECT `+funnelColumns+` FROM funnels WHERE id = ? AND website_id = ?`, id, websiteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Funnel")
	}
	if err != nil {
		return nil, fmt.Errorf("select funnel: %w", err)
	}
	return f, nil
}

// checkActiveFunnel refuses to store f active when the website's other
// active funnels are limit already or one has f's slug. It runs in the
// IMMEDIATE transaction that then writes f, which holds SQLite's write
// lock: no other writer can pass the same check meanwhile.
func checkActiveFunnel(ctx context.Context, tx *sql.Tx, f *openfast.Funnel, limit int) error {
	var n, same int
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(slug = ?), 0) FROM funnels WHERE website_id = ? AND is_active = 1 AND id <> ?`,
		f.Slug, f.WebsiteID, f.ID).Scan(&n, &same)
	if err != nil {
		return fmt.Errorf("count active funnels: %w", err)
	}
	return sqlmeta.CheckActiveFunnel(f, n, same > 0, limit)
}

// CreateFunnel inserts an active funnel.
func (db *DB) CreateFunnel(ctx context.Context, f *openfast.Funnel, limit int, audit *openfast.AuditEntry) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = db.now()
	}
	f.CreatedAt = fromMS(ms(f.CreatedAt))
	f.UpdatedAt, f.IsActive = f.CreatedAt, true
	steps, err := sqlmeta.EncodeSteps(f.Steps)
	if err != nil {
		return fmt.Errorf("encode funnel steps: %w", err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkActiveFunnel(ctx, tx, f, limit); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO funnels (`+funnelColumns+`) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			f.ID, f.WebsiteID, f.Name, f.Slug, steps, f.WindowDays, ms(f.CreatedAt), ms(f.UpdatedAt))
		if isUniqueViolation(err) {
			return sqlmeta.FunnelConflict(f)
		}
		if err != nil {
			return fmt.Errorf("insert funnel: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// UpdateFunnel changes a funnel in one write transaction.
func (db *DB) UpdateFunnel(ctx context.Context, websiteID, id string, apply func(*openfast.Funnel) error, limit int, audit *openfast.AuditEntry) (*openfast.Funnel, error) {
	var f *openfast.Funnel
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if f, err = selectFunnel(ctx, tx, websiteID, id); err != nil {
			return err
		}
		if err := apply(f); err != nil {
			return err
		}
		f.ID, f.WebsiteID, f.UpdatedAt = id, websiteID, fromMS(ms(db.now()))
		if f.IsActive {
			if err := checkActiveFunnel(ctx, tx, f, limit); err != nil {
				return err
			}
		}
		steps, err := sqlmeta.EncodeSteps(f.Steps)
		if err != nil {
			return fmt.Errorf("encode funnel steps: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE funnels SET name = ?, slug = ?, steps = ?, window_days = ?, is_active = ?, updated_at = ? WHERE id = ?`,
			f.Name, f.Slug, steps, f.WindowDays, f.IsActive, ms(f.UpdatedAt), id)
		if isUniqueViolation(err) {
			return sqlmeta.FunnelConflict(f)
		}
		if err != nil {
			return fmt.Errorf("update funnel: %w", err)
		}
		if !f.IsActive {
			_, err = tx.ExecContext(ctx, `DELETE FROM funnels WHERE website_id = ? AND is_active = 0 AND id NOT IN
				(SELECT id FROM funnels WHERE website_id = ? AND is_active = 0 ORDER BY updated_at DESC, id DESC LIMIT ?)`,
				websiteID, websiteID, openfast.MaxInactiveFunnelsPerWebsite)
			if err != nil {
				return fmt.Errorf("delete old inactive funnels: %w", err)
			}
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
