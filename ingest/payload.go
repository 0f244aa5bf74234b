package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/openfast/openfast"
)

// MaxBodyBytes is the largest event body. The limits of the values in it
// are the root package's event rules, shared with the server-side routes.
const MaxBodyBytes = 64 << 10

// payload is the body of POST /api/events: the tracker's fields (§7.3)
// and those the datafast SDK 3.x adds.
type payload struct {
	WebsiteID  string                     `json:"websiteId"`
	Domain     string                     `json:"domain"`
	Href       string                     `json:"href"`
	Referrer   *string                    `json:"referrer"`
	Viewport   *viewport                  `json:"viewport"`
	VisitorID  string                     `json:"visitorId"`
	SessionID  string                     `json:"sessionId"`
	AdClickIDs map[string]string          `json:"adClickIds"`
	Type       string                     `json:"type"`
	ExtraData  map[string]json.RawMessage `json:"extraData"`

	Language     string  `json:"language"`
	ScreenWidth  float64 `json:"screenWidth"`
	ScreenHeight float64 `json:"screenHeight"`
	Cookieless   bool    `json:"cookieless"`
	// HashRouting: the #fragment of href is part of the page's path
	// (openfast's tracker with data-hash-routing).
	HashRouting bool `json:"hashRouting"`
}

type viewport struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// decodePayload reads and checks a payload. Its errors are EINVALID with a
// message that names the field.
func decodePayload(body []byte) (*payload, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, openfast.Errorf(openfast.EINVALID, "The event must be a JSON object.")
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, openfast.Errorf(openfast.EINVALID, "%s has the wrong type: expected %s.", typeErr.Field, typeErr.Type)
		}
		return nil, openfast.Errorf(openfast.EINVALID, "Invalid JSON: %s.", err.Error())
	}
	if p.WebsiteID == "" {
		return nil, openfast.Errorf(openfast.EINVALID, "websiteId is required.")
	}
	if len(p.WebsiteID) > 64 {
		return nil, openfast.Errorf(openfast.EINVALID, "websiteId is too long.")
	}
	if p.Href == "" {
		return nil, openfast.Errorf(openfast.EINVALID, "href is required.")
	}
	if p.Type == "" {
		return nil, openfast.Errorf(openfast.EINVALID, "type is required: pageview, custom, identify, payment or external_link.")
	}
	if _, ok := openfast.ParseEventType(p.Type); !ok {
		return nil, openfast.Errorf(openfast.EINVALID, "type %q is not one of pageview, custom, identify, payment, external_link.", openfast.Truncate(p.Type, 40))
	}
	return &p, nil
}

// parseSessionID reads the tracker's "s"-prefixed UUID (or a plain UUID).
func parseSessionID(s string) (openfast.UUID, bool) {
	return openfast.ParseUUID(strings.TrimPrefix(s, "s"))
}

// params turns extraData members (except the skipped ones) into the
// stored parameters: at most 10, names lowercase [a-z0-9_-]{1,64}, values
// stringified and cleaned as the tracker does (openfast.CleanValue), cut
// to 255 characters. It returns them as a JSON object ("" when there are
// none).
func params(extra map[string]json.RawMessage, skip ...string) (string, error) {
	return paramsWith(extra, false, skip...)
}

// identityParams is params for an identify event: the tracker sends its
// values as given (a name with "&", an avatar URL with a query string), so
// they are kept as sent, cut to 255 characters; a value with control
// characters, bidirectional overrides or invalid UTF-8 is refused, as the
// server-side identify route refuses it.
func identityParams(extra map[string]json.RawMessage) (string, error) {
	return paramsWith(extra, true)
}

func paramsWith(extra map[string]json.RawMessage, asSent bool, skip ...string) (string, error) {
	out := map[string]string{}
	for name, raw := range extra {
		if slices.Contains(skip, name) {
			continue
		}
		key := strings.ToLower(name)
		if !openfast.ValidPropertyName(key) {
			return "", openfast.Errorf(openfast.EINVALID, "Parameter name %q is invalid: use lowercase a-z, 0-9, _ and -, at most %d characters.", openfast.Truncate(name, 70), openfast.MaxPropertyName)
		}
		v, err := paramValue(raw, asSent)
		if err != nil {
			return "", openfast.Errorf(openfast.EINVALID, "Parameter %s: %v", key, err)
		}
		out[key] = v
	}
	if len(out) > openfast.MaxProperties {
		return "", openfast.Errorf(openfast.EINVALID, "At most %d parameters are allowed; got %d.", openfast.MaxProperties, len(out))
	}
	if len(out) == 0 {
		return "", nil
	}
	b, err := json.Marshal(out) // keys sorted
	if err != nil {
		return "", fmt.Errorf("encode parameters: %w", err)
	}
	return string(b), nil
}

// paramValue stringifies a JSON scalar; objects and arrays are refused.
// The value is cleaned (openfast.CleanValue) unless asSent.
func paramValue(raw json.RawMessage, asSent bool) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("invalid value")
	}
	var s string
	switch x := v.(type) {
	case nil:
		s = ""
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return "", fmt.Errorf("values must be strings, numbers or booleans")
	}
	if asSent {
		if openfast.HasUnsafeChars(s) {
			return "", fmt.Errorf("values must not contain control characters, bidirectional overrides or invalid UTF-8")
		}
		return openfast.CutChars(s, openfast.MaxPropertyValue), nil
	}
	return openfast.CleanValue(s, openfast.MaxPropertyValue), nil
}

// stringMember reads a string member of extraData.
func stringMember(extra map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := extra[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
