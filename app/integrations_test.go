package app_test

import (
	"testing"

	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/integrations"
)

// The providers the routes, the CLI and the dashboard offer are those of
// the integrations package, in its order.
func TestProvidersAreTheIntegrations(t *testing.T) {
	if len(app.Providers) != len(integrations.Names) {
		t.Fatalf("%d providers, integrations has %d", len(app.Providers), len(integrations.Names))
	}
	for i, p := range app.Providers {
		if p.Name != integrations.Names[i] || p.Label == "" || p.KeyField == "" {
			t.Errorf("provider %d: %+v, want %s", i, p, integrations.Names[i])
		}
	}
}

func TestNew_RefusesABadSecretKey(t *testing.T) {
	_, store := newApp(t)
	for _, n := range []int{1, 16, 31, 33, 64} {
		if _, err := app.New(app.Config{Metadata: store, SecretKey: make([]byte, n)}); err == nil {
			t.Errorf("a %d-byte secret key was accepted", n)
		}
	}
}
