package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

const alertColumns = `id, website_id, name, goal_name, subject, message, enabled, created_at, updated_at`

func scanAlert(row pgx.Row) (*openfast.Alert, error) {
	var al openfast.Alert
	if err := row.Scan(&al.ID, &al.WebsiteID, &al.Name, &al.GoalName, &al.Subject, &al.Message, &al.Enabled, &al.CreatedAt, &al.UpdatedAt); err != nil {
		return nil, err
	}
	al.CreatedAt, al.UpdatedAt = al.CreatedAt.UTC(), al.UpdatedAt.UTC()
	return &al, nil
}

const alertLogColumns = `id, website_id, alert_id, alert_name, goal_name, status, error, visitor_id, firings, triggered_at`

func scanAlertLog(row pgx.Row) (*openfast.AlertLog, error) {
	var l openfast.AlertLog
	if err := row.Scan(&l.ID, &l.WebsiteID, &l.AlertID, &l.AlertName, &l.GoalName, &l.Status, &l.Error, &l.VisitorID, &l.Firings, &l.TriggeredAt); err != nil {
		return nil, err
	}
	l.TriggeredAt = l.TriggeredAt.UTC()
	return &l, nil
}

// alertInsert inserts an alert (alertArgs), doing nothing when its id
// exists (imports).
const alertInsert = `INSERT INTO alerts (` + alertColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`

func alertArgs(al *openfast.Alert) []any {
	return []any{al.ID, al.WebsiteID, al.Name, al.GoalName, al.Subject, al.Message, al.Enabled, ms(al.CreatedAt), ms(al.UpdatedAt)}
}

const alertLogInsert = `INSERT INTO alert_logs (` + alertLogColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`

func alertLogArgs(l *openfast.AlertLog) []any {
	return []any{l.ID, l.WebsiteID, l.AlertID, l.AlertName, l.GoalName, l.Status, l.Error, l.VisitorID, l.Firings, ms(l.TriggeredAt)}
}

// CreateAlert inserts al unless its website has limit alerts: the
// website's row is locked, then the alerts counted and al inserted. Other
// servers hear of the change (their alert caches drop).
func (db *DB) CreateAlert(ctx context.Context, al *openfast.Alert, limit int, audit *openfast.AuditEntry) error {
	if al.CreatedAt.IsZero() {
		al.CreatedAt = db.now().UTC()
	}
	if al.UpdatedAt.IsZero() {
		al.UpdatedAt = al.CreatedAt
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "websites", al.WebsiteID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE website_id = $1`, al.WebsiteID).Scan(&n); err != nil {
			return fmt.Errorf("count alerts: %w", err)
		}
		if n >= limit {
			return openfast.Errorf(openfast.EFORBIDDEN, "Alert limit reached: a website can have at most %d alerts. Delete one to create another.", limit)
		}
		if _, err := tx.Exec(ctx, alertInsert, alertArgs(al)...); err != nil {
			return fmt.Errorf("insert alert: %w", err)
		}
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// Alerts lists a website's alerts, oldest first.
func (db *DB) Alerts(ctx context.Context, websiteID string) ([]*openfast.Alert, error) {
	return queryAll(ctx, db, scanAlert, `SELECT `+alertColumns+` FROM alerts WHERE website_id = $1 ORDER BY created_at, id`, websiteID)
}

// UpdateAlert changes an alert with apply, holding its row lock.
func (db *DB) UpdateAlert(ctx context.Context, websiteID, id string, apply func(*openfast.Alert) error, audit *openfast.AuditEntry) (*openfast.Alert, error) {
	var al *openfast.Alert
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		al, err = scanAlert(tx.QueryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1 AND website_id = $2 FOR UPDATE`, id, websiteID))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Alert")
		}
		if err != nil {
			return fmt.Errorf("select alert: %w", err)
		}
		if err := apply(al); err != nil {
			return err
		}
		al.UpdatedAt = ms(db.now())
		if _, err := tx.Exec(ctx, `UPDATE alerts SET name = $1, goal_name = $2, subject = $3, message = $4, enabled = $5, updated_at = $6 WHERE id = $7`,
			al.Name, al.GoalName, al.Subject, al.Message, al.Enabled, al.UpdatedAt, id); err != nil {
			return fmt.Errorf("update alert: %w", err)
		}
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
	if err != nil {
		return nil, err
	}
	return al, nil
}

