package analytics

import (
	"cmp"
	"context"
	"encoding/json"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/wire"
)

// The visitor reads of the Website API: the visitors list (§5.9), one
// visitor (§5.10) and the realtime map (§5.5). A store answers the query
// descriptions of VisitorStore with plain facts; the response shapes are
// built here, so that every store answers with the same JSON.
//
// The definitions, over the events of one website:
//   - the visitors list holds the visitors with a pageview in the range
//     that passes every filter but goal (one pageview passes them all, as
//     for the visitors of the overview); goal filters keep the visitors who
//     completed (is, contains) or never completed (is_not,
//     does_not_contain) one of the goals in the range; Customer keeps the
//     visitors with (true) or without (false) a payment in the range. Its
//     row describes all of the visitor's pageviews in the range: the latest
//     gives currentUrl and identity, the first the acquisition, and
//     lastSeenAt is the latest one's time or, with a positive goal filter,
//     the time of the visitor's latest completion in the range of a goal
//     that such a filter matches. Rows sort by lastSeenAt (descending),
//     then by visitor id;
//   - one visitor: all of its events, all time; a visit is a session with
//     a pageview; the current visit is the session of the latest pageview;
//   - the realtime map: the events at or after now - RealtimeWindow. An
//     active visitor is a visitor id other than the zero UUID (payments
//     without a visitor) with such an event; its current event is its
//     latest pageview of the window, or its latest event of the window
//     when it has no pageview there.
//
// "Latest" and "first" are by time; events of the same time are ordered by
// the values picked, compared one after the other (strings bytewise, false
// before true), as the comment of each field says. Every store thus picks
// the same event, and lists of events have the same order.

// Limits of the visitor reads.
const (
	MaxVisitedPages   = 100  // visitedPages of one visitor
	MaxCompletedGoals = 100  // completedGoals of one visitor
	MaxActiveVisitors = 1000 // visitors of the realtime map, the most recently seen
	MaxRecentEvents   = 50   // recentEvents of the realtime map
	MaxRecentPayments = 20   // recentPayments of the realtime map
)

// VisitorsRequest selects a page of the visitors list.
type VisitorsRequest struct {
	Request
	Customer      *bool // with (true) or without (false) a payment in the range; nil: both
	Limit, Offset int
}

// GeoAndDevice is where a pageview came from: the place and the software.
type GeoAndDevice struct {
	CountryCode, Region, City string
	Browser, OS, Device       string
}

// Campaign holds the acquisition parameters of a page URL.
type Campaign struct {
	UTMSource, UTMMedium, UTMCampaign, UTMTerm, UTMContent string
	Ref, Source, Via                                       string
}

// VisitorSummary is one row of the visitors list.
type VisitorSummary struct {
	VisitorID openfast.UUID
	LastSeen  time.Time
	// The latest pageview in the range: the greatest (time, hostname,
	// path, country, region, city, browser, os, device).
	Hostname, Path string
	GeoAndDevice
	// The first pageview in the range: the least (time, session referrer,
	// utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref,
	// source, via).
	Referrer string // its session's referrer
	Campaign
}

// PageVisit is one pageview of a visitor.
type PageVisit struct {
	Time           time.Time
	Hostname, Path string
}

// Conversion is a custom goal or a payment of a visitor.
type Conversion struct {
	Time   time.Time
	Type   openfast.EventType // EventCustom or EventPayment
	Goal   string
	Server bool   // sent through the API (the event has an EventID)
	Props  string // its parameters, a JSON object ("" for none)
	// A payment's amount in cents and currency, as recorded (not
	// converted); 0 and "" for a goal.
	RevenueCents int64
	Currency     string
}

// Identify is an identify event: its time and its props (a JSON object
// with user_id).
type Identify struct {
	Time  time.Time
	Props string
}

