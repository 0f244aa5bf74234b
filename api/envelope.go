package api

import (
	"encoding/json"
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/wire"
)

// statusOf maps an application error code to its HTTP status
// (openfast.HTTPStatus, shared with the dashboard).
func statusOf(code string) int { return openfast.HTTPStatus(code) }

// Shared header values (never modified).
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
	newline         = []byte{'\n'}
)

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"status":"error","error":{"code":500,"message":"An internal error occurred."}}`)
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	w.WriteHeader(status)
	w.Write(b)
	w.Write(newline)
}

// writeData writes the success envelope {"status":"success","data":data}.
func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, wire.Success[any]{Status: wire.StatusSuccess, Data: data})
}

// writeRawData writes the success envelope around one already-encoded
// JSON object: {"status":"success","data":[obj]}.
func writeRawData(w http.ResponseWriter, obj []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	w.WriteHeader(http.StatusOK)
	w.Write(successPrefix)
	w.Write(obj)
	w.Write(successSuffix)
}

var (
	successPrefix = []byte(`{"status":"success","data":[`)
	successSuffix = []byte("]}\n")
)

// writeErrorStatus writes the error envelope.
func writeErrorStatus(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, wire.Error{Status: wire.StatusError, Error: wire.ErrorDetail{Code: status, Message: message}})
}
