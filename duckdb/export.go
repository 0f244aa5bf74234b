package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	ddb "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
)

var _ openfast.EventExporter = (*DB)(nil)

// EventHours lists the UTC hours that have events.
func (d *DB) EventHours(ctx context.Context) ([]openfast.EventHour, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT epoch_us(ts) // 3600000000 AS h, count(*) FROM events GROUP BY h ORDER BY h`)
	if err != nil {
		return nil, fmt.Errorf("list event hours: %w", err)
	}
	defer rows.Close()
	var out []openfast.EventHour
	for rows.Next() {
		var h, n int64
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("list event hours: %w", err)
		}
		out = append(out, openfast.EventHour{Start: time.Unix(h*3600, 0).UTC(), Events: n})
	}
	return out, rows.Err()
}

// ExportEvents returns the events of one UTC hour.
func (d *DB) ExportEvents(ctx context.Context, start time.Time) ([]openfast.Event, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT website_id, ts, type, visitor_id, session_id,
		hostname, path, entry_path, session_referrer, referrer, referrer_host,
		utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via,
		country, region, city, browser, os, device,
		screen_width, screen_height, viewport_width, viewport_height, language,
		goal, props, ad_click_ids, revenue_cents, currency, event_id, transaction_id, latitude, longitude
		FROM events WHERE ts >= ? AND ts < ?`, start.UTC(), start.UTC().Add(time.Hour))
	if err != nil {
		return nil, fmt.Errorf("export events of %s: %w", start.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []openfast.Event
	for rows.Next() {
		var e openfast.Event
		var typ uint8
		var visitor, session ddb.UUID
		var lat, lon sql.NullFloat64
		err := rows.Scan(&e.WebsiteID, &e.Time, &typ, &visitor, &session,
			&e.Hostname, &e.Path, &e.EntryPath, &e.SessionReferrer, &e.Referrer, &e.ReferrerHost,
			&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Ref, &e.Source, &e.Via,
			&e.CountryCode, &e.Region, &e.City, &e.Browser, &e.OS, &e.Device,
			&e.ScreenWidth, &e.ScreenHeight, &e.ViewportWidth, &e.ViewportHeight, &e.Language,
			&e.Goal, &e.Props, &e.AdClickIDs, &e.RevenueCents, &e.Currency, &e.EventID, &e.TransactionID, &lat, &lon)
		if err != nil {
			return nil, fmt.Errorf("export events of %s: %w", start.Format(time.RFC3339), err)
		}
		e.Type, e.VisitorID, e.SessionID, e.Time = openfast.EventType(typ), openfast.UUID(visitor), openfast.UUID(session), e.Time.UTC()
		e.Coordinates = coordinatesFrom(lat, lon)
		out = append(out, e)
	}
	return out, rows.Err()
}
