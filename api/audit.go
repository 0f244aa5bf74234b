package api

import (
	"net/http"

	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
)

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
	writeJSON(w, http.StatusOK, wireconv.AuditLog(page))
}
