package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/client"
	"github.com/openfast/openfast/wire"
	"github.com/spf13/cobra"
)

// The Website API commands: analytics, visitors, goals, payments and
// identify. With a dft_ token they send ?websiteId= (from --website,
// OPENFAST_WEBSITE or the config file); a df_ key implies its website.

// queryFlags are the flags of the analytics reads and the visitors list.
type queryFlags struct {
	from, to, period, timezone, interval, fields string
	filters                                      []string
	limit, offset                                int
}

func (q *queryFlags) addDates(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&q.from, "from", "", "start: YYYY-MM-DD (a day in --timezone) or an ISO 8601 instant; with --to (default: all time)")
	f.StringVar(&q.to, "to", "", "end: YYYY-MM-DD (included) or an ISO 8601 instant; with --from")
	f.StringVar(&q.period, "period", "", periodHelp)
	f.StringVar(&q.timezone, "timezone", "", "IANA time zone of days and hours (default: the website's)")
	f.StringArrayVar(&q.filters, "filter", nil, "keep rows matching `dimension=[operator:]value[,value...]` (repeatable)")
}

func (q *queryFlags) addPaging(cmd *cobra.Command, max int) {
	f := cmd.Flags()
	f.IntVar(&q.limit, "limit", 0, fmt.Sprintf("rows per page (server default 100, at most %d)", max))
	f.IntVar(&q.offset, "offset", 0, "rows to skip")
}

// filterArg is dimension=[operator:]value: dimension is a lower-case word
// (country, utm_source, entry_page); a filter_ prefix is accepted.
var filterArg = regexp.MustCompile(`^(?:filter_)?([a-z][a-z0-9_]*)=(.+)$`)

var filterOps = []string{client.OpIs, client.OpIsNot, client.OpContains, client.OpDoesNotContain}

// parseFilter reads one --filter value.
func parseFilter(raw string) (client.Filter, error) {
	m := filterArg.FindStringSubmatch(strings.TrimSpace(raw))
	if m == nil {
		return client.Filter{}, usagef("--filter %q: want dimension=[operator:]value, such as country=US or page=contains:/docs", raw)
	}
	f := client.Filter{Dimension: m[1]}
	value := m[2]
	if op, rest, ok := strings.Cut(value, ":"); ok {
		for _, known := range filterOps {
			if op == known {
				f.Op, value = op, rest
			}
		}
	}
	f.Values = splitList(value)
	if len(f.Values) == 0 {
		return client.Filter{}, usagef("--filter %q has no value", raw)
	}
	return f, nil
}

func (q *queryFlags) query() (client.Query, error) {
	if (q.from == "") != (q.to == "") {
		return client.Query{}, usagef("--from and --to go together: give both or neither")
	}
	if q.period != "" {
		if q.from != "" {
			return client.Query{}, usagef("--period and --from/--to do not go together: give one or the other")
		}
		if _, _, _, err := periodRange(q.period, time.Now()); err != nil {
			return client.Query{}, usagef("%w", err)
		}
	}
	if q.limit < 0 || q.offset < 0 {
		return client.Query{}, usagef("--limit and --offset must not be negative")
	}
	out := client.Query{
		StartAt: q.from, EndAt: q.to, Timezone: q.timezone, Interval: q.interval,
		Fields: splitList(q.fields), Limit: q.limit, Offset: q.offset,
	}
	for _, raw := range q.filters {
		f, err := parseFilter(raw)
		if err != nil {
			return client.Query{}, err
		}
		out.Filters = append(out.Filters, f)
	}
	return out, nil
}

// resolve checks the flags and names the website: the query of a read,
// its --period turned into dates of the website's time zone.
func (q *queryFlags) resolve(s *session) (site string, query client.Query, err error) {
	if query, err = q.query(); err != nil {
		return "", query, err
	}
	if site, err = s.websiteForQuery(); err != nil {
		return "", query, err
	}
	if err = q.applyPeriod(s, site, &query); err != nil {
		return "", query, err
	}
	return site, query, nil
}

