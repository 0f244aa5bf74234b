package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServe_Retention: through the real binary, payments spread over 30
// days (server-side events may carry a past timestamp), a website's
// retentionDays set to 10, and the job (--retention-every 1s) deleting
// while payments keep arriving: the days before the cutoff are gone, the
// cutoff's day and the newer ones are whole, every payment acknowledged
// meanwhile is counted, and the analytics of a range that starts before
// the cutoff match those of one starting at it.
func TestServe_Retention(t *testing.T) {
	dataDir := privateDir(t)
	srv := startServer(t, serverOptions{args: []string{"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "0",
		"--event-load-delay", "5ms", "--retention-every", "1s"}})
	token := runBootstrap(t, dataDir, "owner@example.com", "Owner")
	site := srv.createWebsite(t, token, "retained.example.com")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if time.Until(today.Add(24*time.Hour)) < 2*time.Minute {
		t.Skip("too close to midnight (UTC): the cutoff would move during the test")
	}
	pay := func(tx string, at time.Time) int {
		t.Helper()
		status, _ := srv.do(t, http.MethodPost, "/api/v1/payments?websiteId="+site, token, map[string]any{
			"amount": 10, "currency": "USD", "transaction_id": tx, "timestamp": at.Format(time.RFC3339)})
		return status
	}
	// Two payments a day, at 00:00 and 23:59 UTC, today and 29 days back.
	for d := range 30 {
		day := today.AddDate(0, 0, -d)
		for i, at := range []time.Time{day, day.Add(23*time.Hour + 59*time.Minute)} {
			if st := pay(fmt.Sprintf("old_%d_%d", d, i), at); st != http.StatusOK {
				t.Fatalf("payment %d days ago: %d", d, st)
			}
		}
	}
	payments := func(start, end time.Time) int64 {
		t.Helper()
		q := url.Values{"websiteId": {site}, "fields": {"payments"}}
		if !start.IsZero() {
			q.Set("startAt", start.Format(time.DateOnly))
			q.Set("endAt", end.Format(time.DateOnly))
		}
		b := srv.expectStatus(t, http.StatusOK, http.MethodGet, "/api/v1/analytics/overview?"+q.Encode(), token, nil)
		var o struct {
			Data []struct {
				Payments int64 `json:"payments"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &o); err != nil || len(o.Data) != 1 {
			t.Fatalf("overview %s: %v", b, err)
		}
		return o.Data[0].Payments
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(waitLimit); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited %s for %s", waitLimit, what)
			}
		}
	}
	waitFor("the 60 payments to load", func() bool { return payments(time.Time{}, time.Time{}) == 60 })

	// Payments keep arriving, now, while the job deletes.
	var mu sync.Mutex
	acked := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			status, _ := srv.do(t, http.MethodPost, "/api/v1/payments?websiteId="+site, token, map[string]any{
				"amount": 10, "currency": "USD", "transaction_id": fmt.Sprintf("new_%d", i)})
			if status == http.StatusOK {
				mu.Lock()
				acked++
				mu.Unlock()
			}
		}
	}()
	srv.expectStatus(t, http.StatusOK, http.MethodPut, "/api/v1/admin/websites/"+site, token, map[string]any{"retentionDays": 10})
	line := srv.waitLog(t, `msg="retention deleted events" website=`+site)
	// Right away, whatever the job has done: 11 whole days (today and
	// the 10 before), and the reads from before the cutoff agree.
	cutoff := today.AddDate(0, 0, -10)
	for _, start := range []time.Time{today.AddDate(0, 0, -29), today.AddDate(0, 0, -11), cutoff} {
		if got := payments(start, today.AddDate(0, 0, -1)); got != 2*10 {
			t.Fatalf("payments from %s to yesterday: %d, want 20", start.Format(time.DateOnly), got)
		}
	}
	close(stop)
	wg.Wait()
	if !strings.Contains(line, "days=19") || !strings.Contains(line, "events=38") {
		t.Errorf("the job's log: %s; want 19 days, 38 events", line)
	}
	want := int64(2*11 + acked)
	waitFor(fmt.Sprintf("%d payments (22 old, %d acknowledged during the job)", want, acked), func() bool {
		return payments(time.Time{}, time.Time{}) == want
	})
	if got := payments(cutoff, cutoff); got != 2 {
		t.Errorf("the cutoff's day has %d payments, want both", got)
	}
	if got := payments(cutoff.AddDate(0, 0, -1), cutoff.AddDate(0, 0, -1)); got != 0 {
		t.Errorf("the day before the cutoff has %d payments, want none", got)
	}
	// The deleted payments' transaction ids can be recorded again: they
	// are gone from the event store, not only hidden.
	if st := pay("old_20_0", today.AddDate(0, 0, -20)); st != http.StatusOK {
		t.Errorf("payment again: %d", st)
	}
	if acked == 0 {
		t.Error("no payment was acknowledged while the job ran")
	}
}
