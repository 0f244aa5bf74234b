package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/openfast/openfast/client"
	"github.com/spf13/cobra"
)

// The funnels commands: a website's funnels (list, create, update,
// delete) and their results.

// parseStep reads one --step value, NAME:TYPE:TARGET, where TYPE is
// pageview (TARGET a path) or goal (TARGET a goal name). The name may hold
// colons; the first pageview or goal field after it is the type, and the
// rest is the target (goal names may hold colons too).
func parseStep(raw string) (client.FunnelStep, error) {
	parts := strings.Split(raw, ":")
	for i := 1; i < len(parts)-1; i++ {
		typ := strings.TrimSpace(parts[i])
		if typ != "pageview" && typ != "goal" {
			continue
		}
		name, target := strings.TrimSpace(strings.Join(parts[:i], ":")), strings.TrimSpace(strings.Join(parts[i+1:], ":"))
		if name == "" || target == "" {
			break
		}
		step := client.FunnelStep{Name: name, Type: typ}
		if typ == "pageview" {
			step.URL = &target
		} else {
			step.GoalName = &target
		}
		return step, nil
	}
	return client.FunnelStep{}, usagef("--step %q: want NAME:pageview:/path or NAME:goal:goal_name, such as \"Landing:pageview:/\" or \"Signup:goal:signup\"", raw)
}

// funnelFlags are the flags of funnels create and update.
type funnelFlags struct {
	name       string
	steps      []string
	windowDays int
	active     bool
}

func (f *funnelFlags) add(cmd *cobra.Command, update bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "the funnel's name (its slug is made from it)")
	fl.StringArrayVar(&f.steps, "step", nil, "a step `NAME:pageview:/path` or `NAME:goal:goal_name`, in order (repeat 2 to 8 times; * in a path is one segment)")
	fl.IntVar(&f.windowDays, "window-days", 0, "days a visitor has from one step to the next, 1 to 90 (default 7)")
	if update {
		fl.BoolVar(&f.active, "active", true, "false hides the funnel like delete; true brings a deleted funnel back")
	}
}

// params returns the body of the changed flags.
func (f *funnelFlags) params(cmd *cobra.Command) (client.FunnelParams, error) {
	var p client.FunnelParams
	changed := cmd.Flags().Changed
	if changed("name") {
		p.Name = &f.name
	}
	for _, raw := range f.steps {
		step, err := parseStep(raw)
		if err != nil {
			return p, err
		}
		p.Steps = append(p.Steps, step)
	}
	if changed("window-days") {
		p.WindowDays = &f.windowDays
	}
	if changed("active") {
		p.IsActive = &f.active
	}
	return p, nil
}

// funnelSummary is a funnel's steps on one line: Landing (/) → Signup (goal signup).
func funnelSummary(steps []client.FunnelStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s.Name + " (" + stepTarget(s.Type, s.URL, s.GoalName) + ")"
	}
	return strings.Join(parts, " → ")
}

func stepTarget(typ string, url, goal *string) string {
	if typ == "goal" {
		return "goal " + deref(goal)
	}
	return deref(url)
}

func (a *cliApp) funnelsCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list [websiteId]",
		Short:   "List the active funnels of a website",
		Example: `  openfast funnels list 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			list, resp, err := c.Funnels(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "NAME", "SLUG", "WINDOW", "STEPS", "CREATED")
				for _, f := range list {
					t.row(f.ID, f.Name, f.Slug, fmt.Sprintf("%dd", f.WindowDays), funnelSummary(f.Steps), when(f.CreatedAt))
				}
				return t.flush()
			})
		}),
	}

	var create funnelFlags
	createCmd := &cobra.Command{
		Use:   "create [websiteId] --name NAME --step NAME:TYPE:TARGET --step ...",
		Short: "Create a funnel of 2 to 8 steps",
		Long: `Create a funnel: an ordered list of 2 to 8 steps, each a pageview of a path
