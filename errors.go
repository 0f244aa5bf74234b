// Package openfast holds the domain of the openfast analytics server: its
// types, their validation, the error codes shared by every layer, and the
// store interfaces that the adapters implement. It imports the standard
// library only.
package openfast

import (
	"errors"
	"fmt"
	"net/http"
)

// Application error codes. The HTTP layer maps each to a status once.
const (
	EINVALID      = "invalid"      // 400: bad input
	EUNAUTHORIZED = "unauthorized" // 401: no or unknown credential
	EFORBIDDEN    = "forbidden"    // 403: credential not allowed
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409
	ELIMIT        = "limit"        // 400: a per-website or per-account limit was reached
	ETOOLARGE     = "too_large"    // 413
	ERATELIMIT    = "rate_limited" // 429
	EINTERNAL     = "internal"     // 500
	EUNAVAILABLE  = "unavailable"  // 503
)

// Error is the one error type that carries an application code and a
// message that is safe to show to a client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or a generic text for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// HTTPStatus maps an application error code to its HTTP status. This is
// the only place where that mapping lives; every front door uses it.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID, ELIMIT:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ERATELIMIT:
		return http.StatusTooManyRequests
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
