package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// testCredentialUsage: counts add up (also from concurrent writers, as
// several processes flushing into one store), are read by kind, ids and
// first day, and old days are deleted.
func testCredentialUsage(t *testing.T, s openfast.MetadataStore) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	key, key2, tok := openfast.NewID(), openfast.NewID(), openfast.NewID()
	u := func(kind, id string, d time.Time, n int64) openfast.CredentialUsage {
		return openfast.CredentialUsage{Kind: kind, CredentialID: id, Day: d, Requests: n}
	}
	must(t, s.AddCredentialUsage(ctx, nil))
	must(t, s.AddCredentialUsage(ctx, []openfast.CredentialUsage{
		u(openfast.CredentialAPIKey, key, day, 3),
		u(openfast.CredentialAPIKey, key, day.AddDate(0, 0, -1), 1),
		u(openfast.CredentialAPIKey, key2, day, 7),
		// A token with the id of a key counts apart.
		u(openfast.CredentialAccessToken, key, day, 100),
		u(openfast.CredentialAccessToken, tok, day.AddDate(0, 0, -95), 5),
	}))
	// Added, not overwritten; a day given at another hour is its day.
	must(t, s.AddCredentialUsage(ctx, []openfast.CredentialUsage{u(openfast.CredentialAPIKey, key, day.Add(13*time.Hour), 2)}))

	// Several writers at once add up.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			errs <- s.AddCredentialUsage(ctx, []openfast.CredentialUsage{
				u(openfast.CredentialAPIKey, key2, day, 1), u(openfast.CredentialAPIKey, key, day, 1),
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}

	got := func(kind string, ids []string, from time.Time) string {
		t.Helper()
		rows, err := s.CredentialUsage(ctx, kind, ids, from)
		must(t, err)
		var out []string
		for _, r := range rows {
			if r.Kind != kind {
				t.Fatalf("CredentialUsage(%s) answered a row of kind %s", kind, r.Kind)
			}
			if r.Day.Location() != time.UTC || !r.Day.Equal(openfast.UsageDay(r.Day)) {
				t.Fatalf("CredentialUsage day %v is not a UTC midnight", r.Day)
			}
			name := map[string]string{key: "key", key2: "key2", tok: "tok"}[r.CredentialID]
			out = append(out, fmt.Sprintf("%s %s %d", name, r.Day.Format(time.DateOnly), r.Requests))
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}
	for _, tc := range []struct {
		kind string
		ids  []string
		from time.Time
		want string
	}{
		{openfast.CredentialAPIKey, []string{key, key2}, day.AddDate(0, 0, -89), "key 2026-11-30 1, key 2026-12-01 13, key2 2026-12-01 15"},
		{openfast.CredentialAPIKey, []string{key}, day, "key 2026-12-01 13"},
		{openfast.CredentialAPIKey, []string{key2, openfast.NewID()}, day.AddDate(0, 0, 1), ""},
		{openfast.CredentialAPIKey, nil, day.AddDate(-1, 0, 0), ""},
		{openfast.CredentialAccessToken, []string{key, tok}, day.AddDate(-1, 0, 0), "key 2026-12-01 100, tok 2026-08-28 5"},
	} {
		if g := got(tc.kind, tc.ids, tc.from); g != tc.want {
			t.Errorf("CredentialUsage(%s, %d ids, from %s) = %q, want %q", tc.kind, len(tc.ids), tc.from.Format(time.DateOnly), g, tc.want)
		}
	}

	must(t, s.DeleteCredentialUsageBefore(ctx, day.AddDate(0, 0, -89)))
	if g := got(openfast.CredentialAccessToken, []string{key, tok}, day.AddDate(-1, 0, 0)); g != "key 2026-12-01 100" {
		t.Fatalf("after deleting old days: %q", g)
	}
	must(t, s.DeleteCredentialUsageBefore(ctx, day))
	if g := got(openfast.CredentialAPIKey, []string{key, key2}, day.AddDate(-1, 0, 0)); g != "key 2026-12-01 13, key2 2026-12-01 15" {
		t.Fatalf("after deleting the days before %s: %q", day.Format(time.DateOnly), g)
	}
}
