package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/wire"
)

// The analytics page of a website: a top bar (website, period,
// comparison, interval), filters as chips, and panels that each load on
// their own (hx-trigger="load") from .../analytics/{panel}, so a slow or
// failing panel shows its own error and never holds up the others. Every
// read is an app method called with the visit's caller; the public
// dashboard (/share/{domain}) calls the same ones with app.PublicCaller.

func init() {
	layoutPages = append(layoutPages, "analytics.html", "analytics_details.html", "analytics_visitor.html")
	pageIncludes["analytics_details.html"] = []string{"analytics_table.html", "analytics_visitors.html"}
	funcs["isoWhen"] = isoWhen
	funcs["num"] = func(n int64) string { return grouped(strconv.FormatInt(n, 10)) }
}

// panelTimeout bounds the reads of one panel; the page's htmx requests
// give up a little later (analytics.html), and the panel says so.
const panelTimeout = 20 * time.Second

// analyticsRoutes adds the analytics page, its panels and the public
// dashboard to mux.
func (s *Server) analyticsRoutes(mux *http.ServeMux) {
	for _, base := range []struct {
		prefix string
		signIn bool
	}{{"/websites/{websiteId}", true}, {"/share/{domain}", false}} {
		mux.Handle("GET "+base.prefix+"/{$}", s.page(s.analyticsPage, base.signIn))
		mux.Handle("GET "+base.prefix, s.page(s.analyticsPage, base.signIn))
		mux.Handle("GET "+base.prefix+"/analytics/{panel}", s.page(s.analyticsPanel, base.signIn))
		mux.Handle("GET "+base.prefix+"/analytics/{panel}/details", s.page(s.analyticsDetails, base.signIn))
	}
	mux.Handle("GET /websites/{websiteId}/visitors/{visitorId}", s.page(s.visitorPage, true))
	mux.Handle("GET /websites/{websiteId}/export", s.page(s.exportFile, true))
}

// scope is what a request of the analytics page reads: the website, as
// the visit's caller (or a public dashboard's), and the view in the URL.
type scope struct {
	caller app.Caller
	site   *app.Website
	base   string // "/websites/<id>" or "/share/<domain>"
	public bool
	view   view
}

// resolve finds the scope of a request. A website the caller cannot read
// is "not found", whether or not it exists.
func (s *Server) resolve(ctx context.Context, r *http.Request, v *visit) (*scope, error) {
	sc := &scope{caller: v.caller, base: "/websites/" + r.PathValue("websiteId")}
	id := r.PathValue("websiteId")
	if domain := r.PathValue("domain"); domain != "" {
		c, w, err := s.app.PublicCaller(ctx, domain, v.ip)
		if err != nil {
			return nil, err
		}
		sc.caller, sc.public, sc.base, id = c, true, "/share/"+url.PathEscape(w.Domain), w.ID
	}
	site, err := s.app.Metadata(ctx, sc.caller, id)
	if c := openfast.ErrorCode(err); c == openfast.EFORBIDDEN || c == openfast.EINVALID {
		return nil, openfast.Errorf(openfast.ENOTFOUND, "Website not found.")
	}
	if err != nil {
		return nil, err
	}
	sc.site = site
	loc, ok := openfast.LoadTimezone(site.Timezone)
	if !ok {
		loc = time.UTC
	}
	sc.view = parseView(r.URL.Query(), loc, s.app.Now())
	return sc, nil
}

// read is the app read of the scope's website with params.
func (sc *scope) read(params url.Values) app.Read {
	return app.Read{WebsiteID: sc.site.ID, Params: params}
}

// pageView is the analytics page.
type pageView struct {
	ID, Domain, Name, Base string
	Public                 bool
	View                   view
	Query                  string
	Sites                  []siteCard
	Periods                []periodLink
	Exports                []choiceLink // download links of the period's events; none on a public dashboard
	Compares, Intervals    []choiceLink
	Prev, Next             string
	Chips                  []chipView
	ClearFilters           string
	Dimensions             []choice
	Ops                    []choice
	State                  []choice // the view's query, as hidden fields of the filter form
	Panels                 []panelGroup
}

