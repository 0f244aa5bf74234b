package storetest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

var _ analytics.FunnelStore = (*Reference)(nil)

// stepPathMatches is the definition of a pageview step's path pattern,
// written out without regular expressions: each * of pattern stands for
// one or more bytes other than '/', every other byte for itself.
func stepPathMatches(pattern, path string) bool {
	if pattern == "" {
		return path == ""
	}
	if pattern[0] != '*' {
		return path != "" && path[0] == pattern[0] && stepPathMatches(pattern[1:], path[1:])
	}
	for i := 1; i <= len(path) && path[i-1] != '/'; i++ {
		if stepPathMatches(pattern[1:], path[i:]) {
			return true
		}
	}
	return false
}

// stepMatches reports whether an event matches a funnel step.
func stepMatches(s analytics.FunnelStep, e *openfast.Event) bool {
	if s.Type == analytics.StepGoal {
		return e.Type == openfast.EventCustom && e.Goal == s.GoalName
	}
	return e.Type == openfast.EventPageview && stepPathMatches(s.URL, e.Path)
}

// Funnel implements analytics.FunnelStore, one visitor at a time: the
// visitor's events of the range that pass the filters, and for each step
// in turn the earliest that matches it, strictly after the previous
// step's time and at most window later.
func (ref *Reference) Funnel(_ context.Context, r analytics.Request, steps []analytics.FunnelStep, window time.Duration) (analytics.FunnelCounts, error) {
	if err := analytics.CheckFunnelSteps(steps); err != nil {
		return analytics.FunnelCounts{}, err
	}
	pass := ref.filter(r)
	byVisitor := map[openfast.UUID][]*openfast.Event{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if inRange(e, r) && (e.Type == openfast.EventPageview || e.Type == openfast.EventCustom) && pass(e) {
			byVisitor[e.VisitorID] = append(byVisitor[e.VisitorID], e)
		}
	}
	reached := map[openfast.UUID]int{} // steps reached
	deltas := make([][]int64, len(steps))
	for v, events := range byVisitor {
		var prev time.Time
		for k, s := range steps {
			var best *openfast.Event
			for _, e := range events {
				if !stepMatches(s, e) || k > 0 && (!e.Time.After(prev) || e.Time.Sub(prev) > window) {
					continue
				}
				if best == nil || e.Time.Before(best.Time) {
					best = e
				}
			}
			if best == nil {
				break
			}
			if k > 0 {
				deltas[k] = append(deltas[k], best.Time.UnixMicro()-prev.UnixMicro())
			}
			prev = best.Time
			reached[v] = k + 1
		}
	}
	out := analytics.FunnelCounts{Steps: make([]analytics.FunnelStepCount, len(steps))}
	for _, n := range reached {
		for k := range n {
			out.Steps[k].Visitors++
		}
	}
	for k, d := range deltas {
		if len(d) == 0 {
			continue
		}
		slices.Sort(d)
		out.Steps[k].MedianMicros = float64(d[(len(d)-1)/2]+d[len(d)/2]) / 2
	}
	sums := revenueSums{}
	for i := range ref.Events {
		e := &ref.Events[i]
		if !inRange(e, r) || e.Type != openfast.EventPayment {
			continue
		}
		for k := range reached[e.VisitorID] {
			sums.add(int64(k), e)
		}
	}
	out.Revenue = sums.rows()
	return out, nil
}

// sortRevenue sorts revenue rows as revenueSums.rows does.
func sortRevenue(rows []analytics.RevenueRow) {
	slices.SortFunc(rows, func(a, b analytics.RevenueRow) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Currency, b.Currency), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Kind, b.Kind))
	})
}
