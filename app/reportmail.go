package app

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/wire"
)

// The content of the scheduled mail: a plain-text body, and an HTML
// alternative made with html/template (every value escaped).

// topRow is one row of a report's top list, with the week before.
type topRow struct {
	Name      string
	Value     int64
	Change    string // "+12%", "new", "" when the week before is unknown
	Previous  int64
	HasBefore bool
}

// topList is a report's top list and its unit.
type topList struct {
	Title, Unit, Empty string
	Rows               []topRow
}

// figure is one headline figure of a report against the week before.
type figure struct {
	Label, Value, Previous, Change string
}

// weekReport is a website's week against the week before.
type weekReport struct {
	Domain, Period, Dashboard string
	visitors, prevVisitors    int64
	Figures                   []figure
	Lists                     []topList
}

// weekFigures reads a website's week [start, end) and the week before.
func (a *App) weekFigures(ctx context.Context, site *openfast.Website, start, end time.Time, loc *time.Location) (*weekReport, error) {
	prevStart := time.Date(start.Year(), start.Month(), start.Day()-7, 0, 0, 0, 0, loc)
	cur, err := a.overviewOf(ctx, site, start, end, loc)
	if err != nil {
		return nil, err
	}
	prev, err := a.overviewOf(ctx, site, prevStart, start, loc)
	if err != nil {
		return nil, err
	}
	last := end.Add(-time.Hour) // a time on Sunday, whatever the DST change
	r := &weekReport{
		Domain:       site.Domain,
		Period:       fmt.Sprintf("%s – %s %d (%s)", start.Format("Mon 2 Jan"), last.Format("Mon 2 Jan"), last.Year(), loc.String()),
		visitors:     deref(cur.Visitors),
		prevVisitors: deref(prev.Visitors),
	}
	money := func(v float64) string { return grouped(strconv.FormatFloat(v, 'f', 2, 64)) + " " + site.Currency }
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "%" }
	for _, f := range []struct {
		label     string
		cur, prev float64
		formatted func(float64) string
	}{
		{"Visitors", float64(r.visitors), float64(r.prevVisitors), func(v float64) string { return grouped(strconv.FormatInt(int64(v), 10)) }},
		{"Revenue", deref(cur.Revenue), deref(prev.Revenue), money},
		{"Conversion rate", deref(cur.ConversionRate), deref(prev.ConversionRate), pct},
	} {
		r.Figures = append(r.Figures, figure{Label: f.label, Value: f.formatted(f.cur), Previous: f.formatted(f.prev), Change: change(f.cur, f.prev)})
	}
	lists := []struct {
		e                  analytics.Endpoint
		title, unit, empty string
		key                func(wire.BreakdownRow) string
		value              func(wire.BreakdownRow) int64
	}{
		{analytics.Pages, "Top pages", "visitors", "No pageviews this week.",
			func(r wire.BreakdownRow) string { return deref(r.Path) }, func(r wire.BreakdownRow) int64 { return deref(r.Visitors) }},
		{analytics.Referrers, "Top referrers", "visitors", "No visits this week.",
			func(r wire.BreakdownRow) string { return deref(r.Referrer) }, func(r wire.BreakdownRow) int64 { return deref(r.Visitors) }},
		{analytics.Goals, "Top goals", "completions", "No goals completed this week.",
			func(r wire.BreakdownRow) string { return deref(r.Goal) }, func(r wire.BreakdownRow) int64 { return deref(r.Completions) }},
	}
	for _, l := range lists {
		rows, err := a.breakdownOf(ctx, site, l.e, start, end, loc, reportTopRows)
		if err != nil {
			return nil, err
		}
		before, err := a.breakdownOf(ctx, site, l.e, prevStart, start, loc, reportCompareRows)
		if err != nil {
			return nil, err
		}
		complete := len(before) < reportCompareRows // a name not in it had none
		was := make(map[string]int64, len(before))
		for _, b := range before {
			was[l.key(b)] += l.value(b)
		}
		list := topList{Title: l.title, Unit: l.unit, Empty: l.empty}
		for _, row := range rows {
			t := topRow{Name: l.key(row), Value: l.value(row)}
			if p, ok := was[t.Name]; ok || complete {
				t.Previous, t.HasBefore = p, true
				t.Change = change(float64(t.Value), float64(p))
			}
			if t.Name == "" {
				t.Name = "(none)"
			}
			list.Rows = append(list.Rows, t)
		}
		r.Lists = append(r.Lists, list)
	}
	return r, nil
}

// change is the change from prev to cur in percent: "+12%", "-3%",
// "±0%", or "new" when prev is 0.
func change(cur, prev float64) string {
	switch {
	case prev == 0 && cur == 0:
		return "±0%"
	case prev == 0:
		return "new"
	}
	p := math.Round((cur - prev) / prev * 100)
	switch {
	case p > 0:
		return fmt.Sprintf("+%.0f%%", p)
	case p < 0:
		return fmt.Sprintf("%.0f%%", p)
	}
	return "±0%"
}

