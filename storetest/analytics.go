package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// Reference is a naive analytics.Store over events in memory: the
// definitions of the analytics package written out in plain Go, one event
// at a time, with Go's own timezone database for the buckets. The property
// tests compare every store with it.
type Reference struct {
	Events []openfast.Event
}

var _ analytics.Store = (*Reference)(nil)

func inRange(e *openfast.Event, r analytics.Request) bool {
	return e.WebsiteID == r.WebsiteID && (r.Range.All || (!e.Time.Before(r.Range.Start) && e.Time.Before(r.Range.End)))
}

// column is an event's value of a stored column.
func column(e *openfast.Event, c analytics.Column) string {
	switch c {
	case analytics.ColHostname:
		return e.Hostname
	case analytics.ColPath:
		return e.Path
	case analytics.ColEntryPath:
		return e.EntryPath
	case analytics.ColSessionReferrer:
		return e.SessionReferrer
	case analytics.ColCountry:
		return e.CountryCode
	case analytics.ColRegion:
		return e.Region
	case analytics.ColCity:
		return e.City
	case analytics.ColBrowser:
		return e.Browser
	case analytics.ColOS:
		return e.OS
	case analytics.ColDevice:
		return e.Device
	case analytics.ColGoal:
		return e.Goal
	case analytics.ColUTMSource:
		return e.UTMSource
	case analytics.ColUTMMedium:
		return e.UTMMedium
	case analytics.ColUTMCampaign:
		return e.UTMCampaign
	case analytics.ColUTMTerm:
		return e.UTMTerm
	case analytics.ColUTMContent:
		return e.UTMContent
	case analytics.ColRef:
		return e.Ref
	case analytics.ColSource:
		return e.Source
	case analytics.ColVia:
		return e.Via
	}
	panic("unknown column " + string(c))
}

// matches reports whether v passes op over values.
func matches(op analytics.Op, v string, values []string) bool {
	any := false
	for _, x := range values {
		if (op == analytics.OpIs || op == analytics.OpIsNot) && v == x ||
			(op == analytics.OpContains || op == analytics.OpDoesNotContain) && strings.Contains(v, x) {
			any = true
		}
	}
	if op == analytics.OpIsNot || op == analytics.OpDoesNotContain {
		return !any
	}
	return any
}

// filter returns a predicate for the request's filters.
func (ref *Reference) filter(r analytics.Request) func(e *openfast.Event) bool {
	type goalSet struct {
		negate   bool
		visitors map[openfast.UUID]bool
	}
	var goals []goalSet
	for _, f := range r.Filters {
		if f.Dimension != analytics.DimGoal {
			continue
		}
		op, negate := f.Op, false
		switch op {
		case analytics.OpIsNot:
			op, negate = analytics.OpIs, true
		case analytics.OpDoesNotContain:
			op, negate = analytics.OpContains, true
		}
		set := map[openfast.UUID]bool{}
		for i := range ref.Events {
			e := &ref.Events[i]
			if inRange(e, r) && e.Type == openfast.EventCustom && matches(op, e.Goal, f.Values) {
				set[e.VisitorID] = true
			}
		}
		goals = append(goals, goalSet{negate, set})
	}
	return func(e *openfast.Event) bool {
		for _, f := range r.Filters {
			if f.Dimension == analytics.DimGoal {
				continue
			}
			if !matches(f.Op, column(e, analytics.FilterColumn(f.Dimension)), analytics.FilterValues(f)) {
				return false
			}
		}
		for _, g := range goals {
			if g.visitors[e.VisitorID] == g.negate {
				return false
			}
		}
		return true
	}
}

type session struct {
	n          int
	first, end time.Time
}

// Totals implements analytics.Store.
func (ref *Reference) Totals(_ context.Context, r analytics.Request) (analytics.Totals, error) {
	var t analytics.Totals
	pass := ref.filter(r)
	visitors := map[openfast.UUID]bool{}
	sessions := map[[2]openfast.UUID]*session{} // a session is one visitor's
	converts := map[openfast.UUID]bool{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inRange(e, r) {
			continue
		}
		if customer(e, r) {
			converts[e.VisitorID] = true // a customer: goals do not convert
		}
		if e.Type != openfast.EventPageview || !pass(e) {
			continue
		}
		visitors[e.VisitorID] = true
		s := sessions[[2]openfast.UUID{e.VisitorID, e.SessionID}]
		if s == nil {
			s = &session{first: e.Time, end: e.Time}
			sessions[[2]openfast.UUID{e.VisitorID, e.SessionID}] = s
		}
		s.n++
		if e.Time.Before(s.first) {
			s.first = e.Time
		}
		if e.Time.After(s.end) {
			s.end = e.Time
		}
	}
	t.Visitors, t.Sessions = int64(len(visitors)), int64(len(sessions))
	for _, s := range sessions {
		if s.n == 1 {
			t.Bounces++
		}
		t.DurationMicros += s.end.UnixMicro() - s.first.UnixMicro()
	}
	for v := range visitors {
		if converts[v] {
			t.Converted++
		}
	}
	return t, nil
}

