package wire

// StatusSuccess and StatusError are the values of an envelope's status.
const (
	StatusSuccess = "success"
	StatusError   = "error"
)

// Success is the envelope of a successful answer:
// {"status":"success","data":...}. Most routes answer a one-element array
// (Success[[]T]); GET /api/v1/visitors/{visitorId}, GET
// /api/v1/analytics/realtime/map and POST /api/v1/identify answer an
// object.
type Success[T any] struct {
	Status string `json:"status"`
	Data   T      `json:"data"`
}

// Paged is the envelope of a paged list: the audit logs (GET
// /api/v1/admin/websites/{websiteId}/audit-log, GET /api/v1/admin/audit-log)
// and the breakdowns of GET /api/v1/analytics/{report} with P Pagination,
// the visitors list (GET /api/v1/visitors) with P VisitorsPagination.
type Paged[T, P any] struct {
	Status     string `json:"status"`
	Data       []T    `json:"data"`
	Pagination P      `json:"pagination"`
}

// Pagination is the page of an audit log or of an analytics answer.
type Pagination struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Total  int `json:"total"` // entries or rows in all pages
}

// VisitorsPagination is the page of GET /api/v1/visitors, which does not
// count its rows.
type VisitorsPagination struct {
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"hasMore"`
}

// Error is the envelope of every error answer:
// {"status":"error","error":{"code":<http status>,"message":"..."}}.
type Error struct {
	Status string      `json:"status"`
	Error  ErrorDetail `json:"error"`
}

// ErrorDetail is the error member of Error.
type ErrorDetail struct {
	Code    int    `json:"code"` // the HTTP status
	Message string `json:"message"`
}

// Message is the data of the answers that only say what happened:
// DELETE /api/v1/admin/access-tokens/{tokenId} and DELETE
// /api/v1/admin/websites/{websiteId}/team.
type Message struct {
	Message string `json:"message"`
}
