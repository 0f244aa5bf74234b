package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/mail"
	"github.com/openfast/openfast/wire"
)

// Scheduled mail: the weekly report of each website with sendWeeklyReports
// on, to everyone on its team who has not opted out, and the traffic alert
// of each website with sendViralTrafficAlerts on, to its owner. A loop
// (Run) looks every MailTick at a bounded page of those websites; a mail
// that is due is claimed in the metadata store (one claim per website,
// kind and period, shared by every server of the store) before it is
// sent, so that it goes out once, also across restarts and servers.
const (
	// WeeklyReportHour is the local hour of Monday (the website's
	// timezone) from which the report of the week before is due; it stays
	// due for weeklyReportWindow, for a server that was down then.
	WeeklyReportHour   = 8
	weeklyReportWindow = 3 * 24 * time.Hour
	// A traffic alert fires when the visitors of the last full hour are at
	// least ViralMinVisitors and more than ViralFactor times the median of
	// the same hour of the week over the ViralWeeks weeks before; at most
	// one per website per local day.
	ViralMinVisitors = 50
	ViralFactor      = 3
	ViralWeeks       = 4
	// MailTick is how often the scheduler looks for mail that is due.
	MailTick = 5 * time.Minute
	// mailWebsitesPerTick bounds the websites of each kind whose mail one
	// round reads or sends (due ones: a report in its window, an hour not
	// checked yet); the next round goes on from where it stopped. A round
	// lists at most maxMailPagesPerTick pages of mailPageSize websites.
	mailWebsitesPerTick = 100
	mailPageSize        = 500
	maxMailPagesPerTick = 20
	// maxMailRecipients bounds the recipients of one website's report.
	maxMailRecipients = 100
	// maxViralChecked bounds the websites whose last checked hour is
	// remembered; when full it starts over (a website is then checked
	// again in the same hour, which sends nothing twice: the claim holds).
	maxViralChecked = 100_000
	// reportTopRows is the length of a report's top lists; the week before
	// is read reportCompareRows deep to compare them.
	reportTopRows     = 5
	reportCompareRows = 1000
	// mailSendTimeout bounds the sending of one message.
	mailSendTimeout = time.Minute
)

// mailState is the scheduler's memory.
type mailState struct {
	mu           sync.Mutex
	key          []byte                       // the unsubscribe-link key, once read
	cursor       map[openfast.MailKind]string // the last website looked at, by kind
	viralChecked map[string]time.Time         // website → start of the last hour checked
	warned       bool                         // "mail is not configured" was logged
}

// MailReady reports whether scheduled mail can go out: a mail server
// (--smtp-url) and a public URL (--public-url) for the unsubscribe links.
func (a *App) MailReady() bool { return a.mail != nil && a.publicURL != nil }

