package cli

import (
	"fmt"
	"strconv"

	"github.com/openfast/openfast/client"
	"github.com/spf13/cobra"
)

// alertFlags are the members of an alert that create and update take.
type alertFlags struct {
	name, goal, subject, message string
	enabled                      bool
}

func (f *alertFlags) add(cmd *cobra.Command, forUpdate bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "the alert's name (1-100 characters)")
	fl.StringVar(&f.goal, "goal", "", "the goal that fires it (saved trimmed, lower case)")
	fl.StringVar(&f.subject, "subject", "", "the mail's subject (placeholders allowed; empty: the default subject)")
	fl.StringVar(&f.message, "message", "", "the mail's text (10-2000 characters): {{visitor}}, {{goal}}, {{website}}, {{country}} and {{params.name}} are filled in")
	usage := "send the alert (false: create it paused)"
	if forUpdate {
		usage = "true resumes the alert, false pauses it"
	}
	fl.BoolVar(&f.enabled, "enabled", true, usage)
}

// params returns the members whose flags were given.
func (f *alertFlags) params(cmd *cobra.Command) client.AlertParams {
	var p client.AlertParams
	changed := cmd.Flags().Changed
	if changed("name") {
		p.Name = &f.name
	}
	if changed("goal") {
		p.GoalName = &f.goal
	}
	if changed("subject") {
		if f.subject == "" {
			p.ClearSubject = true
		} else {
			p.Subject = &f.subject
		}
	}
	if changed("message") {
		p.Message = &f.message
	}
	if changed("enabled") {
		p.Enabled = &f.enabled
	}
	return p
}

func enabledWord(on bool) string {
	if on {
		return "enabled"
	}
	return "paused"
}

func (s *session) printAlert(al *client.Alert, verb string) error {
	subject := "(default)"
	if al.Template.Subject != nil {
		subject = *al.Template.Subject
	}
	_, err := fmt.Fprintf(s.out, "%s alert %s %q on goal %s (%s), mailed to the website owner.\nSubject: %s\nMessage: %s\n",
		verb, al.ID, al.Name, al.Trigger.GoalName, enabledWord(al.IsEnabled), subject, al.Template.Message)
	return err
}

