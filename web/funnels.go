package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

// The Funnels page of a website: its funnels, a builder for a new one,
// and each funnel's results as bars of its steps with a table, over the
// period and filters of the analytics page (the same URL query). Every
// read and write is the app method of its API twin with the signed-in
// user: the forms are offered to those who may write, and the app
// decides.

func init() {
	layoutPages = append(layoutPages, "funnels.html")
	funcs["pct"] = percent
	funcs["amountIn"] = amountIn
}

const funnelsBase = "/websites/{websiteId}/funnels"

func (s *Server) funnelRoutes(mux *http.ServeMux, signedIn func(handlerFunc) http.Handler) {
	site := func(h siteHandler) http.Handler { return signedIn(s.onWebsite(h)) }
	mux.Handle("GET "+funnelsBase, site(s.funnelsPage))
	mux.Handle("POST "+funnelsBase, site(s.createFunnel))
	mux.Handle("GET "+funnelsBase+"/{funnelId}", site(s.funnelPage))
	mux.Handle("POST "+funnelsBase+"/{funnelId}", site(s.updateFunnel))
	mux.Handle("POST "+funnelsBase+"/{funnelId}/delete", site(s.deleteFunnel))
	mux.Handle("POST "+funnelsBase+"/{funnelId}/restore", site(s.restoreFunnel))
}

// funnelsView is the Funnels page: the list and the builder, or one
// funnel with its results and its edit form.
type funnelsView struct {
	Site     *openfast.Website
	Base     string // /websites/<id>/funnels
	Query    string // the period and filters, "" or "?..."
	CanWrite bool
	Max      int
	Error    string
	Funnels  []*openfast.Funnel
	Deleted  []*openfast.Funnel // for those who may restore them
	Form     funnelForm
	Pages    []string // known paths, for the builder's suggestions
	Goals    []string // known goals

	// One funnel's page.
	Funnel      *openfast.Funnel
	View        view
	Periods     []periodLink
	Chips       []chipView
	Result      *wire.FunnelResult
	Bars        []funnelBar
	ResultError string
}

// funnelForm is the builder: a name, a window and up to MaxFunnelSteps
// step rows (the empty ones are ignored).
type funnelForm struct {
	Action, Submit, Name, WindowDays string
	Steps                            []stepRow
}

type stepRow struct {
	N                     int // from 1
	Name, Type, URL, Goal string
}

// funnelBar is a step of a result, for the bar chart and the table.
type funnelBar struct {
	wire.FunnelStep
	N        int
	Target   string  // the path or "goal <name>"
	Height   float64 // percent of the first step's visitors, for the bar
	Y        float64 // 100 - Height
	Rate     string
	FromRate string
	DropRate string
	Median   string
	Revenue  string
}

// blankForm is the builder of a new funnel, with two steps to start from.
func blankForm(base string) funnelForm {
	f := funnelForm{Action: base, Submit: "Create funnel", WindowDays: strconv.Itoa(openfast.DefaultFunnelWindowDays)}
	f.Steps = stepRows(nil)
	return f
}

// stepRows fills the builder's rows with steps, up to MaxFunnelSteps rows.
func stepRows(steps []stepRow) []stepRow {
	rows := make([]stepRow, openfast.MaxFunnelSteps)
	for i := range rows {
		rows[i] = stepRow{N: i + 1, Type: openfast.FunnelStepPageview}
		if i < len(steps) {
			rows[i].Name, rows[i].Type, rows[i].URL, rows[i].Goal = steps[i].Name, steps[i].Type, steps[i].URL, steps[i].Goal
		}
	}
	return rows
}

// formOf is the edit form of a funnel.
func formOf(base string, f *openfast.Funnel) funnelForm {
	rows := make([]stepRow, len(f.Steps))
	for i, st := range f.Steps {
		rows[i] = stepRow{Name: st.Name, Type: st.Type, URL: st.URL, Goal: st.GoalName}
	}
	return funnelForm{Action: base + "/" + f.ID, Submit: "Save funnel", Name: f.Name, WindowDays: strconv.Itoa(f.WindowDays), Steps: stepRows(rows)}
}

// readFunnelForm reads the builder: the rows with anything typed in, in
// order, and the typed values to show again.
func readFunnelForm(r *http.Request, action, submit string) (app.FunnelInput, funnelForm, error) {
	if err := parseForm(r); err != nil {
		return app.FunnelInput{}, funnelForm{}, err
	}
	form := funnelForm{Action: action, Submit: submit, Name: formValue(r, "name"), WindowDays: formValue(r, "windowDays")}
	in := app.FunnelInput{Name: &form.Name, Steps: []openfast.StepInput{}}
	var typed []stepRow
	for i := range openfast.MaxFunnelSteps {
		field := func(f string) string { return formValue(r, fmt.Sprintf("step%d_%s", i+1, f)) }
		row := stepRow{Name: field("name"), Type: field("type"), URL: field("url"), Goal: field("goal")}
		if row.Name == "" && row.URL == "" && row.Goal == "" {
			continue
		}
		typed = append(typed, row)
		st := openfast.StepInput{Name: &row.Name, Type: &row.Type}
		if row.Type == openfast.FunnelStepGoal {
			st.GoalName = &row.Goal
		} else {
			st.URL = &row.URL
		}
		in.Steps = append(in.Steps, st)
	}
	form.Steps = stepRows(typed)
	if form.WindowDays != "" {
		n, err := strconv.Atoi(form.WindowDays)
		if err != nil {
			return in, form, openfast.Errorf(openfast.EINVALID, "The window must be a whole number of days from 1 to %d.", openfast.MaxFunnelWindowDays)
		}
		in.WindowDays = &n
	}
	return in, form, nil
}