// applyPeriod sets the days of --period in query, counted on the calendar
// of --timezone or, without it, of the website (asked of the API).
func (q *queryFlags) applyPeriod(s *session, site string, query *client.Query) error {
	if q.period == "" {
		return nil
	}
	zone := q.timezone
	if zone == "" {
		row, _, err := s.api.Metadata(s.ctx, site, "timezone")
		if err != nil {
			return fmt.Errorf("read the website's time zone for --period: %w", err)
		}
		zone, _ = row["timezone"].(string)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		return usagef("--timezone %q: want an IANA name such as Europe/Paris", zone)
	}
	from, to, _, err := periodRange(q.period, time.Now().In(loc))
	if err != nil {
		return usagef("%w", err)
	}
	query.StartAt, query.EndAt = from, to
	return nil
}

const filterHelp = `
Filters: --filter dimension=[operator:]value[,value...], repeatable. Values of
one filter OR together; different filters AND together. Operators: is (the
default), is_not, contains, does_not_contain. Dimensions: country, region,
city, device, browser, os, referrer, page, entry_page, hostname, goal,
utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, source, via.
Sent as filter_<dimension>=[operator:]value.`

// overviewFields is the order of the overview's metrics in the DataFast
// reference.
var overviewFields = []string{"visitors", "sessions", "bounce_rate", "avg_session_duration", "currency", "revenue", "payments", "revenue_per_visitor", "conversion_rate"}

// reportColumns is the column order of each report's table, from the
// DataFast reference; members the server adds come after.
var reportColumns = map[string][]string{
	"pages":             {"hostname", "path", "visitors", "revenue", "payments"},
	"referrers":         {"referrer", "visitors", "revenue", "payments"},
	"countries":         {"country", "visitors", "revenue", "payments"},
	"regions":           {"region", "visitors", "revenue", "payments"},
	"cities":            {"city", "visitors", "revenue", "payments"},
	"browsers":          {"browser", "visitors", "revenue", "payments"},
	"operating-systems": {"operating_system", "visitors", "revenue", "payments"},
	"devices":           {"device", "visitors", "revenue", "payments"},
	"campaigns":         {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "via", "visitors", "revenue", "payments"},
	"goals":             {"goal", "completions", "visitors"},
	"hostnames":         {"hostname", "visitors", "revenue", "payments"},
}

var reportShort = map[string]string{
	"pages":             "Visitors and revenue by page",
	"referrers":         "Visitors and revenue by referrer",
	"countries":         "Visitors and revenue by country",
	"regions":           "Visitors and revenue by region",
	"cities":            "Visitors and revenue by city",
	"browsers":          "Visitors and revenue by browser",
	"operating-systems": "Visitors and revenue by operating system",
	"devices":           "Visitors and revenue by device type",
	"campaigns":         "Visitors and revenue by campaign (UTM, ref, source, via)",
	"goals":             "Completions and visitors by custom goal",
	"hostnames":         "Visitors and revenue by hostname",
}

// preferred is the order of a table's columns: the fields asked for, then
// the report's usual order.
func preferred(fields []string, report []string) []string {
	out := append([]string{}, fields...)
	return append(out, report...)
}

func (a *cliApp) analyticsCommand() *cobra.Command {
	cmd := groupCommand("analytics", "Read a website's analytics: overview, timeseries, breakdowns",
		`Read a website's analytics through the Website API (GET /api/v1/analytics/...).
With a dft_ token the website is --website, OPENFAST_WEBSITE or the config
file's default; a df_ website key implies its website.`+"\n"+filterHelp)
	cmd.Example = `  openfast analytics overview --from 2026-05-01 --to 2026-05-31
  openfast analytics overview --period 7d
  openfast analytics timeseries --interval day --fields visitors,sessions
  openfast analytics pages --filter country=US --filter device=is_not:mobile --limit 10
  openfast analytics referrers --json | jq '.[0]'`
	cmd.AddCommand(a.overviewCommand(), a.timeseriesCommand(), a.realtimeCommand(), a.metadataCommand())
	for _, r := range client.Reports {
		cmd.AddCommand(a.breakdownCommand(r))
	}
	return cmd
}

