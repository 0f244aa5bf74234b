package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/mail"
)

// How alerts are delivered. An accepted goal event of a website with an
// enabled alert on that goal is a firing: ObserveEvent puts it on a
// bounded queue without waiting (never slowing the ingest path), and a
// worker off that path groups the firings of each alert, so that an alert
// mails the website's owner at most once a minute, the mail saying how
// many firings it covers. Each mail (sent or not) is one history entry.
const (
	// AlertQueueSize is how many firings may wait for the worker. A
	// firing that finds the queue full is dropped, counted, and recorded
	// as a failed history entry of its alert.
	AlertQueueSize = 10_000
	// AlertInterval is the shortest time between two mails of one alert.
	AlertInterval = time.Minute
	// maxCachedAlertSites bounds the cache of enabled alerts by website.
	maxCachedAlertSites = 100_000
	// maxDropRecords bounds the alerts whose dropped firings are counted
	// one by one; beyond it drops are only counted in total (and logged).
	maxDropRecords = 1_000
	// maxAlertGroups bounds the alerts with firings waiting for their
	// minute; beyond it a firing of another alert is recorded as failed.
	maxAlertGroups = 50_000
	// alertSendTimeout bounds one delivery (owner lookup, mail, history).
	alertSendTimeout = 2 * time.Minute
)

// ErrMailNotConfigured is the history error of a firing on a server
// without --smtp-url.
const ErrMailNotConfigured = "Mail is not configured on this server (--smtp-url)."

// alertRule is an enabled alert as the ingest path sees it.
type alertRule struct {
	ID, WebsiteID, Name, Goal, Message string
	Subject                            *string
}

// siteAlerts are a website's enabled alerts by goal.
type siteAlerts map[string][]*alertRule

// firing is one goal event that an alert fires on.
type firing struct {
	rule    *alertRule
	visitor string
	country string
	props   string
	at      time.Time
}

// alertGroup is an alert's firings waiting for their mail.
type alertGroup struct {
	first    firing
	count    int
	lastSent time.Time
}

// alertJob is what the sender does: mail a group, or record dropped
// firings.
type alertJob struct {
	first   firing
	count   int
	dropped bool
}

// alertEngine delivers alerts; see AlertQueueSize.
type alertEngine struct {
	a       *App
	queue   chan firing
	jobs    chan alertJob
	cache   *genCache[string, siteAlerts]
	start   sync.Once
	running atomic.Bool
	stopped sync.Once
	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex
	drops   map[string]*alertJob // by alert id
	lost    atomic.Int64         // drops beyond maxDropRecords
	queued  atomic.Int64         // firings enqueued, for tests and stats
	sent    atomic.Int64         // history entries written
}

func newAlertEngine(a *App, ttl time.Duration) *alertEngine {
	return &alertEngine{
		a:     a,
		queue: make(chan firing, AlertQueueSize),
		jobs:  make(chan alertJob, 256),
		cache: newGenCache[string, siteAlerts](ttl, maxCachedAlertSites),
		stop:  make(chan struct{}),
		drops: map[string]*alertJob{},
	}
}

func (e *alertEngine) invalidate() { e.cache.invalidate() }

// rules returns a website's enabled alerts through the cache; a miss reads
// the store, for at most 2 s.
func (e *alertEngine) rules(websiteID string) (siteAlerts, error) {
	now := e.a.now()
	if r, ok := e.cache.get(websiteID, now); ok {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	gen := e.cache.begin()
	list, err := e.a.store.Alerts(ctx, websiteID)
	if err != nil {
		return nil, err
	}
	r := siteAlerts{}
	for _, al := range list {
		if al.Enabled {
			r[al.GoalName] = append(r[al.GoalName], &alertRule{ID: al.ID, WebsiteID: al.WebsiteID, Name: al.Name, Goal: al.GoalName, Message: al.Message, Subject: al.Subject})
		}
	}
	e.cache.put(websiteID, r, gen, now)
	return r, nil
}

// ObserveEvent is told of every event accepted for storage (the tracker's
// and the server-side goals): a goal event fires the enabled alerts of its
// website on its goal. It never blocks on the queue; it reads the store
// only when the website's alerts are not cached.
func (a *App) ObserveEvent(ev *openfast.Event) {
	if ev.Type != openfast.EventCustom || ev.Goal == "" {
		return
	}
	rules, err := a.alerts.rules(ev.WebsiteID)
	if err != nil {
		a.log.Warn("read alerts of a website; its goal event fires none", "website", ev.WebsiteID, "error", err)
		return
	}
	matched := rules[ev.Goal]
	if len(matched) == 0 {
		return
	}
	a.alerts.start.Do(func() {
		a.alerts.running.Store(true)
		a.alerts.run(a.log)
	})
	country := ev.CountryCode
	if country == "" {
		country = "unknown"
	}
	for _, r := range matched {
		f := firing{rule: r, visitor: ev.VisitorID.String(), country: country, props: ev.Props, at: ev.Time}
		select {
		case a.alerts.queue <- f:
			a.alerts.queued.Add(1)
		default:
			a.alerts.drop(f)
		}
	}
}

// drop counts a firing the full queue refused, to be recorded as failed.
func (e *alertEngine) drop(f firing) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d, ok := e.drops[f.rule.ID]; ok {
		d.count++
		return
	}
	if len(e.drops) >= maxDropRecords {
		e.lost.Add(1)
		return
	}
	e.drops[f.rule.ID] = &alertJob{first: f, count: 1, dropped: true}
}

