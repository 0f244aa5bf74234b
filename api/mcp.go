package api

import (
	"net/http"

	"github.com/openfast/openfast/mcp"
)

// mcpPath is the MCP server's endpoint (Streamable HTTP, stateless: POST
// only). It is not in the route table, which is the REST API's (and the
// OpenAPI document's): its tools are the app's actions, each decided by its
// app method.
const mcpPath = "/api/mcp"

// handleMCP mounts the MCP server on mux: authenticated and rate-limited
// like every route, its other methods answered 405.
func (s *Server) handleMCP(mux *http.ServeMux) {
	mux.Handle(http.MethodPost+" "+mcpPath, s.wrap(route{method: http.MethodPost, path: mcpPath, anyAction: true, handle: s.serveMCP}))
	mux.Handle(mcpPath, s.wrap(route{path: mcpPath, public: true, handle: func(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
		w.Header().Set("Allow", http.MethodPost)
		return errMethodNotAllowed
	}}))
}

// serveMCP passes an authenticated request to the MCP server with its
// caller, whose principal every tool call hands to its app method.
func (s *Server) serveMCP(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	s.mcp.ServeHTTP(w, r.WithContext(mcp.WithCaller(r.Context(), req.caller)))
	return nil
}
