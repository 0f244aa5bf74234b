package api

import (
	"net/http"

	"github.com/openfast/openfast"
)

type auditEntryJSON struct {
	ID        int64           `json:"id"`
	WebsiteID *string         `json:"websiteId"`
	Action    string          `json:"action"`
	Actor     auditActorJSON  `json:"actor"`
	Target    auditTargetJSON `json:"target"`
	IP        string          `json:"ip"`
	CreatedAt string          `json:"createdAt"`
}

type auditActorJSON struct {
	UserID     *string `json:"userId"`
	DisplayKey string  `json:"displayKey"`
}

type auditTargetJSON struct {
	Type       string  `json:"type"`
	ID         string  `json:"id"`
	DisplayKey *string `json:"displayKey"`
}

type paginationJSON struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listAuditLog: GET /admin/websites/{websiteId}/audit-log, newest first.
func (s *Server) listAuditLog(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.writeAuditLog(w, r, c, openfast.AuditQuery{WebsiteID: c.websiteID})
}

// listAccountAuditLog: GET /admin/audit-log, the account-level entries
// (tokens, account) of the calling user's actions, newest first.
func (s *Server) listAccountAuditLog(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.writeAuditLog(w, r, c, openfast.AuditQuery{UserID: c.p.UserID})
}

func (s *Server) writeAuditLog(w http.ResponseWriter, r *http.Request, c *call, q openfast.AuditQuery) error {
	limit, err := queryInt(c.query, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	offset, err := queryInt(c.query, "offset", 0, 0, 1_000_000_000)
	if err != nil {
		return err
	}
	entries, total, err := s.store.AuditLog(r.Context(), q, limit, offset)
	if err != nil {
		return err
	}
	out := make([]auditEntryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditEntryJSON{
			ID: e.ID, WebsiteID: optional(e.WebsiteID), Action: e.Action,
			Actor:  auditActorJSON{UserID: optional(e.ActorUserID), DisplayKey: e.ActorDisplayKey},
			Target: auditTargetJSON{Type: e.TargetType, ID: e.TargetID, DisplayKey: optional(e.TargetDisplayKey)},
			IP:     e.IP, CreatedAt: isoTime(e.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, struct {
		Status     string           `json:"status"`
		Data       []auditEntryJSON `json:"data"`
		Pagination paginationJSON   `json:"pagination"`
	}{"success", out, paginationJSON{Limit: limit, Offset: offset, Total: total}})
	return nil
}
