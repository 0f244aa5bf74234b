package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/auth"
)

// layoutPages are the templates that fill the layout ("layout.html");
// the others are fragments (htmx answers) rendered alone.
var layoutPages = []string{"login.html", "setup.html", "home.html", "newsite.html", "snippet.html", "error.html",
	"settings.html", "account.html", "invitation.html", "unsubscribe.html"}

// pageIncludes are the fragments that a template also uses, parsed with
// it.
var pageIncludes = map[string][]string{
	"account.html":  {"expiry_select.html", "allowed_ips_field.html", "sparkline.html"},
	"settings.html": {"expiry_select.html", "allowed_ips_field.html", "sparkline.html"},
}

var funcs = template.FuncMap{
	"static": staticURL,
	"when":   func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"deref":  deref,
	// maxAllowedIPs is how many entries allowedIps may hold.
	"maxAllowedIPs": func() int { return auth.MaxAllowedIPs },
	// colorFamily and colorLabel name the palette colour of a goal's hex
	// colour ("" for none).
	"colorFamily": func(hex *string) string { return goalColor(hex).Family },
	"colorLabel":  func(hex *string) string { return goalColor(hex).Label },
}

func goalColor(hex *string) openfast.GoalColor {
	if hex == nil {
		return openfast.GoalColor{}
	}
	c, _ := openfast.GoalColorByHex(*hex)
	return c
}

// parsePages parses each page with the layout, and each fragment alone.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		files := []string{name}
		for _, p := range layoutPages {
			if p == base {
				files = []string{"templates/layout.html", name}
			}
		}
		for _, inc := range pageIncludes[base] {
			files = append(files, "templates/"+inc)
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// pageData is what every page gets: the signed-in user (nil on public
// pages), the title, and the page's own data.
type pageData struct {
	Title string
	User  *userView
	// SiteID is the website of the page's path ("" for none), for the
	// website's links in the navigation.
	SiteID string
	Data   any
}

type userView struct {
	Email string
	Name  string
}

// render writes a page (with the layout) or a fragment, with status.
// Templates render into a buffer first: a template error becomes an error
// page, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pd := pageData{Title: title, Data: data}
	if v != nil && v.user != nil {
		pd.User = &userView{Email: v.user.User.Email, Name: deref(v.user.User.Name)}
		pd.SiteID = r.PathValue("websiteId")
	}
	exec := name
	if isLayoutPage(name) {
		exec = "layout"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, exec, pd); err != nil {
		s.log.Error("render template", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func isLayoutPage(name string) bool {
	for _, p := range layoutPages {
		if p == name {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// renderError answers an error: its status, and its message when it is
// one meant for people (an *openfast.Error); anything else is logged and
// shown as a generic message. An htmx request gets a fragment that takes
// the place of what it asked for.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := openfast.ErrorCode(err)
	status := openfast.HTTPStatus(code)
	msg := openfast.ErrorMessage(err)
	if code == openfast.EINTERNAL {
		s.log.Error("dashboard request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if ra, ok := err.(interface{ RetryAfter() time.Duration }); ok {
		w.Header().Set("Retry-After", retryAfterSeconds(ra))
	}
	if r.Header.Get("HX-Request") != "" {
		s.render(w, r, nil, status, "error_fragment.html", "", msg)
		return
	}
	s.render(w, r, nil, status, "error.html", http.StatusText(status), errorView{Status: status, Message: msg})
}

type errorView struct {
	Status  int
	Message string
}

// formValue is a trimmed form field.
func formValue(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

func retryAfterSeconds(ra interface{ RetryAfter() time.Duration }) string {
	return fmt.Sprint(max(1, int((ra.RetryAfter()+time.Second-1)/time.Second)))
}
