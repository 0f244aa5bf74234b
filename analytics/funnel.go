package analytics

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/wire"
)

// Funnel steps. A pageview step matches a path, where * stands for one
// path segment; a goal step matches a goal name.
const (
	StepPageview = "pageview"
	StepGoal     = "goal"
)

// FunnelStep is one step of a funnel read.
type FunnelStep struct {
	ID, Name string
	Type     string // StepPageview or StepGoal
	URL      string // a path, for pageview steps
	GoalName string // for goal steps
}

// FunnelDefaultWindow is how long after reaching a step a visitor may
// reach the next one.
const FunnelDefaultWindow = 7 * 24 * time.Hour

// MaxFunnelSteps is the most steps a funnel read computes.
const MaxFunnelSteps = 8

// The funnel of a request (its website, range and filters), steps and
// window W:
//
//   - the events a funnel reads are the pageviews and custom goals of the
//     range that pass the filters, as the other reads select them (column
//     filters on each event's own columns, goal filters on its visitor; see
//     query.go). Every step's event is one of them: a visitor's steps all
//     lie in the range;
//   - a pageview step matches the pageviews whose path equals its URL,
//     where each * stands for one path segment: one or more characters
//     other than "/" (/blog/* matches /blog/a, not /blog/a/b nor /blog/).
//     Paths compare as the page filter compares them, byte for byte: a
//     trailing slash, the case and the query string count. A goal step
//     matches the custom events of its goal name;
//   - a visitor reaches step 1 at the time t1 of their earliest event that
//     matches it, and step k+1 at the time of their earliest event that
//     matches it with t_k < t < t_k + W, boundary included (t <= t_k + W);
//     a visitor who did not reach step k reaches no later step. Steps count
//     in order only, and the earliest match is taken at every step (not
//     the match that would let the visitor go furthest).
//     The next step's event is strictly later: one event never counts for
//     two steps (a funnel /pricing → /pricing needs two pageviews of
//     /pricing at different times), and events of the same microsecond do
//     not follow one another;
//   - a step's visitors are those who reached it; its median time is the
//     median over them of t_k - t_{k-1} (for an even number, the mean of
//     the two middle values), in seconds with two decimals, null for the
//     first step and when nobody reached the step;
//   - a step's revenue is that of the payments in the range (server-side
//     payments, every one, wherever it was made) of the visitors who
//     reached it, converted to the website's currency and counted as the
//     overview counts revenue (renewals with includeRenewalRevenue only).
//
// The conversion rate of a step is its visitors over the previous step's
// (100 for the first), from start over the first step's, drop-off the
// previous step's visitors who did not reach it, all percents with two
// decimals; the funnel's conversions are the last step's visitors.

// FunnelStore computes funnels. Steps are 1 to MaxFunnelSteps, checked by
// CheckFunnelSteps; window is positive.
type FunnelStore interface {
	Funnel(ctx context.Context, r Request, steps []FunnelStep, window time.Duration) (FunnelCounts, error)
}

// FunnelCounts is what a store computes for a funnel: one FunnelStepCount
// per step, and the revenue rows of the payments in the range of each
// step's visitors, grouped by step (Key, the step's index from 0),
// currency, UTC day and kind, as RevenueStore groups them.
type FunnelCounts struct {
	Steps   []FunnelStepCount
	Revenue []RevenueRow
}

// FunnelStepCount is one step's visitors and the median of their times
// from the previous step, in microseconds (0 for the first step and when
// nobody reached it; a half when the two middle values differ by an odd
// number).
type FunnelStepCount struct {
	Visitors     int64
	MedianMicros float64
}

// CheckFunnelSteps refuses a funnel without steps or with more than
// MaxFunnelSteps, and steps of an unknown type.
func CheckFunnelSteps(steps []FunnelStep) error {
	if len(steps) == 0 || len(steps) > MaxFunnelSteps {
		return fmt.Errorf("a funnel has 1 to %d steps, not %d", MaxFunnelSteps, len(steps))
	}
	for i, s := range steps {
		if s.Type != StepPageview && s.Type != StepGoal {
			return fmt.Errorf("funnel step %d: unknown type %q", i+1, s.Type)
		}
	}
	return nil
}

