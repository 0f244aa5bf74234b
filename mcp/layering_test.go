package mcp

import (
	"testing"

	"github.com/openfast/openfast/internal/layering"
)

// TestToolsReachStoresOnlyThroughApp: no source file of the MCP server
// imports a store adapter or names a store type; its tools call app.
func TestToolsReachStoresOnlyThroughApp(t *testing.T) {
	layering.CheckSources(t, ".", 2)
}
