package web

import (
	"net/http"
	"net/url"

	"github.com/openfast/openfast/app"
)

// ExportLinks are the analytics page's download links: the events of the
// period on view (its filters do not apply: an export has every event of
// the range), one per format.
func exportLinks(id string, vw view) []choiceLink {
	var out []choiceLink
	for _, f := range []struct{ format, label, note string }{
		{"csv", "CSV", "spreadsheets"},
		{"ndjson", "NDJSON", "one JSON object a line"},
		{"parquet", "Parquet", "compact, for analysis"},
	} {
		q := vw.query()
		for k := range q {
			if k != "period" && k != "from" && k != "to" {
				q.Del(k)
			}
		}
		q.Set("format", f.format)
		out = append(out, choiceLink{Label: f.label, Note: f.note, Href: "/websites/" + url.PathEscape(id) + "/export?" + q.Encode()})
	}
	return out
}

// exportFile: GET /websites/{websiteId}/export?period=...&format=...: the
// download of the period's events (app.StartExport, as the API's export).
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request, v *visit) error {
	sc, err := s.resolve(r.Context(), r, v)
	if err != nil {
		return err
	}
	params := sc.view.params(false)
	for k := range params {
		if k != "startAt" && k != "endAt" && k != "timezone" {
			params.Del(k)
		}
	}
	x, err := s.app.StartExport(r.Context(), sc.caller, app.ExportRequest{Read: sc.read(params), Format: r.URL.Query().Get("format")})
	if err != nil {
		return err
	}
	return x.Serve(w, r, s.log)
}
