// Package web is openfast's dashboard, the second of its front doors:
// server-rendered html/template pages with htmx for partial updates and
// uPlot for charts, all embedded in the binary. People sign in with an
// email and password; every action a page takes calls the same app method
// as its API twin, with the signed-in user as the caller, so the dashboard
// can never do more than the API allows that user. Hiding a button is
// never the check.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the dashboard.
type Config struct {
	// App serves every action; the dashboard reaches the stores only
	// through it.
	App    *app.App
	Logger *slog.Logger
	// PublicURL is the address people reach the server at
	// (https://analytics.example.com), used in links, snippets and
	// invitation URLs; when it is https, cookies are Secure. Empty: the
	// address of each request.
	PublicURL *url.URL
	// ClientIP returns a request's client address (the API server's, which
	// follows its trusted proxies); nil: the TCP peer.
	ClientIP func(*http.Request) string
}

// Server serves the dashboard.
type Server struct {
	app       *app.App
	log       *slog.Logger
	publicURL *url.URL
	clientIP  func(*http.Request) string
	pages     map[string]*template.Template
	handler   http.Handler
}

// maxFormBytes bounds a form's body.
const maxFormBytes = 64 << 10

// sessionCookie is the name of the cookie that holds a session's value.
const sessionCookie = "openfast_session"

// New returns the dashboard of cfg.
func New(cfg Config) (*Server, error) {
	if cfg.App == nil {
		return nil, errors.New("web: Config.App is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	if u := cfg.PublicURL; u != nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		return nil, fmt.Errorf("web: the public URL %q is not an http(s) URL", u)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{app: cfg.App, log: cfg.Logger, publicURL: cfg.PublicURL, clientIP: cfg.ClientIP, pages: pages}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the dashboard's pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is a page handler; its error becomes an error page (or, for
// an htmx request, an error fragment in place of what it asked for).
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// visit is one request of a signed-in user (or, on public pages, of
// anyone): the caller the app methods act for.
type visit struct {
	caller  app.Caller
	session *openfast.Session
	user    *app.Account
	ip      string
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))

	public := func(h handlerFunc) http.Handler { return s.page(h, false) }
	signedIn := func(h handlerFunc) http.Handler { return s.page(h, true) }

	mux.Handle("GET /{$}", public(s.home))
	mux.Handle("POST /setup", public(s.setup))
	mux.Handle("GET /login", public(s.loginPage))
	mux.Handle("POST /login", public(s.login))
	mux.Handle("POST /logout", public(s.logout))

	mux.Handle("GET /websites/new", signedIn(s.newWebsitePage))
	mux.Handle("POST /websites", signedIn(s.createWebsite))
	mux.Handle("GET /websites/{websiteId}/setup", signedIn(s.snippetPage))
	mux.Handle("GET /websites/{websiteId}/first-event", signedIn(s.firstEvent))
	mux.Handle("GET /websites/{websiteId}/sparkline", signedIn(s.sparkline))
	s.settingsRoutes(mux, signedIn)
	s.funnelRoutes(mux, signedIn)
	s.accountRoutes(mux, signedIn)
	s.invitationRoutes(mux, public, signedIn)
	s.mailRoutes(mux, public, signedIn)
	s.analyticsRoutes(mux)

	mux.Handle("/", public(func(w http.ResponseWriter, r *http.Request, v *visit) error {
		return openfast.Errorf(openfast.ENOTFOUND, "There is no page at %s.", openfast.Truncate(r.URL.Path, 200))
	}))

	// State-changing requests must come from this origin (Sec-Fetch-Site,
	// or Origin against Host): a cross-site form or fetch gets 403.
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /unsubscribe") // its token is the authority (mail.go)
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, openfast.Errorf(openfast.EFORBIDDEN, "This request came from another site and was refused."))
	}))
	return securityHeaders(cop.Handler(mux))
}

// page wraps a handler: the session (required or not), form size limit,
// and the error page.
func (s *Server) page(h handlerFunc, requireSession bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		v := &visit{ip: s.clientIP(r)}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			caller, sess, err := s.app.Session(r.Context(), c.Value, v.ip)
			switch {
			case err == nil:
				v.caller, v.session = caller, sess
				if v.user, err = s.app.Account(r.Context(), caller); err != nil {
					s.renderError(w, r, err)
					return
				}
			case openfast.ErrorCode(err) == openfast.EUNAUTHORIZED:
				s.clearSessionCookie(w, r)
			default:
				s.renderError(w, r, err)
				return
			}
		}
		if requireSession && v.session == nil {
			s.toLogin(w, r)
			return
		}
		// The dashboard's reads wait their turn at the read limits (a page
		// loads its panels together) rather than failing.
		r = r.WithContext(app.WaitForReads(r.Context()))
		if err := h(w, r, v); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// toLogin sends a visitor without a session to the sign-in page, and back
// here afterwards.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext is where to go after signing in: a path of this site only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// secure reports whether cookies must be Secure: served over TLS, or the
// public URL is https.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || s.publicURL != nil && s.publicURL.Scheme == "https"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, raw string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: raw, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
		MaxAge: int(openfast.SessionMaxAge / time.Second),
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: -1})
}

// baseURL is the address people reach the server at: the public URL, or
// the request's own.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != nil {
		return strings.TrimSuffix(s.publicURL.String(), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// securityHeaders sets the headers of every dashboard answer: a strict
// content security policy (scripts, styles and fetches from this origin
// only, no framing), no MIME sniffing, no referrer to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// staticHandler serves the embedded assets: for a year at the address
// the pages name (their content's version, staticURL), else checked again
// on each use.
func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".sh") || r.URL.Path == "LICENSES" || r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == staticVersions[r.URL.Path] {
			// This name is of this content only (staticURL).
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fsrv.ServeHTTP(w, r)
	})
}

// staticVersions are the static files' versions, by name: the start of
// their content's SHA-256.
var staticVersions = func() map[string]string {
	versions := map[string]string{}
	fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[strings.TrimPrefix(path, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return versions
}()

// staticURL is the address of a static file with its version (the
// template function static): a browser keeps it for a year, and after an
// upgrade that changes it the page names another address, so no one runs
// the previous version's scripts or styles.
func staticURL(name string) (string, error) {
	v, ok := staticVersions[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

func peerIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// ctxTimeout bounds the app calls of one page.
const ctxTimeout = 30 * time.Second

func withTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), ctxTimeout)
}
