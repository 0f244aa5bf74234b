package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// openFunnelStore opens a fresh store for the funnel suites.
func openFunnelStore(t *testing.T) (openfast.EventStore, analytics.Store) {
	db, err := open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, db
}

// TestFunnelsMatchReference: random funnels over random events, ranges
// and filters count what the naive reference counts.
func TestFunnelsMatchReference(t *testing.T) {
	storetest.Funnels(t, openFunnelStore, 300)
}

// TestFunnelCases: the hand-written funnels of the suite.
func TestFunnelCases(t *testing.T) {
	storetest.FunnelCases(t, openFunnelStore)
}