// takeDrops returns the dropped firings counted so far, and forgets them.
func (e *alertEngine) takeDrops() []*alertJob {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.drops) == 0 {
		return nil
	}
	out := make([]*alertJob, 0, len(e.drops))
	for _, d := range e.drops {
		out = append(out, d)
	}
	clear(e.drops)
	return out
}

// run starts the grouping worker and the sender.
func (e *alertEngine) run(log *slog.Logger) {
	e.done.Add(2)
	go func() {
		defer e.done.Done()
		e.group(log)
	}()
	go func() {
		defer e.done.Done()
		for job := range e.jobs {
			e.deliver(job, log)
		}
	}()
}

// shutdown stops the worker, hands the waiting groups to the sender, and
// waits for it to record them (at most until ctx ends). A worker that has
// not started never will.
func (e *alertEngine) shutdown(ctx context.Context) {
	e.start.Do(func() {})
	if !e.running.Load() {
		return
	}
	e.stopped.Do(func() { close(e.stop) })
	finished := make(chan struct{})
	go func() { e.done.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
	}
}

// group is the worker: it takes firings off the queue, groups them by
// alert, and hands a group to the sender when its alert has not mailed
// for AlertInterval.
func (e *alertEngine) group(log *slog.Logger) {
	defer close(e.jobs)
	groups := map[string]*alertGroup{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	handOff := func(g *alertGroup, now time.Time, wait bool) bool {
		job := alertJob{first: g.first, count: g.count}
		if wait {
			e.jobs <- job
		} else {
			select {
			case e.jobs <- job:
			default:
				return false // the sender is busy: the next tick tries again
			}
		}
		g.count, g.lastSent = 0, now
		return true
	}
	flush := func(now time.Time, all bool) {
		for id, g := range groups {
			if g.count > 0 && (all || now.Sub(g.lastSent) >= AlertInterval) {
				handOff(g, now, all)
			} else if g.count == 0 && now.Sub(g.lastSent) >= AlertInterval {
				delete(groups, id)
			}
		}
		for _, d := range e.takeDrops() {
			select {
			case e.jobs <- *d:
			default:
				e.lost.Add(int64(d.count))
			}
		}
		if n := e.lost.Swap(0); n > 0 {
			log.Warn("alert firings lost: the alert queue was full and too many alerts had dropped firings to record each", "firings", n)
		}
	}
	add := func(f firing, now time.Time) *alertGroup {
		g := groups[f.rule.ID]
		if g == nil {
			if len(groups) >= maxAlertGroups {
				e.drop(f)
				return nil
			}
			g = &alertGroup{}
			groups[f.rule.ID] = g
		}
		if g.count == 0 {
			g.first = f
		}
		g.count++
		return g
	}
	for {
		select {
		case f := <-e.queue:
			now := e.a.now()
			if g := add(f, now); g != nil && now.Sub(g.lastSent) >= AlertInterval {
				handOff(g, now, false)
			}
		case <-tick.C:
			flush(e.a.now(), false)
		case <-e.stop:
			// The firings still queued are grouped and delivered too.
			now := e.a.now()
			for len(e.queue) > 0 {
				add(<-e.queue, now)
			}
			flush(now, true)
			return
		}
	}
}

// deliver mails one group to the website's owner, or records dropped
// firings, and writes the history entry.
func (e *alertEngine) deliver(job alertJob, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), alertSendTimeout)
	defer cancel()
	r := job.first.rule
	entry := &openfast.AlertLog{
		ID: openfast.NewID(), WebsiteID: r.WebsiteID, AlertID: r.ID, AlertName: r.Name, GoalName: r.Goal,
		Status: openfast.AlertSent, Firings: job.count, TriggeredAt: job.first.at.UTC(),
	}
	if v := job.first.visitor; v != "" && v != (openfast.UUID{}).String() {
		entry.VisitorID = &v
	}
	var failure string
	switch {
	case job.dropped:
		failure = fmt.Sprintf("%d firing(s) not delivered: the alert queue was full (%d firings waiting).", job.count, AlertQueueSize)
	case e.a.mail == nil:
		failure = ErrMailNotConfigured
	default:
		if err := e.send(ctx, job); err != nil {
			failure = err.Error()
		}
	}
	if failure != "" {
		failure = openfast.Truncate(failure, openfast.MaxAlertError)
		entry.Status, entry.Error = openfast.AlertFailed, &failure
	}
	if err := e.a.store.AddAlertLogs(ctx, []*openfast.AlertLog{entry}, openfast.MaxAlertLogsPerWebsite); err != nil {
		log.Error("record an alert's history entry", "alert", r.ID, "status", entry.Status, "error", err)
		return
	}
	e.sent.Add(1)
}

