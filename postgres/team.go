package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

// Members lists a website's members with their profiles: the owner first,
// then by join time.
func (db *DB) Members(ctx context.Context, websiteID string) ([]*openfast.Member, error) {
	var out []*openfast.Member
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT m.website_id, m.user_id, u.name, u.email, u.image, m.role, m.joined_at
			FROM members m JOIN users u ON u.id = m.user_id WHERE m.website_id = $1
			ORDER BY m.role = 'owner' DESC, m.joined_at, m.user_id`, websiteID)
		if err != nil {
			return fmt.Errorf("select members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m openfast.Member
			var role string
			if err := rows.Scan(&m.WebsiteID, &m.UserID, &m.Name, &m.Email, &m.Image, &role, &m.JoinedAt); err != nil {
				return fmt.Errorf("scan member: %w", err)
			}
			m.Role, m.JoinedAt = openfast.Role(role), m.JoinedAt.UTC()
			out = append(out, &m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Memberships returns the user's role on each of their websites.
func (db *DB) Memberships(ctx context.Context, userID string) (map[string]openfast.Role, error) {
	out := map[string]openfast.Role{}
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT website_id, role FROM members WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("select memberships: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, role string
			if err := rows.Scan(&id, &role); err != nil {
				return fmt.Errorf("scan membership: %w", err)
			}
			out[id] = openfast.Role(role)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateInvitation inserts a pending invitation unless the email is a member
// already or has a pending invitation (ECONFLICT). The website's row lock
// makes the membership check and the insert atomic with respect to
// AcceptInvitation, as SQLite's single writer does.
func (db *DB) CreateInvitation(ctx context.Context, inv *openfast.Invitation, since time.Time, audit *openfast.AuditEntry) error {
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "websites", inv.WebsiteID); err != nil {
			return err
		}
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members m JOIN users u ON u.id = m.user_id WHERE m.website_id = $1 AND u.email = $2)`,
			inv.WebsiteID, inv.Email).Scan(&member); err != nil {
			return fmt.Errorf("check membership: %w", err)
		}
		if member {
			return openfast.Errorf(openfast.ECONFLICT, "%s is already a member of this website.", inv.Email)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM invitations WHERE website_id = $1 AND email = $2 AND accepted_at IS NULL AND created_at < $3`,
			inv.WebsiteID, inv.Email, ms(since)); err != nil {
			return fmt.Errorf("delete expired invitations: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO invitations (id, website_id, email, role, invited_by, created_at, link_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			inv.ID, inv.WebsiteID, inv.Email, string(inv.Role), inv.InvitedBy, ms(inv.CreatedAt), inv.LinkHash)
		if isUniqueViolation(err) {
			return openfast.Errorf(openfast.ECONFLICT, "%s already has a pending invitation to this website.", inv.Email)
		}
		if err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

const invitationColumns = `i.id, i.website_id, w.domain, i.email, i.role, i.invited_by, i.created_at`

func scanInvitation(row pgx.Row) (*openfast.Invitation, error) {
	var inv openfast.Invitation
	var role string
	if err := row.Scan(&inv.ID, &inv.WebsiteID, &inv.Domain, &inv.Email, &role, &inv.InvitedBy, &inv.CreatedAt); err != nil {
		return nil, err
	}
	inv.Role, inv.CreatedAt = openfast.Role(role), inv.CreatedAt.UTC()
	return &inv, nil
}

// PendingInvitations lists the pending invitations addressed to email.
func (db *DB) PendingInvitations(ctx context.Context, email string, since time.Time) ([]*openfast.Invitation, error) {
	return db.invitations(ctx, `i.email = $1`, email, since)
}

// WebsiteInvitations lists a website's pending invitations made at or
// after since, the oldest first.
func (db *DB) WebsiteInvitations(ctx context.Context, websiteID string, since time.Time) ([]*openfast.Invitation, error) {
	return db.invitations(ctx, `i.website_id = $1`, websiteID, since)
}

// invitations lists the pending invitations made at or after since that
// match where (on $1).
func (db *DB) invitations(ctx context.Context, where string, arg any, since time.Time) ([]*openfast.Invitation, error) {
	var out []*openfast.Invitation
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
			WHERE `+where+` AND i.accepted_at IS NULL AND i.created_at >= $2 ORDER BY i.created_at, i.id`, arg, ms(since))
		if err != nil {
			return fmt.Errorf("select invitations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			inv, err := scanInvitation(rows)
			if err != nil {
				return fmt.Errorf("scan invitation: %w", err)
			}
			out = append(out, inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// InvitationByLinkHash returns the pending invitation of a link.
func (db *DB) InvitationByLinkHash(ctx context.Context, hash []byte) (*openfast.Invitation, error) {
	var inv *openfast.Invitation
	err := db.conn(ctx, func(c *pgx.Conn) error {
		var err error
		inv, err = scanInvitation(c.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
			WHERE i.link_hash = $1 AND i.accepted_at IS NULL`, hash))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Invitation")
		}
		if err != nil {
			return fmt.Errorf("select invitation by link: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// AcceptInvitation makes user a member with the invitation's role. It locks
// the invitation's website first (as CreateInvitation does), then reads the
// invitation, so that of two concurrent acceptances the second finds it
// accepted (ENOTFOUND).
func (db *DB) AcceptInvitation(ctx context.Context, id string, user *openfast.User, since time.Time, audit *openfast.AuditEntry) (*openfast.Invitation, error) {
	var inv *openfast.Invitation
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var websiteID string
		err := tx.QueryRow(ctx, `SELECT website_id FROM invitations WHERE id = $1`, id).Scan(&websiteID)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Invitation")
		}
		if err != nil {
			return fmt.Errorf("select invitation: %w", err)
		}
		if err := lockRow(ctx, tx, "websites", websiteID); err != nil {
			return err
		}
		inv, err = scanInvitation(tx.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
			WHERE i.id = $1 AND i.email = $2 AND i.accepted_at IS NULL`, id, user.Email))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Invitation")
		}
		if err != nil {
			return fmt.Errorf("select invitation: %w", err)
		}
		if inv.CreatedAt.Before(since) {
			return errExpiredInvitation
		}
		now := db.now().UTC()
		if _, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = $1 WHERE id = $2`, ms(now), id); err != nil {
			return fmt.Errorf("mark invitation accepted: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO members (website_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)`,
			inv.WebsiteID, user.ID, string(inv.Role), ms(now))
		if isUniqueViolation(err) || isPrimaryKeyViolation(err) {
			return openfast.Errorf(openfast.ECONFLICT, "You are already a member of this website.")
		}
		if err != nil {
			return fmt.Errorf("insert membership: %w", err)
		}
		if audit != nil {
			audit.WebsiteID = inv.WebsiteID
		}
		return insertAudit(ctx, tx, audit, now)
	})
	return inv, err
}

