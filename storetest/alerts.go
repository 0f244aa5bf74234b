package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/openfast/openfast"
)

func newAlert(websiteID, goal string) *openfast.Alert {
	return &openfast.Alert{ID: openfast.NewID(), WebsiteID: websiteID, Name: "On " + goal, GoalName: goal, Message: "Somebody reached " + goal, Enabled: true}
}

func newAlertLog(al *openfast.Alert, status string, at time.Time) *openfast.AlertLog {
	l := &openfast.AlertLog{ID: openfast.NewID(), WebsiteID: al.WebsiteID, AlertID: al.ID, AlertName: al.Name, GoalName: al.GoalName, Status: status, Firings: 1, TriggeredAt: at.UTC().Truncate(time.Millisecond)}
	if status == openfast.AlertFailed {
		e := "550 refused"
		l.Error = &e
	} else {
		v := "a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"
		l.VisitorID = &v
	}
	return l
}

func testAlerts(t *testing.T, s openfast.MetadataStore) {
	owner := newUser(t, s)
	w, other := newWebsite(t, s, owner), newWebsite(t, s, owner)
	audit := &openfast.AuditEntry{WebsiteID: w.ID, ActorUserID: owner.ID, ActorDisplayKey: "dft_a...b", Action: openfast.AuditAlertCreate, TargetType: "alert", TargetID: "x", IP: "::1"}
	a1, a2 := newAlert(w.ID, "signup"), newAlert(w.ID, "purchase")
	// Listed by creation time: two apart (created in one millisecond, the
	// order of two alerts is that of their random ids).
	a1.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	a2.CreatedAt = a1.CreatedAt.Add(time.Millisecond)
	subject := "New {{goal}}"
	a2.Subject = &subject
	must(t, s.CreateAlert(ctx, a1, 2, audit))
	must(t, s.CreateAlert(ctx, a2, 2, nil))
	wantCode(t, s.CreateAlert(ctx, newAlert(w.ID, "third"), 2, nil), openfast.EFORBIDDEN)
	must(t, s.CreateAlert(ctx, newAlert(other.ID, "signup"), 2, nil))

	list, err := s.Alerts(ctx, w.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != a1.ID || list[1].ID != a2.ID || list[1].Subject == nil || *list[1].Subject != subject || list[0].Subject != nil || !list[0].Enabled {
		t.Fatalf("Alerts = %+v", list)
	}
	if _, total, _ := s.AuditLog(ctx, openfast.AuditQuery{WebsiteID: w.ID}, 10, 0); total != 1 {
		t.Fatalf("audit entries %d, want 1", total)
	}

	updated, err := s.UpdateAlert(ctx, w.ID, a1.ID, func(al *openfast.Alert) error {
		al.Enabled, al.Name, al.Subject = false, "Paused", &subject
		return nil
	}, nil)
	must(t, err)
	if updated.Enabled || updated.Name != "Paused" || updated.Subject == nil || updated.UpdatedAt.Before(updated.CreatedAt) {
		t.Fatalf("UpdateAlert = %+v", updated)
	}
	list, _ = s.Alerts(ctx, w.ID)
	if list[0].Enabled || list[0].Name != "Paused" {
		t.Fatalf("after update: %+v", list[0])
	}
	_, err = s.UpdateAlert(ctx, other.ID, a1.ID, func(*openfast.Alert) error { return nil }, nil)
	wantCode(t, err, openfast.ENOTFOUND)
	_, err = s.UpdateAlert(ctx, w.ID, a1.ID, func(*openfast.Alert) error { return openfast.Errorf(openfast.EINVALID, "no") }, nil)
	wantCode(t, err, openfast.EINVALID)

	// History: counts, order, limit, per alert, recent per alert.
	base := time.Now().Add(-time.Hour)
	var logs []*openfast.AlertLog
	for i := range 5 {
		logs = append(logs, newAlertLog(a1, openfast.AlertSent, base.Add(time.Duration(i)*time.Minute)))
	}
	logs = append(logs, newAlertLog(a2, openfast.AlertFailed, base.Add(10*time.Minute)))
	must(t, s.AddAlertLogs(ctx, logs, 100))
	got, counts, err := s.AlertLogs(ctx, w.ID, "", 3)
	must(t, err)
	if counts != (openfast.AlertLogCounts{Sent: 5, Failed: 1, Total: 6}) || len(got) != 3 || got[0].AlertID != a2.ID || got[1].ID != logs[4].ID {
		t.Fatalf("AlertLogs = %+v, %+v", got, counts)
	}
	if got[0].Error == nil || *got[0].Error != "550 refused" || got[0].VisitorID != nil || got[1].VisitorID == nil || got[1].Firings != 1 || !got[1].TriggeredAt.Equal(logs[4].TriggeredAt) {
		t.Fatalf("entries read back: %+v %+v", got[0], got[1])
	}
	got, counts, err = s.AlertLogs(ctx, w.ID, a2.ID, 50)
	must(t, err)
	if counts != (openfast.AlertLogCounts{Failed: 1, Total: 1}) || len(got) != 1 {
		t.Fatalf("AlertLogs of one alert = %+v, %+v", got, counts)
	}
	recent, err := s.RecentAlertLogs(ctx, w.ID, 2)
	must(t, err)
	if len(recent[a1.ID]) != 2 || recent[a1.ID][0].ID != logs[4].ID || len(recent[a2.ID]) != 1 {
		t.Fatalf("RecentAlertLogs = %+v", recent)
	}

	// Deleting keeps the history.
	must(t, s.DeleteAlert(ctx, w.ID, a1.ID, nil))
	wantCode(t, s.DeleteAlert(ctx, w.ID, a1.ID, nil), openfast.ENOTFOUND)
	wantCode(t, s.DeleteAlert(ctx, other.ID, a2.ID, nil), openfast.ENOTFOUND)
	if _, counts, _ = s.AlertLogs(ctx, w.ID, a1.ID, 50); counts.Total != 5 {
		t.Fatalf("history after delete: %+v", counts)
	}

	// The history is bounded: the newest keep entries stay.
	logs = nil
	for i := range 10 {
		logs = append(logs, newAlertLog(a2, openfast.AlertSent, base.Add(time.Duration(20+i)*time.Minute)))
	}
	must(t, s.AddAlertLogs(ctx, logs, 4))
	got, counts, err = s.AlertLogs(ctx, w.ID, "", 100)
	must(t, err)
	if counts.Total != 4 || got[0].ID != logs[9].ID || got[3].ID != logs[6].ID {
		t.Fatalf("after trimming: %+v, %d entries", counts, len(got))
	}

	// Entries of a deleted website are skipped; the website's alerts and
	// history go with it.
	gone := newWebsite(t, s, owner)
	ga := newAlert(gone.ID, "signup")
	must(t, s.CreateAlert(ctx, ga, 25, nil))
	must(t, s.DeleteWebsite(ctx, gone.ID, nil))
	must(t, s.AddAlertLogs(ctx, []*openfast.AlertLog{newAlertLog(ga, openfast.AlertSent, time.Now())}, 100))
	if list, _ := s.Alerts(ctx, gone.ID); len(list) != 0 {
		t.Fatalf("alerts of a deleted website: %+v", list)
	}
	if _, counts, _ := s.AlertLogs(ctx, gone.ID, "", 10); counts.Total != 0 {
		t.Fatalf("history of a deleted website: %+v", counts)
	}
}

// testAlertLimitConcurrent creates alerts from many goroutines: exactly
// the limit succeed.
func testAlertLimitConcurrent(t *testing.T, s openfast.MetadataStore) {
	w := newWebsite(t, s, newUser(t, s))
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 12 {
		wg.Go(func() {
			err := s.CreateAlert(ctx, newAlert(w.ID, fmt.Sprintf("goal_%d", i)), 5, nil)
			mu.Lock()
			defer mu.Unlock()
			switch openfast.ErrorCode(err) {
			case "":
				ok++
			case openfast.EFORBIDDEN:
				refused++
			default:
				t.Errorf("CreateAlert: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 5 || refused != 7 {
		t.Fatalf("%d created, %d refused; want 5 and 7", ok, refused)
	}
}