(NAME:pageview:/path, where * stands for one whole path segment, as in
/blog/*) or a goal (NAME:goal:goal_name). A visitor has --window-days days
(default 7) from one step to the next. Names whose slugs are the same
("Signup funnel", "signup-funnel") cannot both be active.`,
		Example: `  openfast funnels create --name "Signup funnel" --step "Landing:pageview:/" --step "Pricing:pageview:/pricing" --step "Signup:goal:signup"
  openfast funnels create 665f0b3c4d2e1a0012345678 --name Blog --step "Post:pageview:/blog/*" --step "Subscribe:goal:newsletter" --window-days 30`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			p, err := create.params(s.cmd)
			if err != nil {
				return err
			}
			if p.Name == nil {
				return usagef("--name is required")
			}
			if len(p.Steps) < 2 {
				return usagef("give 2 to 8 --step flags, in order")
			}
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			f, resp, err := c.CreateFunnel(s.ctx, id, p)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "Created funnel %s (%s, slug %s) of website %s: %s\n", f.ID, f.Name, f.Slug, f.WebsiteID, funnelSummary(f.Steps))
				return err
			})
		}),
	}
	create.add(createCmd, false)

	var update funnelFlags
	updateCmd := &cobra.Command{
		Use:   "update [websiteId] <funnelId> [--name NAME] [--step ...] [--window-days N] [--active=true|false]",
		Short: "Rename a funnel, replace its steps, or bring a deleted one back",
		Long: `Change a funnel: --name renames it, --step flags replace all its steps (2 to
8, in order), --window-days sets its window, --active=false hides it like
delete and --active=true brings a deleted funnel back.`,
		Example: `  openfast funnels update 6660a1b2c3d4e5f601234567 --name "Signup v2"
  openfast funnels update 6660a1b2c3d4e5f601234567 --step "Home:pageview:/" --step "Signup:goal:signup"
  openfast funnels update 665f0b3c4d2e1a0012345678 6660a1b2c3d4e5f601234567 --active=true`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			p, err := update.params(s.cmd)
			if err != nil {
				return err
			}
			if p.Name == nil && p.Steps == nil && p.WindowDays == nil && p.IsActive == nil {
				return usagef("nothing to change: give --name, --step, --window-days or --active")
			}
			site, funnelID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			c, _ := s.client()
			f, resp, err := c.UpdateFunnel(s.ctx, site, funnelID, p)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				state := "active"
				if !f.IsActive {
					state = "deleted"
				}
				_, err := fmt.Fprintf(s.out, "Updated funnel %s (%s, slug %s, %s): %s\n", f.ID, f.Name, f.Slug, state, funnelSummary(f.Steps))
				return err
			})
		}),
	}
	update.add(updateCmd, true)

	var yes bool
	deleteCmd := &cobra.Command{
		Use:   "delete [websiteId] <funnelId> [--yes]",
		Short: "Delete a funnel (it can be brought back with update --active=true)",
		Long: `Delete a funnel: it leaves the list and its results, and can be brought back
with 'openfast funnels update <funnelId> --active=true'. Asks for
confirmation on a terminal; scripts pass --yes.`,
		Example: `  openfast funnels delete 6660a1b2c3d4e5f601234567 --yes`,
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, funnelID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Delete funnel %s of website %s?", funnelID, site), yes); err != nil {
				return err
			}
			c, _ := s.client()
			msg, resp, err := c.DeleteFunnel(s.ctx, site, funnelID)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s: funnel %s of website %s.\n", strings.TrimSuffix(msg.Message, "."), funnelID, site)
				return err
			})
		}),
	}
	deleteCmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	var q queryFlags
	resultsCmd := &cobra.Command{
		Use:   "results <funnelId>",
		Short: "Visitors, conversion and drop-off of each step of a funnel",
		Long: `The results of a funnel over a date range, or all time: the visitors who
reached each step in order, the conversion from the previous step and from
the first, the drop-off, the median time from the previous step, and the
revenue of the step's visitors.` + "\n" + filterHelp,
		Example: `  openfast funnels results 6660a1b2c3d4e5f601234567
  openfast funnels results 6660a1b2c3d4e5f601234567 --from 2026-05-01 --to 2026-05-31 --filter device=mobile --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			site, query, err := q.resolve(s)
			if err != nil {
				return err
			}
			r, resp, err := s.api.FunnelResults(s.ctx, site, args[0], query)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				if _, err := fmt.Fprintf(s.out, "%s: %d visitors, %d conversions (%s%%), revenue %s %s, window %d days\n",
					r.Name, r.Visitors, r.Conversions, number(r.ConversionRate), number(r.Revenue), r.Currency, r.WindowDays); err != nil {
					return err
				}
				t := newTable(s.out, "STEP", "MATCHES", "VISITORS", "CONVERSION", "FROM START", "DROP-OFF", "MEDIAN TIME", "REVENUE")
				for _, st := range r.Steps {
					median := dash
					if st.MedianSecondsFromPrev != nil {
						median = number(*st.MedianSecondsFromPrev) + "s"
					}
					t.row(st.Name, stepTarget(st.Type, st.URL, st.GoalName), strconv.FormatInt(st.Visitors, 10), number(st.ConversionRate)+"%",
						number(st.ConversionRateFromStart)+"%", fmt.Sprintf("%d (%s%%)", st.DropOff, number(st.DropOffRate)), median, number(st.Revenue))
				}
				return t.flush()
			})
		}),
	}
	q.addDates(resultsCmd)

	return groupCommand("funnels", "List, create, update and delete funnels, and read their results",
		`Manage the funnels of a website and read their results. The website is the
first argument of list and create, or --website, OPENFAST_WEBSITE or the
config file's default. Reading needs funnels:read (results: analytics:read),
changing needs funnels:write and a member or owner role.`,
		listCmd, createCmd, updateCmd, deleteCmd, resultsCmd)
}

// number formats a figure without trailing zeros: 12.5, 100, 0.33.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