type periodLink struct {
	period
	Href    string
	Current bool
}

type choiceLink struct {
	Label, Href string
	Note        string // shown beside the label, muted
	Current     bool
}

type choice struct{ Value, Label string }

type chipView struct {
	filter
	Remove string
}

// analyticsPage is GET /websites/{websiteId} and GET /share/{domain}. A
// filter added with the form (add_dim, add_op, add_value) is moved into
// the URL's filters by a redirect.
func (s *Server) analyticsPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	sc, err := s.resolve(ctx, r, v)
	if err != nil {
		return err
	}
	vw := sc.view
	if q := r.URL.Query(); q.Get("add_dim") != "" {
		d := analytics.Dimension(q.Get("add_dim"))
		if _, ok := dimensionLabels[d]; ok && q.Get("add_value") != "" {
			vw.Filters = append(vw.Filters, filter{Dim: d, Op: q.Get("add_op"), Value: q.Get("add_value")})
			vw = parseView(vw.query(), vw.loc, vw.now) // checks the operator
		}
		http.Redirect(w, r, sc.base+vw.Query(), http.StatusSeeOther)
		return nil
	}
	p := pageView{ID: sc.site.ID, Domain: sc.site.Domain, Name: deref(sc.site.Name), Base: sc.base, Public: sc.public,
		View: vw, Query: vw.Query(), Prev: vw.stepped(-1), Next: vw.stepped(1)}
	if !sc.public {
		sites, err := s.app.Websites(ctx, sc.caller)
		if err != nil {
			return err
		}
		for _, x := range sites {
			p.Sites = append(p.Sites, siteCard{ID: x.ID, Domain: x.Domain, Name: deref(x.Name), Role: string(x.Role)})
		}
	}
	p.Periods = periodLinks(vw, "")
	if !sc.public {
		p.Exports = exportLinks(sc.site.ID, vw)
	}
	if vw.Period != "all" {
		for _, c := range []choice{{"", "No comparison"}, {"previous", "Previous period"}, {"year", "Previous year"}} {
			p.Compares = append(p.Compares, choiceLink{Label: c.Label, Current: vw.Compare == c.Value,
				Href: vw.with(func(x *view) { x.Compare = c.Value })})
		}
	}
	for _, iv := range analytics.Intervals {
		p.Intervals = append(p.Intervals, choiceLink{Label: iv, Current: vw.interval() == iv,
			Href: vw.with(func(x *view) { x.Interval = iv })})
	}
	p.Chips = filterChips(vw, sc.base)
	if len(vw.Filters) > 0 {
		p.ClearFilters = sc.base + vw.with(func(x *view) { x.Filters = nil })
	}
	for _, d := range analytics.Dimensions {
		p.Dimensions = append(p.Dimensions, choice{string(d), dimensionLabels[d]})
	}
	for _, o := range filterOps {
		p.Ops = append(p.Ops, choice{o.ID, o.Label})
	}
	for name, vals := range vw.query() {
		for _, val := range vals {
			p.State = append(p.State, choice{name, val})
		}
	}
	for _, g := range panelGroups {
		if g.private && sc.public {
			continue
		}
		p.Panels = append(p.Panels, g)
	}
	title := sc.site.Domain
	if sc.public {
		title += " (public dashboard)"
	}
	s.render(w, r, v, http.StatusOK, "analytics.html", title, p)
	return nil
}

// panelGroup is a card of the page: a title and the panel it first loads
// (its tabs are the reports of the same group).
type panelGroup struct {
	ID, Title, First string
	Wide, private    bool
}

var panelGroups = []panelGroup{
	{ID: "pages", Title: "Pages", First: "pages"},
	{ID: "sources", Title: "Sources", First: "referrers"},
	{ID: "locations", Title: "Locations", First: "countries"},
	{ID: "tech", Title: "Technology", First: "browsers"},
	{ID: "goals", Title: "Goals", First: "goals"},
	{ID: "realtime", Title: "Realtime", First: "realtime", private: true},
	{ID: "visitors", Title: "Visitors", First: "visitors", Wide: true, private: true},
}

