package openfast

import (
	"context"
	"time"
)

// Alert limits.
const (
	// MaxAlertsPerWebsite is how many alerts a website may have (§6.14:
	// the 26th is refused with 403).
	MaxAlertsPerWebsite = 25
	// MaxAlertLogsPerWebsite is how many history entries a website keeps;
	// older ones are deleted as new ones are added.
	MaxAlertLogsPerWebsite = 1000
	// MaxAlertName is the longest alert name, in characters.
	MaxAlertName = 100
	// MinAlertMessage and MaxAlertMessage bound an alert's message
	// template, in characters.
	MinAlertMessage = 10
	MaxAlertMessage = 2000
	// MaxAlertSubject is the longest subject template, in characters.
	MaxAlertSubject = 200
	// MaxAlertError is the longest error kept in a history entry.
	MaxAlertError = 500
)

// Alert statuses of a history entry.
const (
	AlertSent   = "sent"
	AlertFailed = "failed"
)

// Audit actions of alerts.
const (
	AuditAlertCreate = "alert.create"
	AuditAlertUpdate = "alert.update"
	AuditAlertDelete = "alert.delete"
)

// Alert mails the website's owner when a goal is reached.
type Alert struct {
	ID        string
	WebsiteID string
	Name      string
	GoalName  string  // the trigger: a goal name, normalized
	Subject   *string // the subject template; nil for the default
	Message   string  // the message template
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AlertLog is one entry of an alert's history: one mail sent, or not sent,
// for Firings firings of the alert.
type AlertLog struct {
	ID          string
	WebsiteID   string
	AlertID     string
	AlertName   string
	GoalName    string
	Status      string  // AlertSent or AlertFailed
	Error       *string // why it failed; nil when sent
	VisitorID   *string // the visitor of the first firing; nil when unknown
	Firings     int     // how many firings the entry covers (1 or more)
	TriggeredAt time.Time
}

// AlertLogCounts counts history entries by status.
type AlertLogCounts struct {
	Sent, Failed, Total int
}

// AlertStore stores alerts and their history. The history outlives the
// alert (it is deleted with the website).
type AlertStore interface {
	// CreateAlert inserts al unless its website already has limit alerts,
	// in which case it returns EFORBIDDEN; the check and the insert are
	// atomic, also across processes.
	CreateAlert(ctx context.Context, al *Alert, limit int, audit *AuditEntry) error
	// Alerts lists a website's alerts, oldest first.
	Alerts(ctx context.Context, websiteID string) ([]*Alert, error)
	// UpdateAlert reads an alert, lets apply change it, and stores the
	// result atomically; ENOTFOUND when the website has no such alert.
	UpdateAlert(ctx context.Context, websiteID, id string, apply func(*Alert) error, audit *AuditEntry) (*Alert, error)
	// DeleteAlert deletes an alert (not its history), or returns ENOTFOUND.
	DeleteAlert(ctx context.Context, websiteID, id string, audit *AuditEntry) error
	// AddAlertLogs inserts history entries, then deletes the oldest
	// entries of each website concerned beyond keep.
	AddAlertLogs(ctx context.Context, logs []*AlertLog, keep int) error
	// AlertLogs returns a website's newest history entries (of one alert
	// when alertID is not ""), at most limit, newest first, and the counts
	// of all the selected entries.
	AlertLogs(ctx context.Context, websiteID, alertID string, limit int) ([]*AlertLog, AlertLogCounts, error)
	// RecentAlertLogs returns the newest perAlert history entries of each
	// alert of a website, newest first, by alert id.
	RecentAlertLogs(ctx context.Context, websiteID string, perAlert int) (map[string][]*AlertLog, error)
}
