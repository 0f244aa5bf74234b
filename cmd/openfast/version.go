package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/openfast/openfast/duckdb"
	"github.com/openfast/openfast/sqlite"
	"github.com/spf13/cobra"
)

// Set by the release build (scripts/release) with -ldflags -X; when empty,
// the module version and VCS settings of the build info are used.
var (
	version  string
	commit   string
	date     string
	modified string // "true" or "false"
)

// buildInfo is what `openfast version` reports.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
	DuckDB    string `json:"duckdb"`
	SQLite    string `json:"sqlite"`
}

// readBuildInfo gathers the version of the binary and of its libraries.
func readBuildInfo(ctx context.Context) buildInfo {
	b := buildInfo{Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, SQLite: sqlite.LibraryVersion()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Date = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	if commit != "" {
		b.Commit = commit
	}
	if date != "" {
		b.Date = date
	}
	if modified != "" {
		b.Modified = modified == "true"
	}
	if v, err := duckdb.LibraryVersion(ctx); err != nil {
		b.DuckDB = "unknown (" + err.Error() + ")"
	} else {
		b.DuckDB = v
	}
	return b
}

func writeVersion(w io.Writer, b buildInfo, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	rows := [][2]string{
		{"version", b.Version}, {"commit", b.Commit}, {"date", b.Date},
		{"modified", fmt.Sprint(b.Modified)}, {"go", b.GoVersion}, {"platform", b.Platform},
		{"duckdb", b.DuckDB}, {"sqlite", b.SQLite},
	}
	for _, r := range rows {
		if r[1] == "" {
			r[1] = "unknown"
		}
		if _, err := fmt.Fprintf(w, "%-9s %s\n", r[0]+":", r[1]); err != nil {
			return err
		}
	}
	return nil
}

func newVersionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of openfast and of its DuckDB and SQLite",
		Long: `Print the version of this binary (the release, or (devel) for a build from
a checkout), the commit and date it was built from, the Go version and
platform, and the versions of the DuckDB and SQLite libraries linked in.`,
		Example: `  openfast version
  openfast version --json | jq -r .version
  openfast --version`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeVersion(cmd.OutOrStdout(), readBuildInfo(cmd.Context()), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// healthcheckTimeout bounds the whole check.
const healthcheckTimeout = 5 * time.Second

func newHealthcheckCommand() *cobra.Command {
	var rawURL string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the server answers GET /healthz with 200 (for container health checks)",
		Long: `Ask a server's /healthz and exit 0 if it answers 200 within 5 seconds, 1
otherwise. Container images run it as their health check: it needs no curl
or wget.`,
		Example: `  openfast healthcheck
  openfast healthcheck --healthcheck-url http://127.0.0.1:8080/healthz`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !strings.HasPrefix(rawURL, "http://") && !strings.HasPrefix(rawURL, "https://") {
				return fmt.Errorf("--healthcheck-url must be an http:// or https:// URL, got %q", rawURL)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), healthcheckTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
			if err != nil {
				return fmt.Errorf("--healthcheck-url: %w", err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("health check: %w", err)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("health check: %s answered %d", rawURL, resp.StatusCode)
			}
			return nil
		},
	}
	// OPENFAST_HEALTHCHECK_URL; not --url, which the client commands read
	// from OPENFAST_URL for the API's address.
	cmd.Flags().StringVar(&rawURL, "healthcheck-url", "http://127.0.0.1:8080/healthz", "the /healthz address to ask")
	return cmd
}
