package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/sqlmeta"
)

var _ openfast.MetadataCopier = (*DB)(nil)

// ExportMetadata reads every row in one read transaction, so that the dump
// is consistent.
func (db *DB) ExportMetadata(ctx context.Context) (*openfast.MetadataDump, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	defer tx.Rollback()
	d := &openfast.MetadataDump{PasswordHashes: map[string]string{}}
	err = eachRow(ctx, tx, `SELECT id, email, name, image, created_at FROM users ORDER BY id`, func(r *sql.Rows) error {
		u, err := scanUser(r)
		d.Users = append(d.Users, u)
		return err
	})
	if err == nil {
		err = eachRow(ctx, tx, `SELECT id, password_hash FROM users WHERE password_hash IS NOT NULL ORDER BY id`, func(r *sql.Rows) error {
			var id, h string
			err := r.Scan(&id, &h)
			d.PasswordHashes[id] = h
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+websiteColumns+` FROM websites w ORDER BY w.id`, func(r *sql.Rows) error {
			w, err := scanWebsite(r)
			d.Websites = append(d.Websites, w)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT website_id, user_id, role, joined_at FROM members ORDER BY website_id, user_id`, func(r *sql.Rows) error {
			var m openfast.Membership
			var role string
			var joined int64
			err := r.Scan(&m.WebsiteID, &m.UserID, &role, &joined)
			m.Role, m.JoinedAt = openfast.Role(role), fromMS(joined)
			d.Members = append(d.Members, &m)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT id, website_id, email, role, invited_by, created_at, accepted_at, link_hash FROM invitations ORDER BY id`, func(r *sql.Rows) error {
			var inv openfast.DumpedInvitation
			var role string
			var created int64
			var accepted sql.NullInt64
			err := r.Scan(&inv.ID, &inv.WebsiteID, &inv.Email, &role, &inv.InvitedBy, &created, &accepted, &inv.LinkHash)
			inv.Role, inv.CreatedAt, inv.AcceptedAt = openfast.Role(role), fromMS(created), fromNullMS(accepted)
			d.Invitations = append(d.Invitations, &inv)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`, func(r *sql.Rows) error {
			k, err := scanAPIKey(r)
			d.APIKeys = append(d.APIKeys, k)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+tokenColumns+` FROM access_tokens ORDER BY id`, func(r *sql.Rows) error {
			t, err := scanToken(r)
			d.AccessTokens = append(d.AccessTokens, t)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT id, coalesce(website_id, ''), actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at
			FROM audit_log ORDER BY id`, func(r *sql.Rows) error {
			var a openfast.AuditEntry
			var created int64
			err := r.Scan(&a.ID, &a.WebsiteID, &a.ActorUserID, &a.ActorDisplayKey, &a.Action, &a.TargetType, &a.TargetID, &a.TargetDisplayKey, &a.IP, &created)
			a.CreatedAt = fromMS(created)
			d.AuditLog = append(d.AuditLog, &a)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT website_id, transaction_id, claimed_at FROM payment_claims ORDER BY website_id, transaction_id`, func(r *sql.Rows) error {
			var c openfast.PaymentClaim
			var claimed int64
			err := r.Scan(&c.WebsiteID, &c.TransactionID, &claimed)
			c.ClaimedAt = fromMS(claimed)
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
		err = eachRow(ctx, tx, `SELECT `+alertColumns+` FROM alerts ORDER BY id`, func(r *sql.Rows) error {
			al, err := scanAlert(r)
			d.Alerts = append(d.Alerts, al)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+alertLogColumns+` FROM alert_logs ORDER BY id`, func(r *sql.Rows) error {
			l, err := scanAlertLog(r)
			d.AlertLogs = append(d.AlertLogs, l)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+mailClaimColumns+` FROM mail_claims ORDER BY website_id, kind, period`, func(r *sql.Rows) error {
			c, err := scanMailClaim(r)
			d.MailClaims = append(d.MailClaims, c)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT user_id, website_id, kind, created_at FROM mail_opt_outs ORDER BY user_id, website_id, kind`, func(r *sql.Rows) error {
			o, err := scanMailOptOut(r)
			d.MailOptOuts = append(d.MailOptOuts, o)
			return err
		})
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT key FROM mail_keys WHERE id = 1`, func(r *sql.Rows) error { return r.Scan(&d.MailKey) })
	}
	if err == nil {
		err = eachRow(ctx, tx, `SELECT `+funnelColumns+` FROM funnels ORDER BY id`, func(r *sql.Rows) error {
			f, err := scanFunnel(r)
			d.Funnels = append(d.Funnels, f)
			return err
		})
	}
	if err == nil {
		err = exportIntegrations(ctx, tx, d)
	}
	if err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	return d, nil
}

func eachRow(ctx context.Context, tx *sql.Tx, query string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
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
// children, skipping rows whose primary key exists.
func (db *DB) ImportMetadata(ctx context.Context, d *openfast.MetadataDump) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		exec := func(query string, args ...any) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
			return nil
		}
		for _, u := range d.Users {
			if err := exec(`INSERT INTO users (id, email, name, image, created_at, password_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				u.ID, u.Email, ptrStr(u.Name), ptrStr(u.Image), ms(u.CreatedAt), nullString(d.PasswordHashes[u.ID])); err != nil {
				return fmt.Errorf("user %s: %w", u.ID, err)
			}
		}
		for _, w := range d.Websites {
			settings, err := sqlmeta.EncodeSettings(w.WebsiteSettings)
			if err != nil {
				return fmt.Errorf("website %s: %w", w.ID, err)
			}
			if err := exec(`INSERT INTO websites (id, tracking_id, owner_id, domain, name, timezone, currency, settings, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				w.ID, w.TrackingID, w.OwnerID, w.Domain, ptrStr(w.Name), w.Timezone, w.Currency, settings, ms(w.CreatedAt)); err != nil {
				return fmt.Errorf("website %s: %w", w.ID, err)
			}
		}
		for _, m := range d.Members {
			if err := exec(`INSERT INTO members (website_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT (website_id, user_id) DO NOTHING`,
				m.WebsiteID, m.UserID, string(m.Role), ms(m.JoinedAt)); err != nil {
				return fmt.Errorf("member %s of %s: %w", m.UserID, m.WebsiteID, err)
			}
		}
		for _, inv := range d.Invitations {
			var accepted sql.NullInt64
			if inv.AcceptedAt != nil {
				accepted = sql.NullInt64{Int64: ms(*inv.AcceptedAt), Valid: true}
			}
			if err := exec(`INSERT INTO invitations (id, website_id, email, role, invited_by, created_at, accepted_at, link_hash)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				inv.ID, inv.WebsiteID, inv.Email, string(inv.Role), inv.InvitedBy, ms(inv.CreatedAt), accepted, inv.LinkHash); err != nil {
				return fmt.Errorf("invitation %s: %w", inv.ID, err)
			}
		}
		for _, k := range d.APIKeys {
			if err := exec(`INSERT INTO api_keys (id, website_id, name, display_key, hash, permissions, created_by, created_by_user, created_at, last_used_at, expires_at, previous_hash, previous_expires_at, allowed_ips)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				k.ID, k.WebsiteID, ptrStr(k.Name), k.DisplayKey, k.Hash, keyPermissions(k.Permissions), k.CreatedByKey, nullString(k.CreatedBy), ms(k.CreatedAt), nullMS(k.LastUsedAt), nullMS(k.ExpiresAt),
				k.PreviousHash, nullMS(k.PreviousExpiresAt), nullJSONList(k.AllowedIPs)); err != nil {
				return fmt.Errorf("api key %s: %w", k.ID, err)
			}
		}
		for _, t := range d.AccessTokens {
			if err := exec(`INSERT INTO access_tokens (id, user_id, name, display_key, hash, permissions, website_ids, created_by, created_at, last_used_at, expires_at, allowed_ips)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				t.ID, t.UserID, ptrStr(t.Name), t.DisplayKey, t.Hash, jsonList(t.Permissions), jsonList(t.WebsiteIDs), nullString(t.CreatedBy), ms(t.CreatedAt), nullMS(t.LastUsedAt), nullMS(t.ExpiresAt), nullJSONList(t.AllowedIPs)); err != nil {
				return fmt.Errorf("access token %s: %w", t.ID, err)
			}
		}
		for _, a := range d.AuditLog {
			if err := exec(`INSERT INTO audit_log (id, website_id, actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				a.ID, nullString(a.WebsiteID), a.ActorUserID, a.ActorDisplayKey, a.Action, a.TargetType, a.TargetID, a.TargetDisplayKey, a.IP, ms(a.CreatedAt)); err != nil {
				return fmt.Errorf("audit entry %d: %w", a.ID, err)
			}
		}
		for _, c := range d.PaymentClaims {
			if err := exec(`INSERT INTO payment_claims (website_id, transaction_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (website_id, transaction_id) DO NOTHING`,
				c.WebsiteID, c.TransactionID, ms(c.ClaimedAt)); err != nil {
				return fmt.Errorf("payment claim %s of %s: %w", c.TransactionID, c.WebsiteID, err)
			}
		}
		if err := importGoalCustomizations(d, exec); err != nil {
			return err
		}
		if err := importCredentialUsage(d, exec); err != nil {
			return err
		}
		for _, al := range d.Alerts {
			if err := exec(alertInsert, alertArgs(al)...); err != nil {
				return fmt.Errorf("alert %s: %w", al.ID, err)
			}
		}
		for _, l := range d.AlertLogs {
			if err := exec(`INSERT INTO alert_logs (`+alertLogColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, alertLogArgs(l)...); err != nil {
				return fmt.Errorf("alert log %s: %w", l.ID, err)
			}
		}
		for _, c := range d.MailClaims {
			if err := exec(`INSERT INTO mail_claims (website_id, kind, period, claimed_at, finished_at, sent, failed, error)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (website_id, kind, period) DO NOTHING`,
				c.WebsiteID, string(c.Kind), c.Period, ms(c.ClaimedAt), nullMS(c.FinishedAt), c.Sent, c.Failed, c.Error); err != nil {
				return fmt.Errorf("%s mail claim of %s for %s: %w", c.Kind, c.WebsiteID, c.Period, err)
			}
		}
		for _, o := range d.MailOptOuts {
			if err := exec(`INSERT INTO mail_opt_outs (user_id, website_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, website_id, kind) DO NOTHING`,
				o.UserID, o.WebsiteID, string(o.Kind), ms(o.CreatedAt)); err != nil {
				return fmt.Errorf("%s mail opt-out of %s on %s: %w", o.Kind, o.UserID, o.WebsiteID, err)
			}
		}
		if len(d.MailKey) > 0 {
			if err := exec(`INSERT INTO mail_keys (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, d.MailKey); err != nil {
				return fmt.Errorf("mail key: %w", err)
			}
		}
		for _, f := range d.Funnels {
			steps, err := sqlmeta.EncodeSteps(f.Steps)
			if err != nil {
				return fmt.Errorf("funnel %s: %w", f.ID, err)
			}
			if err := exec(`INSERT INTO funnels (`+funnelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				f.ID, f.WebsiteID, f.Name, f.Slug, steps, f.WindowDays, f.IsActive, ms(f.CreatedAt), ms(f.UpdatedAt)); err != nil {
				return fmt.Errorf("funnel %s: %w", f.ID, err)
			}
		}
		for _, in := range d.Integrations {
			if err := exec(integrationInsert+` ON CONFLICT (website_id, provider) DO NOTHING`, integrationArgs(in)...); err != nil {
				return fmt.Errorf("integration %s of %s: %w", in.Provider, in.WebsiteID, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("import metadata: %w", err)
	}
	return n, nil
}

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}