// runMail runs the scheduler until ctx ends.
func (a *App) runMail(ctx context.Context) {
	for {
		if err := a.SendScheduledMail(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("scheduled mail", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(MailTick):
		}
	}
}

// SendScheduledMail does one round of the scheduler at the App's clock:
// it goes on through the websites of each kind from where the last round
// stopped and sends what is due, until it has done mailWebsitesPerTick
// websites' work or looked at every website once. Several servers may run
// it at once: each mail goes out once.
func (a *App) SendScheduledMail(ctx context.Context) error {
	if !a.MailReady() {
		return a.warnMailNotReady(ctx)
	}
	now := a.now()
	var errs []error
	for _, kind := range openfast.MailKinds {
		do := a.weeklyReport
		if kind == openfast.MailViral {
			do = a.viralAlert
		}
		work := 0
		for page := 0; page < maxMailPagesPerTick && work < mailWebsitesPerTick; page++ {
			a.mailState.mu.Lock()
			after := a.mailState.cursor[kind]
			a.mailState.mu.Unlock()
			sites, err := a.store.MailingWebsites(ctx, kind, after, mailPageSize)
			if err != nil {
				errs = append(errs, err)
				break
			}
			next, done := after, 0
			for _, site := range sites {
				if work == mailWebsitesPerTick || ctx.Err() != nil {
					break
				}
				did, err := do(ctx, site, now)
				if did {
					work++
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("%s mail of %s: %w", kind, site.ID, err))
				}
				next, done = site.ID, done+1
			}
			wrapped := len(sites) < mailPageSize && done == len(sites)
			if wrapped {
				next = "" // every website seen: the next round starts over
			}
			a.mailState.mu.Lock()
			if a.mailState.cursor == nil {
				a.mailState.cursor = make(map[openfast.MailKind]string)
			}
			a.mailState.cursor[kind] = next
			a.mailState.mu.Unlock()
			if wrapped || ctx.Err() != nil {
				break
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// warnMailNotReady logs once, when some website asks for scheduled mail,
// that none can be sent.
func (a *App) warnMailNotReady(ctx context.Context) error {
	a.mailState.mu.Lock()
	warned := a.mailState.warned
	a.mailState.mu.Unlock()
	if warned {
		return nil
	}
	for _, kind := range openfast.MailKinds {
		sites, err := a.store.MailingWebsites(ctx, kind, "", 1)
		if err != nil {
			return err
		}
		if len(sites) > 0 {
			a.mailState.mu.Lock()
			a.mailState.warned = true
			a.mailState.mu.Unlock()
			a.log.Warn("weekly reports and traffic alerts cannot be sent: they need --smtp-url, --smtp-from and --public-url",
				"website", sites[0].ID, "setting", kind.Setting())
			return nil
		}
	}
	return nil
}

// websiteLocation is a website's time zone (cached), UTC when unknown.
func websiteLocation(site *openfast.Website) *time.Location {
	if loc, ok := openfast.LoadTimezone(site.Timezone); ok {
		return loc
	}
	return time.UTC
}

// recipient is a user a scheduled mail goes to.
type recipient struct{ userID, email string }

// mailRecipients returns who gets a website's mail of kind: the team (the
// owner only for traffic alerts) less those who opted out.
func (a *App) mailRecipients(ctx context.Context, site *openfast.Website, kind openfast.MailKind) ([]recipient, error) {
	members, err := a.store.Members(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	outs, err := a.store.MailOptOuts(ctx, "", site.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, o := range outs {
		if o.Kind == kind {
			out[o.UserID] = true
		}
	}
	var list []recipient
	for _, m := range members {
		if out[m.UserID] || kind == openfast.MailViral && m.Role != openfast.RoleOwner || len(list) == maxMailRecipients {
			continue
		}
		list = append(list, recipient{m.UserID, m.Email})
	}
	return list, nil
}

// claimMail claims a website's mail of kind for period, when it has
// recipients; it returns them, or none when there is nothing to send (no
// recipient, or another server or an earlier round claimed it).
func (a *App) claimMail(ctx context.Context, site *openfast.Website, kind openfast.MailKind, period string, now time.Time) (*openfast.MailClaim, []recipient, error) {
	to, err := a.mailRecipients(ctx, site, kind)
	if err != nil || len(to) == 0 {
		return nil, nil, err
	}
	claim := &openfast.MailClaim{WebsiteID: site.ID, Kind: kind, Period: period, ClaimedAt: now}
	won, err := a.store.ClaimMail(ctx, claim)
	if err != nil || !won {
		return nil, nil, err
	}
	return claim, to, nil
}

// letter is a scheduled mail before it is addressed.
type letter struct {
	subject string
	text    func(unsubscribe string) string
	html    func(unsubscribe string) string
}

// deliver sends a claimed mail to each recipient, each with their own
// unsubscribe link, and records the outcome; an error building the mail
// (read failed) is recorded as the failure of every message.
func (a *App) deliver(ctx context.Context, claim *openfast.MailClaim, to []recipient, l *letter, buildErr error) error {
	var errs []error
	if buildErr != nil {
		claim.Failed, claim.Error = len(to), buildErr.Error()
		errs = append(errs, buildErr)
	} else {
		for _, r := range to {
			err := a.sendOne(ctx, claim, r, l)
			if err == nil {
				claim.Sent++
				continue
			}
			if claim.Failed == 0 {
				claim.Error = err.Error()
			}
			claim.Failed++
			errs = append(errs, err)
		}
	}
	done := a.now()
	claim.FinishedAt = &done
	if err := a.store.FinishMail(context.WithoutCancel(ctx), claim); err != nil {
		errs = append(errs, err)
	}
	a.log.Info("scheduled mail", "kind", string(claim.Kind), "website", claim.WebsiteID, "period", claim.Period,
		"sent", claim.Sent, "failed", claim.Failed)
	return errors.Join(errs...)
}

func (a *App) sendOne(ctx context.Context, claim *openfast.MailClaim, r recipient, l *letter) error {
	token, err := a.unsubscribeToken(ctx, r.userID, claim.WebsiteID, claim.Kind)
	if err != nil {
		return err
	}
	link := a.link("/unsubscribe", url.Values{"token": {token}})
	sctx, cancel := context.WithTimeout(ctx, mailSendTimeout)
	defer cancel()
	if err := a.mail.Send(sctx, mail.Message{To: []string{r.email}, Subject: l.subject, Text: l.text(link), HTML: l.html(link), Unsubscribe: link}); err != nil {
		return fmt.Errorf("send to user %s: %w", r.userID, err)
	}
	return nil
}

// link is an absolute URL of this server (the public URL).
func (a *App) link(path string, query url.Values) string {
	u := *a.publicURL
	u.Path += path
	u.RawQuery = query.Encode()
	return u.String()
}

// weeklyReport sends a website's report of the week before, when due; it
// reports whether it was.
func (a *App) weeklyReport(ctx context.Context, site *openfast.Website, now time.Time) (bool, error) {
	loc := websiteLocation(site)
	local := now.In(loc)
	y, m, d := local.Date()
	monday := time.Date(y, m, d-(int(local.Weekday())+6)%7, 0, 0, 0, 0, loc)
	due := time.Date(monday.Year(), monday.Month(), monday.Day(), WeeklyReportHour, 0, 0, 0, loc)
	if local.Before(due) || !local.Before(due.Add(weeklyReportWindow)) {
		return false, nil
	}
	weekStart := time.Date(monday.Year(), monday.Month(), monday.Day()-7, 0, 0, 0, 0, loc)
	claim, to, err := a.claimMail(ctx, site, openfast.MailWeekly, weekStart.Format(time.DateOnly), now)
	if err != nil || claim == nil {
		return true, err
	}
	r, err := a.weekFigures(ctx, site, weekStart, monday, loc)
	var l *letter
	if err == nil {
		l = r.letter(a.link("/websites/"+site.ID, nil))
	}
	return true, a.deliver(ctx, claim, to, l, err)
}

// systemRead runs one analytics read of the scheduler: through the read
// gate and under the query deadline like the API's, waiting its turn when
// the gate is full.
func systemRead[T any](ctx context.Context, a *App, site *openfast.Website, do func(context.Context) (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := read(ctx, a, site.ID, do)
		var retry *RetryError
		if err == nil || !errors.As(err, &retry) || attempt == 10 {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(retry.After):
		}
	}
}

func (a *App) query(site *openfast.Website, e analytics.Endpoint, start, end time.Time, loc *time.Location, limit int) *analytics.Query {
	q := &analytics.Query{Range: analytics.Range{Start: start.UTC(), End: end.UTC()}, Location: loc, Timezone: loc.String(),
		Fields: e.Fields, Limit: limit, IncludeRenewals: site.IncludeRenewalRevenue}
	a.clampToRetention(q, site) // a week before a short retention's cutoff is not half counted
	return q
}

func (a *App) overviewOf(ctx context.Context, site *openfast.Website, start, end time.Time, loc *time.Location) (*wire.Overview, error) {
	if err := a.analyticsReady(); err != nil {
		return nil, err
	}
	q := a.query(site, analytics.Overview, start, end, loc, 0)
	return systemRead(ctx, a, site, func(ctx context.Context) (*wire.Overview, error) {
		return a.analytics.Overview(ctx, site.ID, q, site.Currency)
	})
}

func (a *App) breakdownOf(ctx context.Context, site *openfast.Website, e analytics.Endpoint, start, end time.Time, loc *time.Location, limit int) ([]wire.BreakdownRow, error) {
	q := a.query(site, e, start, end, loc, limit)
	return systemRead(ctx, a, site, func(ctx context.Context) ([]wire.BreakdownRow, error) {
		rows, _, err := a.analytics.Breakdown(ctx, e, site.ID, q, site.Currency)
		return rows, err
	})
}

// viralAlert checks a website's last full hour once per hour and sends
// its owner an alert on a spike; it reports whether it checked.
func (a *App) viralAlert(ctx context.Context, site *openfast.Website, now time.Time) (bool, error) {
	loc := websiteLocation(site)
	local := now.In(loc)
	hourEnd := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, loc)
	hourStart := hourEnd.Add(-time.Hour)
	if !a.firstViralCheck(site.ID, hourStart) {
		return false, nil
	}
	o, err := a.overviewOf(ctx, site, hourStart, hourEnd, loc)
	if err != nil {
		return true, err
	}
	visitors := deref(o.Visitors)
	if visitors < ViralMinVisitors {
		return true, nil
	}
	before := make([]int64, 0, ViralWeeks)
	for k := 1; k <= ViralWeeks; k++ {
		start := hourStart.AddDate(0, 0, -7*k)
		o, err := a.overviewOf(ctx, site, start, start.Add(time.Hour), loc)
		if err != nil {
			return true, err
		}
		before = append(before, deref(o.Visitors))
	}
	usual := median(before)
	if float64(visitors) <= ViralFactor*usual {
		return true, nil
	}
	claim, to, err := a.claimMail(ctx, site, openfast.MailViral, hourStart.Format(time.DateOnly), now)
	if err != nil || claim == nil {
		return true, err
	}
	s := &spike{domain: site.Domain, start: hourStart, visitors: visitors, usual: usual, dashboard: a.link("/websites/"+site.ID, nil)}
	var pages, refs []wire.BreakdownRow
	pages, err = a.breakdownOf(ctx, site, analytics.Pages, hourStart, hourEnd, loc, 1)
	if err == nil {
		refs, err = a.breakdownOf(ctx, site, analytics.Referrers, hourStart, hourEnd, loc, 1)
	}
	if len(pages) > 0 {
		s.topPage, s.topPageVisitors = deref(pages[0].Path), deref(pages[0].Visitors)
	}
	if len(refs) > 0 {
		s.topReferrer, s.topReferrerVisitors = deref(refs[0].Referrer), deref(refs[0].Visitors)
	}
	var l *letter
	if err == nil {
		l = s.letter()
	}
	return true, a.deliver(ctx, claim, to, l, err)
}

// firstViralCheck reports whether this server has not checked the hour
// of a website yet, and remembers that it now has.
func (a *App) firstViralCheck(websiteID string, hour time.Time) bool {
	a.mailState.mu.Lock()
	defer a.mailState.mu.Unlock()
	if a.mailState.viralChecked == nil || len(a.mailState.viralChecked) >= maxViralChecked {
		a.mailState.viralChecked = make(map[string]time.Time)
	}
	if a.mailState.viralChecked[websiteID].Equal(hour) {
		return false
	}
	a.mailState.viralChecked[websiteID] = hour
	return true
}

func median(v []int64) float64 {
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
