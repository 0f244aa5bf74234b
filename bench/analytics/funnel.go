package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/bench/internal/dataset"
	"github.com/openfast/openfast/wire"
)

// benchFunnel is the funnel timed on the big site: a pageview, a pageview
// of a wildcard path (/blog/* matches about 900 of the site's paths), and
// two goals, with the default window of 7 days.
var benchFunnel = []analytics.FunnelStep{
	{ID: "home", Name: "Home", Type: analytics.StepPageview, URL: "/"},
	{ID: "blog", Name: "A blog post", Type: analytics.StepPageview, URL: "/blog/*"},
	{ID: "signup", Name: "Signup", Type: analytics.StepGoal, GoalName: "signup"},
	{ID: "checkout", Name: "Checkout", Type: analytics.StepGoal, GoalName: "checkout:completed"},
}

// funnelGoal is the most a funnel result of the big site may take.
const funnelGoal = 200 * time.Millisecond

// measureFunnel computes benchFunnel on the big site over its last 30
// days (the range of the widgets' big-site scenario) runs times, through
// analytics.Service as the funnel route calls it, and returns the median
// time and the last result.
func measureFunnel(ctx context.Context, store analytics.Store, m dataset.Manifest, runs int) (time.Duration, *wire.FunnelResult, error) {
	big, _ := m.BigAndSmall()
	end := m.Config.End
	q := url.Values{"startAt": {end.AddDate(0, 0, -30).Format(time.DateOnly)}, "endAt": {end.AddDate(0, 0, -1).Format(time.DateOnly)}, "timezone": {"UTC"}}
	query, err := analytics.Parse(analytics.Overview, q, big.Timezone, end)
	if err != nil {
		return 0, nil, err
	}
	svc := &analytics.Service{Store: store}
	var ds []time.Duration
	var res *wire.FunnelResult
	for range runs {
		t0 := time.Now()
		if res, err = svc.Funnel(ctx, big.ID, query, "bench", "Blog to checkout", benchFunnel, 0, "USD"); err != nil {
			return 0, nil, fmt.Errorf("funnel: %w", err)
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], res, nil
}

// funnelReport prints the funnel's median over the rounds, each round's
// figure, and its result's visitors per step.
func funnelReport(w io.Writer, rounds []time.Duration, res *wire.FunnelResult) {
	sorted := slices.Sorted(slices.Values(rounds))
	med := sorted[len(sorted)/2]
	verdict := "meets"
	if med > funnelGoal {
		verdict = "MISSES"
	}
	figures := ""
	for i, d := range rounds {
		if i > 0 {
			figures += ", "
		}
		figures += fmt.Sprintf("%.1f", ms(d))
	}
	fmt.Fprintf(w, "big site, 30 days, funnel of 4 steps (/ → /blog/* → signup → checkout:completed): %.1f ms (rounds: %s ms; goal <= %v: %s)\n",
		ms(med), figures, funnelGoal, verdict)
	fmt.Fprint(w, "  visitors per step:")
	for _, s := range res.Steps {
		fmt.Fprintf(w, " %d", s.Visitors)
	}
	fmt.Fprintf(w, "; conversion %.2f%%\n", res.ConversionRate)
}

// sameFunnel fails unless the backends' funnel results are the same.
func sameFunnel(backends []*backend) error {
	want, _ := json.Marshal(backends[0].funnelResult)
	for _, b := range backends[1:] {
		if have, _ := json.Marshal(b.funnelResult); string(have) != string(want) {
			return fmt.Errorf("funnel: %s answers %s, %s answers %s", backends[0].name, want, b.name, have)
		}
	}
	return nil
}