func (a *cliApp) overviewCommand() *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:   "overview",
		Short: "Visitors, sessions, bounce rate, revenue... over a range (default all time)",
		Long: `Aggregate metrics over a date range, or all time: visitors, sessions,
bounce_rate (%), avg_session_duration (ms), currency, revenue, payments,
revenue_per_visitor, conversion_rate (%).` + "\n" + filterHelp,
		Example: `  openfast analytics overview
  openfast analytics overview --from 2026-05-01 --to 2026-05-31 --timezone Europe/Paris
  openfast analytics overview --fields visitors,revenue --filter referrer=Google --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			site, query, err := q.resolve(s)
			if err != nil {
				return err
			}
			_, resp, err := s.api.Overview(s.ctx, site, query)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				rows, err := decodeObjects(resp.Data)
				if err != nil {
					return err
				}
				if len(rows) == 0 {
					return nil
				}
				return verticalTable(s.out, rows[0], preferred(query.Fields, overviewFields), "METRIC", "VALUE")
			})
		}),
	}
	q.addDates(cmd)
	cmd.Flags().StringVar(&q.fields, "fields", "", "comma-separated metrics (default: all)")
	return cmd
}

func (a *cliApp) timeseriesCommand() *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:   "timeseries",
		Short: "Metrics per hour, day, week or month",
		Long: `Metrics per interval, with totals. Without --from/--to: the last 24 hours for
hour, the last 30 days for day and week, the last 12 months for month.
Fields: name, visitors, sessions, revenue, payments, conversion_rate.` + "\n" + filterHelp,
		Example: `  openfast analytics timeseries
  openfast analytics timeseries --interval hour --fields visitors
  openfast analytics timeseries --interval month --from 2026-01-01 --to 2026-12-31 --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			site, query, err := q.resolve(s)
			if err != nil {
				return err
			}
			ts, resp, err := s.api.Timeseries(s.ctx, site, query)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				rows, err := decodeObjects(resp.Data)
				if err != nil {
					return err
				}
				cols := columns(rows, preferred([]string{"name"}, ts.Fields), []string{"timestamp"})
				if len(rows) == 0 {
					cols = append([]string{"name"}, query.Fields...)
				}
				if raw := resp.Member("totals"); raw != nil {
					if totals, err := decodeObject(raw, ""); err == nil {
						rows = append(rows, append(orderedObject{{key: "name", value: json.RawMessage(`"Total"`)}}, totals...))
					}
				}
				t := rowsTable(s.out, rows, cols)
				if err := t.flush(); err != nil {
					return err
				}
				s.morePages(resp, len(ts.Data))
				return nil
			})
		}),
	}
	q.addDates(cmd)
	q.addPaging(cmd, 1000)
	cmd.Flags().StringVar(&q.interval, "interval", "day", "hour, day, week or month")
	cmd.Flags().StringVar(&q.fields, "fields", "visitors,sessions,revenue", "comma-separated fields")
	return cmd
}

func (a *cliApp) realtimeCommand() *cobra.Command {
	var showMap bool
	cmd := &cobra.Command{
		Use:   "realtime [--map]",
		Short: "Visitors active in the last minutes",
		Long: `The number of visitors active now. With --map, the active visitors with their
page and location (GET /analytics/realtime/map).`,
		Example: `  openfast analytics realtime
  openfast analytics realtime --map`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			if showMap {
				_, resp, err := s.api.RealtimeMap(s.ctx, site)
				if err != nil {
					return err
				}
				return s.output(resp, func() error { return realtimeMapTable(s, resp.Data) })
			}
			n, resp, err := s.api.Realtime(s.ctx, site)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "VISITORS")
				t.row(strconv.FormatInt(n, 10))
				return t.flush()
			})
		}),
	}
	cmd.Flags().BoolVar(&showMap, "map", false, "list the active visitors")
	return cmd
}

