package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
)

// maxGoalCustomizationBody is the body limit of PATCH .../goals/customizations.
const maxGoalCustomizationBody = 4 << 10

// listGoalCustomizations: GET /admin/websites/{websiteId}/goals/customizations.
func (s *Server) listGoalCustomizations(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	goals, err := s.app.GoalCustomizations(r.Context(), req.caller, req.websiteID, r.URL.Query().Get("goalName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wireconv.GoalCustomizations(goals))
	return nil
}

// customizeGoal: PATCH /admin/websites/{websiteId}/goals/customizations, an
// upsert of one goal's customization: only the members sent change, null
// clears one.
func (s *Server) customizeGoal(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObjectOf(w, r, false, maxGoalCustomizationBody, "4 KB")
	if err != nil {
		return err
	}
	var in app.GoalCustomizationUpdate
	if in.GoalName, err = body.optionalString("goalName"); err != nil {
		return err
	}
	for _, f := range []struct {
		field string
		dst   *app.Set[string]
	}{{"displayName", &in.DisplayName}, {"color", &in.Color}, {"description", &in.Description}} {
		if *f.dst, err = body.settable(f.field); err != nil {
			return err
		}
	}
	g, err := s.app.CustomizeGoal(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wireconv.GoalCustomizations([]*openfast.GoalCustomization{g}))
	return nil
}
