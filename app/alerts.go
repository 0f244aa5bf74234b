package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/openfast/openfast"
)

// RecentAlertLogs is how many history entries each alert carries as its
// recentLogs.
const RecentAlertLogs = 5

// Alert history reads: GET .../alerts/history?limit= (§6.14).
const (
	DefaultAlertHistoryLimit = 50
	MaxAlertHistoryLimit     = 100
)

// AlertView is an alert with its newest history entries.
type AlertView struct {
	*openfast.Alert
	RecentLogs []*openfast.AlertLog
}

// AlertInput is the body of an alert's creation (Name, GoalName and
// Message required) or update (every member optional). Destination and
// TriggerType, when given, must be "email" and "goal": nothing else is
// supported.
type AlertInput struct {
	Name        *string
	GoalName    *string
	TriggerType *string
	Subject     Set[string] // null or "" for the default subject
	Message     *string
	Enabled     *bool
	Destination *string
}

// Alerts lists a website's alerts with their recent history.
func (a *App) Alerts(ctx context.Context, c Caller, websiteID string) ([]AlertView, error) {
	id, err := authorize(c, ActListAlerts, websiteID)
	if err != nil {
		return nil, err
	}
	list, err := a.store.Alerts(ctx, id)
	if err != nil {
		return nil, err
	}
	recent, err := a.store.RecentAlertLogs(ctx, id, RecentAlertLogs)
	if err != nil {
		return nil, err
	}
	out := make([]AlertView, 0, len(list))
	for _, al := range list {
		out = append(out, AlertView{Alert: al, RecentLogs: recent[al.ID]})
	}
	return out, nil
}

// CreateAlert creates an alert on a website; a website has at most
// openfast.MaxAlertsPerWebsite (EFORBIDDEN beyond).
func (a *App) CreateAlert(ctx context.Context, c Caller, websiteID string, in AlertInput) (AlertView, error) {
	id, err := authorize(c, ActCreateAlert, websiteID)
	if err != nil {
		return AlertView{}, err
	}
	switch {
	case in.Name == nil:
		return AlertView{}, invalidf("name is required.")
	case in.GoalName == nil:
		return AlertView{}, invalidf("trigger.goalName is required.")
	case in.Message == nil:
		return AlertView{}, invalidf("template.message is required.")
	}
	apply, err := in.validate()
	if err != nil {
		return AlertView{}, err
	}
	al := &openfast.Alert{ID: openfast.NewID(), WebsiteID: id, Enabled: true, CreatedAt: a.now().UTC()}
	apply(al)
	if err := a.store.CreateAlert(ctx, al, openfast.MaxAlertsPerWebsite, c.audit(id, openfast.AuditAlertCreate, "alert", al.ID, "")); err != nil {
		return AlertView{}, err
	}
	a.alerts.invalidate()
	return AlertView{Alert: al}, nil
}

// UpdateAlert changes the given members of an alert; Enabled false pauses it.
func (a *App) UpdateAlert(ctx context.Context, c Caller, websiteID, alertID string, in AlertInput) (AlertView, error) {
	id, err := authorize(c, ActUpdateAlert, websiteID)
	if err != nil {
		return AlertView{}, err
	}
	if err := openfast.CheckID("alertId", alertID); err != nil {
		return AlertView{}, err
	}
	apply, err := in.validate()
	if err != nil {
		return AlertView{}, err
	}
	al, err := a.store.UpdateAlert(ctx, id, alertID, func(al *openfast.Alert) error {
		apply(al)
		return nil
	}, c.audit(id, openfast.AuditAlertUpdate, "alert", alertID, ""))
	if err != nil {
		return AlertView{}, err
	}
	a.alerts.invalidate()
	recent, err := a.store.RecentAlertLogs(ctx, id, RecentAlertLogs)
	if err != nil {
		return AlertView{}, err
	}
	return AlertView{Alert: al, RecentLogs: recent[al.ID]}, nil
}

// DeleteAlert deletes an alert for good; its history stays.
func (a *App) DeleteAlert(ctx context.Context, c Caller, websiteID, alertID string) error {
	id, err := authorize(c, ActDeleteAlert, websiteID)
	if err != nil {
		return err
	}
	if err := openfast.CheckID("alertId", alertID); err != nil {
		return err
	}
	if err := a.store.DeleteAlert(ctx, id, alertID, c.audit(id, openfast.AuditAlertDelete, "alert", alertID, "")); err != nil {
		return err
	}
	a.alerts.invalidate()
	return nil
}