func realtimeMapTable(s *session, data json.RawMessage) error {
	var m struct {
		Count    json.Number       `json:"count"`
		Visitors []json.RawMessage `json:"visitors"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("decode the realtime map: %w", err)
	}
	fmt.Fprintf(s.out, "%s active visitors\n", str(m.Count.String()))
	var rows []orderedObject
	for _, v := range m.Visitors {
		o, err := decodeObject(v, "")
		if err != nil {
			return err
		}
		rows = append(rows, o)
	}
	cols := []string{"visitorId", "currentUrl", "location.countryCode", "location.city", "system.browser.name", "system.device.type", "referrer", "sessionStartTime"}
	return rowsTable(s.out, rows, cols).flush()
}

func (a *cliApp) metadataCommand() *cobra.Command {
	var fields string
	cmd := &cobra.Command{
		Use:     "metadata",
		Short:   "The website's domain, name, timezone, currency and KPI",
		Example: `  openfast analytics metadata --fields domain,timezone`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			_, resp, err := s.api.Metadata(s.ctx, site, splitList(fields)...)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				rows, err := decodeObjects(resp.Data)
				if err != nil || len(rows) == 0 {
					return err
				}
				return verticalTable(s.out, rows[0], nil, "FIELD", "VALUE")
			})
		}),
	}
	cmd.Flags().StringVar(&fields, "fields", "", "comma-separated fields (default: all)")
	return cmd
}

func (a *cliApp) breakdownCommand(report string) *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:   report,
		Short: reportShort[report],
		Long: reportShort[report] + ` over a date range (default all time), sorted by
visitors. Columns: ` + strings.Join(reportColumns[report], ", ") + ".\n" + filterHelp,
		Example: fmt.Sprintf(`  openfast analytics %[1]s --from 2026-05-01 --to 2026-05-31 --limit 10
  openfast analytics %[1]s --filter country=US,CA --json`, report),
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			site, query, err := q.resolve(s)
			if err != nil {
				return err
			}
			list, resp, err := s.api.Breakdown(s.ctx, site, report, query)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				rows, err := decodeObjects(resp.Data)
				if err != nil {
					return err
				}
				cols := columns(rows, preferred(query.Fields, reportColumns[report]), []string{"image"})
				if len(rows) == 0 {
					cols = reportColumns[report]
					if len(query.Fields) > 0 {
						cols = query.Fields
					}
				}
				if err := rowsTable(s.out, rows, cols).flush(); err != nil {
					return err
				}
				s.morePages(resp, len(list))
				return nil
			})
		}),
	}
	q.addDates(cmd)
	q.addPaging(cmd, 1000)
	cmd.Flags().StringVar(&q.fields, "fields", "", "comma-separated columns (default: all)")
	return cmd
}

func (a *cliApp) visitorsCommand() *cobra.Command {
	var q queryFlags
	var customer string
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List visitors, most recent first",
		Long: `List visitors seen in a date range (default all time), most recent first.

Filters: --filter dimension=[operator:]value, as for analytics. page=/pricing
keeps visitors who viewed that page (visitedPage), page=contains:/docs those
who viewed a page containing it (visitedPageContains), goal=signup those who
completed a goal (completedGoal). --customer true keeps visitors with
payments, false those without.`,
		Example: `  openfast visitors list --limit 20
  openfast visitors list --filter country=US --filter page=contains:/pricing
  openfast visitors list --filter goal=signup --from 2026-05-01 --to 2026-05-31 --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			query, err := q.query()
			if err != nil {
				return err
			}
			if query.Filters, query.Extra, err = visitorFilters(query.Filters); err != nil {
				return err
			}
			switch customer {
			case "":
			case "true", "false":
				query.Extra.Set("isCustomer", customer)
			default:
				return usagef("--customer must be true or false")
			}
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			if err := q.applyPeriod(s, site, &query); err != nil {
				return err
			}
			rows, resp, err := s.api.Visitors(s.ctx, site, query)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "VISITOR ID", "LAST SEEN", "URL", "COUNTRY", "DEVICE", "BROWSER", "OS", "REFERRER")
				for _, v := range rows {
					t.row(v.VisitorID, when(v.LastSeenAt), str(v.CurrentURL), str(v.Identity.Country), str(v.Identity.Device),
						str(v.Identity.Browser), str(v.Identity.OS), str(v.Acquisition.Referrer))
				}
				if err := t.flush(); err != nil {
					return err
				}
				s.morePages(resp, len(rows))
				return nil
			})
		}),
	}
	q.addDates(listCmd)
	q.addPaging(listCmd, 250)
	listCmd.Flags().StringVar(&customer, "customer", "", "true: only visitors with payments; false: only without")

	getCmd := &cobra.Command{
		Use:     "get <visitorId>",
		Short:   "Show one visitor: identity, pages, goals and profile",
		Example: `  openfast visitors get a3ab2331-989f-4cfa-91c6-2461c9e3c6bd`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			v, resp, err := s.api.Visitor(s.ctx, site, args[0])
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return visitorTable(s, v) })
		}),
	}
	return groupCommand("visitors", "List visitors and show one visitor's journey",
		`Read the visitors of a website (GET /api/v1/visitors).`, listCmd, getCmd)
}

