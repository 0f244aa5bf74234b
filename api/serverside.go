package api

import (
	"encoding/json"
	"net/http"

	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
)

// Server-side writes of the Website API (§5.11–5.15): goals, payments and
// identify.

// visitorMember reads datafast_visitor_id (alias visitorId) from a body.
func visitorMember(body object) (string, error) {
	raw, present, err := body.string("datafast_visitor_id")
	if err != nil {
		return "", err
	}
	if !present {
		if raw, _, err = body.string("visitorId"); err != nil {
			return "", err
		}
	}
	return raw, nil
}

// metadataMember reads the goal metadata object; the app checks its keys
// and values.
func metadataMember(body object) (map[string]any, error) {
	raw, ok := body["metadata"]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil, invalidf("metadata must be an object of strings.")
	}
	return m, nil
}

// createGoal: POST /api/v1/goals.
func (s *Server) createGoal(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var in app.NewGoal
	if in.VisitorID, err = visitorMember(body); err != nil {
		return err
	}
	if in.Name, err = body.optionalString("name"); err != nil {
		return err
	}
	if in.Metadata, err = metadataMember(body); err != nil {
		return err
	}
	if in.Description, _, err = body.string("description"); err != nil {
		return err
	}
	id, err := s.app.CreateGoal(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.GoalCreated(id))
	return nil
}

// selection reads the query parameters that select events to delete; the
// time range is start/end or startAt/endAt.
func selection(req *authRequest) app.EventSelection {
	get := func(a, b string) string {
		if v := req.query.Get(a); v != "" {
			return v
		}
		return req.query.Get(b)
	}
	return app.EventSelection{
		VisitorID:     req.query.Get("datafast_visitor_id"),
		GoalName:      req.query.Get("name"),
		TransactionID: get("transaction_id", "tx_id"),
		Start:         get("start", "startAt"),
		End:           get("end", "endAt"),
	}
}

// deleteGoals: DELETE /api/v1/goals.
func (s *Server) deleteGoals(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in := selection(req)
	in.TransactionID = ""
	del, n, err := s.app.DeleteGoals(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.GoalsDeleted(del, n))
	return nil
}

// createPayment: POST /api/v1/payments. Its answer is a plain object
// without the status envelope, as DataFast's.
func (s *Server) createPayment(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var in app.NewPayment
	if raw, ok := body["amount"]; ok && !isNull(raw) {
		var amount float64
		if json.Unmarshal(raw, &amount) == nil {
			in.Amount = &amount
		}
	}
	if in.Currency, err = body.optionalString("currency"); err != nil {
		return err
	}
	if in.TransactionID, err = body.optionalString("transaction_id"); err != nil {
		return err
	}
	if in.VisitorID, err = visitorMember(body); err != nil {
		return err
	}
	for _, f := range []struct {
		keys []string
		dst  *string
	}{{[]string{"email", "customer_email"}, &in.Email}, {[]string{"name", "customer_name"}, &in.Name}, {[]string{"customer_id"}, &in.CustomerID}} {
		for _, key := range f.keys {
			v, _, err := body.string(key)
			if err != nil {
				return err
			}
			if v != "" {
				*f.dst = v
				break
			}
		}
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"renewal", &in.Renewal}, {"refunded", &in.Refunded}, {"is_free_trial", &in.IsFreeTrial}} {
		if *f.dst, _, err = body.bool(f.key); err != nil {
			return err
		}
	}
	if in.Timestamp, _, err = body.string("timestamp"); err != nil {
		return err
	}
	tx, dup, err := s.app.CreatePayment(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wireconv.PaymentRecorded(tx, dup))
	return nil
}

// deletePayments: DELETE /api/v1/payments.
func (s *Server) deletePayments(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	in := selection(req)
	in.GoalName = ""
	del, n, err := s.app.DeletePayments(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.PaymentsDeleted(del, n))
	return nil
}

// identify: POST /api/v1/identify. Members other than user_id and the
// visitor id are kept as profile metadata. Its data is an object.
func (s *Server) identify(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var in app.NewIdentity
	if in.UserID, err = body.optionalString("user_id"); err != nil {
		return err
	}
	if in.VisitorID, err = visitorMember(body); err != nil {
		return err
	}
	in.Properties = make(map[string]any, len(body))
	for k, raw := range body {
		if k == "user_id" || k == "datafast_visitor_id" || k == "visitorId" {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			in.Properties[k] = v
		}
	}
	profileID, err := s.app.Identify(r.Context(), req.caller, req.websiteID, in)
	if err != nil {
		return err
	}
	writeData(w, wireconv.Identified(profileID))
	return nil
}
