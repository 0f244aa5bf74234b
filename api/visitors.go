package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// The visitor reads of the Website API: the visitors list (§5.9), one
// visitor (§5.10) and the realtime map (§5.5). They need an analytics
// store that is also an analytics.VisitorStore; without one they answer
// 503, like the other analytics reads.

func (s *Server) visitorsReady() error {
	if err := s.analyticsReady(); err != nil {
		return err
	}
	_, err := s.analytics.VisitorStore()
	return err
}

// visitorsPaginationJSON is the pagination of the visitors list.
type visitorsPaginationJSON struct {
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"hasMore"`
}

// listVisitors: GET /api/v1/visitors.
func (s *Server) listVisitors(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.visitorsReady(); err != nil {
		return err
	}
	q, site, err := s.analyticsQuery(r, c, analytics.Visitors)
	if err != nil {
		return err
	}
	page, err := s.analytics.Visitors(r.Context(), site.ID, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Status     string                 `json:"status"`
		Data       []analytics.VisitorRow `json:"data"`
		Pagination visitorsPaginationJSON `json:"pagination"`
	}{"success", page.Rows, visitorsPaginationJSON{Limit: q.Limit, Offset: q.Offset, HasMore: page.HasMore}})
	return nil
}

// getVisitor: GET /api/v1/visitors/{visitorId}. Its data is an object.
// The id may be a UUID of any version: the tracker's visitor ids are
// stored as they come when they are UUIDs.
func (s *Server) getVisitor(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.visitorsReady(); err != nil {
		return err
	}
	id, ok := openfast.ParseUUID(r.PathValue("visitorId"))
	if !ok {
		return invalidf("visitorId must be a UUID such as a3ab2331-989f-4cfa-91c6-2461c9e3c6bd.")
	}
	site, err := s.website(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	profile, err := s.analytics.Visitor(r.Context(), site.ID, id)
	if err != nil {
		return err
	}
	writeData(w, profile)
	return nil
}

// getRealtimeMap: GET /api/v1/analytics/realtime/map. Its data is an
// object.
func (s *Server) getRealtimeMap(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.visitorsReady(); err != nil {
		return err
	}
	site, err := s.website(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	m, err := s.analytics.RealtimeMap(r.Context(), site.ID)
	if err != nil {
		return err
	}
	writeData(w, m)
	return nil
}
