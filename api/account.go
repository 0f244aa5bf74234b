package api

import (
	"net/http"

	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// getAccount: GET /admin/account. A website key answers with the account
// of its website's owner and adds websiteId.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	acc, err := s.app.Account(r.Context(), req.caller)
	if err != nil {
		return err
	}
	writeData(w, []wire.Account{wireconv.Account(acc)})
	return nil
}

// updateAccount: PUT /admin/account. Only the name can change.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	name, err := body.optionalString("name")
	if err != nil {
		return err
	}
	u, err := s.app.UpdateAccountName(r.Context(), req.caller, name)
	if err != nil {
		return err
	}
	writeData(w, []wire.Profile{wireconv.Profile(u)})
	return nil
}
