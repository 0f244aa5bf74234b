package duckdb

import (
	"context"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestAnalyticsMatchesReference: every read endpoint answers exactly what
// the naive reference computes, over random events and requests.
func TestAnalyticsMatchesReference(t *testing.T) {
	storetest.Analytics(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
		db, err := OpenDataDir(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, db
	}, 600)
}