// visitorFilters turns --filter values into the visitors list's
// parameters, which are not prefixed: visitedPage, visitedPageContains,
// completedGoal, and the dimension names.
func visitorFilters(filters []client.Filter) ([]client.Filter, map[string][]string, error) {
	extra := map[string][]string{}
	var out []client.Filter
	for _, f := range filters {
		values := strings.Join(f.Values, ",")
		switch f.Dimension {
		case "page":
			switch f.Op {
			case "", client.OpIs:
				extra["visitedPage"] = append(extra["visitedPage"], values)
			case client.OpContains:
				extra["visitedPageContains"] = append(extra["visitedPageContains"], values)
			default:
				return nil, nil, usagef("--filter page: the visitors list takes is or contains only")
			}
		case "goal":
			if f.Op != "" && f.Op != client.OpIs {
				return nil, nil, usagef("--filter goal: the visitors list takes is only")
			}
			extra["completedGoal"] = append(extra["completedGoal"], values)
		default:
			out = append(out, f)
		}
	}
	return out, extra, nil
}

func visitorTable(s *session, v *client.VisitorProfile) error {
	id := v.Identity
	location := strings.Join(nonEmpty(deref(id.City), deref(id.Region), deref(id.Country)), ", ")
	pairs := [][2]string{
		{"VISITOR ID", v.VisitorID},
		{"LOCATION", str(location)},
		{"BROWSER", str(strings.TrimSpace(deref(id.Browser.Name) + " " + deref(id.Browser.Version)))},
		{"OS", str(strings.TrimSpace(deref(id.OS.Name) + " " + deref(id.OS.Version)))},
		{"DEVICE", strPtr(id.Device.Type)},
		{"VISITS", strconv.FormatInt(v.Activity.VisitCount, 10)},
		{"PAGEVIEWS", strconv.FormatInt(v.Activity.PageViewCount, 10)},
		{"FIRST VISIT", when(v.Activity.FirstVisitAt)},
		{"LAST VISIT", when(v.Activity.LastVisitAt)},
		{"CURRENT URL", str(v.Activity.CurrentURL)},
	}
	for _, p := range []struct {
		label string
		value *string
	}{
		{"UTM SOURCE", id.Params.UTMSource}, {"UTM MEDIUM", id.Params.UTMMedium}, {"UTM CAMPAIGN", id.Params.UTMCampaign},
		{"REF", id.Params.Ref}, {"SOURCE", id.Params.Source}, {"VIA", id.Params.Via},
	} {
		if deref(p.value) != "" {
			pairs = append(pairs, [2]string{p.label, *p.value})
		}
	}
	if p := v.Profile; p != nil {
		pairs = append(pairs, [2]string{"USER ID", p.UserID}, [2]string{"IDENTIFIED", when(p.IdentifiedAt)})
	}
	if err := keyValues(s.out, pairs); err != nil {
		return err
	}
	if len(v.Activity.VisitedPages) > 0 {
		fmt.Fprintln(s.out)
		t := newTable(s.out, "VISITED", "URL")
		for _, p := range v.Activity.VisitedPages {
			t.row(when(p.Timestamp), p.URL)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(v.Activity.CompletedGoals) > 0 {
		fmt.Fprintln(s.out)
		t := newTable(s.out, "COMPLETED", "GOAL", "DESCRIPTION", "SERVER-SIDE", "AMOUNT")
		for _, g := range v.Activity.CompletedGoals {
			t.row(when(g.Timestamp), g.Name, strPtr(g.Description), strconv.FormatBool(g.IsServer), paidAmount(g))
		}
		return t.flush()
	}
	return nil
}

// paidAmount shows a payment's amount as paid, "29.99 EUR", and says
// whether it is a renewal or a refund; a dash for another goal.
func paidAmount(g wire.CompletedGoal) string {
	if g.Amount == nil {
		return dash
	}
	out := strings.TrimSpace(strconv.FormatFloat(*g.Amount, 'f', 2, 64) + " " + deref(g.Currency))
	if g.Refunded != nil && *g.Refunded {
		return out + " (refund)"
	}
	if g.Renewal != nil && *g.Renewal {
		return out + " (renewal)"
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonEmpty(items ...string) []string {
	var out []string
	for _, s := range items {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (a *cliApp) goalsCommand() *cobra.Command {
	var visitor, name, description string
	var metadata []string
	createCmd := &cobra.Command{
		Use:   "create --visitor ID --name GOAL [--description TEXT] [--metadata key=value ...]",
		Short: "Record a custom goal for a visitor, server-side",
		Long: `Record a custom goal (POST /api/v1/goals) for a visitor who has visited the
website: --visitor is their datafast_visitor_id cookie. Goal names are
lower-case a-z, 0-9, _, - and :, at most 64 characters.`,
		Example: `  openfast goals create --visitor a3ab2331-989f-4cfa-91c6-2461c9e3c6bd --name signup --metadata plan=pro`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if visitor == "" || name == "" {
				return usagef("--visitor and --name are required")
			}
			meta, err := keyValueFlags("metadata", metadata)
			if err != nil {
				return err
			}
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			g, resp, err := s.api.CreateGoal(s.ctx, site, client.GoalParams{VisitorID: visitor, Name: name, Description: description, Metadata: meta})
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s: goal %s for visitor %s (event %s).\n", strings.TrimSuffix(g.Message, "."), name, visitor, g.EventID)
				return err
			})
		}),
	}
	createCmd.Flags().StringVar(&visitor, "visitor", "", "the visitor's datafast_visitor_id (required)")
	createCmd.Flags().StringVar(&name, "name", "", "goal name, such as signup (required)")
	createCmd.Flags().StringVar(&description, "description", "", "description stored with the event")
	createCmd.Flags().StringArrayVar(&metadata, "metadata", nil, "`key=value` stored with the event (repeatable, at most 10)")

	var dVisitor, dName, from, to string
	deleteCmd := &cobra.Command{
		Use:   "delete [--visitor ID] [--name GOAL] [--from T --to T]",
		Short: "Delete goal events by visitor, name and/or time range",
		Long: `Delete goal events (DELETE /api/v1/goals): those of a visitor, of a goal name,
within a time range, or the intersection of several. At least one is needed.`,
		Example: `  openfast goals delete --visitor a3ab2331-989f-4cfa-91c6-2461c9e3c6bd --name signup
  openfast goals delete --from 2026-05-01 --to 2026-05-02`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if (from == "") != (to == "") {
				return usagef("--from and --to go together")
			}
			if dVisitor == "" && dName == "" && from == "" {
				return usagef("give --visitor, --name, or --from and --to")
			}
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			d, resp, err := s.api.DeleteGoals(s.ctx, site, client.DeleteGoalsParams{VisitorID: dVisitor, Name: dName, Start: from, End: to})
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return deletionLine(s, d) })
		}),
	}
	deleteCmd.Flags().StringVar(&dVisitor, "visitor", "", "the visitor's datafast_visitor_id")
	deleteCmd.Flags().StringVar(&dName, "name", "", "goal name")
	deleteCmd.Flags().StringVar(&from, "from", "", "start: ISO 8601 or YYYY-MM-DD")
	deleteCmd.Flags().StringVar(&to, "to", "", "end: ISO 8601 or YYYY-MM-DD (included)")

	return groupCommand("goals", "Record and delete custom goals; customize how goals show",
		`Record custom goals from your backend, and delete goal events. List the goal
colours, and set the display name, colour and description of a goal.`, createCmd, deleteCmd,
		a.goalColorsCommand(), a.goalCustomizationsCommand(), a.goalCustomizeCommand())
}

