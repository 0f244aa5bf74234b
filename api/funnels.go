package api

import (
	"encoding/json"
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// listFunnels: GET /admin/websites/{websiteId}/funnels, the active ones.
func (s *Server) listFunnels(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	list, err := s.app.Funnels(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Map(list, wireconv.Funnel))
	return nil
}

// createFunnel: POST /admin/websites/{websiteId}/funnels.
func (s *Server) createFunnel(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in, err := readFunnelInput(w, r)
	if err != nil {
		return err
	}
	f, err := s.app.CreateFunnel(r.Context(), req.caller, req.websiteID, in)
	return writeFunnel(w, f, err)
}

// updateFunnel: PUT /admin/websites/{websiteId}/funnels/{funnelId}.
func (s *Server) updateFunnel(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in, err := readFunnelInput(w, r)
	if err != nil {
		return err
	}
	f, err := s.app.UpdateFunnel(r.Context(), req.caller, req.websiteID, r.PathValue("funnelId"), in)
	return writeFunnel(w, f, err)
}

func writeFunnel(w http.ResponseWriter, f *openfast.Funnel, err error) error {
	if err != nil {
		return err
	}
	writeData(w, []wire.Funnel{wireconv.Funnel(f)})
	return nil
}

// deleteFunnel: DELETE /admin/websites/{websiteId}/funnels/{funnelId}, a
// soft delete.
func (s *Server) deleteFunnel(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	if err := s.app.DeleteFunnel(r.Context(), req.caller, req.websiteID, r.PathValue("funnelId")); err != nil {
		return err
	}
	writeData(w, wireconv.Message(wireconv.FunnelDeleted))
	return nil
}

// getFunnelResult: GET /api/v1/analytics/funnels/{funnelId}.
func (s *Server) getFunnelResult(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	res, err := s.app.FunnelResult(r.Context(), req.caller, req.read(), r.PathValue("funnelId"))
	if err != nil {
		return err
	}
	writeData(w, []*wire.FunnelResult{res})
	return nil
}

// readFunnelInput reads the body of a funnel creation or update; the app
// validates the values.
func readFunnelInput(w http.ResponseWriter, r *http.Request) (app.FunnelInput, error) {
	var in app.FunnelInput
	body, err := readObject(w, r, false)
	if err != nil {
		return in, err
	}
	if in.Name, err = body.optionalString("name"); err != nil {
		return in, err
	}
	if raw, ok := body["steps"]; ok {
		if in.Steps, err = decodeSteps(raw); err != nil {
			return in, err
		}
	}
	if raw, ok := body["windowDays"]; ok {
		var n int
		if json.Unmarshal(raw, &n) != nil || isNull(raw) {
			return in, openfast.Errorf(openfast.EINVALID, "windowDays must be a whole number of days from 1 to %d.", openfast.MaxFunnelWindowDays)
		}
		in.WindowDays = &n
	}
	if v, ok, err := body.bool("isActive"); err != nil {
		return in, err
	} else if ok {
		in.IsActive = &v
	}
	return in, nil
}

// decodeSteps reads the steps array: objects whose members are strings.
func decodeSteps(raw json.RawMessage) ([]openfast.StepInput, error) {
	var items []json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		return nil, openfast.Errorf(openfast.EINVALID, "steps must be an array of step objects.")
	}
	if len(items) > openfast.MaxFunnelSteps {
		return nil, openfast.Errorf(openfast.EINVALID, "A funnel has %d to %d steps; %d given.", openfast.MinFunnelSteps, openfast.MaxFunnelSteps, len(items))
	}
	out := make([]openfast.StepInput, len(items))
	for i, item := range items {
		var o object
		if len(item) == 0 || item[0] != '{' || json.Unmarshal(item, &o) != nil {
			return nil, openfast.Errorf(openfast.EINVALID, "Invalid step steps[%d]: each step must be an object with name, type and url or goalName.", i)
		}
		var err error
		for _, f := range []struct {
			field string
			dst   **string
		}{{"name", &out[i].Name}, {"type", &out[i].Type}, {"url", &out[i].URL}, {"goalName", &out[i].GoalName}} {
			if *f.dst, err = o.optionalString(f.field); err != nil {
				return nil, openfast.Errorf(openfast.EINVALID, "Invalid step steps[%d]: %s", i, openfast.ErrorMessage(err))
			}
		}
	}
	if out == nil {
		out = []openfast.StepInput{}
	}
	return out, nil
}
