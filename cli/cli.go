// Package cli holds the client commands of the openfast binary: login,
// websites, tokens, team, analytics, visitors, goals, payments, identify
// and the rest, DataFast-style commands that talk to an openfast server,
// or any server that speaks the DataFast API, over HTTP through package
// client. Command openfast adds them to its root command with AddCommands
// and reports every command's error with ReportError.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast/client"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// Exit statuses of the binary.
const (
	ExitError = 1 // an API error, a network error, any other failure
	ExitUsage = 2 // bad flags or arguments, a missing token or website
)

// defaultServerURL is the server of a fresh installation (`openfast serve`).
const defaultServerURL = "http://127.0.0.1:8080"

// usageError is an error of the command line itself: it exits with status
// 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// cobraUsagePrefixes start the messages of the errors cobra returns for a
// bad command line outside of flag parsing.
var cobraUsagePrefixes = []string{
	"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
	"invalid argument", "accepts ", "requires at least", "requires at most",
	"required flag(s)", "if any flags in the group", "none of the others can be",
	"at least one of the flags",
}

// exitCode is the exit status for the error of a command: 2 for a usage
// error, 1 for anything else.
func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	msg := err.Error()
	for _, p := range cobraUsagePrefixes {
		if strings.HasPrefix(msg, p) {
			return ExitUsage
		}
	}
	return ExitError
}

