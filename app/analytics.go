package app

import (
	"context"
	"net/url"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/wire"
)

// The analytics reads of the Website API (§5.2–5.10). Their input is the
// website and the query parameters of the DataFast API (dates, timezone,
// filters, fields, paging), which analytics.Parse reads against the
// website's timezone.

// Read names the website an analytics read is about and its parameters.
type Read struct {
	WebsiteID string // "" for a website key's own website
	Params    url.Values
}

func (a *App) analyticsReady() error {
	if a.analytics == nil {
		return openfast.Errorf(openfast.EUNAVAILABLE, "Analytics are not enabled on this server.")
	}
	return nil
}

func (a *App) visitorsReady() error {
	if err := a.analyticsReady(); err != nil {
		return err
	}
	_, err := a.analytics.VisitorStore()
	return err
}

// readQuery authorizes an analytics read and parses its parameters for
// endpoint e against the website's timezone.
func (a *App) readQuery(ctx context.Context, c Caller, in Read, e analytics.Endpoint) (*analytics.Query, *openfast.Website, error) {
	id, err := authorize(c, ActReadAnalytics, in.WebsiteID)
	if err != nil {
		return nil, nil, err
	}
	if err := a.analyticsReady(); err != nil {
		return nil, nil, err
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	q, err := analytics.Parse(e, in.Params, site.Timezone, a.now())
	if err != nil {
		return nil, nil, err
	}
	return q, site.Website, nil
}

// Overview reads the totals of a period.
func (a *App) Overview(ctx context.Context, c Caller, in Read) (*wire.Overview, error) {
	q, site, err := a.readQuery(ctx, c, in, analytics.Overview)
	if err != nil {
		return nil, err
	}
	return a.analytics.Overview(ctx, site.ID, q, site.Currency)
}

// Timeseries reads a period's figures by interval, with the query it read
// (for its paging).
func (a *App) Timeseries(ctx context.Context, c Caller, in Read) (*analytics.Series, *analytics.Query, error) {
	q, site, err := a.readQuery(ctx, c, in, analytics.Timeseries)
	if err != nil {
		return nil, nil, err
	}
	ts, err := a.analytics.Timeseries(ctx, site.ID, q, site.Currency)
	return ts, q, err
}

// Realtime counts the visitors active now.
func (a *App) Realtime(ctx context.Context, c Caller, in Read) (int64, error) {
	_, site, err := a.readQuery(ctx, c, in, analytics.Realtime)
	if err != nil {
		return 0, err
	}
	return a.analytics.Realtime(ctx, site.ID)
}

// Breakdown reads one breakdown (pages, referrers, countries...), with its
// total row count and the query it read.
func (a *App) Breakdown(ctx context.Context, c Caller, e analytics.Endpoint, in Read) ([]wire.BreakdownRow, int, *analytics.Query, error) {
	q, site, err := a.readQuery(ctx, c, in, e)
	if err != nil {
		return nil, 0, nil, err
	}
	rows, total, err := a.analytics.Breakdown(ctx, e, site.ID, q)
	return rows, total, q, err
}

// Visitors lists a period's visitors, with the query it read.
func (a *App) Visitors(ctx context.Context, c Caller, in Read) (*analytics.VisitorPage, *analytics.Query, error) {
	id, err := authorize(c, ActReadAnalytics, in.WebsiteID)
	if err != nil {
		return nil, nil, err
	}
	if err := a.visitorsReady(); err != nil {
		return nil, nil, err
	}
	in.WebsiteID = id
	q, site, err := a.readQuery(ctx, c, in, analytics.Visitors)
	if err != nil {
		return nil, nil, err
	}
	page, err := a.analytics.Visitors(ctx, site.ID, q)
	return page, q, err
}

// Visitor reads one visitor's profile and journey. The id may be a UUID
// of any version: the tracker's visitor ids are stored as they come when
// they are UUIDs.
func (a *App) Visitor(ctx context.Context, c Caller, websiteID, visitorID string) (*analytics.VisitorProfile, error) {
	id, err := authorize(c, ActReadAnalytics, websiteID)
	if err != nil {
		return nil, err
	}
	if err := a.visitorsReady(); err != nil {
		return nil, err
	}
	visitor, ok := openfast.ParseUUID(visitorID)
	if !ok {
		return nil, openfast.Errorf(openfast.EINVALID, "visitorId must be a UUID such as a3ab2331-989f-4cfa-91c6-2461c9e3c6bd.")
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.analytics.Visitor(ctx, site.ID, visitor)
}

// RealtimeMap reads where the visitors active now are.
func (a *App) RealtimeMap(ctx context.Context, c Caller, websiteID string) (*analytics.RealtimeMap, error) {
	id, err := authorize(c, ActReadAnalytics, websiteID)
	if err != nil {
		return nil, err
	}
	if err := a.visitorsReady(); err != nil {
		return nil, err
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.analytics.RealtimeMap(ctx, site.ID)
}
