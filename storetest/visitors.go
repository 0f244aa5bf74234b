package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// The visitor reads of Reference: the definitions of analytics/visitors.go
// written out one event at a time. Ties between events are broken as they
// say, by comparing keys: lists of strings that sort like the values they
// encode (times, integers and booleans in fixed-width forms, UUIDs in
// their canonical form, strings as they are).

var _ analytics.VisitorStore = (*Reference)(nil)

// key is a tie-break key: compared element by element, bytewise.
type key []string

func (k key) less(o key) bool { return slices.Compare(k, o) < 0 }

// signed encodes an integer so that the encodings sort like the numbers.
func signed(n int64) string { return fmt.Sprintf("%020d", uint64(n)^(1<<63)) }

func timeKey(t time.Time) string { return signed(t.UnixMicro()) }

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// latestKey orders the pageviews of the visitors list for "latest".
func latestKey(e *openfast.Event) key {
	return key{timeKey(e.Time), e.Hostname, e.Path, e.CountryCode, e.Region, e.City, e.Browser, e.OS, e.Device}
}

// firstKey orders the pageviews of the visitors list for "first".
func firstKey(e *openfast.Event) key {
	return key{timeKey(e.Time), e.SessionReferrer, e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via}
}

// campaignKey orders pageviews by time, then campaign.
func campaignKey(e *openfast.Event) key {
	return key{timeKey(e.Time), e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Ref, e.Source, e.Via}
}

func campaignOf(e *openfast.Event) analytics.Campaign {
	return analytics.Campaign{UTMSource: e.UTMSource, UTMMedium: e.UTMMedium, UTMCampaign: e.UTMCampaign, UTMTerm: e.UTMTerm,
		UTMContent: e.UTMContent, Ref: e.Ref, Source: e.Source, Via: e.Via}
}

func geoAndDeviceOf(e *openfast.Event) analytics.GeoAndDevice {
	return analytics.GeoAndDevice{CountryCode: e.CountryCode, Region: e.Region, City: e.City, Browser: e.Browser, OS: e.OS, Device: e.Device}
}

// coordinatesOf returns an event's coordinates as stores keep them.
func coordinatesOf(e *openfast.Event) openfast.Coordinates {
	if !e.Coordinates.Known {
		return openfast.Coordinates{}
	}
	return openfast.CoordinatesOf(e.Coordinates.Latitude, e.Coordinates.Longitude)
}

func identifyKey(e *openfast.Event) key { return key{timeKey(e.Time), e.Props} }

// pick keeps the event with the greatest (or least) key.
type pick struct {
	k key
	e *openfast.Event
}

func (p *pick) greatest(e *openfast.Event, k key) {
	if p.e == nil || p.k.less(k) {
		p.k, p.e = k, e
	}
}

func (p *pick) least(e *openfast.Event, k key) {
	if p.e == nil || k.less(p.k) {
		p.k, p.e = k, e
	}
}

// Visitors implements analytics.VisitorStore.
func (ref *Reference) Visitors(_ context.Context, r analytics.VisitorsRequest) ([]analytics.VisitorSummary, error) {
	pass := ref.filter(r.Request)
	var positive []analytics.Filter
	for _, f := range r.Filters {
		if f.Dimension == analytics.DimGoal && (f.Op == analytics.OpIs || f.Op == analytics.OpContains) {
			positive = append(positive, f)
		}
	}
	customers := map[openfast.UUID]bool{}
	done := map[openfast.UUID]time.Time{} // latest completion of a positive goal filter's goal
	type visitor struct {
		selected      bool
		last          time.Time
		latest, first pick
	}
	visitors := map[openfast.UUID]*visitor{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inRange(e, r.Request) {
			continue
		}
		switch e.Type {
		case openfast.EventPayment:
			customers[e.VisitorID] = true
		case openfast.EventCustom:
			for _, f := range positive {
				if matches(f.Op, e.Goal, f.Values) && e.Time.After(done[e.VisitorID]) {
					done[e.VisitorID] = e.Time
				}
			}
		case openfast.EventPageview:
			v := visitors[e.VisitorID]
			if v == nil {
				v = &visitor{}
				visitors[e.VisitorID] = v
			}
			v.selected = v.selected || pass(e)
			if e.Time.After(v.last) {
				v.last = e.Time
			}
			v.latest.greatest(e, latestKey(e))
			v.first.least(e, firstKey(e))
		}
	}
	var all []analytics.VisitorSummary
	for id, v := range visitors {
		if !v.selected || r.Customer != nil && customers[id] != *r.Customer {
			continue
		}
		s := analytics.VisitorSummary{VisitorID: id, LastSeen: v.last, Hostname: v.latest.e.Hostname, Path: v.latest.e.Path,
			GeoAndDevice: geoAndDeviceOf(v.latest.e), Referrer: v.first.e.SessionReferrer, Campaign: campaignOf(v.first.e)}
		if len(positive) > 0 {
			s.LastSeen = done[id]
		}
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b analytics.VisitorSummary) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return slices.Compare(a.VisitorID[:], b.VisitorID[:])
	})
	if r.Offset >= len(all) {
		return nil, nil
	}
	return all[r.Offset:min(len(all), r.Offset+r.Limit)], nil
}

