package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/openfast/openfast/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Config is the config file that login writes: the server, the credential and the
// default website.
type Config struct {
	URL     string `json:"url,omitempty"`
	Token   string `json:"token,omitempty"`
	Website string `json:"website,omitempty"`
}

// configPath is $XDG_CONFIG_HOME/openfast/config.json, or
// $HOME/.config/openfast/config.json.
func configPath() (string, error) {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "openfast", "config.json"), nil
	}
	home := os.Getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil || home == "" {
			return "", errors.New("cannot find the config file: set HOME or XDG_CONFIG_HOME")
		}
	}
	return filepath.Join(home, ".config", "openfast", "config.json"), nil
}

// loadConfig reads the config file; a missing file is an empty config.
func loadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("config file %s is not valid JSON (%v): fix it, or remove it and log in again", path, err)
	}
	return &c, nil
}

// saveConfig writes the config file with mode 0600 in a folder with mode
// 0700, replacing the old file at once. An empty config removes the file.
func saveConfig(path string, c *Config) error {
	if *c == (Config{}) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove config file: %w", err)
		}
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("config folder: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".config-*.json") // mode 0600
	if err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a failure; a no-op after the rename
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write config file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write config file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	return nil
}

// credentialLabel describes a credential for people.
func credentialLabel(token string) string {
	switch {
	case client.IsAccountToken(token):
		return client.DisplayKey(token) + " (account token)"
	case client.IsWebsiteKey(token):
		return client.DisplayKey(token) + " (website key)"
	}
	return client.DisplayKey(token)
}

func (a *cliApp) loginCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "login [--url URL]",
		Short: "Check a token and save it with the server URL in the config file",
		Long: `Log in to a server: read a token, check it with GET /api/v1/admin/account,
and save the server URL and the token in $XDG_CONFIG_HOME/openfast/config.json
(or ~/.config/openfast/config.json), mode 0600.

The token is a dft_ account token (create one with 'openfast tokens create',
or on the server with 'openfast admin bootstrap') or a df_ website key. It is
read from --token or OPENFAST_TOKEN, else from standard input: on a terminal
it is asked for without echo; otherwise the first line is read.`,
		Example: `  openfast login --url https://analytics.example.com
  openfast admin bootstrap --email you@example.com | tail -n 1 | openfast login
  openfast login --url http://127.0.0.1:8080 < token.txt`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error { return s.login() }),
	}
	return cmd
}

func (s *session) login() error {
	token := ""
	if s.tokenSource == fromFlag || s.tokenSource == fromEnv {
		token = s.token
	} else {
		var err error
		if token, err = s.readToken(); err != nil {
			return err
		}
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return usagef("no token given: pass it on standard input, with --token or OPENFAST_TOKEN")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return usagef("the token must be one word such as dft_... or df_...")
	}
	c, err := s.newClient(token)
	if err != nil {
		return usagef("%v", err)
	}
	acct, resp, err := c.Account(s.ctx)
	if err != nil {
		return fmt.Errorf("login to %s failed: %w", c.BaseURL(), err)
	}
	s.cfg.URL, s.cfg.Token = c.BaseURL(), token
	if acct.WebsiteID != "" {
		s.cfg.Website = acct.WebsiteID
	}
	if err := saveConfig(s.cfgPath, s.cfg); err != nil {
		return err
	}
	if s.opts.json {
		return s.printJSON(resp)
	}
	fmt.Fprintf(s.out, "Logged in to %s as %s with %s.\n", c.BaseURL(), acct.Email, credentialLabel(token))
	fmt.Fprintf(s.out, "Saved to %s.\n", s.cfgPath)
	return nil
}

