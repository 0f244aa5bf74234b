package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/internal/pgtest"
	"github.com/openfast/openfast/internal/smtptest"
	"github.com/openfast/openfast/mail"
	"github.com/openfast/openfast/postgres"
	"github.com/openfast/openfast/sqlite"
)

// clock is a settable App clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

// mailEnv is an installation that sends mail through a real SMTP server:
// a metadata store, a DuckDB event store and Apps over them (each App is
// one server of the installation).
type mailEnv struct {
	t      *testing.T
	store  openfast.MetadataStore
	events *duckdb.DB
	smtp   *smtptest.Server
	clock  *clock
	public *url.URL
}

const mailFrom = "reports@openfast.test"

func newMailEnv(t *testing.T, store openfast.MetadataStore) *mailEnv {
	t.Helper()
	events, err := duckdb.OpenDataDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	public, _ := url.Parse("https://analytics.example.com")
	return &mailEnv{t: t, store: store, events: events, smtp: smtptest.Start(t, smtptest.Options{}), clock: &clock{}, public: public}
}

func openSQLite(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newServer returns another App (server) of the installation, over store
// (the env's when nil).
func (e *mailEnv) newServer(store openfast.MetadataStore) *app.App {
	e.t.Helper()
	if store == nil {
		store = e.store
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: e.smtp.URL(), From: mailFrom})
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := app.New(app.Config{Metadata: store, Analytics: e.events, Mail: sender, PublicURL: e.public, Now: e.clock.now})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// team is a website and its team.
type team struct {
	site                  *openfast.Website
	owner, member, viewer *openfast.User
}

func (e *mailEnv) website(domain string, weekly, viral bool) *team {
	e.t.Helper()
	ctx := context.Background()
	user := func(name string) *openfast.User {
		u := &openfast.User{ID: openfast.NewID(), Email: name + "@" + domain}
		if err := e.store.CreateUser(ctx, u); err != nil {
			e.t.Fatal(err)
		}
		return u
	}
	tm := &team{owner: user("owner"), member: user("member"), viewer: user("viewer")}
	tm.site = &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_" + openfast.NewID(), OwnerID: tm.owner.ID, Domain: domain,
		Timezone: "Europe/Paris", Currency: "USD"}
	tm.site.SendWeeklyReports, tm.site.SendViralTrafficAlerts = weekly, viral
	if err := e.store.CreateWebsite(ctx, tm.site, nil); err != nil {
		e.t.Fatal(err)
	}
	for _, m := range []struct {
		u    *openfast.User
		role openfast.Role
	}{{tm.member, openfast.RoleMember}, {tm.viewer, openfast.RoleViewer}} {
		inv := &openfast.Invitation{ID: openfast.NewID(), WebsiteID: tm.site.ID, Email: m.u.Email, Role: m.role, InvitedBy: tm.owner.ID}
		if err := e.store.CreateInvitation(ctx, inv, time.Time{}, nil); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.store.AcceptInvitation(ctx, inv.ID, m.u, time.Time{}, nil); err != nil {
			e.t.Fatal(err)
		}
	}
	return tm
}

// visit is a visitor's pageview (with its session), at t.
func visit(site string, n int, t time.Time, path, referrer string) openfast.Event {
	v := openfast.UUID{0x40, byte(n >> 8), byte(n), 1, 0, 0, 0x40, 0, 0x80}
	s := v
	s[15] = 0x5e
	return openfast.Event{WebsiteID: site, Time: t, Type: openfast.EventPageview, VisitorID: v, SessionID: s,
		Hostname: "example.com", Path: path, EntryPath: path, SessionReferrer: referrer, Referrer: referrer}
}

func goal(ev openfast.Event, name string) openfast.Event {
	ev.Type, ev.Goal, ev.Time = openfast.EventCustom, name, ev.Time.Add(time.Minute)
	return ev
}

func payment(ev openfast.Event, cents int64) openfast.Event {
	ev.Type, ev.RevenueCents, ev.Currency, ev.TransactionID, ev.EventID = openfast.EventPayment, cents, "USD", "tx_"+openfast.NewID(), openfast.NewID()
	ev.Time = ev.Time.Add(2 * time.Minute)
	return ev
}

func (e *mailEnv) insert(events []openfast.Event) {
	e.t.Helper()
	if err := e.events.InsertEvents(context.Background(), events); err != nil {
		e.t.Fatal(err)
	}
}