// ReportError prints the error of cmd and returns the exit status. A usage
// error says where help is.
func ReportError(cmd *cobra.Command, err error) int {
	fmt.Fprintln(os.Stderr, "openfast:", err)
	code := exitCode(err)
	if code == ExitUsage && cmd != nil {
		fmt.Fprintf(os.Stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// globalOptions are the flags every client command has.
type globalOptions struct {
	url     string
	token   string
	website string
	json    bool
	timeout time.Duration
}

// globalFlags are the flags of globalOptions, which also read
// OPENFAST_<FLAG> from the environment.
var globalFlags = []string{"url", "token", "website", "json", "timeout"}

// cliApp holds the options of one run of the binary.
type cliApp struct {
	opts globalOptions
}

// AddCommands adds the client commands to root, after the server commands
// (serve, admin...), which it puts in the group GroupServer. It also sets
// root's help text and makes flag errors usage errors (exit status 2).
func AddCommands(root *cobra.Command) {
	app := &cliApp{}
	root.Long = rootLong
	root.Example = rootExample
	root.AddGroup(
		&cobra.Group{ID: GroupServer, Title: "Server commands:"},
		&cobra.Group{ID: groupSession, Title: "Session commands:"},
		&cobra.Group{ID: groupAccount, Title: "Account commands (websites, tokens, keys, team):"},
		&cobra.Group{ID: groupData, Title: "Data commands (analytics, visitors, server-side events):"},
	)
	// Usage errors of flags exit with status 2.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	// The commands added before these (serve, admin...) run or manage a
	// server.
	for _, c := range root.Commands() {
		if c.GroupID == "" {
			c.GroupID = GroupServer
		}
	}
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			app.addGlobalFlags(c)
			root.AddCommand(c)
		}
	}
	add(groupSession, app.loginCommand(), app.logoutCommand(), app.whoamiCommand(), app.configCommand())
	add(groupAccount, app.tokensCommand(), app.websitesCommand(), app.teamCommand(), app.alertsCommand(), app.invitationsCommand(), app.auditLogCommand(), app.funnelsCommand())
	add(groupData, app.analyticsCommand(), app.visitorsCommand(), app.goalsCommand(), app.paymentsCommand(), app.identifyCommand(), app.exportCommand(), app.mcpCommand())
}

// Groups of the root command's help; GroupServer holds the commands that
// run or manage a server.
const (
	GroupServer  = "server"
	groupSession = "session"
	groupAccount = "account"
	groupData    = "data"
)

const rootLong = `openfast is a self-hosted web analytics server that speaks the DataFast API.

One binary runs the server (serve, admin) and is also a command-line client of
any openfast server, or any server that speaks the DataFast API, over HTTP.

Client commands authenticate with a dft_ account token (a user; name the
website with --website, OPENFAST_WEBSITE or 'openfast config set-website') or
a df_ website key (one website, implied by the key).

Settings are read in this order: flags, then the environment (OPENFAST_URL,
OPENFAST_TOKEN, OPENFAST_WEBSITE, OPENFAST_JSON, OPENFAST_TIMEOUT), then the
config file that 'openfast login' writes: $XDG_CONFIG_HOME/openfast/config.json,
or ~/.config/openfast/config.json.

Output is an aligned table; --json prints the API's data as it came, indented,
for scripts and agents. Exit status: 0 on success, 1 when the API or the
network refused, 2 on a bad command line.`

const rootExample = `  # Run a server and create the first account token
  openfast serve --data-dir ./openfast-data &
  openfast admin bootstrap --email you@example.com --data-dir ./openfast-data | tail -n 1 > token.txt

  # Log in, create a website and read its analytics
  openfast login --url http://127.0.0.1:8080 < token.txt
  openfast websites create --domain example.com --timezone Europe/Paris
  openfast config set-website 665f0b3c4d2e1a0012345678
  openfast analytics overview --from 2026-05-01 --to 2026-05-31
  openfast analytics pages --filter country=US --limit 10 --json`

// addGlobalFlags gives a top-level client command (and its subcommands)
// the global flags.
func (a *cliApp) addGlobalFlags(c *cobra.Command) {
	f := c.PersistentFlags()
	f.StringVar(&a.opts.url, "url", "", "server URL (default: the config file's, else "+defaultServerURL+")")
	f.StringVar(&a.opts.token, "token", "", "dft_ account token or df_ website key (default: the config file's)")
	f.StringVar(&a.opts.website, "website", "", "websiteId for a dft_ token (default: the config file's)")
	f.BoolVar(&a.opts.json, "json", false, "print the API's data as JSON")
	f.DurationVar(&a.opts.timeout, "timeout", client.DefaultTimeout, "bound on each request")
}

// settingSource tells where a setting came from.
type settingSource string

const (
	fromFlag    settingSource = "flag"
	fromEnv     settingSource = "environment"
	fromConfig  settingSource = "config file"
	fromDefault settingSource = "default"
	fromNone    settingSource = "unset"
)

// session is what a client command works with: its output, the resolved
// settings and the API client.
type session struct {
	ctx    context.Context
	cmd    *cobra.Command
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	opts   globalOptions

	cfgPath string
	cfg     *Config

	url, token, website                   string
	urlSource, tokenSource, websiteSource settingSource

	api *client.Client
	// stdin reads the answers to questions; shared by the questions of one
	// command so that a buffered line is not lost between two of them.
	stdin *bufio.Reader
}

// open reads the global flags, the environment and the config file.
func (a *cliApp) open(cmd *cobra.Command) (*session, error) {
	s := &session{
		ctx: cmd.Context(), cmd: cmd, in: cmd.InOrStdin(), out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(),
	}
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	sources := map[string]settingSource{}
	for _, name := range globalFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			continue
		}
		if f.Changed {
			sources[name] = fromFlag
			continue
		}
		env := envName(f)
		if v, ok := os.LookupEnv(env); ok && v != "" {
			if err := f.Value.Set(v); err != nil {
				return nil, usagef("%s=%q: %v", env, v, err)
			}
			sources[name] = fromEnv
		}
	}
	s.opts = a.opts
	if s.opts.timeout < 0 {
		return nil, usagef("--timeout must not be negative")
	}
	var err error
	if s.cfgPath, err = configPath(); err != nil {
		return nil, err
	}
	if s.cfg, err = loadConfig(s.cfgPath); err != nil {
		return nil, err
	}
	pick := func(name, value, fromFile string) (string, settingSource) {
		if value != "" {
			return value, sources[name]
		}
		if fromFile != "" {
			return fromFile, fromConfig
		}
		return "", fromNone
	}
	s.url, s.urlSource = pick("url", s.opts.url, s.cfg.URL)
	if s.url == "" {
		s.url, s.urlSource = defaultServerURL, fromDefault
	}
	s.token, s.tokenSource = pick("token", s.opts.token, s.cfg.Token)
	s.website, s.websiteSource = pick("website", s.opts.website, s.cfg.Website)
	if _, err := client.ParseBaseURL(s.url); err != nil {
		return nil, usagef("%v", err)
	}
	return s, nil
}

func envName(f *pflag.Flag) string {
	return "OPENFAST_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
}

// run wraps the body of a client command: the session is opened first.
func (a *cliApp) run(fn func(s *session, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := a.open(cmd)
		if err != nil {
			return err
		}
		return fn(s, args)
	}
}

// newClient returns a client of the session's server with token.
func (s *session) newClient(token string) (*client.Client, error) {
	return client.New(s.url, token, client.WithTimeout(s.opts.timeout), client.WithUserAgent("openfast-cli"))
}