// newFunnelsView is the part of the page every view of it shares.
func (s *Server) newFunnelsView(r *http.Request, v *visit, site *app.Website) *funnelsView {
	d, _ := app.Decide(app.ActCreateFunnel, v.caller.Principal, site.ID)
	loc, ok := openfast.LoadTimezone(site.Timezone)
	if !ok {
		loc = time.UTC
	}
	vw := parseView(r.URL.Query(), loc, s.app.Now())
	base := "/websites/" + site.ID + "/funnels"
	return &funnelsView{Site: site.Website, Base: base, Query: vw.Query(), View: vw, CanWrite: d.Allowed, Max: openfast.MaxFunnelsPerWebsite}
}

// suggestTimeout bounds the reads of the builder's suggestions: without
// them the builder still works, typed by hand.
const suggestTimeout = 5 * time.Second

// suggest fills the builder's suggestions: the most visited paths and the
// goals of the last 12 months. Analytics that fail leave them empty.
func (s *Server) suggest(ctx context.Context, v *visit, siteID string, view *funnelsView) {
	ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	defer cancel()
	q := url.Values{"limit": {"100"}}
	(span{start: s.app.Now().AddDate(-1, 0, 0).UTC(), end: s.app.Now().UTC(), instants: true}).params(q)
	for _, e := range []analytics.Endpoint{analytics.Pages, analytics.Goals} {
		rows, _, _, err := s.app.Breakdown(ctx, v.caller, e, app.Read{WebsiteID: siteID, Params: q})
		if err != nil {
			continue
		}
		seen := map[string]bool{}
		for _, row := range rows {
			value, list := row.Path, &view.Pages
			if e.Name == analytics.Goals.Name {
				value, list = row.Goal, &view.Goals
			}
			if value != nil && !seen[*value] {
				seen[*value] = true
				*list = append(*list, *value)
			}
		}
	}
}

// funnelsPage is GET /websites/{websiteId}/funnels: the list and the
// builder.
func (s *Server) funnelsPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := s.newFunnelsView(r, v, site)
	view.Form = blankForm(view.Base)
	return s.showFunnels(w, r, v, site, http.StatusOK, view)
}

// showFunnels renders the list page with status.
func (s *Server) showFunnels(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website, status int, view *funnelsView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	var err error
	if view.Funnels, err = s.app.Funnels(ctx, v.caller, site.ID); err != nil {
		return err
	}
	if view.CanWrite {
		if view.Deleted, err = s.app.DeletedFunnels(ctx, v.caller, site.ID); err != nil {
			return err
		}
		s.suggest(ctx, v, site.ID, view)
	}
	s.render(w, r, v, status, "funnels.html", "Funnels · "+site.Domain, view)
	return nil
}

// createFunnel is POST /websites/{websiteId}/funnels: the builder.
func (s *Server) createFunnel(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	// The role is checked before the form, as the API does.
	if d, _ := app.Decide(app.ActCreateFunnel, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err()
	}
	view := s.newFunnelsView(r, v, site)
	in, form, err := readFunnelForm(r, view.Base, "Create funnel")
	if err == nil {
		ctx, cancel := withTimeout(r)
		defer cancel()
		var f *openfast.Funnel
		if f, err = s.app.CreateFunnel(ctx, v.caller, site.ID, in); err == nil {
			return seeOther(w, r, view.Base+"/"+f.ID+view.Query)
		}
	}
	if !formProblem(err) {
		return err
	}
	view.Form, view.Error = form, openfast.ErrorMessage(err)
	return s.showFunnels(w, r, v, site, openfast.HTTPStatus(openfast.ErrorCode(err)), view)
}

// funnelPage is GET /websites/{websiteId}/funnels/{funnelId}: the results
// over the view's period and filters, and the edit form.
func (s *Server) funnelPage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := s.newFunnelsView(r, v, site)
	ctx, cancel := withTimeout(r)
	defer cancel()
	f, err := s.app.Funnel(ctx, v.caller, site.ID, r.PathValue("funnelId"))
	if err != nil {
		return err
	}
	view.Form = formOf(view.Base, f)
	return s.showFunnel(w, r, v, site, f, http.StatusOK, view)
}

