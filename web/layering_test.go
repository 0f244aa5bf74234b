package web

import (
	"testing"

	"github.com/openfast/openfast/internal/layering"
)

// TestPagesReachStoresOnlyThroughApp: the dashboard reaches no store
// except through the app layer, as the API does.
func TestPagesReachStoresOnlyThroughApp(t *testing.T) {
	layering.CheckSources(t, ".", 4)
}
