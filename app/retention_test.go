package app_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/duckdb"
)

// watchedEvents is a DuckDB event store that calls after once each
// deletion of the retention job is done, before the next one.
type watchedEvents struct {
	*duckdb.DB
	after func(start, end time.Time)
}

func (w *watchedEvents) ExpireEvents(ctx context.Context, websiteID string, start, end time.Time) (int64, error) {
	n, err := w.DB.ExpireEvents(ctx, websiteID, start, end)
	if err == nil && w.after != nil {
		w.after(start, end)
	}
	return n, err
}

// TestRetention: the job deletes each website's days before its cutoff
// (its own retentionDays, else the server-wide one), whole days of its
// timezone, and the analytics reads never count a day the job has begun:
// their answers are the same before, during and after it, and a range
// that starts before the cutoff reads as one that starts at it.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, t.TempDir()+"/meta.db")
	env := newMailEnv(t, store)
	env.clock.set(time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)) // 12:00 in Paris
	events := &watchedEvents{DB: env.events}
	a, err := app.New(app.Config{Metadata: store, Events: events, Analytics: events, Now: env.clock.now,
		Retention: app.RetentionConfig{Days: 20, Pause: -1}})
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	own, server, longer := env.website("own.example.com", false, false), env.website("server.example.com", false, false), env.website("longer.example.com", false, false)
	forever := env.website("forever.example.com", false, false)
	setDays := func(tm *team, days int) {
		if _, err := store.UpdateWebsite(ctx, tm.site.ID, func(w *openfast.Website) error { w.RetentionDays = &days; return nil }, nil); err != nil {
			t.Fatal(err)
		}
	}
	setDays(own, 10)
	setDays(longer, 25) // longer than the server-wide 20: its own wins
	setDays(forever, 36500)
	// 40 days of two visits a day, just after and just before local
	// midnight, so that a cutoff off by an hour shows.
	today := time.Date(2026, 6, 15, 0, 0, 0, 0, paris)
	var batch []openfast.Event
	n := 0
	for _, tm := range []*team{own, server, longer, forever} {
		for d := range 40 {
			day := today.AddDate(0, 0, -d)
			for _, at := range []time.Time{day.Add(10 * time.Minute), day.Add(23*time.Hour + 50*time.Minute)} {
				n++
				batch = append(batch, visit(tm.site.ID, n, at, "/", ""))
			}
		}
	}
	env.insert(batch)
	ownerOf := func(tm *team) app.Caller {
		return app.Caller{Principal: &auth.Principal{Kind: auth.KindWebsiteKey, ID: openfast.NewID(), DisplayKey: "df_…test", WebsiteID: tm.site.ID, Permissions: []string{auth.PermAll}}, IP: "test"}
	}
	visitors := func(tm *team, params url.Values) int64 {
		t.Helper()
		o, err := a.Overview(ctx, ownerOf(tm), app.Read{WebsiteID: tm.site.ID, Params: params})
		if err != nil {
			t.Fatal(err)
		}
		return *o.Visitors
	}
	since := func(d int) url.Values {
		return url.Values{"startAt": {today.AddDate(0, 0, -d).Format(time.DateOnly)}, "endAt": {today.Format(time.DateOnly)}}
	}
	// Kept: today and the days before it, 2 visitors each.
	want := map[*team]int64{own: 2 * 11, server: 2 * 21, longer: 2 * 26, forever: 2 * 40}
	for tm, w := range want {
		if got := visitors(tm, nil); got != w {
			t.Fatalf("%s before the job: %d visitors all time, want %d", tm.site.Domain, got, w)
		}
		if got := visitors(tm, since(39)); got != w {
			t.Fatalf("%s before the job: %d visitors over 40 days, want %d (the kept days only)", tm.site.Domain, got, w)
		}
	}
	// An export starts at the cutoff too: all time and 40 days give the
	// kept days' events only (a CSV header and one line each).
	for _, params := range []url.Values{nil, since(39)} {
		x, err := a.StartExport(ctx, ownerOf(own), app.ExportRequest{Read: app.Read{WebsiteID: own.site.ID, Params: params}, Format: "csv"})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := x.WriteTo(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		if lines := bytes.Count(buf.Bytes(), []byte("\n")); lines != 1+2*11 {
			t.Fatalf("export of own (%v) has %d lines, want %d", params, lines, 1+2*11)
		}
	}
	// During the job, after each day it deletes, the answers are the same.
	reads := 0
	events.after = func(start, end time.Time) {
		reads++
		for tm, w := range want {
			if got := visitors(tm, nil); got != w {
				t.Errorf("%s while [%v, %v) is deleted: %d visitors, want %d", tm.site.Domain, start, end, got, w)
			}
		}
	}
	run, err := a.RunRetention(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	events.after = nil
	// own deletes 40-11 days, server 40-21, longer 40-26; forever none.
	if run.Deleted != 2*(29+19+14) || run.Stopped || len(run.Websites) != 3 || reads != 29+19+14 {
		t.Fatalf("run %+v after %d deletions", run, reads)
	}
	for tm, w := range want {
		if got, err := env.events.CountEvents(ctx, tm.site.ID); err != nil || got != w {
			t.Fatalf("%s has %d events left, %v; want %d", tm.site.Domain, got, err, w)
		}
		if got := visitors(tm, since(39)); got != w {
			t.Fatalf("%s after the job: %d visitors, want %d", tm.site.Domain, got, w)
		}
	}
	oldest, _, err := env.events.OldestEvent(ctx, own.site.ID)
	if err != nil || !oldest.Equal(today.AddDate(0, 0, -10).Add(10*time.Minute)) {
		t.Fatalf("own's oldest event %v, %v; want 00:10 ten days ago in Paris", oldest.In(paris), err)
	}
	// A second run has nothing to do; the next day, one more day goes.
	if run, err := a.RunRetention(ctx, 0); err != nil || run.Deleted != 0 {
		t.Fatalf("second run %+v, %v", run, err)
	}
	env.clock.add(24 * time.Hour)
	if run, err := a.RunRetention(ctx, 0); err != nil || run.Deleted != 2*3 {
		t.Fatalf("the next day's run %+v, %v; want one day of each of three websites", run, err)
	}
}

// TestRetention_Config: a server-wide retention out of range is refused.
func TestRetention_Config(t *testing.T) {
	store := openSQLite(t, t.TempDir()+"/meta.db")
	for _, days := range []int{-1, 36501} {
		if _, err := app.New(app.Config{Metadata: store, Retention: app.RetentionConfig{Days: days}}); err == nil {
			t.Fatalf("retention of %d days accepted", days)
		}
	}
}
