package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openfast/openfast"
)

// Limits of an event (spec §7.3 and §5.11).
const (
	MaxBodyBytes   = 64 << 10
	maxParams      = 10
	maxParamName   = 64
	maxParamValue  = 255
	maxUserIDBytes = 255
)

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

// goalName normalizes a goal name as DataFast does (lower case, spaces to
// underscores) and checks it.
func goalName(raw string) (string, error) {
	name, ok := openfast.NormalizeGoalName(raw)
	if !ok {
		return "", openfast.Errorf(openfast.EINVALID, "Goal name %q is invalid: use lowercase a-z, 0-9, _, - and :, at most 64 characters.", openfast.Truncate(raw, 70))
	}
	return name, nil
}

// params turns extraData members (except the skipped ones) into the
// stored parameters: at most 10, names lowercase [a-z0-9_-]{1,64}, values
// stringified, stripped of markup and cut to 255 characters. It returns
// them as a JSON object ("" when there are none).
func params(extra map[string]json.RawMessage, skip ...string) (string, error) {
	out := map[string]string{}
	for name, raw := range extra {
		if slices.Contains(skip, name) {
			continue
		}
		key := strings.ToLower(name)
		if !openfast.ValidPropertyName(key) {
			return "", openfast.Errorf(openfast.EINVALID, "Parameter name %q is invalid: use lowercase a-z, 0-9, _ and -, at most %d characters.", openfast.Truncate(name, 70), maxParamName)
		}
		v, err := paramValue(raw)
		if err != nil {
			return "", openfast.Errorf(openfast.EINVALID, "Parameter %s: %v", key, err)
		}
		out[key] = v
	}
	if len(out) > maxParams {
		return "", openfast.Errorf(openfast.EINVALID, "At most %d parameters are allowed; got %d.", maxParams, len(out))
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
func paramValue(raw json.RawMessage) (string, error) {
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
	return sanitize(s, maxParamValue), nil
}

// unsafeMarkers are stripped from parameter values, as the tracker does.
var unsafeMarkers = []string{"javascript:", "vbscript:", "data:"}

// sanitize removes markup characters and script markers from a value and
// cuts it to n bytes on a character boundary.
func sanitize(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '\'', '"', '&':
			return -1
		}
		return r
	}, s)
	for _, m := range unsafeMarkers {
		for {
			i := strings.Index(strings.ToLower(s), m)
			if i < 0 {
				break
			}
			s = s[:i] + s[i+len(m):]
		}
	}
	s = stripEventHandlers(s)
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// stripEventHandlers removes "on<word>=" markers (onclick=, onerror=).
func stripEventHandlers(s string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(lower[i:], "on") && (i == 0 || !isWordByte(lower[i-1])) {
			j := i + 2
			for j < len(lower) && isWordByte(lower[j]) && lower[j] != '_' {
				j++
			}
			k := j
			for k < len(lower) && lower[k] == ' ' {
				k++
			}
			if j > i+2 && k < len(lower) && lower[k] == '=' {
				i = k + 1
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
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
