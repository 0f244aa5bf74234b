package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// MailingWebsites lists the websites whose setting of kind is on.
func (db *DB) MailingWebsites(ctx context.Context, kind openfast.MailKind, afterID string, limit int) ([]*openfast.Website, error) {
	if !kind.Valid() {
		return nil, openfast.Errorf(openfast.EINVALID, "unknown kind of mail %q", kind)
	}
	out, err := queryAll(ctx, db, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w
		WHERE w.id > $1 AND w.settings->>'`+kind.Setting()+`' = 'true' ORDER BY w.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("select websites sending %s mail: %w", kind, err)
	}
	return out, nil
}

// ClaimMail inserts a claim unless there is one. It is one statement: of
// concurrent claims, the first inserts and the others wait for its commit,
// then change nothing.
func (db *DB) ClaimMail(ctx context.Context, c *openfast.MailClaim) (bool, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO mail_claims (website_id, kind, period, claimed_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (website_id, kind, period) DO NOTHING`, c.WebsiteID, string(c.Kind), c.Period, ms(c.ClaimedAt))
	if err != nil {
		return false, fmt.Errorf("claim %s mail of %s for %s: %w", c.Kind, c.WebsiteID, c.Period, err)
	}
	return tag.RowsAffected() == 1, nil
}

// FinishMail records the outcome of a claimed mail.
func (db *DB) FinishMail(ctx context.Context, c *openfast.MailClaim) error {
	tag, err := db.pool.Exec(ctx, `UPDATE mail_claims SET finished_at = $1, sent = $2, failed = $3, error = $4
		WHERE website_id = $5 AND kind = $6 AND period = $7`,
		msPtr(c.FinishedAt), c.Sent, c.Failed, openfast.CutChars(c.Error, openfast.MaxMailError), c.WebsiteID, string(c.Kind), c.Period)
	if err != nil {
		return fmt.Errorf("finish %s mail of %s for %s: %w", c.Kind, c.WebsiteID, c.Period, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("Mail claim")
	}
	return nil
}

const mailClaimColumns = `website_id, kind, period, claimed_at, finished_at, sent, failed, error`

func scanMailClaim(row pgx.Row) (*openfast.MailClaim, error) {
	var c openfast.MailClaim
	var kind string
	if err := row.Scan(&c.WebsiteID, &kind, &c.Period, &c.ClaimedAt, &c.FinishedAt, &c.Sent, &c.Failed, &c.Error); err != nil {
		return nil, err
	}
	c.Kind, c.ClaimedAt, c.FinishedAt = openfast.MailKind(kind), c.ClaimedAt.UTC(), utcPtr(c.FinishedAt)
	return &c, nil
}

// MailClaim returns a claim, or ENOTFOUND.
func (db *DB) MailClaim(ctx context.Context, websiteID string, kind openfast.MailKind, period string) (*openfast.MailClaim, error) {
	c, err := scanMailClaim(db.pool.QueryRow(ctx, `SELECT `+mailClaimColumns+` FROM mail_claims
		WHERE website_id = $1 AND kind = $2 AND period = $3`, websiteID, string(kind), period))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Mail claim")
	}
	if err != nil {
		return nil, fmt.Errorf("select %s mail claim of %s for %s: %w", kind, websiteID, period, err)
	}
	return c, nil
}

// SetMailOptOut records or deletes an opt-out.
func (db *DB) SetMailOptOut(ctx context.Context, o *openfast.MailOptOut, optOut bool) error {
	var err error
	if optOut {
		_, err = db.pool.Exec(ctx, `INSERT INTO mail_opt_outs (user_id, website_id, kind, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, website_id, kind) DO NOTHING`, o.UserID, o.WebsiteID, string(o.Kind), ms(o.CreatedAt))
	} else {
		_, err = db.pool.Exec(ctx, `DELETE FROM mail_opt_outs WHERE user_id = $1 AND website_id = $2 AND kind = $3`,
			o.UserID, o.WebsiteID, string(o.Kind))
	}
	if err != nil {
		return fmt.Errorf("set %s mail opt-out of %s on %s: %w", o.Kind, o.UserID, o.WebsiteID, err)
	}
	return nil
}

// MailOptOuts lists the opt-outs of a user or of a website.
func (db *DB) MailOptOuts(ctx context.Context, userID, websiteID string) ([]*openfast.MailOptOut, error) {
	query, arg := `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs WHERE user_id = $1 ORDER BY website_id, kind`, userID
	if userID == "" {
		query, arg = `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs WHERE website_id = $1 ORDER BY user_id, kind`, websiteID
	}
	out, err := queryAll(ctx, db, scanMailOptOut, query, arg)
	if err != nil {
		return nil, fmt.Errorf("select mail opt-outs: %w", err)
	}
	return out, nil
}

func scanMailOptOut(row pgx.Row) (*openfast.MailOptOut, error) {
	var o openfast.MailOptOut
	var kind string
	var created time.Time
	err := row.Scan(&o.UserID, &o.WebsiteID, &kind, &created)
	o.Kind, o.CreatedAt = openfast.MailKind(kind), created.UTC()
	return &o, err
}

// MailKey returns the key that signs unsubscribe links, making it once: of
// concurrent first calls, one insert wins and every call reads its key.
func (db *DB) MailKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := db.pool.Exec(ctx, `INSERT INTO mail_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("make mail key: %w", err)
	}
	var key []byte
	if err := db.pool.QueryRow(ctx, `SELECT key FROM mail_keys WHERE id = 1`).Scan(&key); err != nil {
		return nil, fmt.Errorf("select mail key: %w", err)
	}
	return key, nil
}
