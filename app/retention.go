package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
)

// DefaultRetentionEvery is how often the retention job runs unless
// configured otherwise; it also runs retentionFirstRun after the start.
const DefaultRetentionEvery = 24 * time.Hour

// retentionFirstRun is how long after Run starts the job first runs.
const retentionFirstRun = 30 * time.Second

// The retention job's bounds: it pages through the websites
// retentionPage at a time, pauses retentionPause after each deletion so
// that reads and loads take their turn, and stops a run after
// retentionRunLimit (the next run goes on where it stopped, since it starts
// from each website's oldest event).
const (
	retentionPage     = 200
	retentionPause    = 50 * time.Millisecond
	retentionRunLimit = 30 * time.Minute
)

// RetentionConfig configures the deletion of old events.
type RetentionConfig struct {
	// Days is the server-wide retention: the days a website without its
	// own retentionDays keeps before today; 0 keeps events forever.
	Days int
	// Every is how often the job runs; 0 means DefaultRetentionEvery.
	Every time.Duration
	// Pause is the wait after each deletion; 0 means 50 ms, negative none.
	Pause time.Duration
}

// retention is the retention job's state.
type retention struct {
	days    int
	every   time.Duration
	pause   time.Duration
	expirer openfast.EventExpirer // nil: the event store cannot delete
	batch   int                   // days per deletion
}

func newRetention(cfg RetentionConfig, events openfast.EventStore) (*retention, error) {
	if cfg.Days != 0 && !openfast.ValidRetentionDays(cfg.Days) {
		return nil, fmt.Errorf("app: retention of %d days: want %d to %d, or 0 for forever", cfg.Days, openfast.MinRetentionDays, openfast.MaxRetentionDays)
	}
	r := &retention{days: cfg.Days, every: cfg.Every, pause: cfg.Pause, batch: 1}
	if r.every <= 0 {
		r.every = DefaultRetentionEvery
	}
	if r.pause == 0 {
		r.pause = retentionPause
	}
	r.expirer, _ = events.(openfast.EventExpirer)
	if b, ok := events.(interface{ ExpireBatchDays() int }); ok && b.ExpireBatchDays() > 0 {
		r.batch = b.ExpireBatchDays()
	}
	return r, nil
}

// retentionCutoff is the first instant the website's analytics show and
// its events are kept from: the zero time when it keeps them forever.
func (a *App) retentionCutoff(w *openfast.Website) time.Time {
	days := openfast.EffectiveRetention(w, a.retention.days)
	if days <= 0 {
		return time.Time{}
	}
	return openfast.RetentionCutoff(days, websiteLocation(w), a.now())
}

// farFuture ends the range of an all-time read clamped to a cutoff.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// clampToRetention makes a read start no earlier than the website's
// cutoff, so that a day the job is deleting, or has deleted part of, is
// never counted: a day is either whole or gone.
func (a *App) clampToRetention(q *analytics.Query, w *openfast.Website) {
	cutoff := a.retentionCutoff(w)
	if cutoff.IsZero() {
		return
	}
	cutoff = cutoff.UTC()
	switch {
	case q.Range.All:
		q.Range = analytics.Range{Start: cutoff, End: farFuture}
	case q.Range.Start.Before(cutoff):
		q.Range.Start = cutoff
		if q.Range.End.Before(cutoff) {
			q.Range.End = cutoff // an empty range
		}
	}
}

// RetentionWebsite is what one run of the job deleted of one website.
type RetentionWebsite struct {
	WebsiteID string
	Cutoff    time.Time
	Days      int   // the days (of the website's timezone) deleted from
	Deleted   int64 // events
}

// RetentionRun is what one run of the job did.
type RetentionRun struct {
	Websites []RetentionWebsite // those it deleted events of
	Deleted  int64
	Stopped  bool // it reached its time limit or was canceled; the next run goes on
}

