package cli

import (
	"fmt"

	"github.com/openfast/openfast/client"
	"github.com/spf13/cobra"
)

// The goal customization commands, under 'openfast goals': the palette,
// the list, and a goal's display name, colour and description.

func (a *cliApp) goalColorsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "colors",
		Short: "List the colours a goal can have",
		Long: `List the palette of goal colours (the colors member of GET
/api/v1/admin/websites/{websiteId}/goals/customizations): hex value, label
and family. The family names are also what a website's kpiColorScheme takes.`,
		Example: `  openfast goals colors
  openfast goals colors --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			id, err := s.websiteForPath("")
			if err != nil {
				return err
			}
			c, _ := s.client()
			// The goal filter spares the server the listing of tracked goals.
			_, colors, resp, err := c.GoalCustomizations(s.ctx, id, "_")
			if err != nil {
				return err
			}
			if s.opts.json {
				return writeJSON(s.out, resp.Member("colors"))
			}
			t := newTable(s.out, "COLOR", "LABEL", "FAMILY")
			for _, col := range colors {
				t.row(col.Color, col.Label, col.Family)
			}
			return t.flush()
		}),
	}
}

func (a *cliApp) goalCustomizationsCommand() *cobra.Command {
	var goal string
	listCmd := &cobra.Command{
		Use:   "list [websiteId] [--goal NAME]",
		Short: "List the goals with their display name, colour and description",
		Long: `List the website's goals: the customized ones and the ones it has tracked,
with their display name, colour and description ("-" where unset).`,
		Example: `  openfast goals customizations list 665f0b3c4d2e1a0012345678
  openfast goals customizations list --goal signup --json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			goals, _, resp, err := c.GoalCustomizations(s.ctx, id, goal)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return goalTable(s, goals) })
		}),
	}
	listCmd.Flags().StringVar(&goal, "goal", "", "only this goal")
	return groupCommand("customizations", "List goal customizations",
		`Goal customizations: the display name, colour and description of a website's goals.`, listCmd)
}

func goalTable(s *session, goals []client.GoalCustomization) error {
	t := newTable(s.out, "GOAL", "DISPLAY NAME", "COLOR", "DESCRIPTION", "UPDATED")
	for _, g := range goals {
		t.row(g.GoalName, strPtr(g.DisplayName), strPtr(g.Color), strPtr(g.Description), whenPtr(g.UpdatedAt))
	}
	return t.flush()
}

func (a *cliApp) goalCustomizeCommand() *cobra.Command {
	var displayName, color, description string
	cmd := &cobra.Command{
		Use:   "customize <goalName> [--display-name TEXT] [--color HEX] [--description TEXT]",
		Short: "Set a goal's display name, colour or description",
		Long: `Set the display name (at most 80 characters), colour (a hex value of
'openfast goals colors') or description (at most 300 characters) of a goal of
the website (--website, OPENFAST_WEBSITE or the config file's default). Only
the flags given change; "" clears one.`,
		Example: `  openfast goals customize signup --display-name "Sign-up" --color "#22c55e"
  openfast goals customize signup --description ""`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			changes := map[string]any{"goalName": args[0]}
			for _, f := range []struct {
				flag, member string
				v            *string
			}{{"display-name", "displayName", &displayName}, {"color", "color", &color}, {"description", "description", &description}} {
				if !s.cmd.Flags().Changed(f.flag) {
					continue
				}
				if *f.v == "" {
					changes[f.member] = nil
				} else {
					changes[f.member] = *f.v
				}
			}
			if len(changes) == 1 {
				return usagef("nothing to change: give --display-name, --color or --description")
			}
			id, err := s.websiteForPath("")
			if err != nil {
				return err
			}
			c, _ := s.client()
			goals, _, resp, err := c.CustomizeGoal(s.ctx, id, changes)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				if _, err := fmt.Fprintf(s.out, "Customized goal %s of website %s.\n", args[0], id); err != nil {
					return err
				}
				return goalTable(s, goals)
			})
		}),
	}
	cmd.Flags().StringVar(&displayName, "display-name", "", "name shown instead of the goal name")
	cmd.Flags().StringVar(&color, "color", "", "hex colour from 'openfast goals colors', such as #22c55e")
	cmd.Flags().StringVar(&description, "description", "", "what the goal means")
	return cmd
}