// BucketKey is the key of an event's bucket, from the timezone database
// (the definition of analytics.Schedule).
func BucketKey(unit analytics.Unit, t time.Time, loc *time.Location) int64 {
	lt := t.In(loc)
	y, m, d := lt.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	switch unit {
	case analytics.UnitHour:
		start := t.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second - time.Duration(lt.Nanosecond()))
		return start.UnixMicro()
	case analytics.UnitWeek:
		k := days + 3
		if k < 0 {
			return (k - 6) / 7
		}
		return k / 7
	case analytics.UnitMonth:
		return int64(y)*12 + int64(m) - 1
	}
	return days
}

// Series implements analytics.Store.
func (ref *Reference) Series(_ context.Context, r analytics.Request, s analytics.Schedule) ([]analytics.Bucket, error) {
	type kv struct {
		k int64
		v openfast.UUID
	}
	type kvs struct {
		k    int64
		v, s openfast.UUID
	}
	pass := ref.filter(r)
	visitors := map[kv]bool{}
	sessions := map[kvs]bool{}
	converts := map[kv]bool{}
	totals := map[int64]*analytics.Totals{}
	get := func(k int64) *analytics.Totals {
		if totals[k] == nil {
			totals[k] = &analytics.Totals{}
		}
		return totals[k]
	}
	inWindow := func(e *openfast.Event) bool {
		return inRange(e, r) && !e.Time.Before(s.Window.Start) && e.Time.Before(s.Window.End)
	}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inWindow(e) || e.Type != openfast.EventPageview || !pass(e) {
			continue
		}
		k := BucketKey(s.Unit, e.Time, s.Location)
		if !visitors[kv{k, e.VisitorID}] {
			visitors[kv{k, e.VisitorID}] = true
			get(k).Visitors++
		}
		if !sessions[kvs{k, e.VisitorID, e.SessionID}] {
			sessions[kvs{k, e.VisitorID, e.SessionID}] = true
			get(k).Sessions++
		}
	}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inWindow(e) || e.Type != openfast.EventPayment {
			continue
		}
		k := BucketKey(s.Unit, e.Time, s.Location)
		key := kv{k, e.VisitorID}
		if visitors[key] && !converts[key] && customer(e, r) {
			converts[key] = true
			get(k).Converted++
		}
	}
	out := make([]analytics.Bucket, 0, len(totals))
	for k, t := range totals {
		out = append(out, analytics.Bucket{Key: k, Totals: *t})
	}
	slices.SortFunc(out, func(a, b analytics.Bucket) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// Breakdown implements analytics.Store.
func (ref *Reference) Breakdown(_ context.Context, r analytics.Request, b analytics.Breakdown, limit, offset int) ([]analytics.Group, int, error) {
	pass := ref.filter(r)
	groups := map[string]*analytics.Group{}
	seen := map[string]bool{} // group key + visitor
	for i := range ref.Events {
		e := &ref.Events[i]
		want := openfast.EventPageview
		if b.Goals {
			want = openfast.EventCustom
		}
		if !inRange(e, r) || e.Type != want || !pass(e) {
			continue
		}
		keys := make([]string, len(b.Keys))
		empty := true
		for j, c := range b.Keys {
			keys[j] = column(e, c)
			empty = empty && keys[j] == ""
		}
		if empty {
			continue
		}
		id := strings.Join(keys, "\x00")
		g := groups[id]
		if g == nil {
			g = &analytics.Group{Keys: keys}
			groups[id] = g
		}
		g.Completions++
		if seen[id+"\x00"+e.VisitorID.String()] {
			continue
		}
		seen[id+"\x00"+e.VisitorID.String()] = true
		g.Visitors++
	}
	all := make([]analytics.Group, 0, len(groups))
	for _, g := range groups {
		if !b.Goals {
			g.Completions = 0
		}
		all = append(all, *g)
	}
	slices.SortFunc(all, func(x, y analytics.Group) int {
		if c := cmp.Compare(y.Visitors, x.Visitors); c != 0 {
			return c
		}
		return slices.Compare(x.Keys, y.Keys)
	})
	total := len(all)
	if offset >= total {
		return nil, total, nil
	}
	return all[offset:min(total, offset+limit)], total, nil
}

// ActiveVisitors implements analytics.Store.
func (ref *Reference) ActiveVisitors(_ context.Context, websiteID string, since, until time.Time) (int64, error) {
	seen := map[openfast.UUID]bool{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if e.WebsiteID == websiteID && !e.Time.Before(since) && !e.Time.After(until) && e.VisitorID != (openfast.UUID{}) {
			seen[e.VisitorID] = true
		}
	}
	return int64(len(seen)), nil
}

// paymentKind is a payment's revenue kind, from its amount and props.
func paymentKind(e *openfast.Event) analytics.RevenueKind {
	var props map[string]string
	_ = json.Unmarshal([]byte(e.Props), &props) // "" or a JSON object of strings
	switch {
	case e.RevenueCents < 0 || props["refunded"] == "true":
		return analytics.KindRefund
	case props["renewal"] == "true":
		return analytics.KindRenewal
	}
	return analytics.KindNew
}

// isRenewal reports whether a payment has renewal set.
func isRenewal(e *openfast.Event) bool {
	var props map[string]string
	_ = json.Unmarshal([]byte(e.Props), &props)
	return props["renewal"] == "true"
}

// customer reports whether an event makes its visitor a customer.
func customer(e *openfast.Event, r analytics.Request) bool {
	return e.Type == openfast.EventPayment && !(r.ExcludeRenewals && isRenewal(e))
}

// Revenue implements analytics.RevenueStore.
func (ref *Reference) Revenue(_ context.Context, r analytics.Request, s *analytics.Schedule) ([]analytics.RevenueRow, error) {
	pass := ref.filter(r)
	type kv struct {
		k int64
		v openfast.UUID
	}
	inWindow := func(e *openfast.Event) bool {
		return inRange(e, r) && (s == nil || !e.Time.Before(s.Window.Start) && e.Time.Before(s.Window.End))
	}
	key := func(e *openfast.Event) int64 {
		if s == nil {
			return 0
		}
		return BucketKey(s.Unit, e.Time, s.Location)
	}
	counted := map[kv]bool{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if inWindow(e) && e.Type == openfast.EventPageview && pass(e) {
			counted[kv{key(e), e.VisitorID}] = true
		}
	}
	sums := revenueSums{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inWindow(e) || e.Type != openfast.EventPayment || len(r.Filters) > 0 && !counted[kv{key(e), e.VisitorID}] {
			continue
		}
		sums.add(key(e), e)
	}
	return sums.rows(), nil
}

// revenueSums sums payments by key, currency, UTC day and kind, as the
// stores' revenue reads do.
// Its keys are rows whose sums are zero.
type revenueSums map[analytics.RevenueRow]*analytics.RevenueRow

func (m revenueSums) add(key int64, e *openfast.Event) {
	day := e.Time.Unix() / 86400
	if e.Time.Unix() < 0 && e.Time.Unix()%86400 != 0 {
		day-- // the floor, before 1970
	}
	g := analytics.RevenueRow{Key: key, Currency: e.Currency, Day: day, Kind: paymentKind(e)}
	x := m[g]
	if x == nil {
		x = &g
		m[g] = x
	}
	x.Payments++
	x.Cents += e.RevenueCents
}

// rows returns the sums in the stores' order.
func (m revenueSums) rows() []analytics.RevenueRow {
	out := make([]analytics.RevenueRow, 0, len(m))
	for _, x := range m {
		out = append(out, *x)
	}
	sortRevenue(out)
	return out
}

// GroupRevenue implements analytics.GroupRevenueStore.
func (ref *Reference) GroupRevenue(_ context.Context, r analytics.Request, b analytics.Breakdown, groups [][]string) ([]analytics.RevenueRow, error) {
	pass := ref.filter(r)
	index := map[string]int64{}
	for i, g := range groups {
		index[strings.Join(g, "\x00")] = int64(i)
	}
	members := map[openfast.UUID]map[int64]bool{} // visitor to its groups
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inRange(e, r) || e.Type != openfast.EventPageview || !pass(e) {
			continue
		}
		keys := make([]string, len(b.Keys))
		for j, c := range b.Keys {
			keys[j] = column(e, c)
		}
		if k, ok := index[strings.Join(keys, "\x00")]; ok {
			if members[e.VisitorID] == nil {
				members[e.VisitorID] = map[int64]bool{}
			}
			members[e.VisitorID][k] = true
		}
	}
	sums := revenueSums{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inRange(e, r) || e.Type != openfast.EventPayment {
			continue
		}
		for k := range members[e.VisitorID] {
			sums.add(k, e)
		}
	}
	return sums.rows(), nil
}