// DeleteAlert deletes an alert; its history stays.
func (db *DB) DeleteAlert(ctx context.Context, websiteID, id string, audit *openfast.AuditEntry) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM alerts WHERE id = $1 AND website_id = $2`, id, websiteID)
		if err != nil {
			return fmt.Errorf("delete alert: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("Alert")
		}
		if err := notifyChange(ctx, tx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// AddAlertLogs inserts history entries (skipping those of websites deleted
// meanwhile) and trims each website's history to its newest keep entries.
func (db *DB) AddAlertLogs(ctx context.Context, logs []*openfast.AlertLog, keep int) error {
	if len(logs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		sites := map[string]bool{}
		for _, l := range logs {
			if _, err := tx.Exec(ctx, `INSERT INTO alert_logs (`+alertLogColumns+`) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
				WHERE EXISTS (SELECT 1 FROM websites WHERE id = $2) ON CONFLICT (id) DO NOTHING`, alertLogArgs(l)...); err != nil {
				return fmt.Errorf("insert alert log: %w", err)
			}
			sites[l.WebsiteID] = true
		}
		for site := range sites {
			if _, err := tx.Exec(ctx, `DELETE FROM alert_logs WHERE website_id = $1 AND id NOT IN
				(SELECT id FROM alert_logs WHERE website_id = $1 ORDER BY triggered_at DESC, id DESC LIMIT $2)`, site, keep); err != nil {
				return fmt.Errorf("trim alert logs: %w", err)
			}
		}
		return nil
	})
}

// AlertLogs returns the newest entries of a website or of one alert, and
// the counts of all of them.
func (db *DB) AlertLogs(ctx context.Context, websiteID, alertID string, limit int) ([]*openfast.AlertLog, openfast.AlertLogCounts, error) {
	where, args := `website_id = $1`, []any{websiteID}
	if alertID != "" {
		where, args = where+` AND alert_id = $2`, append(args, alertID)
	}
	var c openfast.AlertLogCounts
	err := db.conn(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed') FROM alert_logs WHERE `+where, args...).
			Scan(&c.Total, &c.Sent, &c.Failed)
	})
	if err != nil {
		return nil, c, fmt.Errorf("count alert logs: %w", err)
	}
	logs, err := queryAll(ctx, db, scanAlertLog, fmt.Sprintf(`SELECT `+alertLogColumns+` FROM alert_logs WHERE `+where+` ORDER BY triggered_at DESC, id DESC LIMIT $%d`, len(args)+1), append(args, limit)...)
	return logs, c, err
}

// RecentAlertLogs returns each alert's newest perAlert entries.
func (db *DB) RecentAlertLogs(ctx context.Context, websiteID string, perAlert int) (map[string][]*openfast.AlertLog, error) {
	logs, err := queryAll(ctx, db, scanAlertLog, `SELECT `+alertLogColumns+` FROM (
		SELECT *, row_number() OVER (PARTITION BY alert_id ORDER BY triggered_at DESC, id DESC) AS n FROM alert_logs WHERE website_id = $1
	) AS recent WHERE n <= $2 ORDER BY alert_id, triggered_at DESC, id DESC`, websiteID, perAlert)
	if err != nil {
		return nil, err
	}
	out := map[string][]*openfast.AlertLog{}
	for _, l := range logs {
		out[l.AlertID] = append(out[l.AlertID], l)
	}
	return out, nil
}

// queryAll runs a query on a pooled connection and scans every row.
func queryAll[T any](ctx context.Context, db *DB, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return out, nil
}