// readToken reads the token from standard input: without echo on a
// terminal, else its first line.
func (s *session) readToken() (string, error) {
	if f, ok := s.in.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(s.errOut, "Paste a dft_ account token or a df_ website key for %s\n", s.url)
		fmt.Fprint(s.errOut, "(create one with 'openfast tokens create' or, on the server, 'openfast admin bootstrap').\nToken: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.errOut)
		if err != nil {
			return "", fmt.Errorf("read the token: %w", err)
		}
		return string(b), nil
	}
	b, err := io.ReadAll(io.LimitReader(s.in, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read the token from standard input: %w", err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line, nil
}

func (a *cliApp) logoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove the saved token from the config file",
		Long: `Remove the token from the config file; the server URL and the default website
stay. The token itself stays valid: revoke it with 'openfast tokens delete'.`,
		Example: `  openfast logout`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			if s.cfg.Token == "" {
				fmt.Fprintln(s.out, "Not logged in: the config file holds no token.")
			} else {
				shown := client.DisplayKey(s.cfg.Token)
				s.cfg.Token = ""
				if err := saveConfig(s.cfgPath, s.cfg); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "Logged out: removed %s from %s.\n", shown, s.cfgPath)
			}
			if _, ok := os.LookupEnv("OPENFAST_TOKEN"); ok {
				fmt.Fprintln(s.errOut, "note: OPENFAST_TOKEN is still set in the environment.")
			}
			return nil
		}),
	}
}

func (a *cliApp) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the account and credential in use",
		Long:  `Show the account of the token in use, with GET /api/v1/admin/account.`,
		Example: `  openfast whoami
  openfast whoami --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			acct, resp, err := c.Account(s.ctx)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				pairs := [][2]string{
					{"SERVER", c.BaseURL()},
					{"EMAIL", acct.Email},
					{"NAME", strPtr(acct.Name)},
					{"USER ID", acct.ID},
					{"CREDENTIAL", credentialLabel(s.token)},
				}
				if cr := acct.Credential; cr.Type != "" { // servers other than openfast send none
					pairs = append(pairs, [2]string{"PERMISSIONS", joinList(cr.Permissions, dash)})
					if !client.IsWebsiteKey(s.token) {
						pairs = append(pairs, [2]string{"WEBSITES", joinList(cr.WebsiteIDs, "all")})
					}
				}
				if acct.WebsiteID != "" {
					pairs = append(pairs, [2]string{"WEBSITE", acct.WebsiteID})
				}
				return keyValues(s.out, pairs)
			})
		}),
	}
}

func (a *cliApp) configCommand() *cobra.Command {
	setWebsite := &cobra.Command{
		Use:   "set-website <websiteId>",
		Short: "Set the default website of the commands that need one",
		Long: `Save the default website in the config file. Analytics, visitors, goals,
payments, identify, team, website keys and audit-log commands use it when
--website and OPENFAST_WEBSITE are not given (a df_ website key always uses
its own website). When a token is known, the website is checked first.
An empty id ("") removes the default.`,
		Example: `  openfast config set-website 665f0b3c4d2e1a0012345678
  openfast config set-website ""`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id := strings.TrimSpace(args[0])
			label := ""
			if id != "" && s.token != "" {
				c, err := s.client()
				if err != nil {
					return err
				}
				site, _, err := c.Website(s.ctx, id)
				if err != nil {
					return fmt.Errorf("website %s: %w", id, err)
				}
				label = " (" + site.Domain + ")"
			}
			s.cfg.Website = id
			if err := saveConfig(s.cfgPath, s.cfg); err != nil {
				return err
			}
			if id == "" {
				fmt.Fprintf(s.out, "Removed the default website from %s.\n", s.cfgPath)
				return nil
			}
			fmt.Fprintf(s.out, "Default website set to %s%s in %s.\n", id, label, s.cfgPath)
			return nil
		}),
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the settings in use and where they come from",
		Long: `Show the server URL, the token (masked like a displayKey) and the default
website that commands use, each with where it comes from: a flag, the
environment, the config file, or the default.`,
		Example: `  openfast config show
  OPENFAST_WEBSITE=665f0b3c4d2e1a0012345678 openfast config show --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			masked := ""
			if s.token != "" {
				masked = client.DisplayKey(s.token)
			}
			if s.opts.json {
				b, _ := json.Marshal(map[string]string{
					"url": s.url, "token": masked, "website": s.website, "configFile": s.cfgPath,
				})
				return writeJSON(s.out, b)
			}
			t := newTable(s.out, "SETTING", "VALUE", "SOURCE")
			t.row("url", s.url, string(s.urlSource))
			t.row("token", str(masked), string(s.tokenSource))
			t.row("website", str(s.website), string(s.websiteSource))
			t.row("config file", s.cfgPath, "")
			return t.flush()
		}),
	}
	return groupCommand("config", "Show the settings, set the default website",
		`Show the settings in use, and set the default website of the config file.`, setWebsite, show)
}
