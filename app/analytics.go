package app

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"sync"
	"time"

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
	// Page: the read is one of the dashboard page's, asked with the
	// others (analytics.Query.Page): a timeseries also gives the
	// overview's figures of its range, and breakdowns read their revenue
	// together.
	Page bool
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
// endpoint e against the website's timezone. The visitors list needs a
// store that also reads visitors.
func (a *App) readQuery(ctx context.Context, c Caller, in Read, e analytics.Endpoint) (*analytics.Query, *openfast.Website, error) {
	id, err := authorize(c, ActReadAnalytics, in.WebsiteID)
	if err != nil {
		return nil, nil, err
	}
	if e.Name == analytics.Visitors.Name {
		if err := refusePublic(c); err != nil {
			return nil, nil, err
		}
	}
	ready := a.analyticsReady
	if e.Name == analytics.Visitors.Name {
		ready = a.visitorsReady
	}
	if err := ready(); err != nil {
		return nil, nil, err
	}
	site, err := a.sharedWebsite(ctx, c, id)
	if err != nil {
		return nil, nil, err
	}
	q, err := analytics.Parse(e, in.Params, site.Timezone, a.now())
	if err != nil {
		return nil, nil, err
	}
	q.IncludeRenewals = site.IncludeRenewalRevenue
	q.Page = in.Page
	a.clampToRetention(q, site.Website)
	return q, site.Website, nil
}

// Overview reads the totals of a period.
func (a *App) Overview(ctx context.Context, c Caller, in Read) (*wire.Overview, error) {
	q, site, err := a.readQuery(ctx, c, in, analytics.Overview)
	if err != nil {
		return nil, err
	}
	return read(ctx, a, site.ID, func(ctx context.Context) (*wire.Overview, error) {
		return a.analytics.Overview(ctx, site.ID, q, site.Currency)
	})
}

// Timeseries reads a period's figures by interval, with the query it read
// (for its paging).
func (a *App) Timeseries(ctx context.Context, c Caller, in Read) (*analytics.Series, *analytics.Query, error) {
	q, site, err := a.readQuery(ctx, c, in, analytics.Timeseries)
	if err != nil {
		return nil, nil, err
	}
	ts, err := read(ctx, a, site.ID, func(ctx context.Context) (*analytics.Series, error) {
		return a.analytics.Timeseries(ctx, site.ID, q, site.Currency)
	})
	return ts, q, err
}

// Realtime counts the visitors active now.
func (a *App) Realtime(ctx context.Context, c Caller, in Read) (int64, error) {
	_, site, err := a.readQuery(ctx, c, in, analytics.Realtime)
	if err != nil {
		return 0, err
	}
	return read(ctx, a, site.ID, func(ctx context.Context) (int64, error) {
		return a.analytics.Realtime(ctx, site.ID)
	})
}

// Breakdown reads one breakdown (pages, referrers, countries...), with its
// total row count and the query it read.
func (a *App) Breakdown(ctx context.Context, c Caller, e analytics.Endpoint, in Read) ([]wire.BreakdownRow, int, *analytics.Query, error) {
	q, site, err := a.readQuery(ctx, c, in, e)
	if err != nil {
		return nil, 0, nil, err
	}
	var total int
	rows, err := read(ctx, a, site.ID, func(ctx context.Context) (rows []wire.BreakdownRow, err error) {
		rows, total, err = a.analytics.Breakdown(ctx, e, site.ID, q, site.Currency)
		return rows, err
	})
	return rows, total, q, err
}

// Visitors lists a period's visitors, with the query it read.
func (a *App) Visitors(ctx context.Context, c Caller, in Read) (*analytics.VisitorPage, *analytics.Query, error) {
	q, site, err := a.readQuery(ctx, c, in, analytics.Visitors)
	if err != nil {
		return nil, nil, err
	}
	page, err := read(ctx, a, site.ID, func(ctx context.Context) (*analytics.VisitorPage, error) {
		return a.analytics.Visitors(ctx, site.ID, q)
	})
	return page, q, err
}