// analyticsPanel answers one panel of the page.
func (s *Server) analyticsPanel(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := context.WithTimeout(r.Context(), panelTimeout)
	defer cancel()
	sc, err := s.resolve(ctx, r, v)
	if err != nil {
		return err
	}
	name := r.PathValue("panel")
	switch name {
	case "kpis":
		return s.kpis(ctx, w, r, v, sc)
	case "chart":
		return s.chart(ctx, w, r, v, sc)
	case "realtime":
		return s.realtime(ctx, w, r, v, sc)
	case "visitors":
		return s.visitors(ctx, w, r, v, sc, 10, 0, "analytics_visitors.html")
	}
	rep, ok := reportByID(name)
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "There is no panel %s.", openfast.Truncate(name, 40))
	}
	table, err := s.breakdown(ctx, sc, rep, 10, 0, true)
	if err != nil {
		return err
	}
	s.render(w, r, v, http.StatusOK, "analytics_table.html", "", table)
	return nil
}

// report is one breakdown the panels show.
type report struct {
	ID, Label, Group string
	endpoint         analytics.Endpoint
	key              string                          // the row's key fields
	value            func(wire.BreakdownRow) *string // the row's key
	dim              analytics.Dimension             // the filter a row adds
}

// campaign returns the value of a campaign row's key.
func campaign(key func(*wire.Campaign) *string) func(wire.BreakdownRow) *string {
	return func(r wire.BreakdownRow) *string {
		if r.Campaign == nil {
			return nil
		}
		return key(r.Campaign)
	}
}

var reports = []report{
	{"pages", "Pages", "pages", analytics.Pages, "hostname,path", func(r wire.BreakdownRow) *string { return r.Path }, analytics.DimPage},
	{"entry_pages", "Entry pages", "pages", analytics.EntryPages, "entry_page", func(r wire.BreakdownRow) *string { return r.Path }, analytics.DimEntryPage},
	{"hostnames", "Hostnames", "pages", analytics.Hostnames, "hostname", func(r wire.BreakdownRow) *string { return r.Hostname }, analytics.DimHostname},
	{"referrers", "Referrers", "sources", analytics.Referrers, "referrer", func(r wire.BreakdownRow) *string { return r.Referrer }, analytics.DimReferrer},
	{"utm_source", "UTM source", "sources", analytics.Campaigns, "utm_source", campaign(func(c *wire.Campaign) *string { return c.UTMSource }), analytics.DimUTMSource},
	{"utm_medium", "UTM medium", "sources", analytics.Campaigns, "utm_medium", campaign(func(c *wire.Campaign) *string { return c.UTMMedium }), analytics.DimUTMMedium},
	{"utm_campaign", "UTM campaign", "sources", analytics.Campaigns, "utm_campaign", campaign(func(c *wire.Campaign) *string { return c.UTMCampaign }), analytics.DimUTMCampaign},
	{"countries", "Countries", "locations", analytics.Countries, "country", func(r wire.BreakdownRow) *string { return r.Country }, analytics.DimCountry},
	{"regions", "Regions", "locations", analytics.Regions, "region", func(r wire.BreakdownRow) *string { return r.Region }, analytics.DimRegion},
	{"cities", "Cities", "locations", analytics.Cities, "city", func(r wire.BreakdownRow) *string { return r.City }, analytics.DimCity},
	{"browsers", "Browsers", "tech", analytics.Browsers, "browser", func(r wire.BreakdownRow) *string { return r.Browser }, analytics.DimBrowser},
	{"os", "OS", "tech", analytics.OperatingSystems, "operating_system", func(r wire.BreakdownRow) *string { return r.OperatingSystem }, analytics.DimOS},
	{"devices", "Devices", "tech", analytics.Devices, "device", func(r wire.BreakdownRow) *string { return r.Device }, analytics.DimDevice},
	{"goals", "Goals", "goals", analytics.Goals, "name", func(r wire.BreakdownRow) *string { return r.Goal }, analytics.DimGoal},
}

