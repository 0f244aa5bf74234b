package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// listAlerts: GET /admin/websites/{websiteId}/alerts.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	list, err := s.app.Alerts(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(list, wireconv.Alert))
	return nil
}

// member reads an optional JSON object member; present says whether it
// was sent (null reads as absent).
func (o object) member(field string) (object, error) {
	raw, ok := o[field]
	if !ok || isNull(raw) {
		return object{}, nil
	}
	var m object
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, invalidf("%s must be an object.", field)
	}
	return m, nil
}

// alertInput reads the body of a creation or an update:
// {name, trigger:{type, goalName}, template:{subject, message}, isEnabled,
// destination:{type}}.
func alertInput(w http.ResponseWriter, r *http.Request) (app.AlertInput, error) {
	var in app.AlertInput
	body, err := readObject(w, r, false)
	if err != nil {
		return in, err
	}
	trigger, err := body.member("trigger")
	if err != nil {
		return in, err
	}
	template, err := body.member("template")
	if err != nil {
		return in, err
	}
	destination, err := body.member("destination")
	if err != nil {
		return in, err
	}
	for _, read := range []func() error{
		func() (err error) { in.Name, err = body.optionalString("name"); return },
		func() (err error) { in.GoalName, err = trigger.optionalString("goalName"); return },
		func() (err error) { in.TriggerType, err = trigger.optionalString("type"); return },
		func() (err error) { in.Subject, err = template.settable("subject"); return },
		func() (err error) { in.Message, err = template.optionalString("message"); return },
		func() (err error) { in.Destination, err = destination.optionalString("type"); return },
		func() error {
			v, present, err := body.bool("isEnabled")
			if present {
				in.Enabled = &v
			}
			return err
		},
	} {
		if err := read(); err != nil {
			return in, err
		}
	}
	return in, nil
}

// createAlert: POST /admin/websites/{websiteId}/alerts.
func (s *Server) createAlert(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in, err := alertInput(w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateAlert(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, []wire.Alert{wireconv.Alert(v)})
	return nil
}

// updateAlert: PUT /admin/websites/{websiteId}/alerts/{alertId}.
func (s *Server) updateAlert(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in, err := alertInput(w, r)
	if err != nil {
		return err
	}
	v, err := s.app.UpdateAlert(r.Context(), req.caller, req.websiteID, r.PathValue("alertId"), in)
	if err != nil {
		return err
	}
	writeData(w, []wire.Alert{wireconv.Alert(v)})
	return nil
}

// deleteAlert: DELETE /admin/websites/{websiteId}/alerts/{alertId}.
func (s *Server) deleteAlert(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	if err := s.app.DeleteAlert(r.Context(), req.caller, req.websiteID, r.PathValue("alertId")); err != nil {
		return err
	}
	writeData(w, wireconv.Message(wireconv.AlertDeleted))
	return nil
}

// alertHistory: GET /admin/websites/{websiteId}/alerts/history?alertId=&limit=.
// A limit above 100 is capped at 100.
func (s *Server) alertHistory(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	limit := app.DefaultAlertHistoryLimit
	if raw := req.query.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return invalidf("limit must be an integer from 1 to %d.", app.MaxAlertHistoryLimit)
		}
		limit = min(n, app.MaxAlertHistoryLimit)
	}
	logs, counts, err := s.app.AlertHistory(r.Context(), req.caller, req.websiteID, req.query.Get("alertId"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wireconv.AlertHistory(logs, counts))
	return nil
}