// Visitor reads one visitor's profile and journey. The id may be a UUID
// of any version: the tracker's visitor ids are stored as they come when
// they are UUIDs.
func (a *App) Visitor(ctx context.Context, c Caller, websiteID, visitorID string) (*analytics.VisitorProfile, error) {
	id, err := a.visitorRead(c, websiteID)
	if err != nil {
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
	return read(ctx, a, site.ID, func(ctx context.Context) (*analytics.VisitorProfile, error) {
		return a.analytics.Visitor(ctx, site.ID, visitor)
	})
}

// visitorRead authorizes a read of visitors (never for a public
// dashboard: they carry visitor identities) and checks that the store
// reads them; it returns the website.
func (a *App) visitorRead(c Caller, websiteID string) (string, error) {
	id, err := authorize(c, ActReadAnalytics, websiteID)
	if err != nil {
		return "", err
	}
	if err := refusePublic(c); err != nil {
		return "", err
	}
	return id, a.visitorsReady()
}

// RealtimeMap reads where the visitors active now are.
func (a *App) RealtimeMap(ctx context.Context, c Caller, websiteID string) (*analytics.RealtimeMap, error) {
	return a.realtime(ctx, c, websiteID, a.analytics.RealtimeMap)
}

// RealtimeFeed reads the realtime count and the latest events and
// payments, without the active visitors of RealtimeMap: the dashboard's
// realtime panel. It is authorized like RealtimeMap.
func (a *App) RealtimeFeed(ctx context.Context, c Caller, websiteID string) (*analytics.RealtimeMap, error) {
	return a.realtime(ctx, c, websiteID, a.analytics.RealtimeFeed)
}

func (a *App) realtime(ctx context.Context, c Caller, websiteID string, do func(context.Context, string) (*analytics.RealtimeMap, error)) (*analytics.RealtimeMap, error) {
	id, err := a.visitorRead(c, websiteID)
	if err != nil {
		return nil, err
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return nil, err
	}
	return read(ctx, a, site.ID, func(ctx context.Context) (*analytics.RealtimeMap, error) {
		return do(ctx, site.ID)
	})
}

// Read limits: the defaults of Config.QueryTimeout, Config.MaxReadsPerWebsite
// and Config.MaxReads.
const (
	// DefaultQueryTimeout bounds one analytics read. A read of a year of a
	// busy website answers in well under a second; 15 s leaves room for a
	// slow disk and stops a pathological filter set long before a client or
	// proxy gives up.
	DefaultQueryTimeout = 15 * time.Second
	// DefaultMaxReadsPerWebsite is how many analytics reads of one website
	// run at once: a dashboard loads a handful of panels together, and one
	// website's readers cannot take every core from the others.
	DefaultMaxReadsPerWebsite = 4
)

// DefaultMaxReads is how many analytics reads run at once in total when
// Config.MaxReads is 0: two per core (a read waits on the disk part of the
// time; the event store parallelises one query over the cores anyway),
// and never fewer than DefaultMaxReadsPerWebsite.
func DefaultMaxReads() int {
	return max(2*runtime.GOMAXPROCS(0), DefaultMaxReadsPerWebsite)
}

// readRetryAfter is the wait a refused read is told to make.
const readRetryAfter = time.Second

// RetryError is an *openfast.Error (found by errors.As) that says when to
// try again: a front door passes RetryAfter on (HTTP: Retry-After).
type RetryError struct {
	Err   *openfast.Error
	After time.Duration
}

func (e *RetryError) Error() string             { return e.Err.Error() }
func (e *RetryError) Unwrap() error             { return e.Err }
func (e *RetryError) RetryAfter() time.Duration { return e.After }

// readGate counts the analytics reads in flight, per website and in total.
// A website's entry exists only while one of its reads runs, so the table
// holds at most total entries. Reads made with a WaitForReads context wait
// for their turn instead of being refused, at most maxWaiting of them at
// once.
type readGate struct {
	perWebsite, total, maxWaiting int

	mu      sync.Mutex
	running int
	waiting int
	sites   map[string]int
	turn    chan struct{} // closed, and replaced, when a read ends
}

// waitingPerRead is how many reads may wait per read that may run: a
// dashboard asks for about ten panels at once, two or three times a
// website's allowance, and a dozen people may open theirs together.
const waitingPerRead = 32

func newReadGate(perWebsite, total int) *readGate {
	return &readGate{perWebsite: perWebsite, total: total, maxWaiting: waitingPerRead * total,
		sites: make(map[string]int), turn: make(chan struct{})}
}

// enter admits a read of website id, or refuses it with ERATELIMIT. With
// a WaitForReads context a refused read waits for its turn instead, until
// ctx ends (then it is refused), unless maxWaiting reads wait already.
func (g *readGate) enter(ctx context.Context, id string) error {
	wait := ctx.Value(waitKey{}) != nil
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		err := g.admit(id)
		if err == nil || !wait || g.waiting >= g.maxWaiting {
			return err
		}
		g.waiting++
		turn := g.turn
		g.mu.Unlock()
		select {
		case <-turn:
		case <-ctx.Done():
		}
		g.mu.Lock()
		g.waiting--
		if ctx.Err() != nil {
			return err
		}
	}
}