// VisitorActivity is what a store knows of one visitor.
type VisitorActivity struct {
	// The latest pageview: the greatest (time, hostname, path, country,
	// region, city, browser, os, device, viewport width, viewport height,
	// session id).
	Latest         time.Time
	Hostname, Path string
	GeoAndDevice
	ViewportWidth, ViewportHeight uint16
	Session                       openfast.UUID
	// The first pageview: the least (time, utm_source, utm_medium,
	// utm_campaign, utm_term, utm_content, ref, source, via).
	First Campaign
	// The ad click ids of the first pageview that has any: the least
	// (time, ad click ids); "" when none has.
	AdClickIDs string
	Visits     int64     // distinct sessions of pageviews
	Pageviews  int64     // pageviews
	FirstVisit time.Time // the first pageview's time
	// CurrentVisit is the time of the first pageview of Session.
	CurrentVisit time.Time
	// Pages are the latest MaxVisitedPages pageviews by descending (time,
	// hostname, path).
	Pages []PageVisit
	// Conversions are the latest MaxCompletedGoals custom and payment
	// events (not payment hints) by descending (time, type, goal, server,
	// props, revenue cents, currency).
	Conversions []Conversion
	// Identify is the latest identify event, the greatest (time, props);
	// nil when the visitor was never identified.
	Identify *Identify
}

// ActiveVisitor is one visitor of the realtime map.
type ActiveVisitor struct {
	VisitorID openfast.UUID
	LastSeen  time.Time // its latest event of the window
	// The current event: the greatest (is a pageview, time, path, country,
	// region, city, browser, os, device, session referrer, session id,
	// latitude, longitude) of the window; unknown coordinates are greater
	// than any.
	Time         time.Time
	Path         string
	GeoAndDevice GeoAndDevice
	Referrer     string // the session's referrer
	Session      openfast.UUID
	Coordinates  openfast.Coordinates
	// The first pageview of Session (any time): its time (zero when the
	// session has no pageview) and campaign, the least (time, utm_source,
	// utm_medium, utm_campaign, utm_term, utm_content, ref, source, via).
	SessionStart time.Time
	Entry        Campaign
	// All time: distinct sessions of pageviews, whether it has a payment,
	// its latest identify event (see VisitorActivity.Identify).
	Visits   int64
	Customer bool
	Identify *Identify
}

// RecentEvent is one event of the realtime map.
type RecentEvent struct {
	EventID         string
	Type            openfast.EventType
	Goal            string
	VisitorID       openfast.UUID
	Time            time.Time
	Path            string
	CountryCode     string
	Props           string
	SessionReferrer string
	RevenueCents    int64
}

// RecentPayment is one payment of the realtime map.
type RecentPayment struct {
	EventID      string
	Time         time.Time
	RevenueCents int64
	Currency     string
	VisitorID    openfast.UUID // zero: none
	Props        string        // as stored: email, name, customer_id, renewal, refunded, is_free_trial
}

// RealtimeActivity is what a store knows of the realtime window.
type RealtimeActivity struct {
	// Visitors are the MaxActiveVisitors active visitors seen last, by
	// descending LastSeen, then ascending visitor id.
	Visitors []ActiveVisitor
	// Events are the latest MaxRecentEvents events of the window (any
	// type but payment hints, any visitor), by descending (time, type, goal, visitor id,
	// event id, path, country, props, session referrer, revenue).
	Events []RecentEvent
	// Payments are the latest MaxRecentPayments payments of the window,
	// by descending (time, event id, revenue, currency).
	Payments []RecentPayment
}

// VisitorStore runs the query descriptions of the visitor reads.
type VisitorStore interface {
	// Visitors returns at most Limit rows of the visitors list, from row
	// Offset.
	Visitors(ctx context.Context, r VisitorsRequest) ([]VisitorSummary, error)
	// Visitor returns one visitor's activity on a website, nil when the
	// visitor has no pageview there.
	Visitor(ctx context.Context, websiteID string, visitor openfast.UUID) (*VisitorActivity, error)
	// RealtimeActivity returns the website's events in [since, until].
	RealtimeActivity(ctx context.Context, websiteID string, since, until time.Time) (*RealtimeActivity, error)
	// RecentActivity is RealtimeActivity without its Visitors, whose
	// history costs a read of the website's past.
	RecentActivity(ctx context.Context, websiteID string, since, until time.Time) (*RealtimeActivity, error)
}

