package api

import (
	"net/http"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

// The analytics reads of the Website API (§5.2–5.10). A df_ key implies its
// website; a dft_ token names it with ?websiteId=.

func (req *authRequest) read() app.Read {
	return app.Read{WebsiteID: req.websiteID, Params: req.query}
}

// getOverview: GET /api/v1/analytics/overview.
func (s *Server) getOverview(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	row, err := s.app.Overview(r.Context(), req.caller, req.read())
	if err != nil {
		return err
	}
	writeData(w, []*wire.Overview{row})
	return nil
}

// getTimeseries: GET /api/v1/analytics/timeseries.
func (s *Server) getTimeseries(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	ts, q, err := s.app.Timeseries(r.Context(), req.caller, req.read())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.Timeseries{
		Status: wire.StatusSuccess, Fields: ts.Fields, Interval: ts.Interval, Timezone: ts.Timezone, Currency: ts.Currency,
		Totals: ts.Totals, Data: ts.Data, Pagination: wire.Pagination{Limit: q.Limit, Offset: q.Offset, Total: ts.Total},
	})
	return nil
}

// getRealtime: GET /api/v1/analytics/realtime.
func (s *Server) getRealtime(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	n, err := s.app.Realtime(r.Context(), req.caller, req.read())
	if err != nil {
		return err
	}
	writeData(w, []wire.Realtime{{Visitors: n}})
	return nil
}

// breakdown returns the handler of one breakdown endpoint (§5.7).
func (s *Server) breakdown(e analytics.Endpoint) func(http.ResponseWriter, *http.Request, *authRequest) error {
	return func(w http.ResponseWriter, r *http.Request, req *authRequest) error {
		rows, total, q, err := s.app.Breakdown(r.Context(), req.caller, e, req.read())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wire.Paged[wire.BreakdownRow, wire.Pagination]{
			Status: wire.StatusSuccess, Data: rows, Pagination: wire.Pagination{Limit: q.Limit, Offset: q.Offset, Total: total},
		})
		return nil
	}
}

// listVisitors: GET /api/v1/visitors.
func (s *Server) listVisitors(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	page, q, err := s.app.Visitors(r.Context(), req.caller, req.read())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.Paged[wire.VisitorRow, wire.VisitorsPagination]{
		Status: wire.StatusSuccess, Data: page.Rows, Pagination: wire.VisitorsPagination{Limit: q.Limit, Offset: q.Offset, HasMore: page.HasMore},
	})
	return nil
}

// getVisitor: GET /api/v1/visitors/{visitorId}. Its data is an object.
func (s *Server) getVisitor(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	profile, err := s.app.Visitor(r.Context(), req.caller, req.websiteID, r.PathValue("visitorId"))
	if err != nil {
		return err
	}
	writeData(w, profile)
	return nil
}

// getRealtimeMap: GET /api/v1/analytics/realtime/map. Its data is an
// object.
func (s *Server) getRealtimeMap(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	m, err := s.app.RealtimeMap(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, m)
	return nil
}
