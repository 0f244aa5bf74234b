package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
)

const goalCustomizationColumns = `website_id, goal_name, display_name, color, description, updated_at`

func scanGoalCustomization(row pgx.Row) (*openfast.GoalCustomization, error) {
	var g openfast.GoalCustomization
	if err := row.Scan(&g.WebsiteID, &g.GoalName, &g.DisplayName, &g.Color, &g.Description, &g.UpdatedAt); err != nil {
		return nil, err
	}
	g.UpdatedAt = g.UpdatedAt.UTC()
	return &g, nil
}

// GoalCustomizations lists a website's goal customizations by goal name.
func (db *DB) GoalCustomizations(ctx context.Context, websiteID string) ([]*openfast.GoalCustomization, error) {
	var out []*openfast.GoalCustomization
	err := db.conn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations WHERE website_id = $1 ORDER BY goal_name LIMIT $2`,
			websiteID, openfast.MaxGoalCustomizationsPerWebsite)
		if err != nil {
			return fmt.Errorf("select goal customizations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGoalCustomization(rows)
			if err != nil {
				return fmt.Errorf("scan goal customization: %w", err)
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateGoalCustomization reads, changes and stores a goal's customization.
// The transaction first locks the website's row: concurrent changes of the
// website's customizations wait, so the limit check cannot race.
func (db *DB) UpdateGoalCustomization(ctx context.Context, websiteID, goalName string, apply func(*openfast.GoalCustomization), limit int, audit *openfast.AuditEntry) (*openfast.GoalCustomization, error) {
	var out *openfast.GoalCustomization
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM websites WHERE id = $1 FOR UPDATE`, websiteID).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return notFound("Website")
			}
			return fmt.Errorf("lock website: %w", err)
		}
		g, err := scanGoalCustomization(tx.QueryRow(ctx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations WHERE website_id = $1 AND goal_name = $2`, websiteID, goalName))
		exists := err == nil
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			g = &openfast.GoalCustomization{WebsiteID: websiteID, GoalName: goalName}
		case err != nil:
			return fmt.Errorf("select goal customization: %w", err)
		}
		apply(g)
		g.WebsiteID, g.GoalName, g.UpdatedAt = websiteID, goalName, ms(db.now())
		if g.Empty() {
			if _, err := tx.Exec(ctx, `DELETE FROM goal_customizations WHERE website_id = $1 AND goal_name = $2`, websiteID, goalName); err != nil {
				return fmt.Errorf("delete goal customization: %w", err)
			}
			out = g
			return insertAudit(ctx, tx, audit, db.now())
		}
		if !exists {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM goal_customizations WHERE website_id = $1`, websiteID).Scan(&n); err != nil {
				return fmt.Errorf("count goal customizations: %w", err)
			}
			if n >= limit {
				return openfast.GoalCustomizationLimit(limit)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO goal_customizations (`+goalCustomizationColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (website_id, goal_name) DO UPDATE SET display_name = excluded.display_name, color = excluded.color,
			description = excluded.description, updated_at = excluded.updated_at`,
			websiteID, goalName, g.DisplayName, g.Color, g.Description, g.UpdatedAt)
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
func exportGoalCustomizations(ctx context.Context, tx pgx.Tx, d *openfast.MetadataDump) error {
	return eachRow(ctx, tx, `SELECT `+goalCustomizationColumns+` FROM goal_customizations ORDER BY website_id, goal_name`, func(r pgx.Rows) error {
		g, err := scanGoalCustomization(r)
		d.GoalCustomizations = append(d.GoalCustomizations, g)
		return err
	})
}

// importGoalCustomizations queues the inserts of the dump's goal
// customizations with add, skipping those that exist.
func importGoalCustomizations(d *openfast.MetadataDump, add func(name, query string, args ...any)) {
	for _, g := range d.GoalCustomizations {
		add(fmt.Sprintf("goal customization %s of %s", g.GoalName, g.WebsiteID), `INSERT INTO goal_customizations (`+goalCustomizationColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (website_id, goal_name) DO NOTHING`,
			g.WebsiteID, g.GoalName, g.DisplayName, g.Color, g.Description, ms(g.UpdatedAt))
	}
}