func reportByID(id string) (report, bool) {
	for _, r := range reports {
		if r.ID == id {
			return r, true
		}
	}
	return report{}, false
}

// tableView is a breakdown: one page of rows, with their bars.
type tableView struct {
	Report      report
	Tabs        []choiceLink
	Rows        []rowView
	Goals       bool // completions instead of revenue
	Total       int
	Details     string
	Prev, Next  string // details paging
	From, Until int
	Base, Query string
}

type rowView struct {
	Label, Href, Revenue  string
	Visitors, Completions int64
	Pct                   int // bar length, 0–100
	// Goals: the goal's name when Label is its display name, its colour
	// family (a CSS class swatch-<family>) and description.
	Raw, Color, Title string
}

// breakdown reads limit rows of rep from offset; page: for a panel of the
// analytics page, which asks with the other panels (app.Read.Page).
func (s *Server) breakdown(ctx context.Context, sc *scope, rep report, limit, offset int, page bool) (*tableView, error) {
	params := sc.view.params(false)
	fields := rep.key + ",visitors,revenue"
	if rep.endpoint.Name == analytics.Goals.Name {
		fields = "name,completions,visitors"
	}
	params.Set("fields", fields)
	params.Set("limit", strconv.Itoa(limit))
	params.Set("offset", strconv.Itoa(offset))
	in := sc.read(params)
	in.Page = page
	rows, total, _, err := s.app.Breakdown(ctx, sc.caller, rep.endpoint, in)
	if err != nil {
		return nil, err
	}
	q := sc.view.Query()
	t := &tableView{Report: rep, Goals: rep.endpoint.Name == analytics.Goals.Name, Total: total,
		Details: sc.base + "/analytics/" + rep.ID + "/details" + q, Base: sc.base, Query: q,
		From: offset + 1, Until: offset + len(rows)}
	for _, other := range reports {
		if other.Group == rep.Group {
			t.Tabs = append(t.Tabs, choiceLink{Label: other.Label, Href: sc.base + "/analytics/" + other.ID + q, Current: other.ID == rep.ID})
		}
	}
	var peak int64 = 1
	for _, row := range rows {
		peak = max(peak, deref64(row.Visitors))
	}
	var labels map[string]*openfast.GoalCustomization
	if t.Goals {
		// Without them the goals show by name: not worth failing the panel.
		labels, _ = s.app.GoalLabels(ctx, sc.caller, sc.site.ID)
	}
	for _, row := range rows {
		key := deref(rep.value(row))
		rv := rowView{Label: key, Visitors: deref64(row.Visitors), Completions: deref64(row.Completions),
			Revenue: money(row.Revenue, sc.site.Currency)}
		rv.Pct = int(math.Round(float64(rv.Visitors) * 100 / float64(peak)))
		if h := deref(row.Hostname); rep.endpoint.Name == analytics.Pages.Name && h != "" && h != sc.site.Domain {
			rv.Label = h + key // a page of another hostname of the site
		}
		if g := labels[key]; g != nil {
			rv.customize(g)
		}
		if key == "" {
			rv.Label = "(none)"
		} else {
			rv.Href = sc.base + sc.view.with(func(c *view) {
				c.Filters = append(c.Filters, filter{Dim: rep.dim, Op: "is", Value: key})
			})
		}
		t.Rows = append(t.Rows, rv)
	}
	return t, nil
}

// customize shows a goal row with its customization: the display name
// (the goal's name beside it), the colour and the description.
func (rv *rowView) customize(g *openfast.GoalCustomization) {
	if g.DisplayName != nil {
		rv.Raw, rv.Label = rv.Label, *g.DisplayName
	}
	if g.Color != nil {
		if c, ok := openfast.GoalColorByHex(*g.Color); ok {
			rv.Color = c.Family
		}
	}
	if g.Description != nil {
		rv.Title = *g.Description
	}
}

// detailsPageSize is how many rows a details page shows.
const detailsPageSize = 50