// admit is enter's one try, with g.mu held.
func (g *readGate) admit(id string) error {
	if g.running >= g.total {
		return g.refuse("Too many analytics reads are running on this server (at most %d at once). Retry after %d second.", g.total)
	}
	if g.sites[id] >= g.perWebsite {
		return g.refuse("Too many analytics reads of this website are running (at most %d at once). Retry after %d second.", g.perWebsite)
	}
	g.running++
	g.sites[id]++
	return nil
}

func (g *readGate) refuse(format string, limit int) error {
	return &RetryError{
		Err:   openfast.Errorf(openfast.ERATELIMIT, format, limit, int(readRetryAfter/time.Second)),
		After: readRetryAfter,
	}
}

// leave ends a read that enter admitted, and wakes the reads waiting.
func (g *readGate) leave(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if g.sites[id]--; g.sites[id] <= 0 {
		delete(g.sites, id)
	}
	if g.waiting > 0 {
		close(g.turn)
		g.turn = make(chan struct{})
	}
}

// waitKey marks a context made by WaitForReads.
type waitKey struct{}

// WaitForReads returns a context whose analytics reads wait for their
// turn while the read limits (Config.MaxReadsPerWebsite and MaxReads) are
// reached, until the context ends, instead of being refused at once with
// ERATELIMIT. The dashboard reads this way: its panels load together,
// more of them than a website's allowance. A bounded number of reads wait
// (32 per read that may run); beyond them reads are refused as before.
func WaitForReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, waitKey{}, true)
}

// inFlight returns the reads running and the websites they read.
func (g *readGate) inFlight() (reads, websites int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running, len(g.sites)
}

// read runs one analytics read of website id: admitted by the read gate,
// under the query deadline. A read that outlives the deadline is stopped
// (the store's driver interrupts the query when its context ends) and
// answered with EUNAVAILABLE.
func read[T any](ctx context.Context, a *App, id string, do func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := a.reads.enter(ctx, id); err != nil {
		return zero, err
	}
	defer a.reads.leave(id)
	rctx, cancel := context.WithTimeout(ctx, a.queryTimeout)
	defer cancel()
	v, err := do(rctx)
	if err == nil {
		return v, nil
	}
	var appErr *openfast.Error
	switch {
	case errors.As(err, &appErr):
		return zero, err
	case ctx.Err() != nil:
		return zero, openfast.Errorf(openfast.EUNAVAILABLE, "The analytics read was canceled.")
	case rctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return zero, openfast.Errorf(openfast.EUNAVAILABLE,
			"The analytics read took longer than %s and was stopped. Narrow the date range or the filters, or retry later.", a.queryTimeout)
	}
	return zero, err
}