// showFunnel renders one funnel's page with status.
func (s *Server) showFunnel(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website, f *openfast.Funnel, status int, view *funnelsView) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	view.Funnel = f
	page := view.Base + "/" + f.ID
	view.Periods, view.Chips = periodLinks(view.View, page), filterChips(view.View, page)
	vw := view.View
	rctx, rcancel := context.WithTimeout(ctx, panelTimeout)
	defer rcancel()
	res, err := s.app.FunnelResult(rctx, v.caller, app.Read{WebsiteID: site.ID, Params: vw.params(false)}, f.ID)
	if err != nil {
		if openfast.ErrorCode(err) == openfast.EINTERNAL {
			s.log.Error("funnel results", "funnel", f.ID, "error", err)
		}
		view.ResultError = openfast.ErrorMessage(err)
	} else {
		view.Result, view.Bars = res, funnelBars(res)
	}
	if view.CanWrite {
		s.suggest(ctx, v, site.ID, view)
	}
	s.render(w, r, v, status, "funnels.html", f.Name+" · Funnels · "+site.Domain, view)
	return nil
}

// periodLinks is the period menu of a page at base.
func periodLinks(vw view, base string) []periodLink {
	var out []periodLink
	for _, pd := range periods {
		out = append(out, periodLink{period: pd, Current: vw.Period == pd.ID,
			Href: base + vw.with(func(c *view) { c.Period, c.From, c.To = pd.ID, "", "" })})
	}
	return out
}

// filterChips are the view's filters, each with the link that removes it.
func filterChips(vw view, base string) []chipView {
	var out []chipView
	for i, fl := range vw.Filters {
		out = append(out, chipView{filter: fl, Remove: base + vw.with(func(x *view) {
			x.Filters = append(x.Filters[:i:i], x.Filters[i+1:]...)
		})})
	}
	return out
}

// funnelBars turns a result's steps into bars: each step's height is its
// visitors over the first step's.
func funnelBars(res *wire.FunnelResult) []funnelBar {
	bars := make([]funnelBar, len(res.Steps))
	var first int64
	if len(res.Steps) > 0 {
		first = res.Steps[0].Visitors
	}
	for i, st := range res.Steps {
		b := funnelBar{FunnelStep: st, N: i + 1, Rate: percent(st.ConversionRate), FromRate: percent(st.ConversionRateFromStart),
			DropRate: percent(st.DropOffRate), Median: "–", Revenue: amountIn(st.Revenue, res.Currency)}
		if st.Type == openfast.FunnelStepGoal {
			b.Target = "goal " + deref(st.GoalName)
		} else {
			b.Target = deref(st.URL)
		}
		if first > 0 {
			b.Height = math.Round(float64(st.Visitors)/float64(first)*1000) / 10
		}
		b.Y = 100 - b.Height
		if st.MedianSecondsFromPrev != nil {
			b.Median = elapsed(*st.MedianSecondsFromPrev)
		}
		bars[i] = b
	}
	return bars
}

func percent(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }

// elapsed says a number of seconds the way people read it: 45 s,
// 5 min, 2 h 10 min, 3 d 4 h.
func elapsed(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// updateFunnel is POST /websites/{websiteId}/funnels/{funnelId}: the edit
// form.
func (s *Server) updateFunnel(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if d, _ := app.Decide(app.ActUpdateFunnel, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err()
	}
	view := s.newFunnelsView(r, v, site)
	ctx, cancel := withTimeout(r)
	defer cancel()
	f, err := s.app.Funnel(ctx, v.caller, site.ID, r.PathValue("funnelId"))
	if err != nil {
		return err
	}
	in, form, err := readFunnelForm(r, view.Base+"/"+f.ID, "Save funnel")
	if err == nil {
		if _, err = s.app.UpdateFunnel(ctx, v.caller, site.ID, f.ID, in); err == nil {
			return seeOther(w, r, view.Base+"/"+f.ID+view.Query)
		}
	}
	if !formProblem(err) {
		return err
	}
	view.Form, view.Error = form, openfast.ErrorMessage(err)
	return s.showFunnel(w, r, v, site, f, openfast.HTTPStatus(openfast.ErrorCode(err)), view)
}

// deleteFunnel is POST /websites/{websiteId}/funnels/{funnelId}/delete.
func (s *Server) deleteFunnel(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	if err := s.app.DeleteFunnel(ctx, v.caller, site.ID, r.PathValue("funnelId")); err != nil {
		return err
	}
	to := "/websites/" + site.ID + "/funnels"
	if q := r.URL.RawQuery; q != "" {
		to += "?" + q
	}
	return seeOther(w, r, to)
}

// restoreFunnel is POST /websites/{websiteId}/funnels/{funnelId}/restore:
// a deleted funnel made active again, unless an active one has its name.
func (s *Server) restoreFunnel(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	active := true
	f, err := s.app.UpdateFunnel(ctx, v.caller, site.ID, r.PathValue("funnelId"), app.FunnelInput{IsActive: &active})
	if err == nil {
		return seeOther(w, r, "/websites/"+site.ID+"/funnels/"+f.ID)
	}
	if !formProblem(err) {
		return err
	}
	view := s.newFunnelsView(r, v, site)
	view.Form, view.Error = blankForm(view.Base), openfast.ErrorMessage(err)
	return s.showFunnels(w, r, v, site, openfast.HTTPStatus(openfast.ErrorCode(err)), view)
}
