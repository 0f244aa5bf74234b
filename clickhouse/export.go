package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/openfast/openfast"
)

var _ openfast.EventStreamer = (*DB)(nil)

// StreamEvents calls fn with each of a website's events in [start, end)
// (zero times: unbounded), as the server's blocks arrive over the native
// protocol: memory stays flat however many there are. Rows come in the
// table's order (website, time).
func (d *DB) StreamEvents(ctx context.Context, websiteID string, start, end time.Time, fn func(*openfast.Event) error) error {
	where, args := "website_id = ?", []any{websiteID}
	if !start.IsZero() {
		where += " AND ts >= ?"
		args = append(args, start.UnixMicro())
	}
	if !end.IsZero() {
		where += " AND ts < ?"
		args = append(args, end.UnixMicro())
	}
	rows, err := d.conn.Query(ctx, `SELECT website_id, ts, type, visitor_id, session_id,
		hostname, path, entry_path, session_referrer, referrer, referrer_host,
		utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via,
		country, region, city, browser, os, device,
		screen_width, screen_height, viewport_width, viewport_height, language,
		goal, props, ad_click_ids, revenue_cents, currency, event_id, transaction_id, latitude, longitude
		FROM events WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("export the events of %s: %w", websiteID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e openfast.Event
		var ts int64
		var typ uint8
		var visitor, session string
		var lat, lon *float32
		err := rows.Scan(&e.WebsiteID, &ts, &typ, &visitor, &session,
			&e.Hostname, &e.Path, &e.EntryPath, &e.SessionReferrer, &e.Referrer, &e.ReferrerHost,
			&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Ref, &e.Source, &e.Via,
			&e.CountryCode, &e.Region, &e.City, &e.Browser, &e.OS, &e.Device,
			&e.ScreenWidth, &e.ScreenHeight, &e.ViewportWidth, &e.ViewportHeight, &e.Language,
			&e.Goal, &e.Props, &e.AdClickIDs, &e.RevenueCents, &e.Currency, &e.EventID, &e.TransactionID, &lat, &lon)
		if err != nil {
			return fmt.Errorf("export the events of %s: %w", websiteID, err)
		}
		e.Time = time.UnixMicro(ts).UTC()
		e.Type = openfast.EventType(typ)
		copy(e.VisitorID[:], visitor)
		copy(e.SessionID[:], session)
		if lat != nil && lon != nil {
			e.Coordinates = openfast.CoordinatesOf(float64(*lat), float64(*lon))
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export the events of %s: %w", websiteID, err)
	}
	return nil
}
