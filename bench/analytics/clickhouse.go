package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/bench/internal/dataset"
	"github.com/openfast/openfast/clickhouse"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/migrate"
)

// copyToClickHouse copies the data set's events into ClickHouse with the
// migrate package, as `openfast admin migrate` does; a copy made by an
// earlier run is resumed, not repeated. The metadata stays in SQLite (the
// benchmark serves both stores from it).
func copyToClickHouse(ctx context.Context, rawURL, dir string, events *duckdb.DB, m dataset.Manifest) (*clickhouse.DB, error) {
	// The copy is named after the data folder's journal, as the migrate
	// command names it: either resumes the other's copy.
	id, err := ingest.JournalName(filepath.Join(dir, ingest.JournalDir))
	if err != nil {
		return nil, err
	}
	ch, err := clickhouse.Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	last := time.Now()
	s, err := migrate.Run(ctx, migrate.Source{Events: events, ID: id}, migrate.Target{Events: ch},
		func(done, total int64) {
			if time.Since(last) > 5*time.Second || done == total {
				fmt.Printf("copying into ClickHouse: %d of %d events\n", done, total)
				last = time.Now()
			}
		})
	if err != nil {
		ch.Close()
		return nil, fmt.Errorf("copy the events into ClickHouse: %w", err)
	}
	fmt.Printf("ClickHouse holds the data set: %d events copied now, %d hours copied before, in %s\n", s.EventsNew, s.HoursSkipped, time.Since(t0).Round(time.Millisecond))
	if s.HoursSkipped > 0 {
		// An earlier run's ingest pass posted other events to each store:
		// the answers over the data set's windows are still compared.
		return ch, nil
	}
	for _, site := range m.Sites {
		a, err := events.CountEvents(ctx, site.ID)
		if err != nil {
			return nil, err
		}
		b, err := ch.CountEvents(ctx, site.ID)
		if err != nil {
			return nil, err
		}
		if a != b {
			ch.Close()
			return nil, fmt.Errorf("site %s: %d events in DuckDB, %d in ClickHouse", site.Domain, a, b)
		}
	}
	return ch, nil
}

// compareAnswers asks every backend every analytics read of both
// scenarios (with and without filters) and fails unless all answers are
// byte for byte the same. It returns the number of requests compared.
func compareAnswers(m dataset.Manifest, backends []*backend, get func(base string, w widget) ([]byte, error)) (int, error) {
	var ws []widget
	for _, sc := range scenarios(m) {
		base := sc.widgets[0].query
		with := func(extra url.Values) url.Values {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			for k, v := range extra {
				q[k] = v
			}
			return q
		}
		ws = append(ws, sc.widgets...)
		ws = append(ws,
			widget{"timeseries (hour)", "/api/v1/analytics/timeseries", with(url.Values{"interval": {"hour"}, "fields": {"name,visitors,sessions,revenue,payments,conversion_rate"}, "limit": {"1000"}})},
			widget{"realtime map", "/api/v1/analytics/realtime/map", url.Values{"websiteId": base["websiteId"]}},
			widget{"visitors", "/api/v1/visitors", with(url.Values{"limit": {"100"}})},
		)
		for _, filters := range []url.Values{nil, {"filter_country": {"is:US"}}, {"filter_device": {"is_not:desktop"}, "filter_page": {"contains:/blog"}}} {
			for _, e := range analytics.Breakdowns {
				ws = append(ws, widget{e.Name, "/api/v1/analytics/" + e.Name, with(merge(filters, url.Values{"limit": {"100"}}))})
			}
			ws = append(ws, widget{"overview", "/api/v1/analytics/overview", with(filters)})
		}
	}
	for _, w := range ws {
		want, err := get(backends[0].base, w)
		if err != nil {
			return 0, err
		}
		for _, b := range backends[1:] {
			got, err := get(b.base, w)
			if err != nil {
				return 0, err
			}
			if !bytes.Equal(got, want) {
				return 0, fmt.Errorf("%s?%s: %s and %s differ:\n%s\n%s", w.path, w.query.Encode(), backends[0].name, b.name, want, got)
			}
		}
	}
	return len(ws), nil
}

func merge(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// sideBySide prints the backends' medians next to each other.
func sideBySide(w io.Writer, m dataset.Manifest, backends []*backend) {
	fmt.Fprintln(w, "\nside by side (median, quiet / under ingest)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "scenario\twidget"
	for _, b := range backends {
		header += "\t" + b.name
	}
	fmt.Fprintln(tw, header+"\t")
	for _, sc := range scenarios(m) {
		for _, wd := range sc.widgets {
			k := sc.name + "|" + wd.name
			line := sc.name + "\t" + wd.name
			for _, b := range backends {
				line += fmt.Sprintf("\t%.1f ms", ms(b.quiet[k]))
				if b.loaded != nil {
					line += fmt.Sprintf(" / %.1f ms", ms(b.loaded[k]))
				}
			}
			fmt.Fprintln(tw, line+"\t")
		}
	}
	tw.Flush()
}