// weekEvents are two weeks of a website in Europe/Paris (UTC+1 in
// November 2026). The reported week, Mon 23 – Sun 29 Nov: 12 visitors, 6
// on / from Google, 4 on /pricing from X, 2 on /blog direct (one of them at
// 00:30 on Monday in Paris, still Sunday in UTC); signup by 3 of them,
// newsletter by 1, one payment of 49.99 by a signed-up one: 1 of 12
// converted (customers convert, goals do not). The week before: 10 visitors, 5 on / from Google, 5 on
// /pricing from X, signup by 2, one payment of 20.00 by one of them (1 of
// 10 converted).
// Outside both: a visit on Monday 30 Nov at 07:00 in Paris.
func weekEvents(site string) []openfast.Event {
	at := func(day, h int) time.Time { return time.Date(2026, 11, day, h, 0, 0, 0, time.UTC) }
	var ev []openfast.Event
	for i := range 12 {
		t := at(24, 10).Add(time.Duration(i) * time.Minute)
		path, ref := "/", "Google"
		switch {
		case i >= 10:
			path, ref = "/blog", "Direct/None"
		case i >= 6:
			path, ref = "/pricing", "X"
		}
		if i == 11 {
			t = time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
		}
		pv := visit(site, i, t, path, ref)
		ev = append(ev, pv)
		switch i {
		case 0:
			ev = append(ev, goal(pv, "signup"), payment(pv, 4999))
		case 1, 6:
			ev = append(ev, goal(pv, "signup"))
		case 10:
			ev = append(ev, goal(pv, "newsletter"))
		}
	}
	for i := range 10 {
		path, ref := "/", "Google"
		if i >= 5 {
			path, ref = "/pricing", "X"
		}
		pv := visit(site, 100+i, at(17, 10).Add(time.Duration(i)*time.Minute), path, ref)
		ev = append(ev, pv)
		if i == 0 || i == 5 {
			ev = append(ev, goal(pv, "signup"))
		}
		if i == 0 {
			ev = append(ev, payment(pv, 2000))
		}
	}
	return append(ev, visit(site, 999, at(30, 6), "/", "Google"))
}

// paris is a wall-clock time in Europe/Paris.
func paris(month time.Month, day, h, m int) time.Time {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, month, day, h, m, 0, 0, loc)
}

func tick(t *testing.T, a *app.App) {
	t.Helper()
	if err := a.SendScheduledMail(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func messagesTo(msgs []smtptest.Message, email string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == email {
			out = append(out, m)
		}
	}
	return out
}

func TestWeeklyReport(t *testing.T) {
	e := newMailEnv(t, openSQLite(t, filepath.Join(t.TempDir(), sqlite.FileName)))
	tm := e.website("example.com", true, false)
	quiet := e.website("quiet.example.com", false, false) // reports off: nothing
	e.insert(weekEvents(tm.site.ID))
	e.insert(weekEvents(quiet.site.ID))
	a := e.newServer(nil)

	e.clock.set(paris(time.November, 30, 7, 59)) // before 08:00 on Monday in Paris
	tick(t, a)
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages before 08:00 on Monday", n)
	}
	e.clock.set(paris(time.November, 30, 8, 1))
	tick(t, a)
	msgs := e.smtp.Wait(t, 3, 10*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want one to each of the team of 3", len(msgs))
	}
	for _, u := range []*openfast.User{tm.owner, tm.member, tm.viewer} {
		if len(messagesTo(msgs, u.Email)) != 1 {
			t.Fatalf("messages to %s: %d, want 1", u.Email, len(messagesTo(msgs, u.Email)))
		}
	}
	m := messagesTo(msgs, tm.viewer.Email)[0]
	if m.From != mailFrom || !strings.Contains(m.Header.Get("From"), mailFrom) || m.Header.Get("To") != "<"+tm.viewer.Email+">" && m.Header.Get("To") != tm.viewer.Email {
		t.Errorf("From %q / %q, To %q", m.From, m.Header.Get("From"), m.Header.Get("To"))
	}
	if want := "Your week on example.com: 12 visitors (+20%)"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	unsub := m.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<https://analytics.example.com/unsubscribe?token="+tm.viewer.ID+"."+tm.site.ID+".weekly.") {
		t.Errorf("List-Unsubscribe %q", unsub)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	for _, want := range []string{
		"Mon 23 Nov – Sun 29 Nov 2026 (Europe/Paris)",
		"Visitors         12 (+20%; the week before: 10)",
		"Revenue          49.99 USD (+150%; the week before: 20.00 USD)",
		"Conversion rate  8.33% (-17%; the week before: 10.00%)",
		"Top pages\n  /: 6 visitors (+20%; the week before: 5)\n  /pricing: 4 visitors (-20%; the week before: 5)\n  /blog: 2 visitors (new; the week before: 0)\n",
		"Top referrers\n  Google: 6 visitors (+20%; the week before: 5)\n  X: 4 visitors (-20%; the week before: 5)\n  Direct/None: 2 visitors (new; the week before: 0)\n",
		"Top goals\n  signup: 3 completions (+50%; the week before: 2)\n  newsletter: 1 completions (new; the week before: 0)\n",
		"Dashboard: https://analytics.example.com/websites/" + tm.site.ID,
		"Stop them: " + strings.Trim(unsub, "<>"),
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{"<b>12</b>", "<td>/pricing</td><td>4 visitors</td><td>-20%</td>", `href="` + strings.ReplaceAll(strings.Trim(unsub, "<>"), "&", "&amp;") + `"`} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	claim, err := e.store.MailClaim(context.Background(), tm.site.ID, openfast.MailWeekly, "2026-11-23")
	if err != nil || claim.Sent != 3 || claim.Failed != 0 || claim.FinishedAt == nil {
		t.Fatalf("claim %+v, %v", claim, err)
	}

	// Later the same morning, and after a restart: nothing more.
	e.clock.add(2 * time.Hour)
	tick(t, a)
	tick(t, e.newServer(nil))
	if n := len(e.smtp.Messages()); n != 3 {
		t.Fatalf("%d messages after more rounds, want still 3", n)
	}
}

func TestWeeklyReportFailureRecorded(t *testing.T) {
	e := newMailEnv(t, openSQLite(t, filepath.Join(t.TempDir(), sqlite.FileName)))
	tm := e.website("example.com", true, false)
	a := e.newServer(nil)
	e.smtp.FailWith(550, "mailbox unavailable")
	e.clock.set(paris(time.November, 30, 9, 0))
	if err := a.SendScheduledMail(context.Background()); err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("round with a refusing mail server: %v", err)
	}
	claim, err := e.store.MailClaim(context.Background(), tm.site.ID, openfast.MailWeekly, "2026-11-23")
	if err != nil || claim.Sent != 0 || claim.Failed != 3 || !strings.Contains(claim.Error, "mailbox unavailable") {
		t.Fatalf("claim %+v, %v", claim, err)
	}
	// The claim holds: a failed report is not sent again (never twice).
	e.smtp.FailWith(0, "")
	tick(t, a)
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages after the failure", n)
	}
}

