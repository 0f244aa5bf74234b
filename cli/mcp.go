package cli

import (
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openfast/openfast/client"
	"github.com/openfast/openfast/mcp/remote"
	"github.com/spf13/cobra"
)

// mcpVersion is the version this command reports to the agent.
const mcpVersion = "1"

func (a *cliApp) mcpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve the server's MCP tools to a local agent over stdio",
		Long: `Serve the MCP tools of an openfast server to a local agent over standard
input and output: an MCP server (stdio transport) whose tools are those the
server's /api/mcp lists for the credential in use, each call forwarded to the
server with it, which decides and answers as for the REST API.

The server URL and token are resolved like every client command's: --url and
--token, OPENFAST_URL and OPENFAST_TOKEN, then the config file of 'openfast
login'. Nothing but the protocol is written to standard output.`,
		Example: `  openfast mcp --url https://analytics.example.com --token dft_...
  OPENFAST_TOKEN=df_... openfast mcp`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if s.token == "" {
				return usagef("not logged in: run 'openfast login', pass --token, or set OPENFAST_TOKEN")
			}
			base, err := client.ParseBaseURL(s.url)
			if err != nil {
				return usagef("%v", err)
			}
			endpoint := strings.TrimSuffix(base.String(), "/") + "/api/mcp"
			cs, err := remote.Connect(s.ctx, endpoint, s.token, mcpVersion, &http.Client{Timeout: s.opts.timeout})
			if err != nil {
				return err
			}
			defer cs.Close()
			srv, err := remote.Proxy(s.ctx, cs, mcpVersion)
			if err != nil {
				return err
			}
			return srv.Run(s.ctx, &mcp.IOTransport{Reader: io.NopCloser(s.in), Writer: nopWriteCloser{s.out}})
		}),
	}
}

// nopWriteCloser leaves the command's output open when the transport
// closes.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
