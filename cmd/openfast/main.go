// Command openfast is the openfast analytics server, its admin tools, and a
// command-line client of the API.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/openfast/openfast/cli"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	_ "time/tzdata" // IANA time zones even on machines without them
)

func main() {
	// Exit status 2 for a bad command line, 1 for any other error.
	if cmd, err := newRootCommand().ExecuteC(); err != nil {
		os.Exit(cli.ReportError(cmd, err))
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "openfast",
		Short:         "Self-hosted web analytics that speaks the DataFast API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(), newAdminCommand(), newVersionCommand(), newHealthcheckCommand(), newImportCommand())
	// --version prints what `openfast version` does; alone, the root
	// command prints its help.
	showVersion := root.Flags().Bool("version", false, "print the version of openfast and of its DuckDB and SQLite")
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if *showVersion {
			return writeVersion(cmd.OutOrStdout(), readBuildInfo(cmd.Context()), false)
		}
		return cmd.Help()
	}
	cli.AddCommands(root)
	return root
}

// bindEnv makes every flag of cmd that was not set on the command line read
// OPENFAST_<FLAG> (upper case, dashes as underscores) from the environment.
func bindEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := "OPENFAST_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}
