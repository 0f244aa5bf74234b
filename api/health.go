package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// healthz: liveness. It answers as long as the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz: readiness. It answers 200 when the store answers a query.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	if err := s.app.Ready(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	s.metrics.handler().ServeHTTP(w, r)
	return nil
}

// OpenAPIYAML is the API's OpenAPI 3.1 document.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

var openAPIJSON []byte

func init() {
	doc, err := LoadOpenAPI()
	if err != nil {
		panic(err)
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		panic(fmt.Sprintf("api: marshal openapi.yaml: %v", err))
	}
	openAPIJSON = b
}

// LoadOpenAPI parses and validates the embedded OpenAPI document.
func LoadOpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("api: load openapi.yaml: %w", err)
	}
	return doc, nil
}

// serveOpenAPI: GET /api/v1/openapi.json.
func serveOpenAPI(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIJSON)
	return nil
}