// WithdrawInvitation deletes the pending invitation of email to a website.
func (db *DB) WithdrawInvitation(ctx context.Context, websiteID, email string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM invitations WHERE website_id = $1 AND email = $2 AND accepted_at IS NULL`, websiteID, email)
		if err != nil {
			return fmt.Errorf("withdraw invitation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("Pending invitation")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// errExpiredInvitation refuses the acceptance of an expired invitation.
var errExpiredInvitation = openfast.Errorf(openfast.EFORBIDDEN, "This invitation has expired: ask the website owner for a new one.")

// RemoveMember removes a user from a website, or returns ENOTFOUND. The
// keys made on the user's authority on the website are deleted with the
// membership, in the same transaction.
func (db *DB) RemoveMember(ctx context.Context, websiteID, userID string, audit *openfast.AuditEntry) ([]*openfast.APIKey, error) {
	var revoked []*openfast.APIKey
	err := db.tx(ctx, func(tx pgx.Tx) error {
		revoked = nil
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM members WHERE website_id = $1 AND user_id = $2 AND role <> 'owner'`, websiteID, userID)
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("Team member")
		}
		now := db.now()
		if err := insertAudit(ctx, tx, audit, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM api_keys WHERE website_id = $1 AND created_by_user = $2 RETURNING `+apiKeyColumns, websiteID, userID)
		if err != nil {
			return fmt.Errorf("revoke the member's keys: %w", err)
		}
		for rows.Next() {
			k, err := scanAPIKey(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("scan revoked key: %w", err)
			}
			revoked = append(revoked, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("revoke the member's keys: %w", err)
		}
		slices.SortFunc(revoked, func(a, b *openfast.APIKey) int { return strings.Compare(a.ID, b.ID) })
		for _, k := range revoked {
			if err := insertAudit(ctx, tx, audit.KeyRevoked(k), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return revoked, nil
}

// AuditLog returns the selected audit entries, newest first, and their count.
// A negative limit means no limit and a negative offset counts as zero, as
// in SQLite (PostgreSQL would refuse both).
func (db *DB) AuditLog(ctx context.Context, q openfast.AuditQuery, limit, offset int) ([]*openfast.AuditEntry, int, error) {
	where, arg := `website_id = $1`, q.WebsiteID
	if q.WebsiteID == "" {
		where, arg = `website_id IS NULL AND actor_user_id = $1`, q.UserID
	}
	var limitArg *int // NULL: LIMIT ALL
	if limit >= 0 {
		limitArg = &limit
	}
	offset = max(offset, 0)
	var total int
	out := []*openfast.AuditEntry{}
	err := db.conn(ctx, func(c *pgx.Conn) error {
		if err := c.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE `+where, arg).Scan(&total); err != nil {
			return fmt.Errorf("count audit log: %w", err)
		}
		rows, err := c.Query(ctx, `SELECT id, coalesce(website_id, ''), actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at
			FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT $2 OFFSET $3`, arg, limitArg, offset)
		if err != nil {
			return fmt.Errorf("select audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a openfast.AuditEntry
			if err := rows.Scan(&a.ID, &a.WebsiteID, &a.ActorUserID, &a.ActorDisplayKey, &a.Action, &a.TargetType, &a.TargetID, &a.TargetDisplayKey, &a.IP, &a.CreatedAt); err != nil {
				return fmt.Errorf("scan audit entry: %w", err)
			}
			a.CreatedAt = a.CreatedAt.UTC()
			out = append(out, &a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