func deletionLine(s *session, d *client.Deletion) error {
	msg := strings.TrimSuffix(d.Message, ".")
	if d.Deleted != 0 {
		msg += fmt.Sprintf(" (%d deleted)", d.Deleted)
	}
	_, err := fmt.Fprintln(s.out, msg+".")
	return err
}

func (a *cliApp) paymentsCommand() *cobra.Command {
	var p client.PaymentParams
	var amount string
	createCmd := &cobra.Command{
		Use:   "create --amount N --currency CODE --transaction-id ID [--visitor ID] [...]",
		Short: "Record a payment, server-side",
		Long: `Record a payment (POST /api/v1/payments), attributed to a visitor when
--visitor gives their datafast_visitor_id. --transaction-id makes it
idempotent: the same id is recorded once. An amount of 0 is a free trial.`,
		Example: `  openfast payments create --amount 29.99 --currency USD --transaction-id pi_123 \
    --visitor a3ab2331-989f-4cfa-91c6-2461c9e3c6bd --email ann@example.com`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if amount == "" || p.Currency == "" || p.TransactionID == "" {
				return usagef("--amount, --currency and --transaction-id are required")
			}
			v, err := strconv.ParseFloat(amount, 64)
			if err != nil || v < 0 {
				return usagef("--amount must be a number of major units such as 29.99, 0 or more")
			}
			p.Amount = v
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			r, resp, err := s.api.CreatePayment(s.ctx, site, p)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s: transaction %s.\n", strings.TrimSuffix(r.Message, "."), r.TransactionID)
				return err
			})
		}),
	}
	f := createCmd.Flags()
	f.StringVar(&amount, "amount", "", "amount in major units, such as 29.99 (required)")
	f.StringVar(&p.Currency, "currency", "", "ISO 4217 code, such as USD (required)")
	f.StringVar(&p.TransactionID, "transaction-id", "", "your payment's unique id (required)")
	f.StringVar(&p.VisitorID, "visitor", "", "the payer's datafast_visitor_id")
	f.StringVar(&p.Email, "email", "", "customer email")
	f.StringVar(&p.Name, "customer-name", "", "customer name")
	f.StringVar(&p.CustomerID, "customer-id", "", "customer id")
	f.BoolVar(&p.Renewal, "renewal", false, "a subscription renewal")
	f.BoolVar(&p.Refunded, "refunded", false, "a refund")
	f.BoolVar(&p.IsFreeTrial, "free-trial", false, "a free trial")
	f.StringVar(&p.Timestamp, "timestamp", "", "when it happened, ISO 8601 (default: now)")

	var tx, visitor, from, to string
	deleteCmd := &cobra.Command{
		Use:   "delete [--transaction-id ID | --visitor ID [--from T --to T] | --from T --to T]",
		Short: "Delete payments by transaction, visitor and/or time range",
		Long: `Delete payments (DELETE /api/v1/payments): one transaction, a visitor's
payments (optionally within a time range), or all payments within a range.`,
		Example: `  openfast payments delete --transaction-id pi_123
  openfast payments delete --visitor a3ab2331-989f-4cfa-91c6-2461c9e3c6bd`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if (from == "") != (to == "") {
				return usagef("--from and --to go together")
			}
			if tx == "" && visitor == "" && from == "" {
				return usagef("give --transaction-id, --visitor, or --from and --to")
			}
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			d, resp, err := s.api.DeletePayments(s.ctx, site, client.DeletePaymentsParams{TransactionID: tx, VisitorID: visitor, Start: from, End: to})
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return deletionLine(s, d) })
		}),
	}
	deleteCmd.Flags().StringVar(&tx, "transaction-id", "", "the payment's transaction id")
	deleteCmd.Flags().StringVar(&visitor, "visitor", "", "the visitor's datafast_visitor_id")
	deleteCmd.Flags().StringVar(&from, "from", "", "start: ISO 8601 or YYYY-MM-DD")
	deleteCmd.Flags().StringVar(&to, "to", "", "end: ISO 8601 or YYYY-MM-DD (included)")

	return groupCommand("payments", "Record and delete payments server-side",
		`Record payments from your backend (when no payment provider is connected),
and delete them.`, createCmd, deleteCmd)
}