// TestWeeklyReportOnceAcrossServers: two servers sharing one store, in
// the same round, send each report once.
func TestWeeklyReportOnceAcrossServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (openfast.MetadataStore, openfast.MetadataStore)
	}{
		{"SQLite", func(t *testing.T) (openfast.MetadataStore, openfast.MetadataStore) {
			path := filepath.Join(t.TempDir(), sqlite.FileName)
			return openSQLite(t, path), openSQLite(t, path)
		}},
		{"PostgreSQL", func(t *testing.T) (openfast.MetadataStore, openfast.MetadataStore) {
			u := pgtest.FreshDatabase(t)
			return openPostgres(t, u), openPostgres(t, u)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s1, s2 := tc.open(t)
			e := newMailEnv(t, s1)
			var teams []*team
			for i := range 3 {
				teams = append(teams, e.website(fmt.Sprintf("site%d.example.com", i), true, false))
			}
			a1, a2 := e.newServer(s1), e.newServer(s2)
			e.clock.set(paris(time.November, 30, 8, 5))
			for round := range 3 {
				var wg sync.WaitGroup
				for _, a := range []*app.App{a1, a2} {
					wg.Go(func() {
						if err := a.SendScheduledMail(context.Background()); err != nil {
							t.Errorf("round %d: %v", round, err)
						}
					})
				}
				wg.Wait()
			}
			msgs := e.smtp.Wait(t, 9, 10*time.Second)
			time.Sleep(100 * time.Millisecond) // a duplicate would have arrived by now
			if msgs = e.smtp.Messages(); len(msgs) != 9 {
				t.Fatalf("%d messages, want 9 (3 websites × 3 people)", len(msgs))
			}
			for _, tm := range teams {
				if n := len(messagesTo(msgs, tm.member.Email)); n != 1 {
					t.Fatalf("%d reports to %s, want 1", n, tm.member.Email)
				}
			}
		})
	}
}

