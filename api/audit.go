package api

import (
	"net/http"

	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listAuditLog: GET /admin/websites/{websiteId}/audit-log, newest first.
func (s *Server) listAuditLog(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	limit, offset, err := auditPaging(req)
	if err != nil {
		return err
	}
	page, err := s.app.WebsiteAuditLog(r.Context(), req.caller, req.websiteID, limit, offset)
	if err != nil {
		return err
	}
	writeAuditLog(w, page)
	return nil
}

// listAccountAuditLog: GET /admin/audit-log, the account-level entries
// (tokens, account) of the calling user's actions, newest first.
func (s *Server) listAccountAuditLog(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	limit, offset, err := auditPaging(req)
	if err != nil {
		return err
	}
	page, err := s.app.AccountAuditLog(r.Context(), req.caller, limit, offset)
	if err != nil {
		return err
	}
	writeAuditLog(w, page)
	return nil
}

func auditPaging(req *authRequest) (limit, offset int, err error) {
	if limit, err = queryInt(req.query, "limit", app.DefaultAuditLimit, 1, app.MaxAuditLimit); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(req.query, "offset", 0, 0, app.MaxAuditOffset)
	return limit, offset, err
}

func writeAuditLog(w http.ResponseWriter, page *app.AuditPage) {
	out := make([]wire.AuditEntry, 0, len(page.Entries))
	for _, e := range page.Entries {
		out = append(out, wire.AuditEntry{
			ID: e.ID, WebsiteID: optional(e.WebsiteID), Action: e.Action,
			Actor:  wire.AuditActor{UserID: optional(e.ActorUserID), DisplayKey: e.ActorDisplayKey},
			Target: wire.AuditTarget{Type: e.TargetType, ID: e.TargetID, DisplayKey: optional(e.TargetDisplayKey)},
			IP:     e.IP, CreatedAt: isoTime(e.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, wire.Paged[wire.AuditEntry, wire.Pagination]{
		Status: wire.StatusSuccess, Data: out, Pagination: wire.Pagination{Limit: page.Limit, Offset: page.Offset, Total: page.Total},
	})
}