// Visitor implements analytics.VisitorStore.
func (ref *Reference) Visitor(_ context.Context, websiteID string, id openfast.UUID) (*analytics.VisitorActivity, error) {
	a := &analytics.VisitorActivity{}
	var latest, first, ad, ident pick
	sessions := map[openfast.UUID]bool{}
	var pages, conversions []*openfast.Event
	for i := range ref.Events {
		e := &ref.Events[i]
		if e.WebsiteID != websiteID || e.VisitorID != id {
			continue
		}
		switch e.Type {
		case openfast.EventPageview:
			a.Pageviews++
			sessions[e.SessionID] = true
			if a.FirstVisit.IsZero() || e.Time.Before(a.FirstVisit) {
				a.FirstVisit = e.Time
			}
			latest.greatest(e, key{timeKey(e.Time), e.Hostname, e.Path, e.CountryCode, e.Region, e.City, e.Browser, e.OS, e.Device,
				fmt.Sprintf("%05d", e.ViewportWidth), fmt.Sprintf("%05d", e.ViewportHeight), e.SessionID.String()})
			first.least(e, campaignKey(e))
			if e.AdClickIDs != "" {
				ad.least(e, key{timeKey(e.Time), e.AdClickIDs})
			}
			pages = append(pages, e)
		case openfast.EventCustom, openfast.EventPayment:
			conversions = append(conversions, e)
		case openfast.EventIdentify:
			ident.greatest(e, identifyKey(e))
		}
	}
	if a.Pageviews == 0 {
		return nil, nil
	}
	l := latest.e
	a.Latest, a.Hostname, a.Path, a.GeoAndDevice = l.Time, l.Hostname, l.Path, geoAndDeviceOf(l)
	a.ViewportWidth, a.ViewportHeight, a.Session = l.ViewportWidth, l.ViewportHeight, l.SessionID
	a.First = campaignOf(first.e)
	if ad.e != nil {
		a.AdClickIDs = ad.e.AdClickIDs
	}
	a.Visits = int64(len(sessions))
	for _, e := range pages {
		if e.SessionID == a.Session && (a.CurrentVisit.IsZero() || e.Time.Before(a.CurrentVisit)) {
			a.CurrentVisit = e.Time
		}
	}
	newestFirst(pages, func(e *openfast.Event) key { return key{timeKey(e.Time), e.Hostname, e.Path} })
	for _, e := range pages[:min(len(pages), analytics.MaxVisitedPages)] {
		a.Pages = append(a.Pages, analytics.PageVisit{Time: e.Time, Hostname: e.Hostname, Path: e.Path})
	}
	newestFirst(conversions, func(e *openfast.Event) key {
		return key{timeKey(e.Time), fmt.Sprintf("%03d", e.Type), e.Goal, boolKey(e.EventID != ""), e.Props, signed(e.RevenueCents), e.Currency}
	})
	for _, e := range conversions[:min(len(conversions), analytics.MaxCompletedGoals)] {
		a.Conversions = append(a.Conversions, analytics.Conversion{Time: e.Time, Type: e.Type, Goal: e.Goal, Server: e.EventID != "", Props: e.Props,
			RevenueCents: e.RevenueCents, Currency: e.Currency})
	}
	if ident.e != nil {
		a.Identify = &analytics.Identify{Time: ident.e.Time, Props: ident.e.Props}
	}
	return a, nil
}

// newestFirst sorts events by descending key.
func newestFirst(events []*openfast.Event, k func(*openfast.Event) key) {
	slices.SortStableFunc(events, func(a, b *openfast.Event) int { return slices.Compare(k(b), k(a)) })
}

// RecentActivity implements analytics.VisitorStore.
func (ref *Reference) RecentActivity(ctx context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	a, err := ref.RealtimeActivity(ctx, websiteID, since, until)
	if a != nil {
		a.Visitors = nil
	}
	return a, err
}

