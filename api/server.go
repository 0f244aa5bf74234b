// Package api is openfast's JSON API, the first of its front doors: one
// route table, the middleware (request id, recovery, logging, metrics,
// authentication, rate limit, and an early authorization decision with the
// route's app action), the DataFast success and error envelopes, and one
// file per resource. A handler decodes the request, calls the app method
// of its action, and encodes the result; it never reaches a store.
package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
	"github.com/openfast/openfast/enrich"
	"github.com/openfast/openfast/mcp"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Server.
type Config struct {
	// App serves every action of the API; the API reaches the stores only
	// through it.
	App    *app.App
	Logger *slog.Logger
	// RateLimit is the number of requests a credential may make per minute
	// (0 disables the limit) and RateBurst the size of its bursts. The
	// same limit holds for all the tokens of one user together, and for all
	// the keys of one website.
	RateLimit int
	RateBurst int
	// TrustedProxies may give the client address with X-Forwarded-For: the
	// address that the audit log records and that failed authentications
	// are counted against. Otherwise it is the TCP peer.
	TrustedProxies []netip.Prefix
	// Events, when set, serves POST /api/events, the tracker's endpoint:
	// public, open to any origin (CORS). Its errors are rendered as the
	// error envelope like any handler's.
	Events func(w http.ResponseWriter, r *http.Request) error
	// Registry receives the API's metrics and serves /metrics; nil means a
	// registry of the server's own.
	Registry *prometheus.Registry
	// Dashboard, when set, serves every path that no API route has, except
	// under /api/ (which keeps the JSON 404): the dashboard's pages.
	Dashboard http.Handler
	// SeparateOps leaves the operator routes, /metrics and /readyz, off
	// Handler: OpsHandler serves them, on a listener of their own. The
	// main handler then answers them 404 like any unknown path.
	SeparateOps bool
	// Compress compresses the main handler's answers (JSON, pages,
	// scripts, styles and text of 1 KiB or more) with zstd or gzip when the
	// client accepts them; see compressHandler. The operator routes are
	// left as they are (/metrics compresses its own answer).
	Compress bool
}

// Server serves the openfast HTTP API.
type Server struct {
	app     *app.App
	log     *slog.Logger
	limiter *rateLimiter
	metrics *metrics
	handler http.Handler
	ops     http.Handler // the operator routes alone
	routes  []route
	events  func(w http.ResponseWriter, r *http.Request) error
	trusted []netip.Prefix
	web     http.Handler
	mcp     http.Handler // /api/mcp, the MCP server
	// compress wraps the main handler when Config.Compress is set.
	compress func(http.Handler) http.Handler

	separateOps bool
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.App == nil {
		return nil, errors.New("api: Config.App is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		app:     cfg.App,
		log:     cfg.Logger,
		metrics: newMetrics(cfg.Registry),
		events:  cfg.Events,
		trusted: cfg.TrustedProxies,
		web:     cfg.Dashboard,
		mcp:     mcp.Handler(cfg.App, cfg.Logger),

		separateOps: cfg.SeparateOps,
	}
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.Compress {
		s.compress = compressHandler
	}
	s.routes = s.routeTable()
	s.handler = s.buildHandler()
	s.ops = s.buildMux(func(rt route) bool { return rt.ops })
	return s, nil
}

// buildHandler builds the main handler from s.routes: all of them, or all
// but the operator routes with Config.SeparateOps.
func (s *Server) buildHandler() http.Handler {
	h := s.buildMux(func(rt route) bool { return !s.separateOps || !rt.ops })
	if s.compress != nil {
		h = s.compress(h)
	}
	return h
}

// buildMux builds a handler from the routes of s.routes for which include
// is true. A path registered for some methods answers other methods with 405
// and an Allow header; anything else is a 404. Both use the error envelope.
func (s *Server) buildMux(include func(route) bool) http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range s.routes {
		if !include(rt) {
			continue
		}
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
		if _, ok := allowed[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.path] = append(allowed[rt.path], http.MethodHead)
		}
	}
	for _, p := range paths {
		allow := strings.Join(allowed[p], ", ")
		notAllowed := s.wrap(route{path: p, public: true, handle: func(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
			w.Header().Set("Allow", allow)
			return errMethodNotAllowed
		}})
		if !handleIfNoConflict(mux, p, notAllowed) {
			// A path that a wildcard of another route also matches
			// (/alerts/history and /alerts/{alertId}) answers 405 to the
			// usual methods it does not serve.
			for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				if !slices.Contains(allowed[p], m) {
					mux.Handle(m+" "+p, notAllowed)
				}
			}
		}
	}
	if include(route{}) { // the operator mux includes no ordinary route
		s.handleMCP(mux)
	}
	unmatched := s.wrap(route{path: "unmatched", public: true, handle: func(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
		return openfast.Errorf(openfast.ENOTFOUND, "No route for %s %s.", r.Method, openfast.Truncate(r.URL.Path, 200))
	}})
	if s.web != nil && include(route{}) { // the operator mux includes no ordinary route
		mux.Handle("/api/", unmatched)
		// The operator routes moved to their own listener stay a JSON 404
		// here, not a dashboard page.
		moved := map[string]bool{}
		for _, rt := range s.routes {
			if rt.ops && !include(rt) && !moved[rt.path] {
				moved[rt.path] = true
				mux.Handle(rt.path, unmatched)
			}
		}
		mux.Handle("/", s.wrap(route{path: "dashboard", public: true, handle: func(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
			s.web.ServeHTTP(w, r)
			return nil
		}}))
	} else {
		mux.Handle("/", unmatched)
	}
	return s.outer(mux)
}