// PathPattern is how a store matches a pageview step's URL: Exact when it
// has no *, else Regexp (RE2 syntax, anchored at both ends, every byte
// but * taken literally) and Prefix, the literal text before the first *,
// which every matching path starts with.
type PathPattern struct {
	Wildcard bool
	Exact    string
	Regexp   string
	Prefix   string
}

// StepPathPattern returns the pattern of a pageview step's URL. Any
// string is safe: its bytes other than * are quoted.
func StepPathPattern(url string) PathPattern {
	if !strings.Contains(url, "*") {
		return PathPattern{Exact: url}
	}
	parts := strings.Split(url, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	prefix, _, _ := strings.Cut(url, "*")
	return PathPattern{Wildcard: true, Regexp: "^" + strings.Join(parts, "[^/]+") + "$", Prefix: prefix}
}

// EscapeLike escapes s for a LIKE pattern whose escape character is \.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Funnel answers GET /analytics/funnels/{funnelId} for a funnel's steps
// (2 to 8), over the query's range and filters, in currency. A window of
// 0 or less is FunnelDefaultWindow.
func (s *Service) Funnel(ctx context.Context, websiteID string, q *Query, funnelID, name string, steps []FunnelStep, window time.Duration, currency string) (*wire.FunnelResult, error) {
	fs, ok := s.Store.(FunnelStore)
	if !ok {
		return nil, openfast.Errorf(openfast.EUNAVAILABLE, "Funnels are not computed by this event store.")
	}
	if err := CheckFunnelSteps(steps); err != nil {
		return nil, openfast.Errorf(openfast.EINVALID, "%s.", err.Error())
	}
	if window <= 0 {
		window = FunnelDefaultWindow
	}
	counts, err := fs.Funnel(ctx, q.request(websiteID), steps, window)
	if err != nil {
		return nil, fmt.Errorf("funnel %s of %s: %w", funnelID, websiteID, err)
	}
	if len(counts.Steps) != len(steps) {
		return nil, fmt.Errorf("funnel %s of %s: the store counted %d steps of %d", funnelID, websiteID, len(counts.Steps), len(steps))
	}
	moneyOf := s.sumMoney(counts.Revenue, currency)
	out := &wire.FunnelResult{
		FunnelID: funnelID, Name: name, WindowDays: int((window + 24*time.Hour - 1) / (24 * time.Hour)),
		Currency: currency, Steps: make([]wire.FunnelStep, len(steps)),
	}
	first := counts.Steps[0].Visitors
	for i, st := range steps {
		c := counts.Steps[i]
		w := wire.FunnelStep{ID: st.ID, Name: st.Name, Type: st.Type, Visitors: c.Visitors,
			ConversionRate: 100, ConversionRateFromStart: percent(c.Visitors, first)}
		if st.Type == StepPageview {
			w.URL = ptr(st.URL)
		} else {
			w.GoalName = ptr(st.GoalName)
		}
		if i > 0 {
			prev := counts.Steps[i-1].Visitors
			w.ConversionRate = percent(c.Visitors, prev)
			w.DropOff = prev - c.Visitors
			w.DropOffRate = percent(w.DropOff, prev)
			if c.Visitors > 0 {
				w.MedianSecondsFromPrev = ptr(Round2(c.MedianMicros / 1e6))
			}
		} else if c.Visitors == 0 {
			w.ConversionRate = 0
		}
		if m := moneyOf[int64(i)]; m != nil {
			w.Revenue = Money(m.revenueCents(q.IncludeRenewals))
		}
		out.Steps[i] = w
	}
	last := out.Steps[len(out.Steps)-1]
	out.Visitors, out.Conversions = first, last.Visitors
	out.ConversionRate = percent(last.Visitors, first)
	out.Revenue = last.Revenue
	return out, nil
}
