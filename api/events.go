package api

import (
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/tracker"
)

// corsHeaders open /api/events to every origin: the tracker runs on the
// customers' sites.
func corsHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
}

var (
	trackerHandler           = tracker.Handler()
	cookielessTrackerHandler = tracker.CookielessHandler()
)

// serveTracker: GET /js/script.js, the tracker snippet's script.
func serveTracker(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	trackerHandler.ServeHTTP(w, r)
	return nil
}

// serveCookielessTracker: GET /js/script.cookieless.js, the script that
// stores nothing in the browser.
func serveCookielessTracker(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	cookielessTrackerHandler.ServeHTTP(w, r)
	return nil
}

// serveEvent: POST /api/events, handed to the ingest path.
func (s *Server) serveEvent(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	corsHeaders(w)
	if s.events == nil {
		return openfast.Errorf(openfast.EUNAVAILABLE, "Event ingestion is not enabled on this server.")
	}
	return s.events(w, r)
}

// preflightEvents: OPTIONS /api/events, the CORS preflight.
func preflightEvents(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	corsHeaders(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
