package duckdb

import (
	"context"
	"fmt"

	"github.com/openfast/openfast"
)

// Each website with events has a number, in the sites table, and its
// events carry it in the site column: reads select a website by that
// small integer, which DuckDB compares far faster than the website's id
// (docs/analytics-index.md). Numbers are given out in order by this
// process, the only one that opens the file.

// loadSites reads the website numbers, and numbers the events of files
// made before the site column (which migration 0001 adds to them).
func (d *DB) loadSites(ctx context.Context) error {
	d.sites = map[string]int32{}
	rows, err := d.db.QueryContext(ctx, "SELECT website_id, site FROM sites")
	if err != nil {
		return fmt.Errorf("read the website numbers: %w", err)
	}
	for rows.Next() {
		var id string
		var n int32
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return fmt.Errorf("read the website numbers: %w", err)
		}
		d.sites[id] = n
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read the website numbers: %w", err)
	}
	d.rows = map[int32]int64{}
	rows, err = d.db.QueryContext(ctx, "SELECT site, count(*) FROM events WHERE site IS NOT NULL GROUP BY site")
	if err != nil {
		return fmt.Errorf("count the websites' events: %w", err)
	}
	for rows.Next() {
		var site int32
		var n int64
		if err := rows.Scan(&site, &n); err != nil {
			rows.Close()
			return fmt.Errorf("count the websites' events: %w", err)
		}
		d.rows[site] += n
		d.total += n
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("count the websites' events: %w", err)
	}
	var unnumbered []string
	rows, err = d.db.QueryContext(ctx, "SELECT DISTINCT website_id FROM events WHERE site IS NULL")
	if err != nil {
		return fmt.Errorf("number the websites: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("number the websites: %w", err)
		}
		unnumbered = append(unnumbered, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("number the websites: %w", err)
	}
	for _, id := range unnumbered {
		n, err := d.number(ctx, id)
		if err != nil {
			return err
		}
		_, err = d.db.ExecContext(ctx, "UPDATE events SET site = ? WHERE website_id = ? AND site IS NULL", n, id)
		d.writes.Add(1)
		if err != nil {
			return fmt.Errorf("number the events of %s: %w", id, err)
		}
	}
	return nil
}

// number returns a website's number, giving it the next one if it has
// none. The caller holds sitesMu or is alone (open).
func (d *DB) number(ctx context.Context, id string) (int32, error) {
	if n, ok := d.sites[id]; ok {
		return n, nil
	}
	var n int32
	err := d.db.QueryRowContext(ctx, "INSERT INTO sites SELECT ?, coalesce(max(site), 0) + 1 FROM sites RETURNING site", id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("number website %s: %w", id, err)
	}
	d.sites[id] = n
	return n, nil
}

// site returns a website's number, or 0 (no events) when it has none.
func (d *DB) site(id string) int32 {
	d.sitesMu.Lock()
	defer d.sitesMu.Unlock()
	return d.sites[id]
}

// assignSites returns the numbers of the websites of events, numbering new
// websites first.
func (d *DB) assignSites(ctx context.Context, events []openfast.Event) (map[string]int32, error) {
	d.sitesMu.Lock()
	defer d.sitesMu.Unlock()
	out := map[string]int32{}
	for i := range events {
		id := events[i].WebsiteID
		if _, ok := out[id]; ok {
			continue
		}
		n, err := d.number(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, nil
}

// countRows adds inserted events to the websites' counts.
func (d *DB) countRows(events []openfast.Event, sites map[string]int32) {
	d.sitesMu.Lock()
	defer d.sitesMu.Unlock()
	for i := range events {
		d.rows[sites[events[i].WebsiteID]]++
	}
	d.total += int64(len(events))
}

// smallShare is the share of all events below which a website counts as
// small (see smallSite); a variable for the tests.
var smallShare = 0.05

// smallSite reports whether a website has less than smallShare of the
// events. Its indexed reads (overview, timeseries) then take
// the rows they need in one scan: a scan filters the window's rows of
// every website, which is most of what a small site's read costs, while a
// big site's distinct counts run faster over goals alone. The
// measurements are in docs/benchmarks.md.
func (d *DB) smallSite(site int32) bool {
	d.sitesMu.Lock()
	defer d.sitesMu.Unlock()
	return float64(d.rows[site]) < smallShare*float64(d.total)
}