// send renders and sends the mail of a group.
func (e *alertEngine) send(ctx context.Context, job alertJob) error {
	r := job.first.rule
	site, err := e.a.store.Website(ctx, r.WebsiteID)
	if err != nil {
		return fmt.Errorf("read the website: %s", openfast.ErrorMessage(err))
	}
	owner, err := e.a.store.UserByID(ctx, site.OwnerID)
	if err != nil {
		return fmt.Errorf("read the website's owner: %s", openfast.ErrorMessage(err))
	}
	m := alertMessage(r, job, site.Domain)
	m.To = []string{owner.Email}
	return e.a.mail.Send(ctx, m)
}

// alertMessage renders an alert's mail for a group of firings.
func alertMessage(r *alertRule, job alertJob, domain string) mail.Message {
	v := alertValues{Visitor: job.first.visitor, Goal: r.Goal, Website: domain, Country: job.first.country, Params: map[string]string{}}
	if job.first.props != "" {
		var props map[string]any
		if json.Unmarshal([]byte(job.first.props), &props) == nil {
			for k, val := range props {
				if s, ok := val.(string); ok {
					v.Params[k] = s
				}
			}
		}
	}
	subjectTmpl := "Alert: {{goal}} on {{website}}"
	if r.Subject != nil {
		subjectTmpl = *r.Subject
	}
	subject := renderTemplate(subjectTmpl, v, maxRenderedSubject)
	body := renderTemplate(r.Message, v, maxRenderedMessage)
	var text strings.Builder
	text.WriteString(body)
	text.WriteString("\n\n-- \n")
	if job.count > 1 {
		fmt.Fprintf(&text, "This mail covers %d firings of the alert %q in the last minute; the values above are those of the first.\n", job.count, r.Name)
		subject = fmt.Sprintf("%s (%d firings)", subject, job.count)
	} else {
		fmt.Fprintf(&text, "This mail covers 1 firing of the alert %q.\n", r.Name)
	}
	fmt.Fprintf(&text, "Goal %s on %s, visitor %s, country %s, at %s.\n", r.Goal, domain, job.first.visitor, job.first.country, job.first.at.UTC().Format(time.RFC3339))
	fmt.Fprintf(&text, "An alert mails at most once a minute. Pause or delete it in the website's settings (Alerts).\n")
	htmlBody := "<div style=\"font-family:sans-serif\"><p>" + strings.ReplaceAll(html.EscapeString(body), "\n", "<br>\n") + "</p><hr><p style=\"color:#666;font-size:12px\">" +
		strings.ReplaceAll(html.EscapeString(strings.TrimSpace(text.String()[len(body):])), "\n", "<br>\n") + "</p></div>"
	return mail.Message{Subject: subject, Text: text.String(), HTML: htmlBody}
}

// AlertStats are counts of the delivery of alerts by this process.
type AlertStats struct {
	Queued   int64 // firings put on the queue
	Recorded int64 // history entries written
}

// AlertStats returns the counts of this process's alert delivery.
func (a *App) AlertStats() AlertStats {
	return AlertStats{Queued: a.alerts.queued.Load(), Recorded: a.alerts.sent.Load()}
}
