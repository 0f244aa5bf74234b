package api

import (
	"net/http"

	"github.com/openfast/openfast/app"
)

// getExport: GET /api/v1/export. The events of a website stream as a
// file (csv, ndjson or parquet); errors found before the first byte get
// the envelope, a failure midway ends the response early (the file is
// then cut short, which a client sees as a broken transfer).
func (s *Server) getExport(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	x, err := s.app.StartExport(r.Context(), req.caller, app.ExportRequest{Read: req.read(), Format: req.query.Get("format")})
	if err != nil {
		return err
	}
	return x.Serve(w, r, s.log)
}
