package cli

import (
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"
)

var exportFormats = []string{"csv", "ndjson", "parquet"}

func (a *cliApp) exportCommand() *cobra.Command {
	var q queryFlags
	var format, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Download a website's events as CSV, NDJSON or Parquet (default all time)",
		Long: `Download the events of a website, one row per event with every stored
dimension (GET /api/v1/export), to a file (-o) or to standard output. The
range is all time unless --from/--to or --period narrow it. The file can be
imported into another installation with openfast import.`,
		Example: `  openfast export --format csv -o events.csv
  openfast export --website 665f0b3c4d2e1a0012345678 --period 30d --format parquet -o last-30-days.parquet`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if !slices.Contains(exportFormats, format) {
				return usagef("--format %q: want csv, ndjson or parquet", format)
			}
			if len(q.filters) > 0 {
				return usagef("an export takes no --filter")
			}
			site, query, err := q.resolve(s)
			if err != nil {
				return err
			}
			w := s.out
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			n, err := s.api.Export(s.ctx, site, query, format, w)
			if err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(s.errOut, "Wrote %d bytes to %s\n", n, output)
			}
			return nil
		}),
	}
	q.addDates(cmd)
	cmd.Flags().StringVar(&format, "format", "csv", "csv, ndjson or parquet")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	return cmd
}
