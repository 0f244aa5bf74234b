// Package provhttp is what the Lemon Squeezy, Polar and Paddle providers
// share: an authenticated JSON GET against a provider's API, HMAC
// comparison, and the reading of timestamps and cursors.
package provhttp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/integrations"
)

// MaxBody is the most of a provider's API response that is read.
const MaxBody = 8 << 20

// Timeout bounds a request when the context has no deadline.
const Timeout = 30 * time.Second

// Client calls one provider's API.
type Client struct {
	// Provider names the provider in error messages ("Lemon Squeezy").
	Provider string
	// BaseURL is the API's root, without a trailing slash.
	BaseURL string
	// HTTP is the client used; http.DefaultClient if nil.
	HTTP *http.Client
	// Accept is the Accept header; "application/json" if "".
	Accept string
}

// StatusError is a response of the API that is neither a success nor a
// refusal of the credentials.
type StatusError struct {
	Provider string
	Status   int
	Path     string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s API answered %d to GET %s", e.Provider, e.Status, e.Path)
}

// Get sends GET path?query with the bearer token and decodes the JSON
// answer into out. A 401 or 403 becomes an *integrations.InvalidError
// saying the key was refused, a 404 one saying notFound (when not "").
func (c *Client) Get(ctx context.Context, token, path string, query url.Values, notFound string, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Timeout)
		defer cancel()
	}
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s GET %s: %w", c.Provider, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	accept := c.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "openfast")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s GET %s: %w", c.Provider, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return fmt.Errorf("%s GET %s: read: %w", c.Provider, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return integrations.Invalidf("%s refused the API key: check that it is correct and not revoked or expired", c.Provider)
	case resp.StatusCode == http.StatusForbidden:
		return integrations.Invalidf("%s refused the API key for %s: check its permissions", c.Provider, path)
	case resp.StatusCode == http.StatusNotFound && notFound != "":
		return integrations.Invalidf("%s", notFound)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return &StatusError{Provider: c.Provider, Status: resp.StatusCode, Path: path}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s GET %s: decode: %w", c.Provider, path, err)
	}
	return nil
}

// HexHMACEqual reports whether sigHex is the hex HMAC-SHA256 of the parts,
// concatenated, under key; in constant time for a well-formed signature.
func HexHMACEqual(key []byte, sigHex string, parts ...[]byte) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sigHex))
	if err != nil || len(got) != sha256.Size || len(key) == 0 {
		return false
	}
	return hmac.Equal(got, HMAC(key, parts...))
}

// HMAC is the HMAC-SHA256 of the parts, concatenated, under key.
func HMAC(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// Time parses an RFC 3339 time (with or without fraction) in UTC; the
// zero time for "" or a malformed one.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Stale reports whether a signed timestamp is more than MaxAge from now.
func Stale(signed, now time.Time) bool {
	d := now.Sub(signed)
	return d > integrations.MaxAge || d < -integrations.MaxAge
}

// StringOf returns a metadata value as a string: a string as is, a number
// or bool in its JSON form, anything else "".
func StringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64, bool:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return ""
}

// VisitorKey is the metadata or custom data key the tracker's visitor id
// travels under.
const VisitorKey = "datafast_visitor_id"

// Visitor returns the first non-empty datafast_visitor_id of the maps.
func Visitor(maps ...map[string]any) string {
	for _, m := range maps {
		if v := strings.TrimSpace(StringOf(m[VisitorKey])); v != "" {
			return v
		}
	}
	return ""
}

// ErrCursor is returned for a cursor that this provider did not make.
var ErrCursor = errors.New("sync cursor is malformed")

// Cursor is a sync cursor of a few parts joined by "|". Parts may not
// hold "|".
type Cursor []string

// ParseCursor splits a cursor made by String into n parts.
func ParseCursor(s string, n int) (Cursor, error) {
	parts := strings.Split(s, "|")
	if len(parts) != n {
		return nil, fmt.Errorf("%w: %q", ErrCursor, s)
	}
	return parts, nil
}

func (c Cursor) String() string { return strings.Join(c, "|") }

// FormatTime formats a cursor time.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime parses a cursor time made by FormatTime.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %v", ErrCursor, err)
	}
	return t.UTC(), nil
}

