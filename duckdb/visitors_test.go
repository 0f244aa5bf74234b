package duckdb

import (
	"context"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestVisitorsMatchReference: the visitors list, one visitor and the
// realtime map answer exactly what the naive reference computes, over
// random events and requests.
func TestVisitorsMatchReference(t *testing.T) {
	storetest.Visitors(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
		db, err := OpenDataDir(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, db
	}, 300)
}
