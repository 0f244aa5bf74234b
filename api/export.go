package api

import (
	"log/slog"
	"mime"
	"net/http"
	"time"

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
	// The server's write timeout is for answers, not for a file of
	// years of events: the export has its own deadline.
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(app.DefaultExportTimeout)); err != nil {
		x.Close()
		return err
	}
	h := w.Header()
	h.Set("Content-Type", x.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": x.FileName}))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		x.Close()
		return nil
	}
	if err := x.WriteTo(r.Context(), w); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "export stopped", slog.String("error", err.Error()))
		panic(http.ErrAbortHandler) // the client must not take a cut file for a whole one
	}
	return nil
}
