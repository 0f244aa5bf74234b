package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/storetest"
)

// TestAnalyticsMatchesReference: every read endpoint answers exactly what
// the naive reference computes, over random events and requests, whatever
// share of the pageviews is indexed: none (every read deduplicates), all
// (unfiltered reads count), or half (indexed in one round, the other half
// inserted afterwards, in random order, and pending: mixed reads). In
// "rounds", the second half comes in three parts, each indexed
// incrementally (as live traffic is) in rounds of a few dozen rows.
func TestAnalyticsMatchesReference(t *testing.T) {
	for _, mode := range []string{"pending", "indexed", "mixed", "rounds"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "rounds" {
				defer func(n int) { roundRows = n }(roundRows)
				roundRows = 40
			}
			storetest.Analytics(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
				db, err := open(context.Background(), filepath.Join(t.TempDir(), FileName))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return &indexingStore{DB: db, mode: mode}, db
			}, 400)
		})
	}
}

// indexingStore inserts events and indexes them as its mode says.
type indexingStore struct {
	*DB
	mode string
}

func (s *indexingStore) InsertEvents(ctx context.Context, events []openfast.Event) error {
	if s.mode == "pending" {
		return s.DB.InsertEvents(ctx, events)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var first, later []openfast.Event
	for _, e := range events {
		if r.IntN(2) == 0 {
			first = append(first, e)
		} else {
			later = append(later, e)
		}
	}
	if err := s.DB.InsertEvents(ctx, first); err != nil {
		return err
	}
	if err := s.DB.Index(ctx); err != nil {
		return err
	}
	if s.mode == "rounds" {
		r.Shuffle(len(later), func(i, j int) { later[i], later[j] = later[j], later[i] })
		for part := range 3 {
			if err := s.DB.InsertEvents(ctx, later[part*len(later)/3:(part+1)*len(later)/3]); err != nil {
				return err
			}
			if err := s.DB.index(ctx, false); err != nil {
				return err
			}
		}
		if n, err := s.DB.Pending(ctx); err != nil || n != 0 {
			panic(fmt.Sprintf("%d rows left pending (%v)", n, err))
		}
		return nil
	}
	if err := s.DB.InsertEvents(ctx, later); err != nil {
		return err
	}
	if s.mode == "indexed" {
		n, err := s.DB.Pending(ctx)
		if err != nil || n == 0 {
			panic("expected pending pageviews before the second round")
		}
		return s.DB.Index(ctx)
	}
	return nil
}
