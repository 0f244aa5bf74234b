package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

const websiteColumns = `w.id, w.tracking_id, w.owner_id, w.domain, w.name, w.timezone, w.currency, w.settings, w.created_at`

func scanWebsite(row interface{ Scan(...any) error }, extra ...any) (*openfast.Website, error) {
	var w openfast.Website
	var name sql.NullString
	var settings string
	var created int64
	dest := append([]any{&w.ID, &w.TrackingID, &w.OwnerID, &w.Domain, &name, &w.Timezone, &w.Currency, &settings, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	w.Name, w.CreatedAt = strPtr(name), fromMS(created)
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO websites (id, tracking_id, owner_id, domain, name, timezone, currency, settings, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.TrackingID, w.OwnerID, w.Domain, ptrStr(w.Name), w.Timezone, w.Currency, settings, ms(w.CreatedAt))
		if isUniqueViolation(err) {
			return openfast.Errorf(openfast.ECONFLICT, "A website with the domain %s already exists on this account.", w.Domain)
		}
		if err != nil {
			return fmt.Errorf("insert website: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (website_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)`,
			w.ID, w.OwnerID, ms(w.CreatedAt)); err != nil {
			return fmt.Errorf("insert owner membership: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// Website returns a website or ENOTFOUND.
func (db *DB) Website(ctx context.Context, id string) (*openfast.Website, error) {
	w, err := scanWebsite(db.read.QueryRowContext(ctx, `SELECT `+websiteColumns+` FROM websites w WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Website")
	}
	if err != nil {
		return nil, fmt.Errorf("select website %s: %w", id, err)
	}
	return w, nil
}

// WebsiteByTrackingID returns a website by its trackingId, or ENOTFOUND.
func (db *DB) WebsiteByTrackingID(ctx context.Context, trackingID string) (*openfast.Website, error) {
	w, err := scanWebsite(db.read.QueryRowContext(ctx, `SELECT `+websiteColumns+` FROM websites w WHERE w.tracking_id = ?`, trackingID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Website")
	}
	if err != nil {
		return nil, fmt.Errorf("select website by tracking id: %w", err)
	}
	return w, nil
}

// WebsitesByDomain lists the websites of a domain, oldest first.
func (db *DB) WebsitesByDomain(ctx context.Context, domain string) ([]*openfast.Website, error) {
	out, err := queryAll(ctx, db.read, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w WHERE w.domain = ? ORDER BY w.created_at, w.id LIMIT ?`,
		domain, openfast.MaxWebsitesByDomain)
	if err != nil {
		return nil, fmt.Errorf("select websites by domain: %w", err)
	}
	return out, nil
}

// scanWebsiteRow is scanWebsite of a row with no more columns.
func scanWebsiteRow(row interface{ Scan(...any) error }) (*openfast.Website, error) {
	return scanWebsite(row)
}

// WebsitesForUser lists the websites the user belongs to, oldest first.
func (db *DB) WebsitesForUser(ctx context.Context, userID string) ([]openfast.WebsiteWithRole, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+websiteColumns+`, m.role FROM websites w JOIN members m ON m.website_id = w.id
		WHERE m.user_id = ? ORDER BY w.created_at, w.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("select websites for user: %w", err)
	}
	defer rows.Close()
	var out []openfast.WebsiteWithRole
	for rows.Next() {
		var role string
		w, err := scanWebsite(rows, &role)
		if err != nil {
			return nil, fmt.Errorf("scan website: %w", err)
		}
		out = append(out, openfast.WebsiteWithRole{Website: w, Role: openfast.Role(role)})
	}
	return out, rows.Err()
}

// UpdateWebsite applies a change to a website inside one write
// transaction, which holds SQLite's write lock from the read on.
func (db *DB) UpdateWebsite(ctx context.Context, id string, apply func(*openfast.Website) error, audit *openfast.AuditEntry) (*openfast.Website, error) {
	var w *openfast.Website
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		w, err = scanWebsite(tx.QueryRowContext(ctx, `SELECT `+websiteColumns+` FROM websites w WHERE w.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
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
		_, err = tx.ExecContext(ctx, `UPDATE websites SET domain = ?, name = ?, timezone = ?, currency = ?, settings = ? WHERE id = ?`,
			w.Domain, ptrStr(w.Name), w.Timezone, w.Currency, settings, id)
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

// DeleteWebsite removes a website; its keys, members and invitations go with it.
func (db *DB) DeleteWebsite(ctx context.Context, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM websites WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete website: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Website")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// WebsitesAfter lists the websites after afterID in id order, at most
// limit.
func (db *DB) WebsitesAfter(ctx context.Context, afterID string, limit int) ([]*openfast.Website, error) {
	out, err := queryAll(ctx, db.read, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w WHERE w.id > ? ORDER BY w.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("select websites after %q: %w", afterID, err)
	}
	return out, nil
}