// analyticsDetails pages through every row of one report (or of the
// visitors list).
func (s *Server) analyticsDetails(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	sc, err := s.resolve(ctx, r, v)
	if err != nil {
		return err
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = min(max(offset, 0), analytics.MaxOffset)
	name := r.PathValue("panel")
	if name == "visitors" {
		return s.visitors(ctx, w, r, v, sc, detailsPageSize, offset, "analytics_details.html")
	}
	rep, ok := reportByID(name)
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "There is no report %s.", openfast.Truncate(name, 40))
	}
	t, err := s.breakdown(ctx, sc, rep, detailsPageSize, offset, false)
	if err != nil {
		return err
	}
	page := func(off int) string {
		q := sc.view.query()
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		}
		return sc.base + "/analytics/" + rep.ID + "/details?" + q.Encode()
	}
	if offset > 0 {
		t.Prev = page(max(0, offset-detailsPageSize))
	}
	if offset+detailsPageSize < t.Total {
		t.Next = page(offset + detailsPageSize)
	}
	s.render(w, r, v, http.StatusOK, "analytics_details.html", rep.Label+" · "+sc.site.Domain, detailsView{Table: t, Back: sc.base + sc.view.Query(), View: sc.view})
	return nil
}

type detailsView struct {
	Table    *tableView
	Visitors *visitorsView
	Back     string
	View     view
}

// kpiView is one figure of the KPI strip, with its change.
type kpiView struct {
	Label, Value string
	Color        string // a palette family (CSS class kpi-color-<family>), from kpiColorScheme
	Change       string // "+12.5%", "−3 pts"; "" without comparison
	Arrow        string // ▲ ▼ or =
	Good         bool   // whether the change is for the better
	Bad          bool
}

// kpis answers the KPI strip: the period's totals, their change against
// the comparison, and a live count that refreshes itself. For a period of
// dates the totals come with the chart's series (chartRead), which the
// event store reads once for both panels; for all
// time (where the chart shows the last months), or when the chart's series
// is refused (too many points for its interval), from the overview.
func (s *Server) kpis(ctx context.Context, w http.ResponseWriter, r *http.Request, v *visit, sc *scope) error {
	overview := func(compare bool) (*wire.Overview, error) {
		if _, dated := sc.view.span(); dated {
			ts, _, err := s.app.Timeseries(ctx, sc.caller, chartRead(sc, compare))
			if err == nil {
				return &ts.Overview, nil
			}
			if openfast.ErrorCode(err) != openfast.EINVALID {
				return nil, err
			}
		}
		return s.app.Overview(ctx, sc.caller, sc.read(sc.view.params(compare)))
	}
	cur, err := overview(false)
	if err != nil {
		return err
	}
	var prev *wire.Overview
	if _, ok := sc.view.compareSpan(); ok {
		if prev, err = overview(true); err != nil {
			return err
		}
	}
	if prev == nil {
		prev = &wire.Overview{}
	}
	currency := sc.site.Currency
	list := []kpiView{
		count("Visitors", cur.Visitors, prev.Visitors),
		count("Sessions", cur.Sessions, prev.Sessions),
		rate("Bounce rate", cur.BounceRate, prev.BounceRate, true),
		duration("Session duration", cur.AvgSessionDuration, prev.AvgSessionDuration),
		amount("Revenue", cur.Revenue, prev.Revenue, currency),
		rate("Conversion rate", cur.ConversionRate, prev.ConversionRate, false),
		amount("Revenue per visitor", cur.RevenuePerVisitor, prev.RevenuePerVisitor, currency),
	}
	// The website's KPI goal leads the strip, in its kpiColorScheme (else
	// the scheme colours the visitors).
	if goal := sc.site.KPI; goal != nil {
		k, err := s.goalKPI(ctx, sc, *goal)
		if err != nil {
			return err
		}
		list = append([]kpiView{k}, list...)
	}
	if sc.site.KPIColorScheme != nil {
		if c, ok := openfast.GoalColorFamily(*sc.site.KPIColorScheme); ok {
			list[0].Color = c.Family
		}
	}
	s.render(w, r, v, http.StatusOK, "analytics_kpis.html", "", kpisView{KPIs: list, Base: sc.base, Query: sc.view.Query()})
	return nil
}

