// Package client is a Go client of the openfast HTTP API, which is the
// DataFast API: it works against any openfast server and any server that
// speaks the DataFast API.
//
// Every method sends one request with the bearer credential of the Client
// and returns the decoded data of the success envelope
// {"status":"success","data":...} together with the *Response, which keeps
// the data as it came (Response.Data) for callers that print it or need
// members the typed structs do not name. A failed request returns an
// *APIError carrying the HTTP status and the message of the error envelope.
//
// Website API methods (analytics, visitors, goals, payments, identify) take
// a websiteID: with a dft_ account token it is required and sent as
// ?websiteId=; with a df_ website key the key implies its website and
// websiteID must be empty.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/wire"
)

// DefaultTimeout bounds a request (connection, headers and body) unless
// WithTimeout or WithHTTPClient says otherwise.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes bounds the body read from a response.
const maxResponseBytes = 64 << 20

// Token prefixes of the two kinds of credentials.
const (
	WebsiteKeyPrefix   = "df_"  // a website API key: one website, implied by the key
	AccountTokenPrefix = "dft_" // an account token: a user, websites named per request
)

// IsWebsiteKey reports whether token is a df_ website API key.
func IsWebsiteKey(token string) bool {
	return strings.HasPrefix(token, WebsiteKeyPrefix) && !strings.HasPrefix(token, AccountTokenPrefix)
}

// IsAccountToken reports whether token is a dft_ account token.
func IsAccountToken(token string) bool {
	return strings.HasPrefix(token, AccountTokenPrefix)
}

// DisplayKey masks a credential as the API's displayKey does: its first 7
// characters, "...", and its last 4 (df_ab12...xyz9).
func DisplayKey(token string) string {
	if len(token) < 11 {
		return "..."
	}
	return token[:7] + "..." + token[len(token)-4:]
}

// Client calls one server with one credential. It is safe for concurrent
// use.
type Client struct {
	base      *url.URL
	token     string
	http      *http.Client
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with h (its Timeout
// applies).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) { c.http = h }
}

// WithTimeout bounds every request; 0 means no bound.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		h := *c.http
		h.Timeout = d
		c.http = &h
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// New returns a client of the server at baseURL (its origin, such as
// https://analytics.example.com; a trailing /api/v1 is accepted and
// dropped, and a URL without a scheme means http) that authenticates with
// token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	base, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      base,
		token:     token,
		http:      &http.Client{Timeout: DefaultTimeout},
		userAgent: "openfast-client",
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// ParseBaseURL checks and normalizes the base URL of a server: a scheme
// (http when absent), a host, no query; a trailing slash and a trailing
// /api/v1 are dropped.
func ParseBaseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("the server URL is empty")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("server URL %q: the scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("server URL %q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server URL %q must not have a query or a fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/api/v1")
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// BaseURL returns the normalized base URL of the server.
func (c *Client) BaseURL() string { return c.base.String() }

// Token returns the credential the client sends.
func (c *Client) Token() string { return c.token }

// APIError is a request that the server answered with an error status. Its
// message is the error envelope's, or the status text when the answer was
// not an envelope.
type APIError struct {
	StatusCode int    // the HTTP status
	Message    string // the envelope's error.message
	Method     string
	Path       string
	// RetryAfter is the server's Retry-After on a 429, else 0.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.StatusCode)
}

// IsStatus reports whether err is an *APIError with this HTTP status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == status
}

// Response is one answer of the server.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the whole response body.
	Body json.RawMessage
	// Data is the envelope's data member, or the whole body for the few
	// answers without an envelope (POST /api/v1/payments).
	Data json.RawMessage
	// Pagination is the top-level pagination member of paged answers.
	Pagination *Pagination
}

// Pagination describes a page: analytics answers carry Total, the visitors
// list HasMore.
type Pagination struct {
	Limit   int   `json:"limit"`
	Offset  int   `json:"offset"`
	Total   *int  `json:"total,omitempty"`
	HasMore *bool `json:"hasMore,omitempty"`
}

// Member returns a top-level member of the answer other than data, such as
// totals of the timeseries; nil when absent.
func (r *Response) Member(name string) json.RawMessage {
	var top map[string]json.RawMessage
	if json.Unmarshal(r.Body, &top) != nil {
		return nil
	}
	return top[name]
}

// Do sends a request to path (such as /api/v1/admin/account) with query
// parameters and, when body is not nil, a JSON body. It returns the answer
// of a 2xx status, or an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (*Response, error) {
	u := *c.base
	u.Path = c.base.Path + path
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.base.Redacted()+path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(method, path, resp, raw)
	}
	return parseSuccess(method, path, resp, raw)
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// method and the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("no answer in time: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}

func newAPIError(method, path string, resp *http.Response, raw []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path}
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &env) == nil {
		e.Message = env.Error.Message
		if e.Message == "" {
			e.Message = env.Message
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
		if e.Message == "" {
			e.Message = "Unexpected status"
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

func parseSuccess(method, path string, resp *http.Response, raw []byte) (*Response, error) {
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: raw}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("%s %s: the answer is not a JSON object (HTTP %d): %w", method, path, resp.StatusCode, err)
	}
	if st, ok := top["status"]; ok && string(st) == `"error"` {
		// An error envelope with a 2xx status: still an error.
		return nil, newAPIError(method, path, resp, raw)
	}
	if d, ok := top["data"]; ok {
		r.Data = d
	} else {
		r.Data = raw
	}
	if p, ok := top["pagination"]; ok {
		var pg Pagination
		if json.Unmarshal(p, &pg) == nil {
			r.Pagination = &pg
		}
	}
	return r, nil
}

// get, post, put, del and friends send a request and decode its data.

func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, into any) (*Response, error) {
	resp, err := c.Do(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	if into != nil {
		if err := decodeData(resp, into); err != nil {
			return resp, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp, nil
}

func decodeData(resp *Response, into any) error {
	d := json.NewDecoder(bytes.NewReader(resp.Data))
	d.UseNumber()
	if err := d.Decode(into); err != nil {
		return fmt.Errorf("decode data: %w", err)
	}
	return nil
}

// one calls and decodes the first element of an array data, the shape of
// most single-object answers (data[0]).
func one[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (*T, *Response, error) {
	var list []T
	resp, err := c.call(ctx, method, path, query, body, &list)
	if err != nil {
		return nil, resp, err
	}
	if len(list) == 0 {
		return nil, resp, fmt.Errorf("%s %s: the answer's data is empty", method, path)
	}
	return &list[0], resp, nil
}

// many calls and decodes an array data.
func many[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) ([]T, *Response, error) {
	var list []T
	resp, err := c.call(ctx, method, path, query, body, &list)
	if err != nil {
		return nil, resp, err
	}
	return list, resp, nil
}

// object calls and decodes an object data.
func object[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (*T, *Response, error) {
	var v T
	resp, err := c.call(ctx, method, path, query, body, &v)
	if err != nil {
		return nil, resp, err
	}
	return &v, resp, nil
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// websiteQuery starts the query of a Website API request: websiteId when
// one is given (account tokens).
func websiteQuery(websiteID string) url.Values {
	q := url.Values{}
	if websiteID != "" {
		q.Set("websiteId", websiteID)
	}
	return q
}

// Message is the {"message": ...} data of several answers.
type Message = wire.Message
