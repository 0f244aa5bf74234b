package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

const funnelColumns = `id, website_id, name, slug, steps, window_days, is_active, created_at, updated_at`

func scanFunnel(row pgx.Row) (*openfast.Funnel, error) {
	var f openfast.Funnel
	var steps []byte
	if err := row.Scan(&f.ID, &f.WebsiteID, &f.Name, &f.Slug, &steps, &f.WindowDays, &f.IsActive, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	var err error
	if f.Steps, err = sqlmeta.DecodeSteps(steps); err != nil {
		return nil, fmt.Errorf("funnel %s: %w", f.ID, err)
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// Funnels lists a website's funnels, oldest first.
func (db *DB) Funnels(ctx context.Context, websiteID string, inactive bool) ([]*openfast.Funnel, error) {
	var out []*openfast.Funnel
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+funnelColumns+` FROM funnels WHERE website_id = $1 AND (is_active OR $2) ORDER BY created_at, id`, websiteID, inactive)
		if err != nil {
			return fmt.Errorf("select funnels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFunnel(rows)
			if err != nil {
				return fmt.Errorf("scan funnel: %w", err)
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Funnel returns one funnel of a website, or ENOTFOUND.
func (db *DB) Funnel(ctx context.Context, websiteID, id string) (*openfast.Funnel, error) {
	var f *openfast.Funnel
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		f, err = scanFunnel(c.QueryRow(ctx, `SELECT `+funnelColumns+` FROM funnels WHERE id = $1 AND website_id = $2`, id, websiteID))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Funnel")
	}
	if err != nil {
		return nil, fmt.Errorf("select funnel: %w", err)
	}
	return f, nil
}

// checkActiveFunnel refuses to store f active when the website's other
// active funnels are limit already or one has f's slug. The caller holds
// the lock of the website's row (lockRow), which every such check takes
// first, so concurrent checks of one website run one after the other.
func checkActiveFunnel(ctx context.Context, tx pgx.Tx, f *openfast.Funnel, limit int) error {
	var n, same int
	err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE slug = $1) FROM funnels WHERE website_id = $2 AND is_active AND id <> $3`,
		f.Slug, f.WebsiteID, f.ID).Scan(&n, &same)
	if err != nil {
		return fmt.Errorf("count active funnels: %w", err)
	}
	return sqlmeta.CheckActiveFunnel(f, n, same > 0, limit)
}

// CreateFunnel inserts an active funnel.
func (db *DB) CreateFunnel(ctx context.Context, f *openfast.Funnel, limit int, audit *openfast.AuditEntry) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = db.now().UTC()
	}
	f.CreatedAt = ms(f.CreatedAt)
	f.UpdatedAt, f.IsActive = f.CreatedAt, true
	steps, err := sqlmeta.EncodeSteps(f.Steps)
	if err != nil {
		return fmt.Errorf("encode funnel steps: %w", err)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "websites", f.WebsiteID); err != nil {
			return err
		}
		if err := checkActiveFunnel(ctx, tx, f, limit); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO funnels (`+funnelColumns+`) VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, true, $7, $8)`,
			f.ID, f.WebsiteID, f.Name, f.Slug, steps, f.WindowDays, f.CreatedAt, f.UpdatedAt)
		if isUniqueViolation(err) {
			return sqlmeta.FunnelConflict(f)
		}
		if err != nil {
			return fmt.Errorf("insert funnel: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// UpdateFunnel changes a funnel in one transaction that holds the lock of
// its website's row.
func (db *DB) UpdateFunnel(ctx context.Context, websiteID, id string, apply func(*openfast.Funnel) error, limit int, audit *openfast.AuditEntry) (*openfast.Funnel, error) {
	var f *openfast.Funnel
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "websites", websiteID); err != nil {
			return err
		}
		var err error
		f, err = scanFunnel(tx.QueryRow(ctx, `SELECT `+funnelColumns+` FROM funnels WHERE id = $1 AND website_id = $2`, id, websiteID))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Funnel")
		}
		if err != nil {
			return fmt.Errorf("select funnel: %w", err)
		}
		if err := apply(f); err != nil {
			return err
		}
		f.ID, f.WebsiteID, f.UpdatedAt = id, websiteID, ms(db.now())
		if f.IsActive {
			if err := checkActiveFunnel(ctx, tx, f, limit); err != nil {
				return err
			}
		}
		steps, err := sqlmeta.EncodeSteps(f.Steps)
		if err != nil {
			return fmt.Errorf("encode funnel steps: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE funnels SET name = $1, slug = $2, steps = $3::text::jsonb, window_days = $4, is_active = $5, updated_at = $6 WHERE id = $7`,
			f.Name, f.Slug, steps, f.WindowDays, f.IsActive, f.UpdatedAt, id)
		if isUniqueViolation(err) {
			return sqlmeta.FunnelConflict(f)
		}
		if err != nil {
			return fmt.Errorf("update funnel: %w", err)
		}
		if !f.IsActive {
			_, err = tx.Exec(ctx, `DELETE FROM funnels WHERE website_id = $1 AND NOT is_active AND id NOT IN
				(SELECT id FROM funnels WHERE website_id = $1 AND NOT is_active ORDER BY updated_at DESC, id DESC LIMIT $2)`,
				websiteID, openfast.MaxInactiveFunnelsPerWebsite)
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
