package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/sqlite"
)

// blockingStore is an analytics store whose every read waits until its
// context ends (and returns the context's error, wrapped as a store does)
// or until release is closed.
type blockingStore struct {
	entered chan string // receives the website id of each read that starts
	release chan struct{}
}

func newBlockingStore() *blockingStore {
	return &blockingStore{entered: make(chan string, 64), release: make(chan struct{})}
}

func (s *blockingStore) wait(ctx context.Context, websiteID string) error {
	s.entered <- websiteID
	select {
	case <-ctx.Done():
		return fmt.Errorf("query events of %s: %w", websiteID, ctx.Err())
	case <-s.release:
		return nil
	}
}

func (s *blockingStore) Totals(ctx context.Context, r analytics.Request) (analytics.Totals, error) {
	return analytics.Totals{}, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) Series(ctx context.Context, r analytics.Request, _ analytics.Schedule) ([]analytics.Bucket, error) {
	return nil, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) Revenue(ctx context.Context, r analytics.Request, _ *analytics.Schedule) ([]analytics.RevenueRow, error) {
	return nil, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) GroupRevenue(ctx context.Context, r analytics.Request, _ analytics.Breakdown, _ [][]string) ([]analytics.RevenueRow, error) {
	return nil, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) Breakdown(ctx context.Context, r analytics.Request, _ analytics.Breakdown, _, _ int) ([]analytics.Group, int, error) {
	return nil, 0, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) ActiveVisitors(ctx context.Context, websiteID string, _, _ time.Time) (int64, error) {
	return 0, s.wait(ctx, websiteID)
}

func (s *blockingStore) Visitors(ctx context.Context, r analytics.VisitorsRequest) ([]analytics.VisitorSummary, error) {
	return nil, s.wait(ctx, r.WebsiteID)
}

func (s *blockingStore) Visitor(ctx context.Context, websiteID string, _ openfast.UUID) (*analytics.VisitorActivity, error) {
	return nil, s.wait(ctx, websiteID)
}

func (s *blockingStore) RealtimeActivity(ctx context.Context, websiteID string, _, _ time.Time) (*analytics.RealtimeActivity, error) {
	return nil, s.wait(ctx, websiteID)
}

func (s *blockingStore) RecentActivity(ctx context.Context, websiteID string, _, _ time.Time) (*analytics.RealtimeActivity, error) {
	return nil, s.wait(ctx, websiteID)
}

var _ analytics.VisitorStore = (*blockingStore)(nil)

// newReadsApp returns an App over store configured by cfg (Metadata and
// Analytics are set here) and a caller holding a key of each of n new
// websites.
func newReadsApp(t *testing.T, store *blockingStore, cfg app.Config, n int) (*app.App, []app.Caller) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Metadata, cfg.Analytics = db, store
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Bootstrap(ctx, "owner@example.com", "Owner", "test")
	if err != nil {
		t.Fatal(err)
	}
	callers := make([]app.Caller, n)
	for i := range callers {
		site := &openfast.Website{ID: openfast.NewID(), TrackingID: fmt.Sprintf("dfid_reads%d", i), OwnerID: owner.ID,
			Domain: fmt.Sprintf("site%d.example.com", i), Timezone: "UTC", Currency: "USD"}
		if err := db.CreateWebsite(ctx, site, nil); err != nil {
			t.Fatal(err)
		}
		callers[i] = app.Caller{Principal: &auth.Principal{Kind: auth.KindWebsiteKey, ID: openfast.NewID(), DisplayKey: "df_…test", WebsiteID: site.ID, Permissions: []string{auth.PermAll}}, IP: "test"}
	}
	return a, callers
}

// analyticsReads calls every analytics read of the App.
var analyticsReads = map[string]func(ctx context.Context, a *app.App, c app.Caller) error{
	"Overview": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, err := a.Overview(ctx, c, app.Read{})
		return err
	},
	"Timeseries": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, _, err := a.Timeseries(ctx, c, app.Read{Params: url.Values{"interval": {"day"}, "fields": {"visitors"}}})
		return err
	},
	"Realtime": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, err := a.Realtime(ctx, c, app.Read{})
		return err
	},
	"RealtimeMap": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, err := a.RealtimeMap(ctx, c, "")
		return err
	},
	"Breakdown": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, _, _, err := a.Breakdown(ctx, c, analytics.Pages, app.Read{})
		return err
	},
	"Visitors": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, _, err := a.Visitors(ctx, c, app.Read{})
		return err
	},
	"Visitor": func(ctx context.Context, a *app.App, c app.Caller) error {
		_, err := a.Visitor(ctx, c, "", "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd")
		return err
	},
}

// TestAnalyticsReads_Deadline: every analytics read ends at the query
// deadline, its store query's context ended, with EUNAVAILABLE.
func TestAnalyticsReads_Deadline(t *testing.T) {
	a, callers := newReadsApp(t, newBlockingStore(), app.Config{QueryTimeout: 20 * time.Millisecond}, 1)
	for name, call := range analyticsReads {
		t.Run(name, func(t *testing.T) {
			err := call(context.Background(), a, callers[0])
			if code := openfast.ErrorCode(err); code != openfast.EUNAVAILABLE {
				t.Fatalf("err = %v (%s), want %s", err, code, openfast.EUNAVAILABLE)
			}
			if msg := openfast.ErrorMessage(err); !strings.Contains(msg, "took longer than 20ms and was stopped") {
				t.Fatalf("message %q", msg)
			}
		})
	}
	if reads, sites := a.ReadsInFlight(); reads != 0 || sites != 0 {
		t.Fatalf("in flight after the reads: %d reads, %d websites", reads, sites)
	}
}

