package wire

// The server-side writes of the Website API: goals, payments, identify,
// and their deletions.

// GoalCreated is the data[0] of POST /api/v1/goals.
type GoalCreated struct {
	EventID string `json:"eventId"`
	Message string `json:"message"`
}

// PaymentRecorded is the whole answer of POST /api/v1/payments: a plain
// object without the status envelope, as DataFast's. A transaction id
// already recorded gets the same shape with another message.
type PaymentRecorded struct {
	Message       string `json:"message"`
	TransactionID string `json:"transaction_id"`
}

// Identified is the data (an object) of POST /api/v1/identify.
type Identified struct {
	Message   string `json:"message"`
	ProfileID string `json:"profileId"`
}

// Deletion is the data[0] of DELETE /api/v1/goals and DELETE
// /api/v1/payments: the message, the number of events deleted, and the
// selection echoed back (GoalName for goals only, TransactionID for
// payments only; TimeRange when a range was given).
type Deletion struct {
	VisitorID     string     `json:"datafast_visitor_id,omitempty"`
	Deleted       int64      `json:"deleted"`
	GoalName      string     `json:"goal_name,omitempty"`
	Message       string     `json:"message"`
	TimeRange     *TimeRange `json:"timeRange,omitempty"`
	TransactionID string     `json:"transaction_id,omitempty"`
}

// TimeRange is the range of a Deletion: ISO 8601 UTC with milliseconds.
type TimeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}