// RealtimeActivity implements analytics.VisitorStore.
func (ref *Reference) RealtimeActivity(_ context.Context, websiteID string, since, until time.Time) (*analytics.RealtimeActivity, error) {
	out := &analytics.RealtimeActivity{}
	type active struct {
		id   openfast.UUID
		seen time.Time
		cur  pick
	}
	byID := map[openfast.UUID]*active{}
	var window, payments []*openfast.Event
	for i := range ref.Events {
		e := &ref.Events[i]
		if e.WebsiteID != websiteID || e.Time.Before(since) || e.Time.After(until) {
			continue
		}
		if e.Type != openfast.EventPaymentHint { // hints make a visitor active, but are no recent event
			window = append(window, e)
		}
		if e.Type == openfast.EventPayment {
			payments = append(payments, e)
		}
		if e.VisitorID == (openfast.UUID{}) {
			continue
		}
		v := byID[e.VisitorID]
		if v == nil {
			v = &active{id: e.VisitorID}
			byID[e.VisitorID] = v
		}
		if e.Time.After(v.seen) {
			v.seen = e.Time
		}
		lat, lon := "~", "~" // unknown: greater than any
		if c := coordinatesOf(e); c.Known {
			lat, lon = signed(int64(math.Round(c.Latitude*100))), signed(int64(math.Round(c.Longitude*100)))
		}
		v.cur.greatest(e, key{boolKey(e.Type == openfast.EventPageview), timeKey(e.Time), e.Path, e.CountryCode, e.Region, e.City,
			e.Browser, e.OS, e.Device, e.SessionReferrer, e.SessionID.String(), lat, lon})
	}
	actives := make([]*active, 0, len(byID))
	for _, v := range byID {
		actives = append(actives, v)
	}
	slices.SortFunc(actives, func(a, b *active) int {
		if c := b.seen.Compare(a.seen); c != 0 {
			return c
		}
		return slices.Compare(a.id[:], b.id[:])
	})
	for _, v := range actives[:min(len(actives), analytics.MaxActiveVisitors)] {
		c := v.cur.e
		av := analytics.ActiveVisitor{VisitorID: v.id, LastSeen: v.seen, Time: c.Time, Path: c.Path, GeoAndDevice: geoAndDeviceOf(c),
			Referrer: c.SessionReferrer, Session: c.SessionID, Coordinates: coordinatesOf(c)}
		sessions := map[openfast.UUID]bool{}
		var ident, entry pick
		for i := range ref.Events {
			e := &ref.Events[i]
			if e.WebsiteID != websiteID || e.VisitorID != v.id {
				continue
			}
			switch e.Type {
			case openfast.EventPageview:
				sessions[e.SessionID] = true
				if e.SessionID == c.SessionID {
					entry.least(e, campaignKey(e))
				}
			case openfast.EventPayment:
				av.Customer = true
			case openfast.EventIdentify:
				ident.greatest(e, identifyKey(e))
			}
		}
		av.Visits = int64(len(sessions))
		if entry.e != nil {
			av.SessionStart, av.Entry = entry.e.Time, campaignOf(entry.e)
		}
		if ident.e != nil {
			av.Identify = &analytics.Identify{Time: ident.e.Time, Props: ident.e.Props}
		}
		out.Visitors = append(out.Visitors, av)
	}
	newestFirst(window, func(e *openfast.Event) key {
		return key{timeKey(e.Time), fmt.Sprintf("%03d", e.Type), e.Goal, e.VisitorID.String(), e.EventID, e.Path, e.CountryCode,
			e.Props, e.SessionReferrer, signed(e.RevenueCents)}
	})
	for _, e := range window[:min(len(window), analytics.MaxRecentEvents)] {
		out.Events = append(out.Events, analytics.RecentEvent{EventID: e.EventID, Type: e.Type, Goal: e.Goal, VisitorID: e.VisitorID,
			Time: e.Time, Path: e.Path, CountryCode: e.CountryCode, Props: e.Props, SessionReferrer: e.SessionReferrer, RevenueCents: e.RevenueCents})
	}
	newestFirst(payments, func(e *openfast.Event) key {
		return key{timeKey(e.Time), e.EventID, signed(e.RevenueCents), e.Currency}
	})
	for _, e := range payments[:min(len(payments), analytics.MaxRecentPayments)] {
		out.Payments = append(out.Payments, analytics.RecentPayment{EventID: e.EventID, Time: e.Time, RevenueCents: e.RevenueCents, Currency: e.Currency,
			VisitorID: e.VisitorID, Props: e.Props})
	}
	return out, nil
}

// FirstPayments implements analytics.FirstPaymentStore.
func (ref *Reference) FirstPayments(_ context.Context, websiteID string, visitors []openfast.UUID, emails []string) (map[openfast.UUID]time.Time, map[string]time.Time, error) {
	wantV := map[openfast.UUID]bool{}
	for _, v := range visitors {
		wantV[v] = true
	}
	wantE := map[string]bool{}
	for _, e := range emails {
		wantE[e] = true
	}
	byVisitor, byEmail := map[openfast.UUID]time.Time{}, map[string]time.Time{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if e.WebsiteID != websiteID || e.Type != openfast.EventPayment {
			continue
		}
		if t, ok := byVisitor[e.VisitorID]; wantV[e.VisitorID] && (!ok || e.Time.Before(t)) {
			byVisitor[e.VisitorID] = e.Time
		}
		var props map[string]string
		_ = json.Unmarshal([]byte(e.Props), &props)
		if email := props["email"]; wantE[email] {
			if t, ok := byEmail[email]; !ok || e.Time.Before(t) {
				byEmail[email] = e.Time
			}
		}
	}
	return byVisitor, byEmail, nil
}
