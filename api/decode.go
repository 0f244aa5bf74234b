package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
)

// maxBodyBytes is the largest request body the API reads.
const maxBodyBytes = 1 << 20

// object is a decoded JSON request body: a JSON object whose members are
// read one by one, so that every type error names its field. Unknown
// members are ignored.
type object map[string]json.RawMessage

// readObject reads a JSON object body of at most 1 MiB. When optional is
// true, a missing or empty body reads as {}.
func readObject(w http.ResponseWriter, r *http.Request, optional bool) (object, error) {
	return readObjectOf(w, r, optional, maxBodyBytes, "1 MiB")
}

// readObjectOf is readObject with a smaller body limit, of limit bytes,
// which size names.
func readObjectOf(w http.ResponseWriter, r *http.Request, optional bool, limit int64, size string) (object, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, openfast.Errorf(openfast.ETOOLARGE, "Request body is larger than %s.", size)
		}
		return nil, openfast.Errorf(openfast.EINVALID, "Could not read the request body.")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		if optional {
			return object{}, nil
		}
		return nil, openfast.Errorf(openfast.EINVALID, "A JSON request body is required.")
	}
	if body[0] != '{' {
		return nil, openfast.Errorf(openfast.EINVALID, "Request body must be a JSON object.")
	}
	var o object
	if err := json.Unmarshal(body, &o); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, openfast.Errorf(openfast.EINVALID, "Invalid JSON at byte %d: %s.", syn.Offset, syn.Error())
		}
		return nil, openfast.Errorf(openfast.EINVALID, "Invalid JSON: the request body must be a JSON object.")
	}
	if o == nil {
		o = object{}
	}
	return o, nil
}

func (o object) has(field string) bool {
	_, ok := o[field]
	return ok
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// nullableString reads an optional string member that may be null. present
// says whether the member was sent; v is nil for null.
func (o object) nullableString(field string) (v *string, present bool, err error) {
	raw, ok := o[field]
	if !ok {
		return nil, false, nil
	}
	if isNull(raw) {
		return nil, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, true, openfast.Errorf(openfast.EINVALID, "%s must be a string.", field)
	}
	return &s, true, nil
}

// string reads an optional, non-null string member.
func (o object) string(field string) (v string, present bool, err error) {
	p, present, err := o.nullableString(field)
	if err != nil {
		return "", present, err
	}
	if present && p == nil {
		return "", true, openfast.Errorf(openfast.EINVALID, "%s must be a string, not null.", field)
	}
	if p == nil {
		return "", false, nil
	}
	return *p, true, nil
}

// bool reads an optional boolean member.
func (o object) bool(field string) (v bool, present bool, err error) {
	raw, ok := o[field]
	if !ok {
		return false, false, nil
	}
	if json.Unmarshal(raw, &v) != nil || isNull(raw) {
		return false, true, openfast.Errorf(openfast.EINVALID, "%s must be true or false.", field)
	}
	return v, true, nil
}

// strings reads an optional array of strings; null reads as empty.
// allowedIPs reads the optional allowedIps of a key or token: present
// says whether it was sent; v is nil for null (any address) and holds the
// entries otherwise, which the app checks (an empty array is refused
// there).
func (o object) allowedIPs() (v []string, present bool, err error) {
	raw, ok := o["allowedIps"]
	if !ok {
		return nil, false, nil
	}
	if isNull(raw) {
		return nil, true, nil
	}
	v, _, err = o.strings("allowedIps", auth.MaxAllowedIPs)
	return v, true, err
}

func (o object) strings(field string, maxItems int) (v []string, present bool, err error) {
	raw, ok := o[field]
	if !ok {
		return nil, false, nil
	}
	if isNull(raw) {
		return []string{}, true, nil
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil, true, openfast.Errorf(openfast.EINVALID, "%s must be an array of strings.", field)
	}
	if len(v) > maxItems {
		return nil, true, openfast.Errorf(openfast.EINVALID, "%s can have at most %d items.", field, maxItems)
	}
	if v == nil {
		v = []string{}
	}
	return v, true, nil
}

// timestamp reads an optional ISO 8601 (RFC 3339) date-time member that
// may be null: nil when it was not sent or is null.
func (o object) timestamp(field string) (*time.Time, error) {
	v, _, err := o.nullableString(field)
	if err != nil || v == nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return nil, openfast.Errorf(openfast.EINVALID, "%s must be an ISO 8601 date-time with a time zone, such as 2027-01-01T00:00:00Z; %q is not one.", field, openfast.Truncate(*v, 40))
	}
	return &t, nil
}

// seconds reads an optional, non-null whole number of seconds between 0
// and maxSeconds; absent is 0.
func (o object) seconds(field string, maxSeconds int64) (time.Duration, error) {
	raw, ok := o[field]
	if !ok {
		return 0, nil
	}
	var n int64
	if isNull(raw) || json.Unmarshal(raw, &n) != nil || n < 0 || n > maxSeconds {
		return 0, openfast.Errorf(openfast.EINVALID, "%s must be a whole number of seconds from 0 to %d.", field, maxSeconds)
	}
	return time.Duration(n) * time.Second, nil
}

// optionalString reads an optional, non-null string member: nil when it
// was not sent.
func (o object) optionalString(field string) (*string, error) {
	v, present, err := o.string(field)
	if err != nil || !present {
		return nil, err
	}
	return &v, nil
}

// settable reads an optional string member that may be null.
func (o object) settable(field string) (app.Set[string], error) {
	v, present, err := o.nullableString(field)
	return app.Set[string]{Set: present, Value: v}, err
}

// settableInt reads an optional whole number member that may be null; the
// app checks its range.
func (o object) settableInt(field string) (app.Set[int], error) {
	raw, ok := o[field]
	if !ok {
		return app.Set[int]{}, nil
	}
	if isNull(raw) {
		return app.Set[int]{Set: true}, nil
	}
	var v int32
	if json.Unmarshal(raw, &v) != nil {
		return app.Set[int]{Set: true}, openfast.Errorf(openfast.EINVALID, "%s must be a whole number or null.", field)
	}
	n := int(v)
	return app.Set[int]{Set: true, Value: &n}, nil
}