// goalKPI is the figure of the website's KPI goal: its completions in the
// period (and the comparison's), named by its display name when it has one.
func (s *Server) goalKPI(ctx context.Context, sc *scope, goal string) (kpiView, error) {
	completions := func(compare bool) (*int64, error) {
		params := sc.view.params(compare)
		params.Set("fields", "name,completions")
		// Every goal's row (the largest page), not a filter on the goal:
		// the view's filters may already use every filter there is room for.
		params.Set("limit", strconv.Itoa(analytics.MaxAnalyticsLimit))
		rows, _, _, err := s.app.Breakdown(ctx, sc.caller, analytics.Goals, sc.read(params))
		var n int64
		for _, row := range rows {
			if deref(row.Goal) == goal {
				n = deref64(row.Completions)
			}
		}
		return &n, err
	}
	cur, err := completions(false)
	if err != nil {
		return kpiView{}, err
	}
	var prev *int64
	if _, ok := sc.view.compareSpan(); ok {
		if prev, err = completions(true); err != nil {
			return kpiView{}, err
		}
	}
	label := goal
	if labels, _ := s.app.GoalLabels(ctx, sc.caller, sc.site.ID); labels[goal] != nil && labels[goal].DisplayName != nil {
		label = *labels[goal].DisplayName
	}
	return count(label, cur, prev), nil
}

type kpisView struct {
	KPIs        []kpiView
	Base, Query string
}

// change fills the change of k from the relative difference of cur and
// prev (or, for rates, their difference in points).
func (k kpiView) change(cur, prev *float64, points, lowerIsBetter bool) kpiView {
	if cur == nil || prev == nil {
		return k
	}
	d := *cur - *prev
	switch {
	case points:
		k.Change = fmt.Sprintf("%+.1f pts", d)
	case *prev == 0 && *cur == 0:
		k.Change = "+0%"
	case *prev == 0:
		k.Change = "new"
	default:
		k.Change = fmt.Sprintf("%+.1f%%", d*100 / *prev)
	}
	switch {
	case d > 0:
		k.Arrow = "▲"
	case d < 0:
		k.Arrow = "▼"
	default:
		k.Arrow = "="
	}
	if d != 0 {
		k.Good = (d > 0) != lowerIsBetter
		k.Bad = !k.Good
	}
	return k
}

func f64(p *int64) *float64 {
	if p == nil {
		return nil
	}
	f := float64(*p)
	return &f
}

func count(label string, cur, prev *int64) kpiView {
	return kpiView{Label: label, Value: grouped(strconv.FormatInt(deref64(cur), 10))}.change(f64(cur), f64(prev), false, false)
}

func rate(label string, cur, prev *float64, lowerIsBetter bool) kpiView {
	return kpiView{Label: label, Value: fmt.Sprintf("%.1f%%", derefF(cur))}.change(cur, prev, true, lowerIsBetter)
}

func amount(label string, cur, prev *float64, currency string) kpiView {
	return kpiView{Label: label, Value: money(cur, currency)}.change(cur, prev, false, false)
}

