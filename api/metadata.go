package api

import (
	"net/http"

	"github.com/openfast/openfast"

	"slices"
	"strings"
)

// metadataFields are the fields of GET /analytics/metadata, in order.
var metadataFields = []string{"domain", "timezone", "name", "logo", "kpiColorScheme", "kpi", "currency"}

// parseFields reads the comma-separated fields parameter; omitted means all.
func parseFields(r *http.Request, valid []string) ([]string, error) {
	v := r.URL.Query().Get("fields")
	if v == "" {
		return valid, nil
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(valid, f) {
			return nil, invalidf("Invalid fields value %q. Valid fields: %s.", openfast.Truncate(f, 40), strings.Join(valid, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return valid, nil
	}
	return out, nil
}

// getMetadata: GET /api/v1/analytics/metadata.
func (s *Server) getMetadata(w http.ResponseWriter, r *http.Request, c *call) error {
	fields, err := parseFields(r, metadataFields)
	if err != nil {
		return err
	}
	site, err := s.store.Website(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	all := map[string]any{
		"domain": site.Domain, "timezone": site.Timezone, "name": site.Name, "logo": nil,
		"kpiColorScheme": site.KPIColorScheme, "kpi": site.KPI, "currency": site.Currency,
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f] = all[f]
	}
	writeData(w, []map[string]any{out})
	return nil
}