// RunRetention deletes, for every website that keeps events for a limited
// time, its events before its cutoff, a batch of days at a time (from the
// oldest event on) with a pause after each, until done or until limit
// (0: retentionRunLimit) has passed. Reads never see a partly deleted day
// (clampToRetention), and the events still in the journal before the
// cutoff are not counted either, and go with the next run.
func (a *App) RunRetention(ctx context.Context, limit time.Duration) (*RetentionRun, error) {
	run := &RetentionRun{}
	if a.retention.expirer == nil {
		return run, nil
	}
	pager, ok := a.store.(openfast.WebsitePager)
	if !ok {
		return run, errors.New("retention: the metadata store cannot list its websites")
	}
	if limit <= 0 {
		limit = retentionRunLimit
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	after := ""
	for {
		page, err := pager.WebsitesAfter(ctx, after, retentionPage)
		if err != nil {
			return run, a.retentionStopped(ctx, run, fmt.Errorf("retention: list websites: %w", err))
		}
		for _, w := range page {
			if err := a.expireWebsite(ctx, w, run); err != nil {
				return run, a.retentionStopped(ctx, run, err)
			}
		}
		if len(page) < retentionPage {
			return run, nil
		}
		after = page[len(page)-1].ID
	}
}

// retentionStopped turns the end of a run's time into a stopped run.
func (a *App) retentionStopped(ctx context.Context, run *RetentionRun, err error) error {
	if ctx.Err() != nil {
		run.Stopped = true
		return nil
	}
	return err
}

// expireWebsite deletes one website's events before its cutoff, a batch
// of its days at a time.
func (a *App) expireWebsite(ctx context.Context, w *openfast.Website, run *RetentionRun) error {
	cutoff := a.retentionCutoff(w)
	if cutoff.IsZero() {
		return nil
	}
	oldest, found, err := a.retention.expirer.OldestEvent(ctx, w.ID)
	if err != nil {
		return fmt.Errorf("retention of %s: %w", w.ID, err)
	}
	if !found || !oldest.Before(cutoff) {
		return nil
	}
	loc := cutoff.Location()
	o := oldest.In(loc)
	start := time.Date(o.Year(), o.Month(), o.Day(), 0, 0, 0, 0, loc)
	done := RetentionWebsite{WebsiteID: w.ID, Cutoff: cutoff}
	defer func() {
		if done.Deleted > 0 || done.Days > 0 {
			run.Websites = append(run.Websites, done)
			run.Deleted += done.Deleted
			a.log.Info("retention deleted events", "website", w.ID, "before", cutoff.Format(time.RFC3339),
				"days", done.Days, "events", done.Deleted)
		}
	}()
	for start.Before(cutoff) {
		end := start.AddDate(0, 0, a.retention.batch)
		if end.After(cutoff) {
			end = cutoff
		}
		n, err := a.expireDays(ctx, w.ID, start, end)
		if err != nil {
			return err
		}
		done.Deleted += n
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			done.Days++
		}
		start = end
		if a.retention.pause > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(a.retention.pause):
			}
		}
	}
	return nil
}

// expireDays deletes a website's events in [start, end), and then
// releases the claims of the payments among them, as deleting payments
// through the API does: a payment deleted is no longer recorded.
func (a *App) expireDays(ctx context.Context, websiteID string, start, end time.Time) (int64, error) {
	txs, err := a.eventStore.PaymentTransactionIDs(ctx, openfast.EventDeletion{WebsiteID: websiteID, Start: start, End: end.Add(-time.Microsecond)})
	if err != nil {
		return 0, fmt.Errorf("retention of %s: %w", websiteID, err)
	}
	n, err := a.retention.expirer.ExpireEvents(ctx, websiteID, start, end)
	if err != nil {
		return 0, fmt.Errorf("retention of %s: %w", websiteID, err)
	}
	if len(txs) > 0 {
		if err := a.store.ReleasePayments(ctx, websiteID, txs); err != nil {
			return n, fmt.Errorf("retention of %s: release payment claims: %w", websiteID, err)
		}
	}
	return n, nil
}

// runRetention runs the job shortly after the start, then every period,
// until ctx ends.
func (a *App) runRetention(ctx context.Context) {
	if a.retention.expirer == nil {
		return
	}
	wait := min(retentionFirstRun, a.retention.every)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = a.retention.every
		run, err := a.RunRetention(ctx, 0)
		if err != nil {
			a.log.Error("retention", "error", err)
			continue
		}
		if run.Stopped && ctx.Err() == nil {
			a.log.Warn("retention stopped at its time limit; the next run goes on", "deleted", run.Deleted)
		}
	}
}