// client returns the API client; it fails when no token is known.
func (s *session) client() (*client.Client, error) {
	if s.api != nil {
		return s.api, nil
	}
	if s.token == "" {
		return nil, usagef("not logged in: run 'openfast login', pass --token, or set OPENFAST_TOKEN")
	}
	c, err := s.newClient(s.token)
	if err != nil {
		return nil, usagef("%v", err)
	}
	s.api = c
	return c, nil
}

// websiteKey reports whether the session's credential is a df_ website key.
func (s *session) websiteKey() bool { return client.IsWebsiteKey(s.token) }

// websiteForQuery returns the websiteId that Website API requests
// (analytics, visitors, goals, payments, identify) send: none with a df_
// key, whose website is implied; the resolved website with a dft_ token.
func (s *session) websiteForQuery() (string, error) {
	if _, err := s.client(); err != nil {
		return "", err
	}
	if s.websiteKey() {
		if s.websiteSource == fromFlag || s.websiteSource == fromEnv {
			fmt.Fprintln(s.errOut, "note: --website is ignored with a df_ website key: the key implies its website.")
		}
		return "", nil
	}
	return s.resolveWebsite("")
}

// websiteForPath returns the websiteId of an Account API path
// (/admin/websites/{websiteId}/...): arg when given, else the --website
// flag, the environment or the config file; with a df_ key, the key's
// website.
func (s *session) websiteForPath(arg string) (string, error) {
	c, err := s.client()
	if err != nil {
		return "", err
	}
	if arg != "" {
		return arg, nil
	}
	if s.websiteKey() && s.websiteSource != fromFlag && s.websiteSource != fromEnv {
		acct, _, err := c.Account(s.ctx)
		if err != nil {
			return "", err
		}
		if acct.WebsiteID != "" {
			return acct.WebsiteID, nil
		}
	}
	return s.resolveWebsite("")
}

// resolveWebsite returns arg, or the session's website, or asks on a
// terminal; without any it is a usage error.
func (s *session) resolveWebsite(arg string) (string, error) {
	if arg != "" {
		return arg, nil
	}
	if s.website != "" {
		return s.website, nil
	}
	if s.interactive() {
		return s.promptWebsite()
	}
	return "", usagef("no website given: pass --website <websiteId>, set OPENFAST_WEBSITE, or run 'openfast config set-website <websiteId>' ('openfast websites list' shows your websites)")
}

