package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

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
// incrementally (as live traffic is) in rounds of a few dozen rows. In
// "live", events come in small batches in time order but for a few late
// ones, so that the live index computes most rows on insert and leaves the
// others pending; "live-rounds" then indexes those incrementally. The
// indexed reads of small websites take another shape than those of big
// ones: "indexed" treats every website as small, "live-rounds" none.
func TestAnalyticsMatchesReference(t *testing.T) {
	for _, mode := range []string{"pending", "indexed", "mixed", "rounds", "live", "live-rounds"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "rounds" {
				defer func(n int) { roundRows = n }(roundRows)
				roundRows = 40
			}
			// Every website small (one scan) when everything is
			// indexed, none in live-rounds (see smallSite).
			defer func(v float64) { smallShare = v }(smallShare)
			switch mode {
			case "indexed":
				smallShare = 2
			case "live-rounds":
				smallShare = 0
			}
			storetest.Analytics(t, func(t *testing.T) (openfast.EventStore, analytics.Store) {
				db, err := open(context.Background(), filepath.Join(t.TempDir(), FileName))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if mode == "pending" {
					db.stopLive()
				} else {
					waitLive(t, db)
				}
				return &indexingStore{DB: db, mode: mode, t: t}, db
			}, 400)
		})
	}
}

// indexingStore inserts events and indexes them as its mode says.
type indexingStore struct {
	*DB
	mode string
	t    *testing.T
}

func (s *indexingStore) InsertEvents(ctx context.Context, events []openfast.Event) error {
	if s.mode == "pending" {
		return s.DB.InsertEvents(ctx, events)
	}
	if s.mode == "live" || s.mode == "live-rounds" {
		insertLive(s.t, s.DB, events, rand.New(rand.NewPCG(7, 8)), true)
		if s.mode == "live-rounds" {
			defer func(n int) { roundRows = n }(roundRows)
			roundRows = 40
			return s.DB.index(ctx, false)
		}
		return nil
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

// insertLive inserts events as live traffic brings them: sorted by time, in
// batches of a few dozen, but for one in fifty, which comes one to five
// batches late. With check, it checks that the live index computed most of
// the rows on insert and left some pending.
func insertLive(t *testing.T, db *DB, events []openfast.Event, r *rand.Rand, check bool) {
	t.Helper()
	ctx := context.Background()
	before, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b openfast.Event) int { return a.Time.Compare(b.Time) })
	const batch = 37
	late := map[int][]openfast.Event{}
	var rows int
	for n := 0; n*batch < len(sorted) || len(late) > 0; n++ {
		var b []openfast.Event
		if n*batch < len(sorted) {
			for _, e := range sorted[n*batch : min((n+1)*batch, len(sorted))] {
				if r.IntN(50) == 0 {
					k := n + 1 + r.IntN(5)
					late[k] = append(late[k], e)
					continue
				}
				b = append(b, e)
			}
		}
		b = append(b, late[n]...)
		delete(late, n)
		if err := db.InsertEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b {
			if indexed(e.Type) {
				rows++
			}
		}
	}
	after, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending := after - before; check && (pending == 0 || pending > int64(rows)/2) {
		t.Fatalf("%d of %d rows pending after live inserts: want some, and most computed on insert", pending, rows)
	}
}

// waitLive waits until the live index knows the file's visitors.
func waitLive(t *testing.T, db *DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.WaitLive(ctx); err != nil {
		t.Fatal(err)
	}
	db.live.mu.Lock()
	defer db.live.mu.Unlock()
	if db.live.seen == nil {
		t.Fatal("the live index stopped without reading the file's visitors")
	}
}