// Walk is a read of a list sorted newest first, back to a time, that may
// take several Syncs: each reads at most a few pages and the next goes on
// from the page where it stopped. Items made meanwhile push the older ones
// to later pages, so going on from a page may read some again (recorded
// once) but never skips one; the items made meanwhile are read by the next
// walk, which goes back to the newest item this one saw.
type Walk struct {
	// From is how far back this walk reads: items created before it were
	// read by an earlier walk.
	From time.Time
	// Newest is the newest creation time seen, where the next walk stops.
	Newest time.Time
	// Page is the next page to read; 0 when the walk is over.
	Page int
}

// NewWalk starts a walk back to since.
func NewWalk(since time.Time) Walk { return Walk{From: since.UTC(), Newest: since.UTC(), Page: 1} }

// Parts is the walk in a cursor's parts.
func (w Walk) Parts() []string {
	return []string{FormatTime(w.From), FormatTime(w.Newest), strconv.Itoa(w.Page)}
}

// ParseWalk reads the three cursor parts that Parts made.
func ParseWalk(parts []string) (Walk, error) {
	if len(parts) != 3 {
		return Walk{}, ErrCursor
	}
	from, err := ParseTime(parts[0])
	if err != nil {
		return Walk{}, err
	}
	newest, err := ParseTime(parts[1])
	if err != nil {
		return Walk{}, err
	}
	page, err := strconv.Atoi(parts[2])
	if err != nil || page < 0 {
		return Walk{}, fmt.Errorf("%w: page %q", ErrCursor, parts[2])
	}
	return Walk{From: from, Newest: newest, Page: page}, nil
}

// Step reads up to maxPages pages of the walk (a walk that is over starts
// again, back to the newest item it saw) and returns the items created at
// or after From. The walk is over, Page 0, at the first older item or the
// last page.
func Step[T any](w *Walk, maxPages int, created func(T) time.Time, page func(n int) (items []T, last bool, err error)) ([]T, error) {
	if w.Page <= 0 {
		*w = NewWalk(w.Newest)
	}
	var kept []T
	for range maxPages {
		items, last, err := page(w.Page)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			t := created(it)
			if t.Before(w.From) {
				w.Page = 0
				return kept, nil
			}
			if t.After(w.Newest) {
				w.Newest = t
			}
			kept = append(kept, it)
		}
		if last || len(items) == 0 {
			w.Page = 0
			return kept, nil
		}
		w.Page++
	}
	return kept, nil
}

// SortOldestFirst orders payments by time, then id, so that a sync returns
// them oldest first whatever order the lists gave.
func SortOldestFirst(ps []integrations.Payment) {
	slices.SortStableFunc(ps, func(a, b integrations.Payment) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Currency returns an ISO 4217 code in upper case, or "" if s is not
// three letters.
func Currency(s string) string {
	if len(s) != 3 {
		return ""
	}
	u := strings.ToUpper(s)
	for _, r := range u {
		if r < 'A' || r > 'Z' {
			return ""
		}
	}
	return u
}

// NewClient returns the client of a provider's API at base, or at
// defaultBase when base is "".
func NewClient(provider, base, defaultBase, accept string, hc *http.Client) Client {
	if base == "" {
		base = defaultBase
	}
	return Client{Provider: provider, BaseURL: base, HTTP: hc, Accept: accept}
}

// DefaultMaxPages is how many pages of a list one Sync reads at most when
// the options do not say.
const DefaultMaxPages = 20

// MaxPages returns n, or DefaultMaxPages when n is not positive.
func MaxPages(n int) int {
	if n <= 0 {
		return DefaultMaxPages
	}
	return n
}

// Read GETs the object that the credentials' account names (a store, an
// organization) for Check: a 404 becomes an *integrations.InvalidError
// saying the key reaches no such object.
func (c *Client) Read(ctx context.Context, token, what, path string, out any) error {
	err := c.Get(ctx, token, path, nil, fmt.Sprintf("%s has no %s for this key", c.Provider, what), out)
	if err != nil {
		return fmt.Errorf("check %s %s: %w", c.Provider, what, err)
	}
	return nil
}