// interactive reports whether standard input and standard error are a
// terminal, where the command may ask questions.
func (s *session) interactive() bool {
	return isTerminal(s.in) && isTerminal(s.errOut)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// promptWebsite lists the websites and asks which one to use.
func (s *session) promptWebsite() (string, error) {
	c, err := s.client()
	if err != nil {
		return "", err
	}
	sites, _, err := c.Websites(s.ctx)
	if err != nil {
		return "", err
	}
	if len(sites) == 0 {
		return "", usagef("this account has no website yet: create one with 'openfast websites create --domain example.com --timezone UTC'")
	}
	fmt.Fprintln(s.errOut, "This command needs a website:")
	t := newTable(s.errOut, "", "WEBSITE ID", "DOMAIN", "ROLE")
	for i, w := range sites {
		t.row(strconv.Itoa(i+1), w.ID, w.Domain, str(w.Role))
	}
	t.flush()
	answer, err := s.ask(fmt.Sprintf("Website (1-%d or an id): ", len(sites)))
	if err != nil {
		return "", err
	}
	if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(sites) {
		answer = sites[n-1].ID
	}
	if answer == "" {
		return "", usagef("no website chosen")
	}
	fmt.Fprintf(s.errOut, "Tip: 'openfast config set-website %s' makes it the default.\n", answer)
	return answer, nil
}

// ask prints a question on standard error and reads a line of standard
// input.
func (s *session) ask(question string) (string, error) {
	fmt.Fprint(s.errOut, question)
	if s.stdin == nil {
		s.stdin = bufio.NewReader(s.in)
	}
	line, err := s.stdin.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the answer: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// confirm asks before a destructive action unless yes is set. Without a
// terminal it refuses: scripts pass --yes.
func (s *session) confirm(question string, yes bool) error {
	if yes {
		return nil
	}
	if !s.interactive() {
		return usagef("%s: pass --yes to confirm (no terminal to ask on)", strings.TrimSuffix(question, "?"))
	}
	answer, err := s.ask(question + " [y/N] ")
	if err != nil {
		return err
	}
	if a := strings.ToLower(answer); a != "y" && a != "yes" {
		return errors.New("cancelled")
	}
	return nil
}

// printJSON prints the data of an answer, indented.
func (s *session) printJSON(resp *client.Response) error {
	return writeJSON(s.out, resp.Data)
}

// output prints resp's data with --json, or calls table.
func (s *session) output(resp *client.Response, table func() error) error {
	if s.opts.json {
		return s.printJSON(resp)
	}
	return table()
}

// showSecret prints a raw key or token alone on the last line of standard
// output, after a description, and warns on standard error that it is
// shown once.
func (s *session) showSecret(resp *client.Response, description, secret string) error {
	if s.opts.json {
		if err := s.printJSON(resp); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(s.out, description)
		fmt.Fprintln(s.out, secret)
	}
	fmt.Fprintln(s.errOut, "warning: this secret is shown once and cannot be recovered; store it securely now.")
	return nil
}

// morePages tells on standard error, for tables, that more rows exist.
func (s *session) morePages(resp *client.Response, shown int) {
	if s.opts.json || resp == nil || resp.Pagination == nil {
		return
	}
	p := resp.Pagination
	next := p.Offset + shown
	switch {
	case p.Total != nil && *p.Total > next:
		fmt.Fprintf(s.errOut, "Rows %d-%d of %d; next page: --offset %d\n", p.Offset+1, next, *p.Total, next)
	case p.HasMore != nil && *p.HasMore:
		fmt.Fprintf(s.errOut, "More rows exist; next page: --offset %d\n", next)
	}
}

// Arguments.

// usageArgs makes the errors of an argument validator usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

// groupCommand returns a command that only holds subcommands: alone it
// prints its help; with an unknown subcommand it is a usage error.
func groupCommand(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if sugg := cmd.SuggestionsFor(args[0]); len(sugg) > 0 {
				msg += "; did you mean " + strings.Join(sugg, " or ") + "?"
			}
			return &usageError{errors.New(msg)}
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(subs...)
	return c
}

// splitList splits a comma-separated flag value, trimming items and
// dropping empty ones.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// allowedIPsFlag turns --allowed-ips (CIDR prefixes or addresses,
// separated by commas or spaces) into the allowedIps of a key or token. The
// server checks the entries.
func allowedIPsFlag(s string) ([]string, error) {
	list := splitList(strings.ReplaceAll(s, " ", ","))
	if len(list) == 0 {
		return nil, usagef("--allowed-ips needs at least one address or CIDR prefix, such as 10.0.0.0/8,203.0.113.7")
	}
	return list, nil
}

// allowedIPsColumn shows a key's or token's allowedIps in a list: "any"
// for none.
func allowedIPsColumn(list *[]string) string {
	if list == nil {
		return "any"
	}
	return joinList(*list, "any")
}

// expiryFlags turns --expires-in (a duration such as 30d or 12h) or
// --expires-at (ISO 8601) into the expiresAt of a new key or token, ""
// when neither is given. The server checks the time's range.
func expiryFlags(expiresIn, expiresAt string) (string, error) {
	switch {
	case expiresIn != "" && expiresAt != "":
		return "", usagef("give --expires-in or --expires-at, not both")
	case expiresAt != "":
		t, err := time.Parse(time.RFC3339Nano, expiresAt)
		if err != nil {
			return "", usagef("--expires-at must be an ISO 8601 date-time with a time zone, such as 2027-01-01T00:00:00Z")
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case expiresIn != "":
		d, err := parseLifetime(expiresIn)
		if err != nil {
			return "", err
		}
		return time.Now().Add(d).UTC().Format(time.RFC3339Nano), nil
	}
	return "", nil
}

// parseLifetime reads a positive duration in days (30d) or in Go's
// notation (12h, 90m).
func parseLifetime(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if n, err = strconv.Atoi(days); err == nil && n > 0 && n <= 100_000 {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, usagef("--expires-in must be a positive duration such as 30d, 90d or 12h")
	}
	return d, nil
}

// keyValueFlags parses repeated key=value flags.
func keyValueFlags(flag string, items []string) (map[string]string, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, item := range items {
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usagef("--%s %q: want key=value", flag, item)
		}
		out[k] = v
	}
	return out, nil
}

// jsonValue reads a flag value as JSON when it is valid JSON (true, 12,
// ["a"], null), else as a string.
func jsonValue(s string) any {
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		return v
	}
	return s
}