// VisitorStore returns the service's store as a VisitorStore, or an
// EUNAVAILABLE error when it is not one.
func (s *Service) VisitorStore() (VisitorStore, error) {
	if vs, ok := s.Store.(VisitorStore); ok {
		return vs, nil
	}
	return nil, openfast.Errorf(openfast.EUNAVAILABLE, "Visitor reads are not enabled on this server.")
}

// isoTime formats a time as DataFast does: ISO 8601 UTC with milliseconds.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// orNull is nil for "", else s.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// propString returns the string parameter name of a props object, or nil
// when it has none (or props is not an object).
func propString(props, name string) *string {
	if props == "" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(props), &m) != nil {
		return nil
	}
	v, ok := m[name].(string)
	if !ok {
		return nil
	}
	return &v
}

// sinceMillis is the time from t to now in milliseconds, 0 for a t after
// now.
func sinceMillis(now, t time.Time) int64 {
	return max(0, now.Sub(t).Milliseconds())
}

// --- GET /visitors ---

// VisitorIdentity is the identity of a visitors list row: flat strings.
type VisitorIdentity = wire.VisitorIdentity

// Acquisition is how a visitors list row's visitor came: its first
// pageview's session referrer and campaign parameters ("" when absent).
type Acquisition = wire.Acquisition

// VisitorRow is one row of GET /visitors.
type VisitorRow = wire.VisitorRow

// VisitorPage is the answer of GET /visitors.
type VisitorPage struct {
	Rows    []VisitorRow
	HasMore bool
}

// Visitors answers GET /visitors: the page of rows asked for, and whether
// more follow.
func (s *Service) Visitors(ctx context.Context, websiteID string, q *Query) (*VisitorPage, error) {
	vs, err := s.VisitorStore()
	if err != nil {
		return nil, err
	}
	// One row more than asked for tells whether more follow.
	rows, err := vs.Visitors(ctx, VisitorsRequest{
		Request:  Request{WebsiteID: websiteID, Range: q.Range, Filters: q.Filters},
		Customer: q.Customer, Limit: q.Limit + 1, Offset: q.Offset,
	})
	if err != nil {
		return nil, err
	}
	page := &VisitorPage{Rows: make([]VisitorRow, 0, min(len(rows), q.Limit))}
	if len(rows) > q.Limit {
		rows, page.HasMore = rows[:q.Limit], true
	}
	for _, v := range rows {
		page.Rows = append(page.Rows, VisitorRow{
			VisitorID:  v.VisitorID.String(),
			LastSeenAt: isoTime(v.LastSeen),
			CurrentURL: v.Hostname + v.Path,
			Identity: VisitorIdentity{Country: v.CountryCode, Region: v.Region, City: v.City,
				Browser: v.Browser, OS: v.OS, Device: v.Device},
			Acquisition: Acquisition{Referrer: v.Referrer, UTMSource: v.UTMSource, UTMMedium: v.UTMMedium,
				UTMCampaign: v.UTMCampaign, UTMTerm: v.UTMTerm, UTMContent: v.UTMContent, Ref: v.Ref, Source: v.Source, Via: v.Via},
		})
	}
	return page, nil
}

// --- GET /visitors/{visitorId} ---

// Params are the campaign parameters of a page URL, null when absent, in
// the order of the spec.
type Params = wire.CampaignParams

func paramsOf(c Campaign) Params {
	return Params{Ref: orNull(c.Ref), Source: orNull(c.Source), Via: orNull(c.Via),
		UTMSource: orNull(c.UTMSource), UTMMedium: orNull(c.UTMMedium), UTMCampaign: orNull(c.UTMCampaign),
		UTMContent: orNull(c.UTMContent), UTMTerm: orNull(c.UTMTerm)}
}

// Software is a browser or an operating system; openfast keeps no version.
type Software = wire.Software

// DeviceInfo is a device; openfast keeps its type only.
type DeviceInfo = wire.DeviceInfo

// Viewport is a window size in pixels, null when unknown.
type Viewport = wire.Viewport

func pixels(n uint16) *int {
	if n == 0 {
		return nil
	}
	v := int(n)
	return &v
}

