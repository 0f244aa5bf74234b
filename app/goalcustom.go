package app

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// maxListedGoals bounds the tracked goals that GoalCustomizations lists
// besides the customized ones: the goals breakdown's largest page.
const maxListedGoals = 1000

// GoalCustomizations lists the customizations of a website's goals: every
// goal that has one, and every goal the website has tracked (all time, the
// maxListedGoals most completed), those without one with nothing set, by
// goal name. With goalName, only that goal, customized or not.
func (a *App) GoalCustomizations(ctx context.Context, c Caller, websiteID, goalName string) ([]*openfast.GoalCustomization, error) {
	id, err := authorize(c, ActListGoalCustomizations, websiteID)
	if err != nil {
		return nil, err
	}
	if goalName != "" {
		var ok bool
		if goalName, ok = openfast.NormalizeGoalName(goalName); !ok {
			return nil, invalidGoalName("goalName")
		}
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	stored, err := a.store.GoalCustomizations(ctx, id)
	if err != nil {
		return nil, err
	}
	if goalName != "" {
		for _, g := range stored {
			if g.GoalName == goalName {
				return []*openfast.GoalCustomization{g}, nil
			}
		}
		return []*openfast.GoalCustomization{{WebsiteID: id, GoalName: goalName}}, nil
	}
	tracked, err := a.trackedGoals(ctx, site.Website, "", maxListedGoals)
	if err != nil {
		// The customizations are still worth listing when the event store
		// is slow or busy: the tracked goals are a convenience.
		a.log.Warn("list tracked goals", "website", id, "error", err)
	}
	out := stored
	for _, name := range tracked {
		if !slices.ContainsFunc(stored, func(g *openfast.GoalCustomization) bool { return g.GoalName == name }) {
			out = append(out, &openfast.GoalCustomization{WebsiteID: id, GoalName: name})
		}
	}
	slices.SortFunc(out, func(x, y *openfast.GoalCustomization) int { return strings.Compare(x.GoalName, y.GoalName) })
	return out, nil
}

// GoalLabels returns the customizations of a website's goals by goal name,
// for the analytics views that show goals (the public dashboard too).
func (a *App) GoalLabels(ctx context.Context, c Caller, websiteID string) (map[string]*openfast.GoalCustomization, error) {
	id, err := authorize(c, ActReadAnalytics, websiteID)
	if err != nil {
		return nil, err
	}
	if _, err := a.sharedWebsite(ctx, c, id); err != nil {
		return nil, err
	}
	stored, err := a.store.GoalCustomizations(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*openfast.GoalCustomization, len(stored))
	for _, g := range stored {
		out[g.GoalName] = g
	}
	return out, nil
}

// GoalCustomizationUpdate changes a goal's customization: unset members
// stay as they are, a null one is cleared.
type GoalCustomizationUpdate struct {
	GoalName    *string
	DisplayName Set[string]
	Color       Set[string]
	Description Set[string]
}

// CustomizeGoal creates or changes the customization of a goal of a
// website. A customization cleared of everything is deleted.
func (a *App) CustomizeGoal(ctx context.Context, c Caller, websiteID string, in GoalCustomizationUpdate) (*openfast.GoalCustomization, error) {
	id, err := authorize(c, ActCustomizeGoal, websiteID)
	if err != nil {
		return nil, err
	}
	if in.GoalName == nil {
		return nil, openfast.Errorf(openfast.EINVALID, "goalName is required.")
	}
	name, ok := openfast.NormalizeGoalName(*in.GoalName)
	if !ok {
		return nil, invalidGoalName("goalName")
	}
	if !in.DisplayName.Set && !in.Color.Set && !in.Description.Set {
		return nil, openfast.Errorf(openfast.EINVALID, "Nothing to change: send displayName, color or description (null clears one).")
	}
	displayName, err := goalText("displayName", in.DisplayName, openfast.MaxGoalDisplayName)
	if err != nil {
		return nil, err
	}
	description, err := goalText("description", in.Description, openfast.MaxGoalDescription)
	if err != nil {
		return nil, err
	}
	var color *string
	if v := in.Color.Value; v != nil && strings.TrimSpace(*v) != "" {
		c, ok := openfast.GoalColorByHex(*v)
		if !ok {
			return nil, openfast.Errorf(openfast.EINVALID, "color %q is not in the palette: use one of %s, or null.", openfast.Truncate(*v, 16), paletteHexes())
		}
		color = &c.Color
	}
	if _, err := a.website(ctx, id); err != nil {
		return nil, err
	}
	return a.store.UpdateGoalCustomization(ctx, id, name, func(g *openfast.GoalCustomization) {
		if in.DisplayName.Set {
			g.DisplayName = displayName
		}
		if in.Color.Set {
			g.Color = color
		}
		if in.Description.Set {
			g.Description = description
		}
	}, openfast.MaxGoalCustomizationsPerWebsite, c.audit(id, openfast.AuditGoalCustomize, "goal", name, ""))
}

func goalText(field string, v Set[string], maxLen int) (*string, error) {
	if !v.Set || v.Value == nil {
		return nil, nil
	}
	return openfast.NormalizeGoalText(field, *v.Value, maxLen)
}

func invalidGoalName(field string) error {
	return openfast.Errorf(openfast.EINVALID, "%s must be a goal name: lowercase a-z, 0-9, _, - and :, at most %d characters.", field, openfast.MaxGoalName)
}

func paletteHexes() string {
	hexes := make([]string, len(openfast.GoalPalette))
	for i, c := range openfast.GoalPalette {
		hexes[i] = c.Color
	}
	return strings.Join(hexes, ", ")
}

// trackedGoals lists the names of the goals a website has events of, all
// time, the most completed first, at most limit; with goal, only that one
// (if tracked). Without an analytics store, none. The read goes through the
// read gate and its deadline.
func (a *App) trackedGoals(ctx context.Context, site *openfast.Website, goal string, limit int) ([]string, error) {
	if a.analytics == nil {
		return nil, nil
	}
	params := url.Values{"limit": {strconv.Itoa(limit)}}
	if goal != "" {
		params.Set("filter_goal", "is:"+goal)
	}
	q, err := analytics.Parse(analytics.Goals, params, site.Timezone, a.now())
	if err != nil {
		return nil, err
	}
	rows, err := read(ctx, a, site.ID, func(ctx context.Context) ([]string, error) {
		rows, _, err := a.analytics.Breakdown(ctx, analytics.Goals, site.ID, q, site.Currency)
		names := make([]string, 0, len(rows))
		for _, r := range rows {
			if r.Goal != nil && (goal == "" || *r.Goal == goal) {
				names = append(names, *r.Goal)
			}
		}
		return names, err
	})
	return rows, err
}

// goalIsTracked reports whether a website has events of a goal or a
// customization of it: what a website's kpi may name.
func (a *App) goalIsTracked(ctx context.Context, site *openfast.Website, goal string) (bool, error) {
	stored, err := a.store.GoalCustomizations(ctx, site.ID)
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(stored, func(g *openfast.GoalCustomization) bool { return g.GoalName == goal }) {
		return true, nil
	}
	names, err := a.trackedGoals(ctx, site, goal, 1)
	return len(names) > 0, err
}