func openPostgres(t *testing.T, rawURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// hourVisits are n visitors of site in the hour that starts at start, from
// referrer to path, numbered from first.
func hourVisits(site string, first, n int, start time.Time, path, referrer string) []openfast.Event {
	var ev []openfast.Event
	for i := range n {
		ev = append(ev, visit(site, first+i, start.Add(time.Duration(i)*time.Second), path, referrer))
	}
	return ev
}

func TestViralTrafficAlert(t *testing.T) {
	e := newMailEnv(t, openSQLite(t, filepath.Join(t.TempDir(), sqlite.FileName)))
	spiky := e.website("spiky.example.com", false, true)
	small := e.website("small.example.com", false, true) // a spike under 50 visitors
	usual := e.website("usual.example.com", false, true) // 60 visitors, as usual
	off := e.website("off.example.com", false, false)    // alerts off
	hour := paris(time.December, 2, 14, 0)               // Wednesday 14:00–15:00 in Paris
	var ev []openfast.Event
	for k, n := range []int{10, 12, 14, 20} { // median 13: a spike is over 39
		start := hour.AddDate(0, 0, -7*(k+1))
		ev = append(ev, hourVisits(spiky.site.ID, 1000*(k+1), n, start, "/", "Google")...)
		ev = append(ev, hourVisits(usual.site.ID, 1000*(k+1), 25, start, "/", "Google")...)
	}
	ev = append(ev, hourVisits(spiky.site.ID, 0, 40, hour, "/launch", "Hacker News")...)
	ev = append(ev, hourVisits(spiky.site.ID, 100, 20, hour.Add(30*time.Minute), "/", "Google")...)
	ev = append(ev, hourVisits(small.site.ID, 0, 45, hour, "/", "Google")...)
	ev = append(ev, hourVisits(usual.site.ID, 0, 60, hour, "/", "Google")...)
	ev = append(ev, hourVisits(off.site.ID, 0, 100, hour, "/", "Google")...)
	// The next hour spikes too: no second alert that day.
	ev = append(ev, hourVisits(spiky.site.ID, 200, 90, hour.Add(time.Hour), "/again", "Reddit")...)
	e.insert(ev)
	a := e.newServer(nil)

	e.clock.set(hour.Add(59 * time.Minute)) // the hour is not over
	tick(t, a)
	e.clock.set(hour.Add(61 * time.Minute))
	tick(t, a)
	msgs := e.smtp.Wait(t, 1, 10*time.Second)
	tick(t, a)
	tick(t, e.newServer(nil)) // a restarted server checks the hour again: the claim holds
	e.clock.set(hour.Add(2*time.Hour + time.Minute))
	tick(t, a)
	time.Sleep(100 * time.Millisecond)
	if msgs = e.smtp.Messages(); len(msgs) != 1 {
		for _, m := range msgs {
			t.Logf("%v: %s", m.To, m.Subject)
		}
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != spiky.owner.Email {
		t.Fatalf("alert to %v, want the owner only", m.To)
	}
	if want := "Traffic spike on spiky.example.com: 60 visitors in an hour"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	for _, want := range []string{
		"60 visitors in the hour Wed 2 Dec 14:00–15:00 (Europe/Paris); that hour of the week usually has 13",
		"Top referrer: Hacker News (40 visitors)", "Top page: /launch (40 visitors)",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Header.Get("List-Unsubscribe"), "."+spiky.site.ID+".viral.") {
		t.Errorf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
	}
	if !strings.Contains(m.HTML, "Hacker News") {
		t.Errorf("HTML lacks the top referrer:\n%s", m.HTML)
	}
}

// TestMailNotConfigured: without a mail server the settings still take,
// and the scheduler sends nothing and says why once.
func TestMailNotConfigured(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), sqlite.FileName))
	var logs strings.Builder
	a, err := app.New(app.Config{Metadata: store, Logger: newTextLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	if a.MailReady() {
		t.Fatal("MailReady without a sender")
	}
	ctx := context.Background()
	owner := &openfast.User{ID: openfast.NewID(), Email: "owner@example.com"}
	if err := store.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	site := &openfast.Website{ID: openfast.NewID(), TrackingID: "dfid_x", OwnerID: owner.ID, Domain: "example.com", Timezone: "UTC", Currency: "USD"}
	site.SendWeeklyReports = true
	if err := store.CreateWebsite(ctx, site, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.SendScheduledMail(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "cannot be sent"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs.String())
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestScheduledMailBoundedRounds: a round does the work of at most 100
// websites; the next goes on where it stopped, so every website's hour is
// checked within the hour.
func TestScheduledMailBoundedRounds(t *testing.T) {
	e := newMailEnv(t, openSQLite(t, filepath.Join(t.TempDir(), sqlite.FileName)))
	var last *team
	for i := range 150 {
		tm := e.website(fmt.Sprintf("site%d.example.com", i), false, true)
		if last == nil || tm.site.ID > last.site.ID {
			last = tm
		}
	}
	hour := paris(time.December, 2, 14, 0)
	e.insert(hourVisits(last.site.ID, 0, 60, hour, "/", "Google")) // the last website in id order spikes
	a := e.newServer(nil)
	e.clock.set(hour.Add(61 * time.Minute))
	tick(t, a)
	time.Sleep(100 * time.Millisecond)
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages after the first round, which reaches the first 100 websites only", n)
	}
	tick(t, a)
	msgs := e.smtp.Wait(t, 1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != last.owner.Email {
		t.Fatalf("messages after the second round: %d", len(msgs))
	}
}
