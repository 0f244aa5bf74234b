package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

var _ openfast.MetadataCopier = (*DB)(nil)

// ExportMetadata reads every row in one REPEATABLE READ, read-only
// transaction, so that the dump is consistent.
func (db *DB) ExportMetadata(ctx context.Context) (*openfast.MetadataDump, error) {
	d := &openfast.MetadataDump{PasswordHashes: map[string]string{}}
	err := db.conn(ctx, func(c *pgx.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		err = eachRow(ctx, tx, `SELECT `+userColumns+` FROM users ORDER BY id`, func(r pgx.Rows) error {
			u, err := scanUser(r)
			d.Users = append(d.Users, u)
			return err
		})
		if err == nil {
			err = eachRow(ctx, tx, `SELECT id, password_hash FROM users WHERE password_hash IS NOT NULL ORDER BY id`, func(r pgx.Rows) error {
				var id, h string
				err := r.Scan(&id, &h)
				d.PasswordHashes[id] = h
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+websiteColumns+` FROM websites w ORDER BY w.id`, func(r pgx.Rows) error {
				w, err := scanWebsite(r)
				d.Websites = append(d.Websites, w)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT website_id, user_id, role, joined_at FROM members ORDER BY website_id, user_id`, func(r pgx.Rows) error {
				var m openfast.Membership
				var role string
				err := r.Scan(&m.WebsiteID, &m.UserID, &role, &m.JoinedAt)
				m.Role, m.JoinedAt = openfast.Role(role), m.JoinedAt.UTC()
				d.Members = append(d.Members, &m)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT id, website_id, email, role, invited_by, created_at, accepted_at, link_hash FROM invitations ORDER BY id`, func(r pgx.Rows) error {
				var inv openfast.DumpedInvitation
				var role string
				err := r.Scan(&inv.ID, &inv.WebsiteID, &inv.Email, &role, &inv.InvitedBy, &inv.CreatedAt, &inv.AcceptedAt, &inv.LinkHash)
				inv.Role, inv.CreatedAt, inv.AcceptedAt = openfast.Role(role), inv.CreatedAt.UTC(), utcPtr(inv.AcceptedAt)
				d.Invitations = append(d.Invitations, &inv)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`, func(r pgx.Rows) error {
				k, err := scanAPIKey(r)
				d.APIKeys = append(d.APIKeys, k)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+tokenColumns+` FROM access_tokens ORDER BY id`, func(r pgx.Rows) error {
				t, err := scanToken(r)
				d.AccessTokens = append(d.AccessTokens, t)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT id, coalesce(website_id, ''), actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at
				FROM audit_log ORDER BY id`, func(r pgx.Rows) error {
				var a openfast.AuditEntry
				err := r.Scan(&a.ID, &a.WebsiteID, &a.ActorUserID, &a.ActorDisplayKey, &a.Action, &a.TargetType, &a.TargetID, &a.TargetDisplayKey, &a.IP, &a.CreatedAt)
				a.CreatedAt = a.CreatedAt.UTC()
				d.AuditLog = append(d.AuditLog, &a)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT website_id, transaction_id, claimed_at FROM payment_claims ORDER BY website_id, transaction_id`, func(r pgx.Rows) error {
				var c openfast.PaymentClaim
				err := r.Scan(&c.WebsiteID, &c.TransactionID, &c.ClaimedAt)
				c.ClaimedAt = c.ClaimedAt.UTC()
				d.PaymentClaims = append(d.PaymentClaims, &c)
				return err
			})
		}
		if err == nil {
			err = exportGoalCustomizations(ctx, tx, d)
		}
		if err == nil {
			err = exportCredentialUsage(ctx, tx, d)
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+alertColumns+` FROM alerts ORDER BY id`, func(r pgx.Rows) error {
				al, err := scanAlert(r)
				d.Alerts = append(d.Alerts, al)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+alertLogColumns+` FROM alert_logs ORDER BY id`, func(r pgx.Rows) error {
				l, err := scanAlertLog(r)
				d.AlertLogs = append(d.AlertLogs, l)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+mailClaimColumns+` FROM mail_claims ORDER BY website_id, kind, period`, func(r pgx.Rows) error {
				c, err := scanMailClaim(r)
				d.MailClaims = append(d.MailClaims, c)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs ORDER BY user_id, website_id, kind`, func(r pgx.Rows) error {
				o, err := scanMailOptOut(r)
				d.MailOptOuts = append(d.MailOptOuts, o)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT key FROM mail_keys WHERE id = 1`, func(r pgx.Rows) error { return r.Scan(&d.MailKey) })
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+funnelColumns+` FROM funnels ORDER BY id`, func(r pgx.Rows) error {
				f, err := scanFunnel(r)
				d.Funnels = append(d.Funnels, f)
				return err
			})
		}
		if err == nil {
			err = eachRow(ctx, tx, `SELECT `+integrationColumns+` FROM integrations ORDER BY website_id, provider`, func(r pgx.Rows) error {
				in, err := scanIntegration(r)
				d.Integrations = append(d.Integrations, in)
				return err
			})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	return d, nil
}

func eachRow(ctx context.Context, tx pgx.Tx, query string, fn func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ImportMetadata inserts the dump's rows in one transaction, parents before
// children, skipping rows whose primary key exists. The inserts travel in
// one batch. The audit log's identity then moves past the highest imported
// id, so that new entries do not collide with imported ones.
func (db *DB) ImportMetadata(ctx context.Context, d *openfast.MetadataDump) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx pgx.Tx) error {
		n = 0
		var b pgx.Batch
		var what []string // what[i] names the row of the batch's i-th insert
		add := func(name, query string, args ...any) {
			b.Queue(query, args...)
			what = append(what, name)
		}
		for _, u := range d.Users {
			add("user "+u.ID, `INSERT INTO users (id, email, name, image, created_at, password_hash) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
				u.ID, u.Email, u.Name, u.Image, ms(u.CreatedAt), nullString(d.PasswordHashes[u.ID]))
		}
		for _, w := range d.Websites {
			settings, err := sqlmeta.EncodeSettings(w.WebsiteSettings)
			if err != nil {
				return fmt.Errorf("website %s: %w", w.ID, err)
			}
			add("website "+w.ID, `INSERT INTO websites (id, tracking_id, owner_id, domain, name, timezone, currency, settings, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9) ON CONFLICT (id) DO NOTHING`,
				w.ID, w.TrackingID, w.OwnerID, w.Domain, w.Name, w.Timezone, w.Currency, settings, ms(w.CreatedAt))
		}
		for _, m := range d.Members {
			add(fmt.Sprintf("member %s of %s", m.UserID, m.WebsiteID), `INSERT INTO members (website_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT (website_id, user_id) DO NOTHING`,
				m.WebsiteID, m.UserID, string(m.Role), ms(m.JoinedAt))
		}
		for _, inv := range d.Invitations {
			add("invitation "+inv.ID, `INSERT INTO invitations (id, website_id, email, role, invited_by, created_at, accepted_at, link_hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
				inv.ID, inv.WebsiteID, inv.Email, string(inv.Role), inv.InvitedBy, ms(inv.CreatedAt), msPtr(inv.AcceptedAt), inv.LinkHash)
		}
		for _, k := range d.APIKeys {
			add("api key "+k.ID, `INSERT INTO api_keys (id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, last_used_at, expires_at, previous_hash, previous_expires_at, allowed_ips)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING`,
				k.ID, k.WebsiteID, k.Name, k.DisplayKey, k.Hash, k.Permissions, k.CreatedByKey, nullString(k.CreatedBy), ms(k.CreatedAt), msPtr(k.LastUsedAt), msPtr(k.ExpiresAt),
				k.PreviousHash, msPtr(k.PreviousExpiresAt), k.AllowedIPs)
		}
		for _, t := range d.AccessTokens {
			add("access token "+t.ID, `INSERT INTO access_tokens (id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, last_used_at, expires_at, allowed_ips)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
				t.ID, t.UserID, t.Name, t.DisplayKey, t.Hash, list(t.Permissions), list(t.WebsiteIDs), nullString(t.CreatedBy), ms(t.CreatedAt), msPtr(t.LastUsedAt), msPtr(t.ExpiresAt), t.AllowedIPs)
		}
		for _, a := range d.AuditLog {
			add(fmt.Sprintf("audit entry %d", a.ID), `INSERT INTO audit_log (id, website_id, actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
				a.ID, nullString(a.WebsiteID), a.ActorUserID, a.ActorDisplayKey, a.Action, a.TargetType, a.TargetID, a.TargetDisplayKey, a.IP, ms(a.CreatedAt))
		}
		for _, c := range d.PaymentClaims {
			add(fmt.Sprintf("payment claim %s of %s", c.TransactionID, c.WebsiteID), `INSERT INTO payment_claims (website_id, transaction_id, claimed_at)
				VALUES ($1, $2, $3) ON CONFLICT (website_id, transaction_id) DO NOTHING`, c.WebsiteID, c.TransactionID, ms(c.ClaimedAt))
		}
		importGoalCustomizations(d, add)
		importCredentialUsage(d, add)
		for _, al := range d.Alerts {
			add("alert "+al.ID, alertInsert, alertArgs(al)...)
		}
		for _, l := range d.AlertLogs {
			add("alert log "+l.ID, alertLogInsert, alertLogArgs(l)...)
		}
		for _, c := range d.MailClaims {
			add(fmt.Sprintf("%s mail claim of %s for %s", c.Kind, c.WebsiteID, c.Period), `INSERT INTO mail_claims (website_id, kind, period, claimed_at, finished_at, sent, failed, error)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (website_id, kind, period) DO NOTHING`,
				c.WebsiteID, string(c.Kind), c.Period, ms(c.ClaimedAt), msPtr(c.FinishedAt), c.Sent, c.Failed, c.Error)
		}
		for _, o := range d.MailOptOuts {
			add(fmt.Sprintf("%s mail opt-out of %s on %s", o.Kind, o.UserID, o.WebsiteID), `INSERT INTO mail_opt_outs (user_id, website_id, kind, created_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, website_id, kind) DO NOTHING`, o.UserID, o.WebsiteID, string(o.Kind), ms(o.CreatedAt))
		}
		if len(d.MailKey) > 0 {
			add("mail key", `INSERT INTO mail_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, d.MailKey)
		}
		for _, f := range d.Funnels {
			steps, err := sqlmeta.EncodeSteps(f.Steps)
			if err != nil {
				return fmt.Errorf("funnel %s: %w", f.ID, err)
			}
			add("funnel "+f.ID, `INSERT INTO funnels (`+funnelColumns+`) VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
				f.ID, f.WebsiteID, f.Name, f.Slug, steps, f.WindowDays, f.IsActive, ms(f.CreatedAt), ms(f.UpdatedAt))
		}
		for _, in := range d.Integrations {
			add(fmt.Sprintf("integration %s of %s", in.Provider, in.WebsiteID), integrationInsert+` ON CONFLICT (website_id, provider) DO NOTHING`, integrationArgs(in)...)
		}
		if len(d.AuditLog) > 0 {
			// Never moves the sequence backwards: the next id is past both
			// the highest id stored and any id handed out already.
			add("audit log sequence", `SELECT setval(s::regclass, greatest((SELECT max(id) FROM audit_log), pg_sequence_last_value(s::regclass)))
				FROM pg_get_serial_sequence('audit_log', 'id') AS s`)
		}
		results := tx.SendBatch(ctx, &b)
		for i := range what {
			tag, err := results.Exec()
			if err != nil {
				results.Close()
				return fmt.Errorf("%s: %w", what[i], err)
			}
			if tag.Insert() {
				n += int(tag.RowsAffected())
			}
		}
		return results.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("import metadata: %w", err)
	}
	return n, nil
}

// msPtr is ms for a nullable time.
func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}