func (a *cliApp) alertsCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list [websiteId]",
		Short:   "List a website's alerts",
		Example: `  openfast alerts list 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			alerts, resp, err := c.Alerts(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "NAME", "GOAL", "STATUS", "LAST", "CREATED")
				for _, al := range alerts {
					last := "-"
					if len(al.RecentLogs) > 0 {
						last = al.RecentLogs[0].Status + " " + when(al.RecentLogs[0].TriggeredAt)
					}
					t.row(al.ID, al.Name, al.Trigger.GoalName, enabledWord(al.IsEnabled), last, when(al.CreatedAt))
				}
				return t.flush()
			})
		}),
	}

	var create alertFlags
	createCmd := &cobra.Command{
		Use:   "create --name <name> --goal <goal> --message <text> [--subject <text>] [--enabled=false]",
		Short: "Create an alert: a mail to the website owner when a goal is reached",
		Long: `Create an alert on the website (--website, OPENFAST_WEBSITE or the config
file's default). When the goal is reached, the website's owner gets a mail,
at most one a minute per alert (a mail covers the firings of its minute and
says how many). A website has at most 25 alerts. The server needs
--smtp-url to send mail; without it firings are recorded as failed.`,
		Example: `  openfast alerts create --name "New signups" --goal signup --message "{{visitor}} signed up from {{country}} on the {{params.plan}} plan"
  openfast alerts create --name Purchases --goal purchase --subject "Sale on {{website}}" --message "A purchase came in." --enabled=false`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			for _, req := range []string{"name", "goal", "message"} {
				if !s.cmd.Flags().Changed(req) {
					return usagef("--%s is required", req)
				}
			}
			id, err := s.websiteForPath("")
			if err != nil {
				return err
			}
			c, _ := s.client()
			al, resp, err := c.CreateAlert(s.ctx, id, create.params(s.cmd))
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return s.printAlert(al, "Created") })
		}),
	}
	create.add(createCmd, false)

	var update alertFlags
	updateCmd := &cobra.Command{
		Use:   "update [websiteId] <alertId> [--name ...] [--goal ...] [--subject ...] [--message ...] [--enabled=true|false]",
		Short: "Change, pause or resume an alert",
		Long: `Change the given members of an alert; the others stay. --enabled=false
pauses it, --enabled=true resumes it, --subject "" goes back to the
default subject.`,
		Example: `  openfast alerts update 6660a1b2c3d4e5f601234567 --enabled=false
  openfast alerts update 665f0b3c4d2e1a0012345678 6660a1b2c3d4e5f601234567 --message "Another signup: {{visitor}}"`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, alertID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			p := update.params(s.cmd)
			if p == (client.AlertParams{}) {
				return usagef("give at least one of --name, --goal, --subject, --message, --enabled")
			}
			c, _ := s.client()
			al, resp, err := c.UpdateAlert(s.ctx, site, alertID, p)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return s.printAlert(al, "Updated") })
		}),
	}
	update.add(updateCmd, true)

	var yes bool
	deleteCmd := &cobra.Command{
		Use:   "delete [websiteId] <alertId> [--yes]",
		Short: "Delete an alert (its history is kept)",
		Long: `Delete an alert for good; its history entries stay. Asks for confirmation
on a terminal; scripts pass --yes.`,
		Example: `  openfast alerts delete 6660a1b2c3d4e5f601234567 --yes`,
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, alertID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Delete alert %s of website %s?", alertID, site), yes); err != nil {
				return err
			}
			c, _ := s.client()
			msg, resp, err := c.DeleteAlert(s.ctx, site, alertID)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s: alert %s of website %s.\n", msg.Message, alertID, site)
				return err
			})
		}),
	}
	deleteCmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	var alertID string
	var limit int
	historyCmd := &cobra.Command{
		Use:   "history [websiteId] [--alert <alertId>] [--limit n]",
		Short: "Show the alerts' history: mails sent and failed",
		Long: `Show the newest history entries of the website's alerts (of one with
--alert, also a deleted one), newest first: one per mail sent or not sent,
with the number of firings it covered and, for a failure, why.`,
		Example: `  openfast alerts history --limit 10
  openfast alerts history 665f0b3c4d2e1a0012345678 --alert 6660a1b2c3d4e5f601234567`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			if limit < 0 || limit > 100 {
				return usagef("--limit must be from 1 to 100")
			}
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			logs, counts, resp, err := c.AlertHistory(s.ctx, id, alertID, limit)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "TRIGGERED", "ALERT", "GOAL", "STATUS", "FIRINGS", "VISITOR", "ERROR")
				for _, l := range logs {
					t.row(when(l.TriggeredAt), l.AlertName, l.GoalName, l.Status, strconv.Itoa(l.Firings), strPtr(l.VisitorID), strPtr(l.Error))
				}
				if err := t.flush(); err != nil {
					return err
				}
				_, err := fmt.Fprintf(s.out, "%d sent, %d failed, %d in all.\n", counts.Sent, counts.Failed, counts.Total)
				return err
			})
		}),
	}
	historyCmd.Flags().StringVar(&alertID, "alert", "", "only this alert's entries")
	historyCmd.Flags().IntVar(&limit, "limit", 0, "most entries shown (default 50, at most 100)")

	return groupCommand("alerts", "List, create, update and delete a website's alerts, and their history",
		`Alerts mail the website's owner when a goal is reached. The website is
--website, OPENFAST_WEBSITE or the config file's default ('list', 'update',
'delete' and 'history' also take it as their first argument).`,
		listCmd, createCmd, updateCmd, deleteCmd, historyCmd)
}
