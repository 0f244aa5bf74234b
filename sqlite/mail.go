package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
)

// MailingWebsites lists the websites whose setting of kind is on.
func (db *DB) MailingWebsites(ctx context.Context, kind openfast.MailKind, afterID string, limit int) ([]*openfast.Website, error) {
	if !kind.Valid() {
		return nil, openfast.Errorf(openfast.EINVALID, "unknown kind of mail %q", kind)
	}
	out, err := queryAll(ctx, db.read, scanWebsiteRow, `SELECT `+websiteColumns+` FROM websites w
		WHERE w.id > ? AND json_extract(w.settings, '$.`+kind.Setting()+`') = 1 ORDER BY w.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("select websites sending %s mail: %w", kind, err)
	}
	return out, nil
}

// ClaimMail inserts a claim unless there is one: one statement on the one
// writer connection, so of concurrent claims (of any process) one inserts.
func (db *DB) ClaimMail(ctx context.Context, c *openfast.MailClaim) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO mail_claims (website_id, kind, period, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (website_id, kind, period) DO NOTHING`, c.WebsiteID, string(c.Kind), c.Period, ms(c.ClaimedAt))
	if err != nil {
		return false, fmt.Errorf("claim %s mail of %s for %s: %w", c.Kind, c.WebsiteID, c.Period, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishMail records the outcome of a claimed mail.
func (db *DB) FinishMail(ctx context.Context, c *openfast.MailClaim) error {
	res, err := db.write.ExecContext(ctx, `UPDATE mail_claims SET finished_at = ?, sent = ?, failed = ?, error = ?
		WHERE website_id = ? AND kind = ? AND period = ?`,
		nullMS(c.FinishedAt), c.Sent, c.Failed, openfast.CutChars(c.Error, openfast.MaxMailError), c.WebsiteID, string(c.Kind), c.Period)
	if err != nil {
		return fmt.Errorf("finish %s mail of %s for %s: %w", c.Kind, c.WebsiteID, c.Period, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Mail claim")
	}
	return nil
}

const mailClaimColumns = `website_id, kind, period, claimed_at, finished_at, sent, failed, error`

func scanMailClaim(row interface{ Scan(...any) error }) (*openfast.MailClaim, error) {
	var c openfast.MailClaim
	var kind string
	var claimed int64
	var finished sql.NullInt64
	if err := row.Scan(&c.WebsiteID, &kind, &c.Period, &claimed, &finished, &c.Sent, &c.Failed, &c.Error); err != nil {
		return nil, err
	}
	c.Kind, c.ClaimedAt, c.FinishedAt = openfast.MailKind(kind), fromMS(claimed), fromNullMS(finished)
	return &c, nil
}

// MailClaim returns a claim, or ENOTFOUND.
func (db *DB) MailClaim(ctx context.Context, websiteID string, kind openfast.MailKind, period string) (*openfast.MailClaim, error) {
	c, err := scanMailClaim(db.read.QueryRowContext(ctx, `SELECT `+mailClaimColumns+` FROM mail_claims
		WHERE website_id = ? AND kind = ? AND period = ?`, websiteID, string(kind), period))
	if errors.Is(err, sql.ErrNoRows) {
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
		_, err = db.write.ExecContext(ctx, `INSERT INTO mail_opt_outs (user_id, website_id, kind, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, website_id, kind) DO NOTHING`, o.UserID, o.WebsiteID, string(o.Kind), ms(o.CreatedAt))
	} else {
		_, err = db.write.ExecContext(ctx, `DELETE FROM mail_opt_outs WHERE user_id = ? AND website_id = ? AND kind = ?`,
			o.UserID, o.WebsiteID, string(o.Kind))
	}
	if err != nil {
		return fmt.Errorf("set %s mail opt-out of %s on %s: %w", o.Kind, o.UserID, o.WebsiteID, err)
	}
	return nil
}

// MailOptOuts lists the opt-outs of a user or of a website.
func (db *DB) MailOptOuts(ctx context.Context, userID, websiteID string) ([]*openfast.MailOptOut, error) {
	query, arg := `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs WHERE user_id = ? ORDER BY website_id, kind`, userID
	if userID == "" {
		query, arg = `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs WHERE website_id = ? ORDER BY user_id, kind`, websiteID
	}
	out, err := queryAll(ctx, db.read, scanMailOptOut, query, arg)
	if err != nil {
		return nil, fmt.Errorf("select mail opt-outs: %w", err)
	}
	return out, nil
}

func scanMailOptOut(row interface{ Scan(...any) error }) (*openfast.MailOptOut, error) {
	var o openfast.MailOptOut
	var kind string
	var created int64
	err := row.Scan(&o.UserID, &o.WebsiteID, &kind, &created)
	o.Kind, o.CreatedAt = openfast.MailKind(kind), fromMS(created)
	return &o, err
}

// MailKey returns the key that signs unsubscribe links, making it once.
func (db *DB) MailKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := db.read.QueryRowContext(ctx, `SELECT key FROM mail_keys WHERE id = 1`).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("select mail key: %w", err)
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_keys (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT key FROM mail_keys WHERE id = 1`).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("make mail key: %w", err)
	}
	return key, nil
}
