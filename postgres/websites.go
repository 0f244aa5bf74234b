package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

const websiteColumns = `w.id, w.tracking_id, w.owner_id, w.domain, w.name, w.timezone, w.currency, w.settings::text, w.created_at`

func scanWebsite(row pgx.Row, extra ...any) (*openfast.Website, error) {
	var w openfast.Website
	var settings string
	dest := append([]any{&w.ID, &w.TrackingID, &w.OwnerID, &w.Domain, &w.Name, &w.Timezone, &w.Currency, &settings, &w.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	s, err := sqlmeta.DecodeSettings(settings)
	if err != nil {
		return nil, fmt.Errorf("decode settings of website %s: %w", w.ID, err)
	}
	w.WebsiteSettings = s
	return &w, nil
}

// CreateWebsite inserts w and makes its OwnerID the owner.
func (db *DB) CreateWebsite(ctx context.Context, w *openfast.Website, audit *openfast.AuditEntry) error {
	if w.CreatedAt.IsZero() {
		w.CreatedAt = db.now().UTC()
	}
	settings, err := sqlmeta.EncodeSettings(w.WebsiteSettings)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO websites (id, tracking_id, owner_id, domain, name, timezone, currency, settings, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9)`,
			w.ID, w.TrackingID, w.OwnerID, w.Domain, w.Name, w.Timezone, w.Currency, settings, ms(w.CreatedAt))
		if isUniqueViolation(err) {
			return openfast.Errorf(openfast.ECONFLICT, "A website with the domain %s already exists on this account.", w.Domain)
		}
		if err != nil {
			return fmt.Errorf("insert website: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO members (website_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)`,
			w.ID, w.OwnerID, ms(w.CreatedAt)); err != nil {
			return fmt.Errorf("insert owner membership: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// websiteWhere reads the website selected by a condition on one argument.
func (db *DB) websiteWhere(ctx context.Context, cond string, arg any) (*openfast.Website, error) {
	var w *openfast.Website
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		w, err = scanWebsite(c.QueryRow(ctx, `SELECT `+websiteColumns+` FROM websites w WHERE `+cond, arg))
		return err
	})
	return w, err
}

// Website returns a website or ENOTFOUND.
func (db *DB) Website(ctx context.Context, id string) (*openfast.Website, error) {
	w, err := db.websiteWhere(ctx, `w.id = $1`, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Website")
	}
	if err != nil {
		return nil, fmt.Errorf("select website %s: %w", id, err)
	}
	return w, nil
}

// WebsiteByTrackingID returns a website by its trackingId, or ENOTFOUND.
func (db *DB) WebsiteByTrackingID(ctx context.Context, trackingID string) (*openfast.Website, error) {
	w, err := db.websiteWhere(ctx, `w.tracking_id = $1`, trackingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Website")
	}
	if err != nil {
		return nil, fmt.Errorf("select website by tracking id: %w", err)
	}
	return w, nil
}

// WebsitesByDomain lists the websites of a domain, oldest first.
func (db *DB) WebsitesByDomain(ctx context.Context, domain string) ([]*openfast.Website, error) {
	out, err := queryAll(ctx, db, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w WHERE w.domain = $1 ORDER BY w.created_at, w.id LIMIT $2`,
		domain, openfast.MaxWebsitesByDomain)
	if err != nil {
		return nil, fmt.Errorf("select websites by domain: %w", err)
	}
	return out, nil
}

// scanWebsiteRow is scanWebsite of a row with no more columns.
func scanWebsiteRow(row pgx.Row) (*openfast.Website, error) { return scanWebsite(row) }

// WebsitesForUser lists the websites the user belongs to, oldest first.
func (db *DB) WebsitesForUser(ctx context.Context, userID string) ([]openfast.WebsiteWithRole, error) {
	var out []openfast.WebsiteWithRole
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+websiteColumns+`, m.role FROM websites w JOIN members m ON m.website_id = w.id
			WHERE m.user_id = $1 ORDER BY w.created_at, w.id`, userID)
		if err != nil {
			return fmt.Errorf("select websites for user: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var role string
			w, err := scanWebsite(rows, &role)
			if err != nil {
				return fmt.Errorf("scan website: %w", err)
			}
			out = append(out, openfast.WebsiteWithRole{Website: w, Role: openfast.Role(role)})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateWebsite applies a change to a website inside one transaction that
// holds the website's row lock (SELECT ... FOR UPDATE) from the read on, so
// concurrent updates, from any process, apply one after the other.
func (db *DB) UpdateWebsite(ctx context.Context, id string, apply func(*openfast.Website) error, audit *openfast.AuditEntry) (*openfast.Website, error) {
	var w *openfast.Website
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		var err error
		w, err = scanWebsite(tx.QueryRow(ctx, `SELECT `+websiteColumns+` FROM websites w WHERE w.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Website")
		}
		if err != nil {
			return fmt.Errorf("select website %s: %w", id, err)
		}
		if err := apply(w); err != nil {
			return err
		}
		settings, err := sqlmeta.EncodeSettings(w.WebsiteSettings)
		if err != nil {
			return fmt.Errorf("encode settings: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE websites SET domain = $1, name = $2, timezone = $3, currency = $4, settings = $5::text::jsonb WHERE id = $6`,
			w.Domain, w.Name, w.Timezone, w.Currency, settings, id)
		if isUniqueViolation(err) {
			return openfast.Errorf(openfast.ECONFLICT, "A website with the domain %s already exists on this account.", w.Domain)
		}
		if err != nil {
			return fmt.Errorf("update website: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// DeleteWebsite removes a website; its keys, members and invitations go
// with it (ON DELETE CASCADE).
func (db *DB) DeleteWebsite(ctx context.Context, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM websites WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete website: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("Website")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// WebsitesAfter lists the websites after afterID in id order, at most
// limit.
func (db *DB) WebsitesAfter(ctx context.Context, afterID string, limit int) ([]*openfast.Website, error) {
	out, err := queryAll(ctx, db, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w WHERE w.id > $1 ORDER BY w.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("select websites after %q: %w", afterID, err)
	}
	return out, nil
}
