package web

import (
	"net/http"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// The Goals section of a website's settings: the display name, colour and
// description of each goal (PATCH .../goals/customizations), and the KPI
// goal with its colour scheme (kpi and kpiColorScheme of PUT
// /admin/websites/{websiteId}).

// goalsView is the Goals section's data.
type goalsView struct {
	Goals   []*openfast.GoalCustomization
	Palette []openfast.GoalColor
}

func (s *Server) goalsPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := &settingsView{}
	if r.URL.Query().Get("saved") != "" {
		view.Notice = "Goal saved."
	}
	return s.showSettings(w, r, v, site, "goals", http.StatusOK, view)
}

func (s *Server) loadGoals(r *http.Request, v *visit, siteID string, view *settingsView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	goals, err := s.app.GoalCustomizations(ctx, v.caller, siteID, "")
	if err != nil {
		return err
	}
	view.Goals = &goalsView{Goals: goals, Palette: openfast.GoalPalette}
	return nil
}

// formText is a form field as an update member: a blank one clears.
func formText(r *http.Request, field string) app.Set[string] {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return app.Set[string]{Set: true}
	}
	return app.Set[string]{Set: true, Value: &v}
}

// customizeGoal saves one goal's form: its three fields, a blank one
// clearing its value.
func (s *Server) customizeGoal(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	name := r.PostFormValue("goalName")
	in := app.GoalCustomizationUpdate{
		GoalName: &name, DisplayName: formText(r, "displayName"), Color: formText(r, "color"), Description: formText(r, "description"),
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	if d, _ := app.Decide(app.ActCustomizeGoal, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err() // before any word on the form
	}
	if r.PostFormValue("new") != "" && in.DisplayName.Value == nil && in.Color.Value == nil && in.Description.Value == nil {
		// Saved, it would store nothing: say so rather than "Goal saved."
		err := openfast.Errorf(openfast.EINVALID, "Give the goal a display name, a colour or a description.")
		return s.afterAction(w, r, v, site, "goals", err, &settingsView{})
	}
	if _, err := s.app.CustomizeGoal(ctx, v.caller, site.ID, in); err != nil {
		return s.afterAction(w, r, v, site, "goals", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/goals?saved=1")
}

// updateKPI saves the KPI goal and its colour scheme.
func (s *Server) updateKPI(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := app.WebsiteUpdate{KPI: formText(r, "kpi"), KPIColorScheme: formText(r, "kpiColorScheme")}
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.UpdateWebsite(ctx, v.caller, site.ID, in); err != nil {
		return s.afterAction(w, r, v, site, "goals", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/goals?saved=1")
}
