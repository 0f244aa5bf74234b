package openfast

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The bounds of a retention in days: a website keeps at least today and the
// day before, at most 100 years.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 36500
)

// ValidRetentionDays reports whether days is a retention a website can have.
func ValidRetentionDays(days int) bool {
	return days >= MinRetentionDays && days <= MaxRetentionDays
}

// ParseRetention reads a server-wide retention: a number of days, with or
// without a "d" suffix (400, 400d), or "forever" (or "", or "0"), which
// returns 0: events are kept forever.
func ParseRetention(s string) (int, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	if t == "" || t == "0" || t == "0d" || t == "forever" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(t, "d"))
	if err != nil || !ValidRetentionDays(n) {
		return 0, fmt.Errorf("retention %q: want a number of days from %d to %d (such as 400 or 400d) or forever", Truncate(s, 40), MinRetentionDays, MaxRetentionDays)
	}
	return n, nil
}

// EffectiveRetention is how many days a website keeps: its own
// RetentionDays when set, else serverDays (0: forever).
func EffectiveRetention(w *Website, serverDays int) int {
	if w.RetentionDays != nil {
		return *w.RetentionDays
	}
	return serverDays
}

// RetentionCutoff is the first instant a website with a retention of days
// keeps: local midnight, in loc, of the day days before now's day. Events
// before it are deleted, and analytics reads start at it at the earliest,
// so that a day is either whole or gone. days <= 0 (forever) gives the
// zero time.
func RetentionCutoff(days int, loc *time.Location, now time.Time) time.Time {
	if days <= 0 {
		return time.Time{}
	}
	local := now.In(loc)
	return time.Date(local.Year(), local.Month(), local.Day()-days, 0, 0, 0, 0, loc)
}

// WebsitePager lists every website, for the jobs that go through all of
// them (retention).
type WebsitePager interface {
	// WebsitesAfter lists the websites whose id is after afterID ("" for
	// the first), in id order, at most limit.
	WebsitesAfter(ctx context.Context, afterID string, limit int) ([]*Website, error)
}

// EventExpirer deletes a website's old events, the retention job's side of
// an event store.
type EventExpirer interface {
	// OldestEvent returns the time of the website's oldest event of any
	// type, and false when it has none.
	OldestEvent(ctx context.Context, websiteID string) (time.Time, bool, error)
	// ExpireEvents deletes the website's events of every type with
	// start <= time < end and returns how many. When it returns, reads no
	// longer see them.
	ExpireEvents(ctx context.Context, websiteID string, start, end time.Time) (int64, error)
}
