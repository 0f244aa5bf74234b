package duckdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast/analytics"
)

// BenchmarkFunnelDataset computes the benchmark's funnel (bench/analytics:
// / → /blog/* → goal signup → goal checkout:completed, 7-day window) on
// the big website of a data folder made by bench/analytics, over its last
// 30 days, through DB.Funnel. It runs only with OPENFAST_BENCH_DIR naming
// that folder (bench/analytics -dir), which no other process may have
// open:
//
//	OPENFAST_BENCH_DIR=/tmp/of-10m go test -run '^$' -bench FunnelDataset -count 3 ./duckdb/
func BenchmarkFunnelDataset(b *testing.B) {
	dir := os.Getenv("OPENFAST_BENCH_DIR")
	if dir == "" {
		b.Skip("OPENFAST_BENCH_DIR not set: the folder of a bench/analytics data set")
	}
	// The manifest bench/analytics writes (bench/internal/dataset, which
	// imports this package): its websites, the first the big one, and the
	// data set's end.
	raw, err := os.ReadFile(filepath.Join(dir, "bench-analytics.json"))
	if err != nil {
		b.Fatal(err)
	}
	var m struct {
		Config struct{ End time.Time }
		Sites  []struct{ ID string }
	}
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Sites) == 0 {
		b.Fatalf("manifest: %v", err)
	}
	ctx := context.Background()
	d, err := open(ctx, filepath.Join(dir, FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	// The live index reads the file's visitors in the background after
	// opening, seconds of CPU on this data set: timed next to it, the
	// funnel took twice as long.
	if err := d.WaitLive(ctx); err != nil {
		b.Fatal(err)
	}
	steps := []analytics.FunnelStep{
		{ID: "home", Name: "Home", Type: analytics.StepPageview, URL: "/"},
		{ID: "blog", Name: "A blog post", Type: analytics.StepPageview, URL: "/blog/*"},
		{ID: "signup", Name: "Signup", Type: analytics.StepGoal, GoalName: "signup"},
		{ID: "checkout", Name: "Checkout", Type: analytics.StepGoal, GoalName: "checkout:completed"},
	}
	r := analytics.Request{WebsiteID: m.Sites[0].ID, Range: analytics.Range{Start: m.Config.End.AddDate(0, 0, -30), End: m.Config.End}}
	// One call first: the first reads the file from disk.
	res, err := d.Funnel(ctx, r, steps, 7*24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Funnel(ctx, r, steps, 7*24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Steps[0].Visitors), "step1-visitors")
	b.ReportMetric(float64(res.Steps[len(res.Steps)-1].Visitors), "last-step-visitors")
}
