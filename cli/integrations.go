package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/openfast/openfast/wire"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// integrationProvider finds a payment provider by name.
func integrationProvider(name string) (wire.IntegrationProvider, error) {
	var names []string
	for _, p := range wire.IntegrationProviders {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return wire.IntegrationProvider{}, usagef("unknown payment provider %q: use %s", name, strings.Join(names, ", "))
}

// readSecrets reads the secrets of a connection from standard input: on a
// terminal, asked for without echo, one per prompt; otherwise one per line,
// in the order of prompts. Secrets are never printed.
func (s *session) readSecrets(prompts []string) ([]string, error) {
	out := make([]string, len(prompts))
	if f, ok := s.in.(*os.File); ok && isTerminal(f) {
		for i, p := range prompts {
			fmt.Fprint(s.errOut, p+": ")
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(s.errOut)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", p, err)
			}
			out[i] = strings.TrimSpace(string(b))
		}
		return out, nil
	}
	r := bufio.NewReader(io.LimitReader(s.in, 64<<10))
	for i, p := range prompts {
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return nil, usagef("no %s on standard input (line %d)", p, i+1)
		}
		out[i] = strings.TrimSpace(line)
	}
	return out, nil
}

func (a *cliApp) integrationsCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:   "list [websiteId]",
		Short: "Show which payment providers are connected to a website",
		Example: `  openfast websites integrations list 665f0b3c4d2e1a0012345678
  openfast websites integrations list --json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			in, resp, err := c.Integrations(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "PROVIDER", "CONNECTED", "CURRENCY", "WEBHOOK SECRET", "LAST SYNC", "SYNC ERROR", "WEBHOOK URL")
				for _, p := range wire.IntegrationProviders {
					conn := map[string]wire.ProviderConnection{"stripe": in.Stripe, "lemonsqueezy": in.LemonSqueezy, "polar": in.Polar, "paddle": in.Paddle}[p.Name]
					connected, secret := "no", "-"
					if conn.Connected {
						connected, secret = "yes", "not set"
						if conn.WebhookConfigured {
							secret = "set"
						}
					}
					t.row(p.Name, connected, strPtr(conn.Currency), secret, whenPtr(conn.LastSyncedAt), strPtr(conn.LastSyncError), conn.WebhookURL)
				}
				return t.flush()
			})
		}),
	}

	var account string
	var webhookSecret bool
	connectCmd := &cobra.Command{
		Use:   "connect <stripe|lemonsqueezy|polar|paddle> [websiteId] [--account <id>] [--webhook-secret]",
		Short: "Connect a payment provider: its payments show up attributed to their visitors",
		Long: `Connect a payment provider to the website. The API key is read from standard
input (asked for without echo on a terminal, else the first line), never
from the command line, so that it stays out of shell history and process
lists; with --webhook-secret the provider's webhook signing secret is read
next (the second line). --account is Lemon Squeezy's store id or Polar's
organization id. The server checks the key with the provider, stores it
encrypted, and syncs the last 30 days of payments.

Keys: Stripe a restricted key (rk_live_...); Lemon Squeezy an API key;
Polar an organization access token; Paddle an API key (pdl_live_...).
Webhooks go to the URL that 'openfast websites integrations list' shows.`,
		Example: `  openfast websites integrations connect stripe --webhook-secret
  printf '%s\n%s\n' "$STRIPE_RAK" "$STRIPE_WHSEC" | openfast websites integrations connect stripe 665f0b3c4d2e1a0012345678 --webhook-secret
  openfast websites integrations connect lemonsqueezy --account 12345 < lemonsqueezy.key`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			p, err := integrationProvider(args[0])
			if err != nil {
				return err
			}
			if p.AccountField != "" && account == "" {
				return usagef("--account is required for %s (the %s)", p.Label, p.AccountField)
			}
			if p.AccountField == "" && account != "" {
				return usagef("%s takes no --account", p.Label)
			}
			id, err := s.websiteForPath(argOr(args, 1))
			if err != nil {
				return err
			}
			prompts := []string{p.Label + " API key"}
			if webhookSecret {
				prompts = append(prompts, p.Label+" webhook signing secret")
			}
			secrets, err := s.readSecrets(prompts)
			if err != nil {
				return err
			}
			if secrets[0] == "" {
				return usagef("no %s API key on standard input", p.Label)
			}
			body := map[string]string{p.KeyField: secrets[0]}
			if p.AccountField != "" {
				body[p.AccountField] = account
			}
			if webhookSecret {
				body[wire.WebhookSecretField] = secrets[1]
			}
			c, _ := s.client()
			res, resp, err := c.ConnectIntegration(s.ctx, id, p.Name, body)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s (website %s, currency %s). The last 30 days of payments are being synced.\n",
					res.Message, id, strPtr(res.Currency))
				return err
			})
		}),
	}
	connectCmd.Flags().StringVar(&account, "account", "", "Lemon Squeezy's store id or Polar's organization id")
	connectCmd.Flags().BoolVar(&webhookSecret, "webhook-secret", false, "also read the provider's webhook signing secret (after the key)")

	var yes bool
	disconnectCmd := &cobra.Command{
		Use:   "disconnect <stripe|lemonsqueezy|polar|paddle> [websiteId] [--yes]",
		Short: "Disconnect a payment provider (the payments recorded stay)",
		Long: `Disconnect a payment provider: nothing more is synced or accepted by
webhook, the stored key is deleted, and the revenue recorded stays. Asks for
confirmation on a terminal; scripts pass --yes.`,
		Example: `  openfast websites integrations disconnect paddle --yes`,
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			p, err := integrationProvider(args[0])
			if err != nil {
				return err
			}
			id, err := s.websiteForPath(argOr(args, 1))
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Disconnect %s from website %s?", p.Label, id), yes); err != nil {
				return err
			}
			c, _ := s.client()
			msg, resp, err := c.DisconnectIntegration(s.ctx, id, p.Name)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "%s (website %s).\n", msg.Message, id)
				return err
			})
		}),
	}
	disconnectCmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	return groupCommand("integrations", "Connect payment providers (Stripe, Lemon Squeezy, Polar, Paddle)",
		`Connect payment providers to a website: their payments, refunds and renewals
are recorded and attributed to the visitors who paid.`,
		listCmd, connectCmd, disconnectCmd)
}
