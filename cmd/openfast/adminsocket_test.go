package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminHandler_Refusals: the admin API answers bad requests and a
// backup asked for while one runs with a 4xx in the error envelope.
func TestAdminHandler_Refusals(t *testing.T) {
	b := &backupRunner{source: func() (backupSource, error) { return backupSource{}, nil }}
	h := adminHandler(context.Background(), b, &importRunner{}, slog.New(slog.DiscardHandler))
	b.running.Store(true) // a backup runs
	free := filepath.Join(t.TempDir(), "new")
	for _, c := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{http.MethodPost, "/backup", `{"to":"` + free + `"}`, http.StatusConflict, "a backup is already running"},
		{http.MethodPost, "/backup", `{"to":"relative/dir"}`, http.StatusBadRequest, "absolute path"},
		{http.MethodPost, "/backup", `{}`, http.StatusBadRequest, "to is required"},
		{http.MethodPost, "/backup", `{"to":"/x","extra":1}`, http.StatusBadRequest, "unknown field"},
		{http.MethodPost, "/backup", `not json`, http.StatusBadRequest, "must be JSON"},
		{http.MethodPost, "/backup", `{"to":"` + t.TempDir() + `/.."}`, http.StatusBadRequest, "is not empty"},
		{http.MethodGet, "/backup", ``, http.StatusMethodNotAllowed, "use POST"},
		{http.MethodPost, "/restore", `{}`, http.StatusNotFound, "no such admin command"},
		{http.MethodPost, "/backup", `{"to":"/` + strings.Repeat("a", 70<<10) + `"}`, http.StatusBadRequest, "read the body"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		status, code, msg := adminEnvelope(t, rec)
		if rec.Code != c.status || status != "error" || code != c.status || !strings.Contains(msg, c.message) {
			t.Errorf("%s %s %.40s: %d %s %d %q, want %d with %q", c.method, c.path, c.body, rec.Code, status, code, msg, c.status, c.message)
		}
	}
}
