package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
)

const alertColumns = `id, website_id, name, goal_name, subject, message, enabled, created_at, updated_at`

func scanAlert(row interface{ Scan(...any) error }) (*openfast.Alert, error) {
	var al openfast.Alert
	var subject sql.NullString
	var created, updated int64
	if err := row.Scan(&al.ID, &al.WebsiteID, &al.Name, &al.GoalName, &subject, &al.Message, &al.Enabled, &created, &updated); err != nil {
		return nil, err
	}
	al.Subject, al.CreatedAt, al.UpdatedAt = strPtr(subject), fromMS(created), fromMS(updated)
	return &al, nil
}

const alertLogColumns = `id, website_id, alert_id, alert_name, goal_name, status, error, visitor_id, firings, triggered_at`

func scanAlertLog(row interface{ Scan(...any) error }) (*openfast.AlertLog, error) {
	var l openfast.AlertLog
	var errText, visitor sql.NullString
	var at int64
	if err := row.Scan(&l.ID, &l.WebsiteID, &l.AlertID, &l.AlertName, &l.GoalName, &l.Status, &errText, &visitor, &l.Firings, &at); err != nil {
		return nil, err
	}
	l.Error, l.VisitorID, l.TriggeredAt = strPtr(errText), strPtr(visitor), fromMS(at)
	return &l, nil
}

// CreateAlert inserts al unless its website has limit alerts, counting and
// inserting in one IMMEDIATE transaction.
func (db *DB) CreateAlert(ctx context.Context, al *openfast.Alert, limit int, audit *openfast.AuditEntry) error {
	if al.CreatedAt.IsZero() {
		al.CreatedAt = db.now().UTC()
	}
	if al.UpdatedAt.IsZero() {
		al.UpdatedAt = al.CreatedAt
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE website_id = ?`, al.WebsiteID).Scan(&n); err != nil {
			return fmt.Errorf("count alerts: %w", err)
		}
		if n >= limit {
			return alertLimit(limit)
		}
		if _, err := tx.ExecContext(ctx, alertInsert, alertArgs(al)...); err != nil {
			return fmt.Errorf("insert alert: %w", err)
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

func alertLimit(limit int) error {
	return openfast.Errorf(openfast.EFORBIDDEN, "Alert limit reached: a website can have at most %d alerts. Delete one to create another.", limit)
}

// alertInsert inserts an alert (alertArgs), doing nothing when its id
// exists (imports).
const alertInsert = `INSERT INTO alerts (` + alertColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`

func alertArgs(al *openfast.Alert) []any {
	return []any{al.ID, al.WebsiteID, al.Name, al.GoalName, ptrStr(al.Subject), al.Message, al.Enabled, ms(al.CreatedAt), ms(al.UpdatedAt)}
}

func alertLogArgs(l *openfast.AlertLog) []any {
	return []any{l.ID, l.WebsiteID, l.AlertID, l.AlertName, l.GoalName, l.Status, ptrStr(l.Error), ptrStr(l.VisitorID), l.Firings, ms(l.TriggeredAt)}
}

// Alerts lists a website's alerts, oldest first.
func (db *DB) Alerts(ctx context.Context, websiteID string) ([]*openfast.Alert, error) {
	return queryAll(ctx, db.read, scanAlert, `SELECT `+alertColumns+` FROM alerts WHERE website_id = ? ORDER BY created_at, id`, websiteID)
}

// UpdateAlert changes an alert with apply in one write transaction.
func (db *DB) UpdateAlert(ctx context.Context, websiteID, id string, apply func(*openfast.Alert) error, audit *openfast.AuditEntry) (*openfast.Alert, error) {
	var al *openfast.Alert
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		al, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ? AND website_id = ?`, id, websiteID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Alert")
		}
		if err != nil {
			return fmt.Errorf("select alert: %w", err)
		}
		if err := apply(al); err != nil {
			return err
		}
		al.UpdatedAt = db.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET name = ?, goal_name = ?, subject = ?, message = ?, enabled = ?, updated_at = ? WHERE id = ?`,
			al.Name, al.GoalName, ptrStr(al.Subject), al.Message, al.Enabled, ms(al.UpdatedAt), id); err != nil {
			return fmt.Errorf("update alert: %w", err)
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE id = ? AND website_id = ?`, id, websiteID)
		if err != nil {
			return fmt.Errorf("delete alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Alert")
		}
		return insertAudit(ctx, tx, audit, db.now())
	})
}

// AddAlertLogs inserts history entries and trims each website's history
// to its newest keep entries.
func (db *DB) AddAlertLogs(ctx context.Context, logs []*openfast.AlertLog, keep int) error {
	if len(logs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		sites := map[string]bool{}
		for _, l := range logs {
			// An entry of a website deleted meanwhile is skipped.
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_logs (`+alertLogColumns+`) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
				WHERE EXISTS (SELECT 1 FROM websites WHERE id = ?) ON CONFLICT (id) DO NOTHING`, append(alertLogArgs(l), l.WebsiteID)...); err != nil {
				return fmt.Errorf("insert alert log: %w", err)
			}
			sites[l.WebsiteID] = true
		}
		for site := range sites {
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_logs WHERE website_id = ? AND id NOT IN
				(SELECT id FROM alert_logs WHERE website_id = ? ORDER BY triggered_at DESC, id DESC LIMIT ?)`, site, site, keep); err != nil {
				return fmt.Errorf("trim alert logs: %w", err)
			}
		}
		return nil
	})
}

// AlertLogs returns the newest entries of a website or of one alert, and
// the counts of all of them.
func (db *DB) AlertLogs(ctx context.Context, websiteID, alertID string, limit int) ([]*openfast.AlertLog, openfast.AlertLogCounts, error) {
	where, args := `website_id = ?`, []any{websiteID}
	if alertID != "" {
		where, args = where+` AND alert_id = ?`, append(args, alertID)
	}
	var c openfast.AlertLogCounts
	err := db.read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(status = 'sent'), 0), coalesce(sum(status = 'failed'), 0) FROM alert_logs WHERE `+where, args...).
		Scan(&c.Total, &c.Sent, &c.Failed)
	if err != nil {
		return nil, c, fmt.Errorf("count alert logs: %w", err)
	}
	logs, err := queryAll(ctx, db.read, scanAlertLog, `SELECT `+alertLogColumns+` FROM alert_logs WHERE `+where+` ORDER BY triggered_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	return logs, c, err
}

// RecentAlertLogs returns each alert's newest perAlert entries.
func (db *DB) RecentAlertLogs(ctx context.Context, websiteID string, perAlert int) (map[string][]*openfast.AlertLog, error) {
	logs, err := queryAll(ctx, db.read, scanAlertLog, `SELECT `+alertLogColumns+` FROM (
		SELECT *, row_number() OVER (PARTITION BY alert_id ORDER BY triggered_at DESC, id DESC) AS n FROM alert_logs WHERE website_id = ?
	) WHERE n <= ? ORDER BY alert_id, triggered_at DESC, id DESC`, websiteID, perAlert)
	if err != nil {
		return nil, err
	}
	out := map[string][]*openfast.AlertLog{}
	for _, l := range logs {
		out[l.AlertID] = append(out[l.AlertID], l)
	}
	return out, nil
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q *sql.DB, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