var errMethodNotAllowed = errors.New("method not allowed")

// failMissing is the reason a request without a credential is refused.
const failMissing = "missing"

// Handler returns the HTTP handler of the whole API (without the operator
// routes when Config.SeparateOps is set).
func (s *Server) Handler() http.Handler { return s.handler }

// OpsHandler returns the HTTP handler of the operator routes alone:
// /metrics and /readyz.
func (s *Server) OpsHandler() http.Handler { return s.ops }

// Registerer is the server's metrics registry, for the collectors of the
// parts wired around it.
func (s *Server) Registerer() prometheus.Registerer { return s.metrics.reg }

// route is one entry of the route table.
type route struct {
	method string
	path   string
	public bool       // no credential needed
	ops    bool       // an operator route: moves to OpsHandler with Config.SeparateOps
	action app.Action // what an authenticated route does, and its policy
	// anyAction: an authenticated route whose handler calls several
	// actions (the MCP server's tools), each decided by the app method.
	anyAction bool
	handle    func(w http.ResponseWriter, r *http.Request, req *authRequest) error
}

// authRequest is what a handler knows about an authenticated request
// whose caller may do the route's action.
type authRequest struct {
	query     url.Values // the parsed query string, parsed once
	caller    app.Caller
	websiteID string // the website the route acts on, for website scopes
}

// requestInfo travels with the response writer (see infoOf) so that the
// outer middleware can log and count what the inner handlers learned.
type requestInfo struct {
	id         string
	route      string
	displayKey string
	err        error
}

// infoOf returns the request's info, which outer put in the response
// writer it passes down (one allocation a request, where a context value
// took three).
func infoOf(w http.ResponseWriter) *requestInfo {
	if rec, ok := w.(*statusRecorder); ok {
		return &rec.info
	}
	return &requestInfo{}
}