// TestAnalyticsReads_Canceled: a read whose caller goes away ends with
// EUNAVAILABLE, not an internal error.
func TestAnalyticsReads_Canceled(t *testing.T) {
	store := newBlockingStore()
	a, callers := newReadsApp(t, store, app.Config{QueryTimeout: time.Minute}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-store.entered
		cancel()
	}()
	err := analyticsReads["Overview"](ctx, a, callers[0])
	if code := openfast.ErrorCode(err); code != openfast.EUNAVAILABLE || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("err = %v (%s), want %s", err, code, openfast.EUNAVAILABLE)
	}
}

// TestAnalyticsReads_Concurrency: beyond MaxReadsPerWebsite reads of one
// website, or MaxReads in total, a read is refused with ERATELIMIT and a
// retry delay; the gate forgets a website when its reads end.
func TestAnalyticsReads_Concurrency(t *testing.T) {
	store := newBlockingStore()
	a, c := newReadsApp(t, store, app.Config{QueryTimeout: time.Minute, MaxReadsPerWebsite: 2, MaxReads: 3}, 3)
	ctx := context.Background()
	done := make(chan error, 3)
	start := func(caller app.Caller) {
		go func() { done <- analyticsReads["Overview"](ctx, a, caller) }()
		<-store.entered
	}
	refused := func(caller app.Caller, read, want string) {
		t.Helper()
		err := analyticsReads[read](ctx, a, caller)
		if code := openfast.ErrorCode(err); code != openfast.ERATELIMIT {
			t.Fatalf("%s: err = %v (%s), want %s", read, err, code, openfast.ERATELIMIT)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: message %q does not mention %q", read, err, want)
		}
		var retry interface{ RetryAfter() time.Duration }
		if !errors.As(err, &retry) || retry.RetryAfter() != time.Second {
			t.Fatalf("%s: no retry delay of 1s in %v", read, err)
		}
	}
	start(c[0])
	start(c[0])
	for name := range analyticsReads {
		refused(c[0], name, "reads of this website are running (at most 2 at once)")
	}
	start(c[1])
	refused(c[2], "Overview", "reads are running on this server (at most 3 at once)")
	if reads, sites := a.ReadsInFlight(); reads != 3 || sites != 2 {
		t.Fatalf("in flight: %d reads, %d websites; want 3, 2", reads, sites)
	}
	close(store.release)
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if reads, sites := a.ReadsInFlight(); reads != 0 || sites != 0 {
		t.Fatalf("in flight after the reads: %d reads, %d websites", reads, sites)
	}
	for _, caller := range c {
		if err := analyticsReads["Overview"](ctx, a, caller); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAnalyticsReads_Wait: a read made with WaitForReads waits for its
// turn at the limits instead of being refused, until its context ends; at
// most 32 per read that may run wait, and the next one is refused.
func TestAnalyticsReads_Wait(t *testing.T) {
	store := newBlockingStore()
	store.entered = make(chan string, 256) // each read enters twice, and none is drained after the first
	a, c := newReadsApp(t, store, app.Config{QueryTimeout: time.Minute, MaxReadsPerWebsite: 1, MaxReads: 1}, 1)
	ctx := context.Background()
	held := make(chan error, 1)
	go func() { held <- analyticsReads["Overview"](ctx, a, c[0]) }()
	<-store.entered

	// A read that waits past its deadline is refused.
	soon, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := analyticsReads["Overview"](app.WaitForReads(soon), a, c[0]); openfast.ErrorCode(err) != openfast.ERATELIMIT || soon.Err() == nil {
		t.Fatalf("a waiting read whose context ended: %v (context: %v)", err, soon.Err())
	}
	if n := a.ReadsWaiting(); n != 0 {
		t.Fatalf("%d reads still waiting", n)
	}

	const most = 32
	waited := make(chan error, most)
	for range most {
		go func() { waited <- analyticsReads["Overview"](app.WaitForReads(ctx), a, c[0]) }()
	}
	for a.ReadsWaiting() < most {
		time.Sleep(time.Millisecond)
	}
	err := analyticsReads["Overview"](app.WaitForReads(ctx), a, c[0])
	if code := openfast.ErrorCode(err); code != openfast.ERATELIMIT {
		t.Fatalf("one more waiting read: err = %v (%s), want %s", err, code, openfast.ERATELIMIT)
	}
	select {
	case err := <-waited:
		t.Fatalf("a read ran past the limit: %v", err)
	default:
	}

	close(store.release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for range most {
		if err := <-waited; err != nil {
			t.Fatalf("a waiting read: %v", err)
		}
	}
	if reads, sites := a.ReadsInFlight(); reads != 0 || sites != 0 || a.ReadsWaiting() != 0 {
		t.Fatalf("after the reads: %d reads, %d websites, %d waiting", reads, sites, a.ReadsWaiting())
	}
}