// ProfileIdentity is the identity of one visitor: its latest pageview,
// with the campaign of its first.
type ProfileIdentity = wire.ProfileIdentity

// VisitedPage is one entry of visitedPages.
type VisitedPage = wire.VisitedPage

// CompletedGoal is one entry of completedGoals.
type CompletedGoal = wire.CompletedGoal

// ProfileActivity is the activity of one visitor.
type ProfileActivity = wire.ProfileActivity

// IdentifiedProfile is what the latest identify event said.
type IdentifiedProfile = wire.IdentifiedProfile

// VisitorProfile is the answer of GET /visitors/{visitorId}.
type VisitorProfile = wire.VisitorProfile

// Visitor answers GET /visitors/{visitorId}; ENOTFOUND when the visitor
// has no pageview on the website.
func (s *Service) Visitor(ctx context.Context, websiteID string, visitor openfast.UUID) (*VisitorProfile, error) {
	vs, err := s.VisitorStore()
	if err != nil {
		return nil, err
	}
	a, err := vs.Visitor(ctx, websiteID, visitor)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "No pageview of this visitor on this website.")
	}
	now := s.now()
	p := &VisitorProfile{
		VisitorID: visitor.String(),
		Identity: ProfileIdentity{
			CountryCode: orNull(a.CountryCode), Region: orNull(a.Region), City: orNull(a.City),
			Params:     paramsOf(a.First),
			AdClickIDs: jsonObject(a.AdClickIDs),
			Browser:    Software{Name: orNull(a.Browser)},
			OS:         Software{Name: orNull(a.OS)},
			Device:     DeviceInfo{Type: orNull(a.Device)},
			Viewport:   Viewport{Width: pixels(a.ViewportWidth), Height: pixels(a.ViewportHeight)},
		},
		Activity: ProfileActivity{
			VisitCount: a.Visits, PageViewCount: a.Pageviews,
			TimeSinceFirstVisit:   sinceMillis(now, a.FirstVisit),
			TimeSinceCurrentVisit: sinceMillis(now, a.CurrentVisit),
			FirstVisitAt:          isoTime(a.FirstVisit),
			LastVisitAt:           isoTime(a.Latest),
			CurrentURL:            a.Hostname + a.Path,
			VisitedPages:          make([]VisitedPage, 0, len(a.Pages)),
			CompletedGoals:        make([]CompletedGoal, 0, len(a.Conversions)),
		},
	}
	if a.CountryCode != "" {
		p.Identity.Country = orNull(countryName(a.CountryCode))
	}
	for _, pv := range a.Pages {
		p.Activity.VisitedPages = append(p.Activity.VisitedPages, VisitedPage{URL: pv.Hostname + pv.Path, Timestamp: isoTime(pv.Time)})
	}
	for _, c := range a.Conversions {
		g := CompletedGoal{Name: c.Goal, Description: propString(c.Props, "description"), IsServer: c.Server, Origin: "manual", Timestamp: isoTime(c.Time)}
		if c.Type == openfast.EventPayment {
			g.Name, g.Origin = "payment", "payment_provider"
			props := stringProps(c.Props)
			amount, currency := Money(c.RevenueCents), c.Currency
			renewal, refunded := props["renewal"] == "true", c.RevenueCents < 0 || props["refunded"] == "true"
			g.Amount, g.Currency, g.Renewal, g.Refunded = &amount, &currency, &renewal, &refunded
		}
		p.Activity.CompletedGoals = append(p.Activity.CompletedGoals, g)
	}
	if a.Identify != nil {
		props := map[string]any{}
		json.Unmarshal([]byte(a.Identify.Props), &props) // a bad object leaves an empty profile
		userID, _ := props["user_id"].(string)
		delete(props, "user_id")
		p.Profile = &IdentifiedProfile{UserID: userID, Metadata: props, IdentifiedAt: isoTime(a.Identify.Time)}
	}
	return p, nil
}

// jsonObject returns a stored JSON object, or {} when s is empty or not
// an object.
func jsonObject(s string) json.RawMessage {
	if len(s) >= 2 && s[0] == '{' && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return json.RawMessage("{}")
}