// grouped puts thousands separators in a decimal number: 1234567.5 →
// 1,234,567.5.
func grouped(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

func (r *weekReport) letter(dashboard string) *letter {
	r.Dashboard = dashboard
	subject := fmt.Sprintf("Your week on %s: %s visitors (%s)", r.Domain, grouped(strconv.FormatInt(r.visitors, 10)), change(float64(r.visitors), float64(r.prevVisitors)))
	return &letter{
		subject: subject,
		text: func(unsubscribe string) string {
			var b strings.Builder
			fmt.Fprintf(&b, "Your week on %s\n%s, against the week before.\n\n", r.Domain, r.Period)
			for _, f := range r.Figures {
				fmt.Fprintf(&b, "%-16s %s (%s; the week before: %s)\n", f.Label, f.Value, f.Change, f.Previous)
			}
			for _, l := range r.Lists {
				fmt.Fprintf(&b, "\n%s\n", l.Title)
				if len(l.Rows) == 0 {
					fmt.Fprintf(&b, "  %s\n", l.Empty)
				}
				for _, row := range l.Rows {
					fmt.Fprintf(&b, "  %s: %s %s", row.Name, grouped(strconv.FormatInt(row.Value, 10)), l.Unit)
					if row.HasBefore {
						fmt.Fprintf(&b, " (%s; the week before: %s)", row.Change, grouped(strconv.FormatInt(row.Previous, 10)))
					}
					b.WriteString("\n")
				}
			}
			fmt.Fprintf(&b, "\nDashboard: %s\n\n", r.Dashboard)
			fmt.Fprintf(&b, "You get this email because weekly reports are on for %s.\nStop them: %s\n", r.Domain, unsubscribe)
			return b.String()
		},
		html: func(unsubscribe string) string {
			return render(weekReportHTML, struct {
				*weekReport
				Unsubscribe string
			}{r, unsubscribe})
		},
	}
}

// spike is a traffic alert's figures.
type spike struct {
	domain, dashboard                    string
	start                                time.Time
	visitors                             int64
	usual                                float64
	topPage, topReferrer                 string
	topPageVisitors, topReferrerVisitors int64
}

func (s *spike) letter() *letter {
	hour := fmt.Sprintf("%s–%s (%s)", s.start.Format("Mon 2 Jan 15:04"), s.start.Add(time.Hour).Format("15:04"), s.start.Location().String())
	usual := strconv.FormatFloat(s.usual, 'f', -1, 64)
	name := func(v string) string {
		if v == "" {
			return "(none)"
		}
		return v
	}
	data := struct {
		Domain, Hour, Usual, TopPage, TopReferrer, Dashboard, Unsubscribe string
		Visitors, TopPageVisitors, TopReferrerVisitors                    string
	}{s.domain, hour, usual, name(s.topPage), name(s.topReferrer), s.dashboard, "",
		grouped(strconv.FormatInt(s.visitors, 10)), grouped(strconv.FormatInt(s.topPageVisitors, 10)), grouped(strconv.FormatInt(s.topReferrerVisitors, 10))}
	return &letter{
		subject: fmt.Sprintf("Traffic spike on %s: %s visitors in an hour", s.domain, data.Visitors),
		text: func(unsubscribe string) string {
			return fmt.Sprintf("%s had %s visitors in the hour %s; that hour of the week usually has %s (the median of the %d weeks before).\n\n"+
				"Top referrer: %s (%s visitors)\nTop page: %s (%s visitors)\n\nDashboard: %s\n\n"+
				"You get this email because traffic alerts are on for %s.\nStop them: %s\n",
				s.domain, data.Visitors, hour, usual, ViralWeeks, data.TopReferrer, data.TopReferrerVisitors, data.TopPage, data.TopPageVisitors,
				s.dashboard, s.domain, unsubscribe)
		},
		html: func(unsubscribe string) string {
			d := data
			d.Unsubscribe = unsubscribe
			return render(spikeHTML, d)
		},
	}
}

func render(t *template.Template, data any) string {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "" // the text part carries the mail
	}
	return b.String()
}

var weekReportHTML = template.Must(template.New("week").Parse(`<!DOCTYPE html>
<html><body style="font-family:sans-serif;color:#111">
<h1 style="font-size:20px">Your week on {{.Domain}}</h1>
<p>{{.Period}}, against the week before.</p>
<table cellpadding="4">{{range .Figures}}
<tr><td>{{.Label}}</td><td><b>{{.Value}}</b></td><td>{{.Change}}</td><td style="color:#666">the week before: {{.Previous}}</td></tr>{{end}}
</table>
{{range .Lists}}<h2 style="font-size:16px">{{.Title}}</h2>
{{if not .Rows}}<p>{{.Empty}}</p>{{else}}<table cellpadding="4">{{$unit := .Unit}}{{range .Rows}}
<tr><td>{{.Name}}</td><td>{{.Value}} {{$unit}}</td><td>{{if .HasBefore}}{{.Change}}{{end}}</td></tr>{{end}}
</table>{{end}}
{{end}}
<p><a href="{{.Dashboard}}">Open the dashboard</a></p>
<p style="color:#666;font-size:12px">You get this email because weekly reports are on for {{.Domain}}. <a href="{{.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`))

var spikeHTML = template.Must(template.New("spike").Parse(`<!DOCTYPE html>
<html><body style="font-family:sans-serif;color:#111">
<h1 style="font-size:20px">Traffic spike on {{.Domain}}</h1>
<p><b>{{.Visitors}}</b> visitors in the hour {{.Hour}}; that hour of the week usually has {{.Usual}}.</p>
<table cellpadding="4">
<tr><td>Top referrer</td><td>{{.TopReferrer}}</td><td>{{.TopReferrerVisitors}} visitors</td></tr>
<tr><td>Top page</td><td>{{.TopPage}}</td><td>{{.TopPageVisitors}} visitors</td></tr>
</table>
<p><a href="{{.Dashboard}}">Open the dashboard</a></p>
<p style="color:#666;font-size:12px">You get this email because traffic alerts are on for {{.Domain}}. <a href="{{.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`))