// AlertHistory returns a website's newest history entries (of one alert
// when alertID is not ""), at most limit (0: DefaultAlertHistoryLimit;
// more than MaxAlertHistoryLimit is capped), and the counts of all of
// them.
func (a *App) AlertHistory(ctx context.Context, c Caller, websiteID, alertID string, limit int) ([]*openfast.AlertLog, openfast.AlertLogCounts, error) {
	id, err := authorize(c, ActAlertHistory, websiteID)
	if err != nil {
		return nil, openfast.AlertLogCounts{}, err
	}
	if alertID != "" {
		if err := openfast.CheckID("alertId", alertID); err != nil {
			return nil, openfast.AlertLogCounts{}, err
		}
	}
	switch {
	case limit < 0:
		return nil, openfast.AlertLogCounts{}, invalidf("limit must be from 1 to %d.", MaxAlertHistoryLimit)
	case limit == 0:
		limit = DefaultAlertHistoryLimit
	case limit > MaxAlertHistoryLimit:
		limit = MaxAlertHistoryLimit
	}
	return a.store.AlertLogs(ctx, id, alertID, limit)
}

// MailConfigured reports whether the server can send mail (--smtp-url).
func (a *App) MailConfigured() bool { return a.mail != nil }

// validate checks the given members and returns what sets them.
func (in AlertInput) validate() (func(*openfast.Alert), error) {
	var sets []func(*openfast.Alert)
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if n := utf8.RuneCountInString(name); n < 1 || n > openfast.MaxAlertName {
			return nil, invalidf("name must be 1 to %d characters.", openfast.MaxAlertName)
		}
		if err := openfast.CheckText("name", name); err != nil {
			return nil, err
		}
		sets = append(sets, func(al *openfast.Alert) { al.Name = name })
	}
	if in.TriggerType != nil && *in.TriggerType != "goal" {
		return nil, invalidf("trigger.type must be \"goal\": alerts fire on goals only.")
	}
	if in.Destination != nil && *in.Destination != "email" {
		return nil, invalidf("destination.type must be \"email\": alerts are sent by email only.")
	}
	if in.GoalName != nil {
		goal, err := openfast.ParseGoalName(*in.GoalName)
		if err != nil {
			return nil, openfast.Errorf(openfast.EINVALID, "trigger.goalName: %s", openfast.ErrorMessage(err))
		}
		sets = append(sets, func(al *openfast.Alert) { al.GoalName = goal })
	}
	if in.Subject.Set {
		var subject *string
		if in.Subject.Value != nil {
			if s := strings.TrimSpace(*in.Subject.Value); s != "" {
				if utf8.RuneCountInString(s) > openfast.MaxAlertSubject {
					return nil, invalidf("template.subject must be at most %d characters.", openfast.MaxAlertSubject)
				}
				if err := openfast.CheckText("template.subject", s); err != nil {
					return nil, err
				}
				if err := checkTemplate("template.subject", s); err != nil {
					return nil, err
				}
				subject = &s
			}
		}
		sets = append(sets, func(al *openfast.Alert) { al.Subject = subject })
	}
	if in.Message != nil {
		m := strings.TrimSpace(strings.ReplaceAll(*in.Message, "\r\n", "\n"))
		if n := utf8.RuneCountInString(m); n < openfast.MinAlertMessage || n > openfast.MaxAlertMessage {
			return nil, invalidf("template.message must be %d to %d characters.", openfast.MinAlertMessage, openfast.MaxAlertMessage)
		}
		// Line breaks and tabs are the only control characters a message
		// may hold.
		if err := openfast.CheckText("template.message", strings.NewReplacer("\n", " ", "\t", " ").Replace(m)); err != nil {
			return nil, err
		}
		if err := checkTemplate("template.message", m); err != nil {
			return nil, err
		}
		sets = append(sets, func(al *openfast.Alert) { al.Message = m })
	}
	if in.Enabled != nil {
		enabled := *in.Enabled
		sets = append(sets, func(al *openfast.Alert) { al.Enabled = enabled })
	}
	return func(al *openfast.Alert) {
		for _, set := range sets {
			set(al)
		}
	}, nil
}