// --- GET /analytics/realtime/map ---

// MapLocation is where an active visitor is.
type MapLocation = wire.MapLocation

// Named is a {"name": ...} object.
type Named = wire.Named

// Typed is a {"type": ...} object.
type Typed = wire.Typed

// MapSystem is an active visitor's software, in the nested form of the
// spec's example.
type MapSystem = wire.MapSystem

// ProfileData is what an identify event said of an active visitor.
type ProfileData = wire.ProfileData

// MapVisitor is one visitor of the realtime map.
type MapVisitor = wire.MapVisitor

// MapEvent is one recent event of the realtime map.
type MapEvent = wire.MapEvent

// MapPayment is one recent payment of the realtime map.
type MapPayment = wire.MapPayment

// RealtimeMap is the answer of GET /analytics/realtime/map.
type RealtimeMap = wire.RealtimeMap

// sessionReferrer is a session's referrer, null for none.
func sessionReferrer(s string) *string {
	if s == "Direct/None" {
		return nil
	}
	return orNull(s)
}

// RealtimeMap answers GET /analytics/realtime/map. Its count is the
// figure of GET /analytics/realtime.
func (s *Service) RealtimeMap(ctx context.Context, websiteID string) (*RealtimeMap, error) {
	return s.realtimeMap(ctx, websiteID, true)
}

// RealtimeFeed is RealtimeMap without its visitors: the count and the
// latest events and payments, what the dashboard's realtime panel shows.
// Its payments' isNew is left true.
func (s *Service) RealtimeFeed(ctx context.Context, websiteID string) (*RealtimeMap, error) {
	return s.realtimeMap(ctx, websiteID, false)
}

// realtimeMap is RealtimeMap, or with !full RealtimeFeed.
func (s *Service) realtimeMap(ctx context.Context, websiteID string, full bool) (*RealtimeMap, error) {
	vs, err := s.VisitorStore()
	if err != nil {
		return nil, err
	}
	now := s.now()
	since := now.Add(-RealtimeWindow)
	count, err := s.Store.ActiveVisitors(ctx, websiteID, since, now)
	if err != nil {
		return nil, err
	}
	activity := vs.RealtimeActivity
	if !full {
		activity = vs.RecentActivity
	}
	a, err := activity(ctx, websiteID, since, now)
	if err != nil {
		return nil, err
	}
	m := &RealtimeMap{
		Count:          count,
		Visitors:       make([]MapVisitor, 0, len(a.Visitors)),
		RecentEvents:   make([]MapEvent, 0, len(a.Events)),
		RecentPayments: make([]MapPayment, 0, len(a.Payments)),
	}
	for _, v := range a.Visitors {
		start := v.SessionStart
		if start.IsZero() {
			start = v.Time
		}
		mv := MapVisitor{
			VisitorID: v.VisitorID.String(),
			Location:  MapLocation{City: v.GeoAndDevice.City, Region: v.GeoAndDevice.Region, CountryCode: v.GeoAndDevice.CountryCode},
			System: MapSystem{Browser: Named{Name: v.GeoAndDevice.Browser}, OS: Named{Name: v.GeoAndDevice.OS},
				Device: Typed{Type: v.GeoAndDevice.Device}},
			CurrentURL:       v.Path,
			Referrer:         sessionReferrer(v.Referrer),
			SessionStartTime: isoTime(start),
			VisitCount:       v.Visits,
			Params:           paramsOf(v.Entry),
			IsCustomer:       v.Customer,
		}
		if c := v.Coordinates; c.Known {
			mv.Latitude, mv.Longitude = &c.Latitude, &c.Longitude
		}
		if v.Identify != nil {
			var props map[string]any
			json.Unmarshal([]byte(v.Identify.Props), &props)
			name, _ := props["name"].(string)
			userID, _ := props["user_id"].(string)
			mv.ProfileData = ProfileData{DisplayName: orNull(name), UserID: orNull(userID), HasProfile: true}
		}
		m.Visitors = append(m.Visitors, mv)
	}
	for _, e := range a.Events {
		me := MapEvent{
			ID: e.EventID, Type: e.Type.String(), Timestamp: isoTime(e.Time), Path: e.Path, CountryCode: e.CountryCode,
			ExtraData: jsonObject(e.Props), Referrer: sessionReferrer(e.SessionReferrer),
		}
		if e.Type == openfast.EventCustom {
			me.Type = e.Goal
		}
		if e.VisitorID != (openfast.UUID{}) {
			me.VisitorID = orNull(e.VisitorID.String())
		}
		if e.Type == openfast.EventPayment {
			amount := Money(e.RevenueCents)
			me.Amount = &amount
		}
		m.RecentEvents = append(m.RecentEvents, me)
	}
	// The customers of the window's payments, latest first, by visitor.
	customers := map[openfast.UUID]map[string]string{}
	for _, p := range a.Payments {
		props := stringProps(p.Props)
		renewal := props["renewal"] == "true"
		m.RecentPayments = append(m.RecentPayments, MapPayment{
			ID: p.EventID, Type: "payment_received", Timestamp: isoTime(p.Time), Amount: Money(p.RevenueCents),
			Currency: p.Currency, Name: orNull(props["name"]), Email: orNull(props["email"]), Renewal: renewal,
			DisplayName: orNull(props["name"]), IsNew: true, Visible: true, // markNew
		})
		if _, ok := customers[p.VisitorID]; !ok && p.VisitorID != (openfast.UUID{}) {
			customers[p.VisitorID] = props
		}
	}
	for i := range m.Visitors {
		v := &m.Visitors[i]
		id, _ := openfast.ParseUUID(v.VisitorID)
		name, email := "", ""
		if p := customers[id]; p != nil {
			name, email = p["name"], p["email"]
		}
		if ident := a.Visitors[i].Identify; ident != nil {
			props := stringProps(ident.Props)
			name, email = cmp.Or(props["name"], name), cmp.Or(props["email"], email)
		}
		v.CustomerName, v.CustomerEmail = orNull(name), orNull(email)
	}
	if !full {
		return m, nil // isNew costs a read of the website's past
	}
	if err := s.markNew(ctx, websiteID, a, m); err != nil {
		return nil, err
	}
	return m, nil
}

