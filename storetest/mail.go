package storetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

// testMail checks the claims, opt-outs and key of the scheduled mail.
func testMail(t *testing.T, s openfast.MetadataStore) {
	owner, viewer := newUser(t, s), newUser(t, s)
	w1, w2, quiet := newWebsite(t, s, owner), newWebsite(t, s, owner), newWebsite(t, s, owner)
	for _, w := range []*openfast.Website{w1, w2} {
		_, err := s.UpdateWebsite(ctx, w.ID, func(x *openfast.Website) error {
			x.SendWeeklyReports = true
			x.SendViralTrafficAlerts = x.ID == w2.ID
			return nil
		}, nil)
		must(t, err)
	}

	t.Run("MailingWebsites", func(t *testing.T) {
		ids := func(kind openfast.MailKind, after string, limit int) []string {
			t.Helper()
			list, err := s.MailingWebsites(ctx, kind, after, limit)
			must(t, err)
			var out []string
			for _, w := range list {
				out = append(out, w.ID)
			}
			return out
		}
		lo, hi := min(w1.ID, w2.ID), max(w1.ID, w2.ID)
		if got := ids(openfast.MailWeekly, "", 10); len(got) != 2 || got[0] != lo || got[1] != hi {
			t.Fatalf("weekly websites = %v, want [%s %s] (not %s)", got, lo, hi, quiet.ID)
		}
		if got := ids(openfast.MailWeekly, "", 1); len(got) != 1 || got[0] != lo {
			t.Fatalf("first page = %v", got)
		}
		if got := ids(openfast.MailWeekly, lo, 10); len(got) != 1 || got[0] != hi {
			t.Fatalf("page after %s = %v", lo, got)
		}
		if got := ids(openfast.MailViral, "", 10); len(got) != 1 || got[0] != w2.ID {
			t.Fatalf("viral websites = %v, want [%s]", got, w2.ID)
		}
		_, err := s.MailingWebsites(ctx, "daily", "", 10)
		wantCode(t, err, openfast.EINVALID)
	})

	t.Run("ClaimOnce", func(t *testing.T) {
		now := time.Now().UTC().Truncate(time.Millisecond)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.ClaimMail(ctx, &openfast.MailClaim{WebsiteID: w1.ID, Kind: openfast.MailWeekly, Period: "2026-11-30", ClaimedAt: now})
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d of 8 concurrent claims won, want 1", wins.Load())
		}
		// Another kind, period or website is another claim.
		for _, c := range []*openfast.MailClaim{
			{WebsiteID: w1.ID, Kind: openfast.MailViral, Period: "2026-11-30", ClaimedAt: now},
			{WebsiteID: w1.ID, Kind: openfast.MailWeekly, Period: "2026-12-07", ClaimedAt: now},
			{WebsiteID: w2.ID, Kind: openfast.MailWeekly, Period: "2026-11-30", ClaimedAt: now},
		} {
			if ok, err := s.ClaimMail(ctx, c); err != nil || !ok {
				t.Fatalf("claim %+v: %v, %v", c, ok, err)
			}
		}
		c, err := s.MailClaim(ctx, w1.ID, openfast.MailWeekly, "2026-11-30")
		must(t, err)
		if !c.ClaimedAt.Equal(now) || c.FinishedAt != nil || c.Sent != 0 {
			t.Fatalf("claim = %+v", c)
		}
		done := now.Add(time.Second)
		must(t, s.FinishMail(ctx, &openfast.MailClaim{WebsiteID: w1.ID, Kind: openfast.MailWeekly, Period: "2026-11-30",
			FinishedAt: &done, Sent: 2, Failed: 1, Error: "550 mailbox unavailable"}))
		c, err = s.MailClaim(ctx, w1.ID, openfast.MailWeekly, "2026-11-30")
		must(t, err)
		if c.FinishedAt == nil || !c.FinishedAt.Equal(done) || c.Sent != 2 || c.Failed != 1 || c.Error != "550 mailbox unavailable" {
			t.Fatalf("finished claim = %+v", c)
		}
		if ok, err := s.ClaimMail(ctx, &openfast.MailClaim{WebsiteID: w1.ID, Kind: openfast.MailWeekly, Period: "2026-11-30", ClaimedAt: done}); err != nil || ok {
			t.Fatalf("claim after the mail was sent: %v, %v; want refused", ok, err)
		}
		wantCode(t, s.FinishMail(ctx, &openfast.MailClaim{WebsiteID: w1.ID, Kind: openfast.MailWeekly, Period: "2020-01-06", FinishedAt: &done}), openfast.ENOTFOUND)
		_, err = s.MailClaim(ctx, w1.ID, openfast.MailViral, "2020-01-06")
		wantCode(t, err, openfast.ENOTFOUND)
	})

	t.Run("OptOuts", func(t *testing.T) {
		now := time.Now().UTC().Truncate(time.Millisecond)
		out := func(u *openfast.User, w *openfast.Website, kind openfast.MailKind) *openfast.MailOptOut {
			return &openfast.MailOptOut{UserID: u.ID, WebsiteID: w.ID, Kind: kind, CreatedAt: now}
		}
		must(t, s.SetMailOptOut(ctx, out(viewer, w1, openfast.MailWeekly), true))
		must(t, s.SetMailOptOut(ctx, out(viewer, w1, openfast.MailWeekly), true)) // twice: no error
		must(t, s.SetMailOptOut(ctx, out(viewer, w2, openfast.MailViral), true))
		must(t, s.SetMailOptOut(ctx, out(owner, w1, openfast.MailWeekly), true))
		list, err := s.MailOptOuts(ctx, viewer.ID, "")
		must(t, err)
		if len(list) != 2 || list[0].UserID != viewer.ID || !list[0].CreatedAt.Equal(now) {
			t.Fatalf("opt-outs of the viewer = %+v", list)
		}
		list, err = s.MailOptOuts(ctx, "", w1.ID)
		must(t, err)
		if len(list) != 2 || list[0].WebsiteID != w1.ID || list[1].WebsiteID != w1.ID || list[0].Kind != openfast.MailWeekly {
			t.Fatalf("opt-outs of website 1 = %+v", list)
		}
		must(t, s.SetMailOptOut(ctx, out(viewer, w1, openfast.MailWeekly), false))
		must(t, s.SetMailOptOut(ctx, out(viewer, w1, openfast.MailWeekly), false)) // twice: no error
		list, err = s.MailOptOuts(ctx, viewer.ID, "")
		must(t, err)
		if len(list) != 1 || list[0].WebsiteID != w2.ID || list[0].Kind != openfast.MailViral {
			t.Fatalf("opt-outs after opting back in = %+v", list)
		}
		// Deleting the website deletes its opt-outs and claims.
		must(t, s.DeleteWebsite(ctx, w2.ID, nil))
		list, err = s.MailOptOuts(ctx, viewer.ID, "")
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("opt-outs after the website was deleted = %+v", list)
		}
		_, err = s.MailClaim(ctx, w2.ID, openfast.MailWeekly, "2026-11-30")
		wantCode(t, err, openfast.ENOTFOUND)
	})

	t.Run("Key", func(t *testing.T) {
		keys := make([][]byte, 4)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := s.MailKey(ctx)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		again, err := s.MailKey(ctx)
		must(t, err)
		for _, k := range keys {
			if len(k) != 32 || !bytes.Equal(k, again) {
				t.Fatalf("mail keys %x and %x, want one 32-byte key", k, again)
			}
		}
	})
}
