package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
)

// Members lists a website's members with their profiles: the owner first,
// then by join time.
func (db *DB) Members(ctx context.Context, websiteID string) ([]*openfast.Member, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT m.website_id, m.user_id, u.name, u.email, u.image, m.role, m.joined_at
		FROM members m JOIN users u ON u.id = m.user_id WHERE m.website_id = ?
		ORDER BY m.role = 'owner' DESC, m.joined_at, m.user_id`, websiteID)
	if err != nil {
		return nil, fmt.Errorf("select members: %w", err)
	}
	defer rows.Close()
	var out []*openfast.Member
	for rows.Next() {
		var m openfast.Member
		var name, image sql.NullString
		var role string
		var joined int64
		if err := rows.Scan(&m.WebsiteID, &m.UserID, &name, &m.Email, &image, &role, &joined); err != nil {
			return nil, fmt.Errorf("scan member: %w", err)
		}
		m.Name, m.Image, m.Role, m.JoinedAt = strPtr(name), strPtr(image), openfast.Role(role), fromMS(joined)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// Memberships returns the user's role on each of their websites.
func (db *DB) Memberships(ctx context.Context, userID string) (map[string]openfast.Role, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT website_id, role FROM members WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("select memberships: %w", err)
	}
	defer rows.Close()
	out := map[string]openfast.Role{}
	for rows.Next() {
		var id, role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("scan membership: %w", err)
		}
		out[id] = openfast.Role(role)
	}
	return out, rows.Err()
}

// CreateInvitation inserts a pending invitation unless the email is a member
// already or has a pending invitation (ECONFLICT).
func (db *DB) CreateInvitation(ctx context.Context, inv *openfast.Invitation, since time.Time, audit *openfast.AuditEntry) error {
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = db.now().UTC()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members m JOIN users u ON u.id = m.user_id WHERE m.website_id = ? AND u.email = ?`,
			inv.WebsiteID, inv.Email).Scan(&n); err != nil {
			return fmt.Errorf("check membership: %w", err)
		}
		if n > 0 {
			return openfast.Errorf(openfast.ECONFLICT, "%s is already a member of this website.", inv.Email)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE website_id = ? AND email = ? AND accepted_at IS NULL AND created_at < ?`,
			inv.WebsiteID, inv.Email, ms(since)); err != nil {
			return fmt.Errorf("delete expired invitations: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO invitations (id, website_id, email, role, invited_by, created_at, link_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
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

func scanInvitation(row interface{ Scan(...any) error }) (*openfast.Invitation, error) {
	var inv openfast.Invitation
	var role string
	var created int64
	if err := row.Scan(&inv.ID, &inv.WebsiteID, &inv.Domain, &inv.Email, &role, &inv.InvitedBy, &created); err != nil {
		return nil, err
	}
	inv.Role, inv.CreatedAt = openfast.Role(role), fromMS(created)
	return &inv, nil
}

// PendingInvitations lists the pending invitations addressed to email.
func (db *DB) PendingInvitations(ctx context.Context, email string, since time.Time) ([]*openfast.Invitation, error) {
	return db.invitations(ctx, `i.email = ?`, email, since)
}

// WebsiteInvitations lists a website's pending invitations made at or
// after since, the oldest first.
func (db *DB) WebsiteInvitations(ctx context.Context, websiteID string, since time.Time) ([]*openfast.Invitation, error) {
	return db.invitations(ctx, `i.website_id = ?`, websiteID, since)
}

// invitations lists the pending invitations made at or after since that
// match where (one argument).
func (db *DB) invitations(ctx context.Context, where string, arg any, since time.Time) ([]*openfast.Invitation, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
		WHERE `+where+` AND i.accepted_at IS NULL AND i.created_at >= ? ORDER BY i.created_at, i.id`, arg, ms(since))
	if err != nil {
		return nil, fmt.Errorf("select invitations: %w", err)
	}
	defer rows.Close()
	var out []*openfast.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("scan invitation: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// InvitationByLinkHash returns the pending invitation of a link.
func (db *DB) InvitationByLinkHash(ctx context.Context, hash []byte) (*openfast.Invitation, error) {
	inv, err := scanInvitation(db.read.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
		WHERE i.link_hash = ? AND i.accepted_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Invitation")
	}
	if err != nil {
		return nil, fmt.Errorf("select invitation by link: %w", err)
	}
	return inv, nil
}

// AcceptInvitation makes user a member with the invitation's role.
func (db *DB) AcceptInvitation(ctx context.Context, id string, user *openfast.User, since time.Time, audit *openfast.AuditEntry) (*openfast.Invitation, error) {
	var inv *openfast.Invitation
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		inv, err = scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations i JOIN websites w ON w.id = i.website_id
			WHERE i.id = ? AND i.email = ? AND i.accepted_at IS NULL`, id, user.Email))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Invitation")
		}
		if err != nil {
			return fmt.Errorf("select invitation: %w", err)
		}
		if inv.CreatedAt.Before(since) {
			return errExpiredInvitation
		}
		now := db.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ?`, ms(now), id); err != nil {
			return fmt.Errorf("mark invitation accepted: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO members (website_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE website_id = ? AND email = ? AND accepted_at IS NULL`, websiteID, email)
		if err != nil {
			return fmt.Errorf("withdraw invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Pending invitation")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// errExpiredInvitation refuses the acceptance of an expired invitation.
var errExpiredInvitation = openfast.Errorf(openfast.EFORBIDDEN, "This invitation has expired: ask the website owner for a new one.")

// RemoveMember removes a user from a website, or returns ENOTFOUND.
// The keys made on the user's authority on the website are deleted with
// the membership, in the same transaction.
func (db *DB) RemoveMember(ctx context.Context, websiteID, userID string, audit *openfast.AuditEntry) ([]*openfast.APIKey, error) {
	var revoked []*openfast.APIKey
	err := db.tx(ctx, func(tx *sql.Tx) error {
		revoked = nil
		res, err := tx.ExecContext(ctx, `DELETE FROM members WHERE website_id = ? AND user_id = ? AND role <> 'owner'`, websiteID, userID)
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Team member")
		}
		now := db.now()
		if err := insertAudit(ctx, tx, audit, now); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM api_keys WHERE website_id = ? AND created_by_user = ? RETURNING `+apiKeyColumns, websiteID, userID)
		if err != nil {
			return fmt.Errorf("revoke the member's keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanAPIKey(rows)
			if err != nil {
				return fmt.Errorf("scan revoked key: %w", err)
			}
			revoked = append(revoked, k)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("revoke the member's keys: %w", err)
		}
		rows.Close()
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
func (db *DB) AuditLog(ctx context.Context, q openfast.AuditQuery, limit, offset int) ([]*openfast.AuditEntry, int, error) {
	where, arg := `website_id = ?`, q.WebsiteID
	if q.WebsiteID == "" {
		where, arg = `website_id IS NULL AND actor_user_id = ?`, q.UserID
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE `+where, arg).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, coalesce(website_id, ''), actor_user_id, actor_display_key, action, target_type, target_id, target_display_key, ip, created_at
		FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, arg, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("select audit log: %w", err)
	}
	defer rows.Close()
	out := []*openfast.AuditEntry{}
	for rows.Next() {
		var a openfast.AuditEntry
		var created int64
		if err := rows.Scan(&a.ID, &a.WebsiteID, &a.ActorUserID, &a.ActorDisplayKey, &a.Action, &a.TargetType, &a.TargetID, &a.TargetDisplayKey, &a.IP, &created); err != nil {
			return nil, 0, fmt.Errorf("scan audit entry: %w", err)
		}
		a.CreatedAt = fromMS(created)
		out = append(out, &a)
	}
	return out, total, rows.Err()
}
