package clickhouse

import (
	"context"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// TestStreamEvents: a website's events in a range come back field for
// field, and only they.
func TestStreamEvents(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	site, other := openfast.NewID(), openfast.NewID()
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var in []openfast.Event
	for i := range 40 {
		e := storetest.SampleEvent(site, i)
		e.Time = base.Add(time.Duration(i) * time.Hour).Add(123456 * time.Microsecond)
		if i%3 == 0 {
			e.Coordinates = openfast.Coordinates{}
		}
		in = append(in, e)
		o := e
		o.WebsiteID = other
		in = append(in, o)
	}
	must(t, db.InsertEvents(ctx, in))
	got := map[openfast.Event]bool{}
	must(t, db.StreamEvents(ctx, site, base.Add(10*time.Hour), base.Add(20*time.Hour), func(e *openfast.Event) error {
		got[*e] = true
		return nil
	}))
	if len(got) != 10 {
		t.Fatalf("%d events, want 10", len(got))
	}
	for i := 10; i < 20; i++ {
		if !got[in[2*i]] {
			t.Errorf("event %d missing or changed: %+v", i, in[2*i])
		}
	}
}