// stringProps reads the string members of stored props ("" or a JSON
// object).
func stringProps(raw string) map[string]string {
	var props map[string]any
	json.Unmarshal([]byte(raw), &props)
	out := make(map[string]string, len(props))
	for k, v := range props {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// FirstPaymentStore finds when customers paid first: for each of these
// visitors and emails (as the payments' props carry them), the time of its
// first payment on the website. Customers without a payment are left out.
type FirstPaymentStore interface {
	FirstPayments(ctx context.Context, websiteID string, visitors []openfast.UUID, emails []string) (map[openfast.UUID]time.Time, map[string]time.Time, error)
}

// markNew sets the isNew of the map's payments: the first payment of its
// visitor and of its email (a payment with neither is new).
func (s *Service) markNew(ctx context.Context, websiteID string, a *RealtimeActivity, m *RealtimeMap) error {
	fs, ok := s.Store.(FirstPaymentStore)
	if !ok || len(a.Payments) == 0 {
		return nil
	}
	var visitors []openfast.UUID
	var emails []string
	for _, p := range a.Payments {
		if p.VisitorID != (openfast.UUID{}) {
			visitors = append(visitors, p.VisitorID)
		}
		if e := stringProps(p.Props)["email"]; e != "" {
			emails = append(emails, e)
		}
	}
	byVisitor, byEmail, err := fs.FirstPayments(ctx, websiteID, visitors, emails)
	if err != nil {
		return err
	}
	for i, p := range a.Payments {
		isNew := true
		if t, ok := byVisitor[p.VisitorID]; ok && p.VisitorID != (openfast.UUID{}) && t.Before(p.Time) {
			isNew = false
		}
		if t, ok := byEmail[stringProps(p.Props)["email"]]; ok && t.Before(p.Time) {
			isNew = false
		}
		m.RecentPayments[i].IsNew = isNew
	}
	return nil
}