func (a *cliApp) identifyCommand() *cobra.Command {
	var visitor, userID string
	var props []string
	cmd := &cobra.Command{
		Use:   "identify --visitor ID --user-id ID [--property key=value ...]",
		Short: "Tie a visitor to a user of your application",
		Long: `Identify a visitor (POST /api/v1/identify): --visitor is their
datafast_visitor_id, --user-id your application's id for them. Each
--property key=value is kept in the profile (email, plan, company...); a
value that is a JSON number or boolean is sent as one.`,
		Example: `  openfast identify --visitor a3ab2331-989f-4cfa-91c6-2461c9e3c6bd --user-id u_42 \
    --property email=ann@example.com --property plan=pro`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if visitor == "" || userID == "" {
				return usagef("--visitor and --user-id are required")
			}
			kv, err := keyValueFlags("property", props)
			if err != nil {
				return err
			}
			properties := map[string]any{}
			for k, v := range kv {
				switch jv := jsonValue(v).(type) {
				case float64, bool:
					properties[k] = jv
				default:
					properties[k] = v
				}
			}
			site, err := s.websiteForQuery()
			if err != nil {
				return err
			}
			r, resp, err := s.api.Identify(s.ctx, site, client.IdentifyParams{VisitorID: visitor, UserID: userID, Properties: properties})
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s: visitor %s is user %s (profile %s).\n", strings.TrimSuffix(r.Message, "."), visitor, userID, str(r.ProfileID))
				return err
			})
		}),
	}
	cmd.Flags().StringVar(&visitor, "visitor", "", "the visitor's datafast_visitor_id (required)")
	cmd.Flags().StringVar(&userID, "user-id", "", "your application's user id (required)")
	cmd.Flags().StringArrayVar(&props, "property", nil, "`key=value` kept in the profile (repeatable)")
	return cmd
}
