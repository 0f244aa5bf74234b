package wire

// Alerts (/api/v1/admin/websites/{websiteId}/alerts, §6.14).

// Alert is an alert: the items of GET .../alerts and the data[0] of POST
// .../alerts and PUT .../alerts/{alertId}.
type Alert struct {
	ID          string           `json:"_id"`
	WebsiteID   string           `json:"websiteId"`
	Name        string           `json:"name"`
	Trigger     AlertTrigger     `json:"trigger"`
	Destination AlertDestination `json:"destination"`
	Template    AlertTemplate    `json:"template"`
	IsEnabled   bool             `json:"isEnabled"`
	RecentLogs  []AlertLog       `json:"recentLogs"` // never null; newest first
	CreatedAt   string           `json:"createdAt"`
	UpdatedAt   string           `json:"updatedAt"`
}

// AlertTrigger is what fires an alert: a goal.
type AlertTrigger struct {
	Type     string `json:"type"` // always "goal"
	GoalName string `json:"goalName"`
}

// AlertDestination is where an alert goes: the website owner's email.
type AlertDestination struct {
	Type string `json:"type"` // always "email"
}

// AlertTemplate is an alert's mail. Subject null is the default subject.
type AlertTemplate struct {
	Subject *string `json:"subject"`
	Message string  `json:"message"`
}

// AlertLog is a history entry: an item of GET .../alerts/history and of
// an alert's recentLogs. Firings (an openfast addition) is how many
// firings of the alert the one mail covered.
type AlertLog struct {
	AlertID     string  `json:"alertId"`
	AlertName   string  `json:"alertName"`
	GoalName    string  `json:"goalName"`
	Status      string  `json:"status"` // "sent" or "failed"
	Error       *string `json:"error"`
	VisitorID   *string `json:"visitorId"`
	Firings     int     `json:"firings"`
	TriggeredAt string  `json:"triggeredAt"`
}

// AlertCounts counts the history entries selected, before the limit.
type AlertCounts struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	Total  int `json:"total"`
}

// AlertHistory is the answer of GET .../alerts/history.
type AlertHistory struct {
	Status string      `json:"status"`
	Data   []AlertLog  `json:"data"`
	Counts AlertCounts `json:"counts"`
}
