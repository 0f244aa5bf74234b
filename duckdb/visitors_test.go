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
	storetest.Visitors(t, newVisitorStore, 300)
}

// TestVisitorsFromLatestRowsMatchReference is TestVisitorsMatchReference
// with Visitors' first look among a range's latest pageviews taking so
// few rows that it often finds less than a page, or a page whose last
// visitors were seen at the earliest of those rows' times.
func TestVisitorsFromLatestRowsMatchReference(t *testing.T) {
	defer func(m, p int) { latestRowsMin, latestPerVisitor = m, p }(latestRowsMin, latestPerVisitor)
	latestRowsMin, latestPerVisitor = 1, 2
	storetest.Visitors(t, newVisitorStore, 150)
}

// newVisitorStore opens a new event database for a case of the visitor
// suite.
func newVisitorStore(t *testing.T) (openfast.EventStore, analytics.Store) {
	db, err := OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, db
}