func duration(label string, cur, prev *float64) kpiView {
	d := time.Duration(derefF(cur) * float64(time.Millisecond)).Round(time.Second)
	value := fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	return kpiView{Label: label, Value: value}.change(cur, prev, false, false)
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefF(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// money writes an amount with its currency.
func money(p *float64, currency string) string {
	return amountIn(derefF(p), currency)
}

// amountIn writes an amount with two decimals, its thousands grouped.
func amountIn(v float64, currency string) string {
	return grouped(fmt.Sprintf("%.2f", v)) + " " + currency
}

// grouped puts a comma between the thousands of a number's integer part:
// 1234567.5 is 1,234,567.5.
func grouped(n string) string {
	end := strings.IndexByte(n, '.')
	if end < 0 {
		end = len(n)
	}
	start := 0
	if strings.HasPrefix(n, "-") {
		start = 1
	}
	var b strings.Builder
	b.WriteString(n[:start])
	for i := start; i < end; i++ {
		if i > start && (end-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(n[i])
	}
	b.WriteString(n[end:])
	return b.String()
}

// chartView is the main chart: its data for uPlot (as JSON in an
// attribute) and the same figures as a table.
type chartView struct {
	Data     string
	Rows     []chartRow
	Compare  bool
	Interval string
	Summary  string
}

type chartRow struct {
	Name                  string
	Visitors, CmpVisitors int64
	Revenue               string
}

// chartRead is the chart's timeseries, of the view's period or its
// comparison's, with the overview's figures for the key figures (one
// request for both panels, which the event store reads once).
func chartRead(sc *scope, compare bool) app.Read {
	p := sc.view.params(compare)
	p.Set("interval", sc.view.interval())
	p.Set("fields", "visitors,revenue")
	p.Set("limit", strconv.Itoa(analytics.MaxAnalyticsLimit))
	in := sc.read(p)
	in.Page = true
	return in
}

// chart answers the main chart: visitors and revenue by interval, and the
// comparison's visitors.
func (s *Server) chart(ctx context.Context, w http.ResponseWriter, r *http.Request, v *visit, sc *scope) error {
	series := func(compare bool) (*analytics.Series, error) {
		ts, _, err := s.app.Timeseries(ctx, sc.caller, chartRead(sc, compare))
		return ts, err
	}
	cur, err := series(false)
	if err != nil {
		return err
	}
	if cur.Total > len(cur.Data) {
		return openfast.Errorf(openfast.EINVALID, "The chart would have %d points by %s, more than %d: choose a longer interval.", cur.Total, cur.Interval, analytics.MaxAnalyticsLimit)
	}
	type data struct {
		Labels    []string  `json:"labels"`
		Visitors  []int64   `json:"visitors"`
		Revenue   []float64 `json:"revenue"`
		CmpVisits []*int64  `json:"compare,omitempty"`
		Currency  string    `json:"currency"`
		CmpLabel  string    `json:"compareLabel,omitempty"`
	}
	d := data{Currency: sc.site.Currency, Labels: []string{}, Visitors: []int64{}, Revenue: []float64{}}
	view := chartView{Interval: cur.Interval}
	for _, row := range cur.Data {
		d.Labels = append(d.Labels, row.Name)
		d.Visitors = append(d.Visitors, deref64(row.Visitors))
		d.Revenue = append(d.Revenue, derefF(row.Revenue))
		view.Rows = append(view.Rows, chartRow{Name: row.Name, Visitors: deref64(row.Visitors), Revenue: money(row.Revenue, sc.site.Currency)})
	}
	if _, ok := sc.view.compareSpan(); ok {
		prev, err := series(true)
		if err != nil {
			return err
		}
		view.Compare = true
		d.CmpLabel = map[string]string{"previous": "Previous period", "year": "Previous year"}[sc.view.Compare]
		for i := range cur.Data {
			var n *int64
			if i < len(prev.Data) {
				n = prev.Data[i].Visitors
			}
			d.CmpVisits = append(d.CmpVisits, n)
			view.Rows[i].CmpVisitors = deref64(n)
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	view.Data = string(b)
	view.Summary = fmt.Sprintf("%s visitors and %s of revenue, %s, by %s.",
		grouped(strconv.FormatInt(deref64(cur.Totals.Visitors), 10)), money(cur.Totals.Revenue, sc.site.Currency), sc.view.Label(), cur.Interval)
	s.render(w, r, v, http.StatusOK, "analytics_chart.html", "", view)
	return nil
}

// realtimeView is the live count and, for a signed-in visit, the feed of
// recent pageviews, goals and payments.
type realtimeView struct {
	Count    int64
	Public   bool
	Events   []feedItem
	Payments []feedItem
	Base     string
}

type feedItem struct {
	What, Where, When, Visitor string
}

// realtime answers the realtime panel. The public dashboard shows the
// count only: the feed (app.RealtimeFeed) names visitors.
func (s *Server) realtime(ctx context.Context, w http.ResponseWriter, r *http.Request, v *visit, sc *scope) error {
	view := realtimeView{Public: sc.public, Base: sc.base}
	if sc.public || r.URL.Query().Get("count") != "" {
		n, err := s.app.Realtime(ctx, sc.caller, sc.read(nil))
		if err != nil {
			return err
		}
		view.Count = n
		s.render(w, r, v, http.StatusOK, "analytics_count.html", "", view)
		return nil
	}
	m, err := s.app.RealtimeFeed(ctx, sc.caller, sc.site.ID)
	if err != nil {
		return err
	}
	view.Count = m.Count
	now := s.app.Now()
	for i, e := range m.RecentEvents {
		if i == 10 {
			break
		}
		item := feedItem{What: e.Type, Where: e.Path, When: ago(now, e.Timestamp)}
		if e.CountryCode != "" {
			item.Where += " · " + e.CountryCode
		}
		if e.VisitorID != nil {
			item.Visitor = *e.VisitorID
		}
		view.Events = append(view.Events, item)
	}
	for i, p := range m.RecentPayments {
		if i == 10 {
			break
		}
		view.Payments = append(view.Payments, feedItem{What: amountIn(p.Amount, p.Currency), When: ago(now, p.Timestamp)})
	}
	s.render(w, r, v, http.StatusOK, "analytics_realtime.html", "", view)
	return nil
}

// isoWhen writes an ISO 8601 time of the API like the page's other
// times; anything else as it is.
func isoWhen(iso string) string {
	t, err := time.Parse(time.RFC3339Nano, iso)
	if err != nil {
		return iso
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// ago says how long ago an ISO 8601 time was.
func ago(now time.Time, iso string) string {
	t, err := time.Parse(time.RFC3339Nano, iso)
	if err != nil {
		return iso
	}
	d := now.Sub(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	}
	return t.UTC().Format("2 Jan 15:04 UTC")
}

// visitorsView is a page of the visitors list.
type visitorsView struct {
	Rows       []wire.VisitorRow
	Base       string
	All        string
	Prev, Next string
}

// visitors answers the visitors panel, or a page of the details view.
func (s *Server) visitors(ctx context.Context, w http.ResponseWriter, r *http.Request, v *visit, sc *scope, limit, offset int, tmpl string) error {
	params := sc.view.params(false)
	params.Set("limit", strconv.Itoa(limit))
	params.Set("offset", strconv.Itoa(offset))
	page, _, err := s.app.Visitors(ctx, sc.caller, sc.read(params))
	if err != nil {
		return err
	}
	q := sc.view.Query()
	view := &visitorsView{Rows: page.Rows, Base: sc.base, All: sc.base + "/analytics/visitors/details" + q}
	link := func(off int) string {
		p := sc.view.query()
		p.Set("offset", strconv.Itoa(off))
		return sc.base + "/analytics/visitors/details?" + p.Encode()
	}
	if offset > 0 {
		view.Prev = link(max(0, offset-limit))
	}
	if page.HasMore {
		view.Next = link(offset + limit)
	}
	if tmpl == "analytics_details.html" {
		s.render(w, r, v, http.StatusOK, tmpl, "Visitors · "+sc.site.Domain, detailsView{Visitors: view, Back: sc.base + q, View: sc.view})
		return nil
	}
	s.render(w, r, v, http.StatusOK, tmpl, "", view)
	return nil
}

// visitorPage is one visitor's profile and journey.
func (s *Server) visitorPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	sc, err := s.resolve(ctx, r, v)
	if err != nil {
		return err
	}
	p, err := s.app.Visitor(ctx, sc.caller, sc.site.ID, r.PathValue("visitorId"))
	if err != nil {
		return err
	}
	s.render(w, r, v, http.StatusOK, "analytics_visitor.html", "Visitor · "+sc.site.Domain, visitorView{Profile: p, Back: sc.base + sc.view.Query()})
	return nil
}

type visitorView struct {
	Profile *wire.VisitorProfile
	Back    string
}
