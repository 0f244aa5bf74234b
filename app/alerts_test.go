package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/sqlite"
)

func TestRenderAlertTemplate(t *testing.T) {
	params := map[string]string{"plan": "pro", "visitor": "a param named visitor"}
	for _, c := range []struct{ tmpl, want string }{
		{"{{visitor}} on {{ website }} from {{country}}: {{goal}}", "v1 on example.com from FR: signup"},
		{"plan {{params.plan}} / {{plan}} / {{params.visitor}} / [{{missing}}]", "plan pro / pro / a param named visitor / []"},
		{"{{ .Foo }} {{range}} {{", "{{ .Foo }}  {{"},
		{"{{{{visitor}}}}", "{{{{visitor}}}}"}, // unreadable: copied (and refused when saved)
		{"no placeholders", "no placeholders"},
	} {
		if got := app.RenderAlertTemplate(c.tmpl, "v1", "signup", "example.com", "FR", params, 1000); got != c.want {
			t.Errorf("%q → %q, want %q", c.tmpl, got, c.want)
		}
	}
	long := map[string]string{"x": strings.Repeat("é", 255)}
	got := app.RenderAlertTemplate(strings.Repeat("{{x}}", 400), "", "", "", "", long, 20_000)
	if len(got) > 20_000 || !strings.HasSuffix(got, "...") {
		t.Errorf("capped output: %d bytes, ends %q", len(got), got[len(got)-5:])
	}
}

// A firing that finds the queue full is recorded as failed, with the count
// of the firings dropped.
func TestAlertQueueFull(t *testing.T) {
	ctx := context.Background()
	a, store := newApp(t)
	_, owner, err := a.Bootstrap(ctx, "owner@example.com", "Owner", "test")
	if err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_alerts", OwnerID: owner.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	if err := store.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	al := &openfast.Alert{ID: openfast.NewID(), WebsiteID: site.ID, Name: "Signups", GoalName: "signup", Message: "Somebody signed up.", Enabled: true}
	if err := store.CreateAlert(ctx, al, openfast.MaxAlertsPerWebsite, nil); err != nil {
		t.Fatal(err)
	}
	release := a.HoldAlerts(1)
	for range 5 {
		a.ObserveEvent(&openfast.Event{WebsiteID: site.ID, Type: openfast.EventCustom, Goal: "signup", Time: time.Now()})
	}
	a.ObserveEvent(&openfast.Event{WebsiteID: site.ID, Type: openfast.EventPageview, Time: time.Now()})
	a.ObserveEvent(&openfast.Event{WebsiteID: site.ID, Type: openfast.EventCustom, Goal: "other", Time: time.Now()})
	release()
	deadline := time.Now().Add(10 * time.Second)
	for {
		logs, counts, err := store.AlertLogs(ctx, site.ID, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Total == 2 {
			var dropped, unsent *openfast.AlertLog
			for _, l := range logs {
				if l.Firings == 4 {
					dropped = l
				} else {
					unsent = l
				}
			}
			if dropped == nil || dropped.Status != openfast.AlertFailed || !strings.Contains(*dropped.Error, "4 firing(s) not delivered: the alert queue was full") {
				t.Fatalf("dropped entry: %+v", dropped)
			}
			if unsent == nil || unsent.Firings != 1 || *unsent.Error != app.ErrMailNotConfigured {
				t.Fatalf("queued entry: %+v", unsent)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history: %d entries, want 2", counts.Total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkObserveEvent is what the ingest path pays per accepted event
// for alerts: a pageview, a goal without alerts, and a goal with an
// enabled alert (queued; with no mail server, each minute's firings are
// recorded as failed).
func BenchmarkObserveEvent(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		b.Fatal(err)
	}
	_, owner, err := a.Bootstrap(ctx, "owner@example.com", "Owner", "bench")
	if err != nil {
		b.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_bench", OwnerID: owner.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	if err := store.CreateWebsite(ctx, site, nil); err != nil {
		b.Fatal(err)
	}
	al := &openfast.Alert{ID: openfast.NewID(), WebsiteID: site.ID, Name: "Signups", GoalName: "signup", Message: "Somebody signed up.", Enabled: true}
	if err := store.CreateAlert(ctx, al, openfast.MaxAlertsPerWebsite, nil); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ev   openfast.Event
	}{
		{"Pageview", openfast.Event{WebsiteID: site.ID, Type: openfast.EventPageview}},
		{"GoalWithoutAlert", openfast.Event{WebsiteID: site.ID, Type: openfast.EventCustom, Goal: "pricing_toggle"}},
		{"GoalWithAlert", openfast.Event{WebsiteID: site.ID, Type: openfast.EventCustom, Goal: "signup", CountryCode: "FR", Props: `{"plan":"pro"}`}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ev := c.ev
			ev.Time = time.Now()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a.ObserveEvent(&ev)
				}
			})
		})
	}
}
