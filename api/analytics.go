package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// The analytics reads of the Website API (§5.2–5.7). A df_ key implies its
// website; a dft_ token names it with ?websiteId= (the route policy).

func (s *Server) analyticsReady() error {
	if s.analytics == nil {
		return openfast.Errorf(openfast.EUNAVAILABLE, "Analytics are not enabled on this server.")
	}
	return nil
}

// analyticsQuery parses the query string for endpoint e against the
// website's timezone, and returns the website too.
func (s *Server) analyticsQuery(r *http.Request, c *call, e analytics.Endpoint) (*analytics.Query, *openfast.Website, error) {
	if err := s.analyticsReady(); err != nil {
		return nil, nil, err
	}
	site, err := s.website(r.Context(), c.websiteID)
	if err != nil {
		return nil, nil, err
	}
	q, err := analytics.Parse(e, c.query, site.Timezone, s.now())
	if err != nil {
		return nil, nil, err
	}
	return q, site.Website, nil
}

// getOverview: GET /api/v1/analytics/overview.
func (s *Server) getOverview(w http.ResponseWriter, r *http.Request, c *call) error {
	q, site, err := s.analyticsQuery(r, c, analytics.Overview)
	if err != nil {
		return err
	}
	row, err := s.analytics.Overview(r.Context(), site.ID, q, site.Currency)
	if err != nil {
		return err
	}
	writeData(w, []map[string]any{row})
	return nil
}

// getTimeseries: GET /api/v1/analytics/timeseries.
func (s *Server) getTimeseries(w http.ResponseWriter, r *http.Request, c *call) error {
	q, site, err := s.analyticsQuery(r, c, analytics.Timeseries)
	if err != nil {
		return err
	}
	ts, err := s.analytics.Timeseries(r.Context(), site.ID, q, site.Currency)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
		*analytics.Series
		Pagination paginationJSON `json:"pagination"`
	}{"success", ts, paginationJSON{Limit: q.Limit, Offset: q.Offset, Total: ts.Total}})
	return nil
}

// getRealtime: GET /api/v1/analytics/realtime.
func (s *Server) getRealtime(w http.ResponseWriter, r *http.Request, c *call) error {
	_, site, err := s.analyticsQuery(r, c, analytics.Realtime)
	if err != nil {
		return err
	}
	n, err := s.analytics.Realtime(r.Context(), site.ID)
	if err != nil {
		return err
	}
	writeData(w, []map[string]int64{{"visitors": n}})
	return nil
}

// breakdown returns the handler of one breakdown endpoint (§5.7).
func (s *Server) breakdown(e analytics.Endpoint) func(http.ResponseWriter, *http.Request, *call) error {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		q, site, err := s.analyticsQuery(r, c, e)
		if err != nil {
			return err
		}
		rows, total, err := s.analytics.Breakdown(r.Context(), e, site.ID, q)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Status     string           `json:"status"`
			Data       []map[string]any `json:"data"`
			Pagination paginationJSON   `json:"pagination"`
		}{"success", rows, paginationJSON{Limit: q.Limit, Offset: q.Offset, Total: total}})
		return nil
	}
}
