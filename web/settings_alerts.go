package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
)

// The Alerts section: a website's alerts with their recent history, a
// form to create one (or edit one, ?edit=<alertId>), pause and resume,
// delete, and the newest history entries. Every action is the app method
// of its API twin.

func (s *Server) alertRoutes(mux *http.ServeMux, site func(siteHandler) http.Handler) {
	mux.Handle("GET "+settingsBase+"/alerts", site(s.alertsPage))
	mux.Handle("POST "+settingsBase+"/alerts", site(s.saveAlert))
	mux.Handle("POST "+settingsBase+"/alerts/{alertId}/toggle", site(s.toggleAlert))
	mux.Handle("POST "+settingsBase+"/alerts/{alertId}/delete", site(s.deleteAlert))
}

// alertsView is the Alerts section's data.
type alertsView struct {
	List           []app.AlertView
	History        []*openfast.AlertLog
	Counts         openfast.AlertLogCounts
	Goals          []string // goal names to pick from
	Editing        string   // the _id of the alert in the form, "" for a new one
	Max            int
	MailConfigured bool
}

// alertHistoryShown is how many history entries the section lists.
const alertHistoryShown = 20

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := &settingsView{}
	switch r.URL.Query().Get("done") {
	case "saved":
		view.Notice = "Alert saved."
	case "deleted":
		view.Notice = "Alert deleted; its history is kept."
	}
	return s.showSettings(w, r, v, site, "alerts", http.StatusOK, view)
}

func (s *Server) loadAlerts(ctx context.Context, r *http.Request, v *visit, siteID string, view *settingsView) error {
	list, err := s.app.Alerts(ctx, v.caller, siteID)
	if err != nil {
		return err
	}
	history, counts, err := s.app.AlertHistory(ctx, v.caller, siteID, "", alertHistoryShown)
	if err != nil {
		return err
	}
	a := &alertsView{List: list, History: history, Counts: counts, Max: openfast.MaxAlertsPerWebsite, MailConfigured: s.app.MailConfigured()}
	// Goals to pick from: those the website has recorded, and those of
	// its alerts.
	if rows, _, _, err := s.app.Breakdown(ctx, v.caller, analytics.Goals, app.Read{WebsiteID: siteID, Params: url.Values{"limit": {"100"}}}); err == nil {
		for _, row := range rows {
			if row.Goal != nil {
				a.Goals = append(a.Goals, *row.Goal)
			}
		}
	}
	for _, al := range list {
		if !slices.Contains(a.Goals, al.GoalName) {
			a.Goals = append(a.Goals, al.GoalName)
		}
	}
	slices.Sort(a.Goals)
	if view.Values == nil {
		view.Values = map[string]string{"enabled": "on"}
		if id := r.URL.Query().Get("edit"); id != "" {
			for _, al := range list {
				if al.ID == id {
					a.Editing = id
					view.Values = map[string]string{"id": id, "name": al.Name, "goal": al.GoalName, "subject": deref(al.Subject), "message": al.Message}
					if al.Enabled {
						view.Values["enabled"] = "on"
					}
				}
			}
		}
	} else {
		a.Editing = view.Values["id"]
	}
	view.Alerts = a
	return nil
}

// saveAlert creates an alert, or updates the one the form names.
func (s *Server) saveAlert(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"id", "name", "goal", "subject", "message", "enabled"} {
		values[k] = r.PostFormValue(k)
	}
	act := app.ActCreateAlert
	if values["id"] != "" {
		act = app.ActUpdateAlert
	}
	// The role is checked before the form, as the API does.
	if d, _ := app.Decide(act, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err()
	}
	name, goal, subject, message, enabled := values["name"], values["goal"], values["subject"], values["message"], values["enabled"] == "on"
	in := app.AlertInput{Name: &name, GoalName: &goal, Message: &message, Enabled: &enabled, Subject: app.Set[string]{Set: true, Value: &subject}}
	ctx, cancel := withTimeout(r)
	defer cancel()
	var err error
	if values["id"] == "" {
		_, err = s.app.CreateAlert(ctx, v.caller, site.ID, in)
	} else {
		_, err = s.app.UpdateAlert(ctx, v.caller, site.ID, values["id"], in)
	}
	if err != nil {
		// The caller may act (decided above): a 403 is the limit of 25
		// alerts, which the form explains.
		if openfast.ErrorCode(err) == openfast.EFORBIDDEN {
			view := &settingsView{Values: values, Error: openfast.ErrorMessage(err)}
			return s.showSettings(w, r, v, site, "alerts", http.StatusForbidden, view)
		}
		return s.afterAction(w, r, v, site, "alerts", err, &settingsView{Values: values})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/alerts?done=saved")
}

// toggleAlert pauses an enabled alert, or resumes a paused one.
func (s *Server) toggleAlert(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if err := parseForm(r); err != nil {
		return err
	}
	enabled := r.PostFormValue("enabled") == "on"
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.UpdateAlert(ctx, v.caller, site.ID, r.PathValue("alertId"), app.AlertInput{Enabled: &enabled}); err != nil {
		return s.afterAction(w, r, v, site, "alerts", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/alerts?done=saved")
}

// deleteAlert deletes an alert; its history stays.
func (s *Server) deleteAlert(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.DeleteAlert(ctx, v.caller, site.ID, r.PathValue("alertId")); err != nil {
		return s.afterAction(w, r, v, site, "alerts", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/alerts?done=deleted")
}
