package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openfast/openfast"
)

const goalCustomizationColumns = `website_id, goal_name, display_name, color, description, updated_at`

func scanGoalCustomization(row interface{ Scan(...any) error }) (*openfast.GoalCustomization, error) {
	var g openfast.GoalCustomization
	var name, color, desc sql.NullString
	var updated int64
	if err := row.Scan(&g.WebsiteID, &g.GoalName, &name, &color, &desc, &updated); err != nil {
		return nil, err
	}
	g.DisplayName, g.Color, g.Description, g.UpdatedAt = strPtr(name), strPtr(color), strPtr(desc), fromMS(updated)
	return &g, nil
}

// GoalCustomizations lists a website's goal customizations by goal name.
func (db *DB) GoalCustomizations(ctx context.Context, websiteID string) ([]*openfast.GoalCustomization, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations WHERE website_id = ? ORDER BY goal_name LIMIT ?`,
		websiteID, openfast.MaxGoalCustomizationsPerWebsite)
	if err != nil {
		return nil, fmt.Errorf("select goal customizations: %w", err)
	}
	defer rows.Close()
	var out []*openfast.GoalCustomization
	for rows.Next() {
		g, err := scanGoalCustomization(rows)
		if err != nil {
			return nil, fmt.Errorf("scan goal customization: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// UpdateGoalCustomization reads, changes and stores a goal's customization
// in one IMMEDIATE transaction: the limit check cannot race another
// creation.
func (db *DB) UpdateGoalCustomization(ctx context.Context, websiteID, goalName string, apply func(*openfast.GoalCustomization), limit int, audit *openfast.AuditEntry) (*openfast.GoalCustomization, error) {
	var out *openfast.GoalCustomization
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM websites WHERE id = ?`, websiteID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Website")
			}
			return fmt.Errorf("find website: %w", err)
		}
		g, err := scanGoalCustomization(tx.QueryRowContext(ctx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations WHERE website_id = ? AND goal_name = ?`, websiteID, goalName))
		exists := err == nil
		switch {
		case errors.Is(err, sql.ErrNoRows):
			g = &openfast.GoalCustomization{WebsiteID: websiteID, GoalName: goalName}
		case err != nil:
			return fmt.Errorf("select goal customization: %w", err)
		}
		apply(g)
		g.WebsiteID, g.GoalName = websiteID, goalName
		if g.Empty() {
			g.UpdatedAt = db.now().UTC()
			if _, err := tx.ExecContext(ctx, `DELETE FROM goal_customizations WHERE website_id = ? AND goal_name = ?`, websiteID, goalName); err != nil {
				return fmt.Errorf("delete goal customization: %w", err)
			}
			out = g
			return insertAudit(ctx, tx, audit, db.now())
		}
		if !exists {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM goal_customizations WHERE website_id = ?`, websiteID).Scan(&n); err != nil {
				return fmt.Errorf("count goal customizations: %w", err)
			}
			if n >= limit {
				return openfast.GoalCustomizationLimit(limit)
			}
		}
		g.UpdatedAt = fromMS(ms(db.now()))
		_, err = tx.ExecContext(ctx, `INSERT INTO goal_customizations (`+goalCustomizationColumns+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (website_id, goal_name) DO UPDATE SET display_name = excluded.display_name, color = excluded.color,
			description = excluded.description, updated_at = excluded.updated_at`,
			websiteID, goalName, ptrStr(g.DisplayName), ptrStr(g.Color), ptrStr(g.Description), ms(g.UpdatedAt))
		if err != nil {
			return fmt.Errorf("store goal customization: %w", err)
		}
		out = g
		return insertAudit(ctx, tx, audit, db.now())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// exportGoalCustomizations adds every goal customization to d.
func exportGoalCustomizations(ctx context.Context, tx *sql.Tx, d *openfast.MetadataDump) error {
	return eachRow(ctx, tx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations ORDER BY website_id, goal_name`, func(r *sql.Rows) error {
		g, err := scanGoalCustomization(r)
		d.GoalCustomizations = append(d.GoalCustomizations, g)
		return err
	})
}

// importGoalCustomizations inserts the dump's goal customizations with
// exec, skipping those that exist.
func importGoalCustomizations(d *openfast.MetadataDump, exec func(query string, args ...any) error) error {
	for _, g := range d.GoalCustomizations {
		if err := exec(`INSERT INTO goal_customizations (`+goalCustomizationColumns+`) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (website_id, goal_name) DO NOTHING`,
			g.WebsiteID, g.GoalName, ptrStr(g.DisplayName), ptrStr(g.Color), ptrStr(g.Description), ms(g.UpdatedAt)); err != nil {
			return fmt.Errorf("goal customization %s of %s: %w", g.GoalName, g.WebsiteID, err)
		}
	}
	return nil
}
