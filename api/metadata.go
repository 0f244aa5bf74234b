package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/openfast/openfast"

	"slices"
	"strings"
)

// metadataFields are the fields of GET /analytics/metadata, in order.
var metadataFields = []string{"domain", "timezone", "name", "logo", "kpiColorScheme", "kpi", "currency"}

// parseFields reads the comma-separated fields parameter; omitted means all.
func parseFields(q url.Values, valid []string) ([]string, error) {
	v := q.Get("fields")
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
func (s *Server) getMetadata(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	fields, err := parseFields(req.query, metadataFields)
	if err != nil {
		return err
	}
	site, err := s.app.Metadata(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	var obj []byte
	if len(fields) == len(metadataFields) {
		obj, err = site.Encoded(encodeAllMetadata)
	} else {
		obj, err = encodeMetadata(site.Website, fields)
	}
	if err != nil {
		return err
	}
	writeRawData(w, obj)
	return nil
}

// encodeAllMetadata encodes the metadata object with every field, which
// the app keeps with its cached website.
func encodeAllMetadata(site *openfast.Website) ([]byte, error) {
	return encodeMetadata(site, metadataFields)
}

// encodeMetadata encodes the metadata object of a website with the given
// fields, in their order.
func encodeMetadata(site *openfast.Website, fields []string) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f...)
		b = append(b, '"', ':')
		v, err := json.Marshal(metadataValue(site, f))
		if err != nil {
			return nil, fmt.Errorf("encode metadata %s: %w", f, err)
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

func metadataValue(site *openfast.Website, field string) any {
	switch field {
	case "domain":
		return site.Domain
	case "timezone":
		return site.Timezone
	case "name":
		return site.Name
	case "kpiColorScheme":
		return site.KPIColorScheme
	case "kpi":
		return site.KPI
	case "currency":
		return site.Currency
	}
	return nil // logo: openfast keeps none
}