// statusRecorder is the response writer below outer: it remembers the
// status and carries the request's info.
type statusRecorder struct {
	http.ResponseWriter
	status int
	info   requestInfo
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (a streamed
// export extends its write deadline).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// eventsRoute is the tracker's route, whose accepted events outer does
// not log.
const eventsRoute = "/api/events"

// outer is the middleware around the whole mux: request id, recovery,
// one log line (but for accepted tracker events) and the metrics of each
// request.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, info: requestInfo{id: newRequestID(), route: "unmatched"}}
		info := &rec.info
		w.Header()["X-Request-Id"] = []string{info.id}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", info.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeErrorStatus(rec, http.StatusInternalServerError, "An internal error occurred (request id "+info.id+").")
				}
			}
			elapsed := time.Since(start)
			s.metrics.observe(r.Method, info.route, rec.status, elapsed)
			level := slog.LevelInfo
			switch {
			case rec.status >= 500:
				level = slog.LevelError
			case info.route == eventsRoute && rec.status < 400:
				// An accepted tracker event is a visitor's pageview or
				// goal: a line each would log every visitor's address and
				// cost the busiest route its biggest share of logging.
				// The metrics count them; refusals are still logged.
				level = slog.LevelDebug
			}
			if !s.log.Enabled(r.Context(), level) {
				return
			}
			attrs := make([]slog.Attr, 0, 9)
			attrs = append(attrs,
				slog.String("request_id", info.id), slog.String("method", r.Method), slog.String("route", info.route),
				slog.Int("status", rec.status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("ip", s.ClientIP(r)))
			if info.displayKey != "" {
				attrs = append(attrs, slog.String("credential", info.displayKey))
			}
			if info.err != nil {
				attrs = append(attrs, slog.String("error", info.err.Error()))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ClientIP is the client's address: the TCP peer's, or, when the peer is
// one of Config.TrustedProxies, the one its X-Forwarded-For gives.
// Otherwise client-supplied headers are never believed.
func (s *Server) ClientIP(r *http.Request) string {
	if len(s.trusted) > 0 {
		if a := enrich.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.trusted); a.IsValid() {
			return a.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// wrap turns a route into an http.Handler: authentication, rate limit,
// authorization, then the handler, whose error becomes the error envelope.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(w)
		info.route = rt.path
		var err error
		if rt.public {
			err = rt.handle(w, r, nil)
		} else {
			err = s.serveAuthenticated(w, r, rt, info)
		}
		if err != nil {
			s.writeError(w, info, err)
		}
	})
}

func (s *Server) serveAuthenticated(w http.ResponseWriter, r *http.Request, rt route, info *requestInfo) error {
	raw, ok := bearer(r)
	if !ok {
		s.metrics.authFailure(failMissing)
		return openfast.Errorf(openfast.EUNAUTHORIZED, "Missing API token: send the header Authorization: Bearer <df_ or dft_ token>.")
	}
	now := s.app.Now()
	ip := s.ClientIP(r)
	p, reason, err := s.app.Authenticate(r.Context(), raw, ip, now)
	if reason != "" {
		s.metrics.authFailure(reason)
	}
	if err != nil {
		return err
	}
	if p == nil {
		return openfast.Errorf(openfast.EUNAUTHORIZED, "Invalid or revoked API token.")
	}
	info.displayKey = p.DisplayKey

	if s.limiter != nil {
		st := s.limiter.allow(limitRefs(p), now)
		// Canonical header spellings, assigned directly: no
		// canonicalization on this path.
		h := w.Header()
		h["X-Ratelimit-Limit"] = s.limiter.limitHeader
		h["X-Ratelimit-Remaining"] = smallIntHeader(st.remaining)
		h["X-Ratelimit-Reset"] = smallIntHeader(ceilSeconds(st.reset))
		if !st.allowed {
			s.metrics.rateLimited.Inc()
			h["Retry-After"] = []string{strconv.Itoa(max(1, ceilSeconds(st.retryAfter)))}
			return openfast.Errorf(openfast.ERATELIMIT, "Rate limit exceeded: at most %d requests per minute for %s. Retry after %d seconds.",
				s.limiter.perMinute, limitName(st.refusedBy), max(1, ceilSeconds(st.retryAfter)))
		}
	}

	req := &authRequest{caller: app.Caller{Principal: p, IP: ip}, query: noQuery}
	if r.URL.RawQuery != "" {
		req.query = r.URL.Query()
	}
	if rt.anyAction {
		return rt.handle(w, r, req)
	}
	// The action's policy is decided here, before the handler reads the
	// request, so that a caller who may not act learns nothing from the
	// validation of its input; the app method decides again.
	var websiteID string
	switch rt.action.Policy.Scope {
	case auth.ScopeWebsitePath:
		websiteID = r.PathValue("websiteId")
	case auth.ScopeWebsiteQuery:
		websiteID = req.query.Get("websiteId")
	}
	d, t := app.Decide(rt.action, p, websiteID)
	if !d.Allowed {
		s.metrics.authFailure(d.Reason)
		return d.Err()
	}
	req.websiteID = t.WebsiteID
	return rt.handle(w, r, req)
}

// noQuery is the parsed query of a request without one (never modified).
var noQuery = url.Values{}

// smallInts holds header values for the numbers the rate-limit headers
// usually carry, so that writing them allocates nothing.
var smallInts = func() [][]string {
	out := make([][]string, 1024)
	for i := range out {
		out[i] = []string{strconv.Itoa(i)}
	}
	return out
}()

func smallIntHeader(n int) []string {
	if n >= 0 && n < len(smallInts) {
		return smallInts[n]
	}
	return []string{strconv.Itoa(n)}
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// bearer returns the credential of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// writeError renders err as the DataFast error envelope. Errors without an
// application code are logged and answered with a generic 500.
func (s *Server) writeError(w http.ResponseWriter, info *requestInfo, err error) {
	if errors.Is(err, errMethodNotAllowed) {
		writeErrorStatus(w, http.StatusMethodNotAllowed, "Method not allowed. Allowed: "+w.Header().Get("Allow")+".")
		return
	}
	var retry interface{ RetryAfter() time.Duration }
	if errors.As(err, &retry) {
		w.Header()["Retry-After"] = []string{strconv.Itoa(max(1, ceilSeconds(retry.RetryAfter())))}
	}
	code := openfast.ErrorCode(err)
	status := statusOf(code)
	msg := openfast.ErrorMessage(err)
	if status >= 500 {
		info.err = err
		msg = "An internal error occurred (request id " + info.id + ")."
		if code == openfast.EUNAVAILABLE {
			msg = openfast.ErrorMessage(err)
		}
	}
	writeErrorStatus(w, status, msg)
}

// HTTPServer returns the http.Server that serves the API in production:
// its timeouts and header limit, and its errors logged to the server's
// logger. Load programs use it too, so that they measure what runs.
func (s *Server) HTTPServer() *http.Server { return s.httpServer(s.handler) }

// OpsHTTPServer is HTTPServer for OpsHandler.
func (s *Server) OpsHTTPServer() *http.Server { return s.httpServer(s.ops) }

// HTTPServerFor is HTTPServer for another handler: the listeners that
// serve none of the API's routes, such as the redirect from HTTP to HTTPS.
func (s *Server) HTTPServerFor(h http.Handler) *http.Server { return s.httpServer(h) }

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// handleIfNoConflict registers pattern unless it conflicts with one
// registered before (ServeMux panics then, before changing anything).
func handleIfNoConflict(mux *http.ServeMux, pattern string, h http.Handler) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	mux.Handle(pattern, h)
	return true
}
