package cli

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/openfast/openfast/client"
	"github.com/openfast/openfast/wire"
	"github.com/spf13/cobra"
)

// The Account API commands: tokens, websites, website keys, team,
// invitations and the audit log.

func (a *cliApp) tokensCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list",
		Short:   "List your account tokens (masked)",
		Example: `  openfast tokens list`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			tokens, resp, err := c.AccessTokens(s.ctx)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "NAME", "KEY", "PERMISSIONS", "WEBSITES", "ALLOWED IPS", "LAST USED", "REQUESTS 7D", "CREATED")
				for _, tk := range tokens {
					t.row(tk.ID, strPtr(tk.Name), tk.DisplayKey, joinList(tk.Permissions, dash), joinList(tk.WebsiteIDs, "all"), allowedIPsColumn(tk.AllowedIPs), whenPtr(tk.LastUsedAt), strconv.FormatInt(tk.Usage7d, 10), when(tk.CreatedAt))
				}
				return t.flush()
			})
		}),
	}

	var name, permissions, websites, expiresIn, expiresAt, allowedIPs string
	createCmd := &cobra.Command{
		Use:   "create [--name NAME] [--permissions a,b|*] [--websites id,id] [--expires-in 30d | --expires-at TIME] [--allowed-ips CIDR,CIDR]",
		Short: "Create an account token (dft_), shown once",
		Long: `Create a dft_ account token. By default it has every permission ("*") on
every website of the account; it can never exceed the calling token's.

--allowed-ips limits the token to client addresses (CIDR prefixes or
addresses); from elsewhere it is refused with 403. A token limited to some
addresses makes tokens limited within its own.

Permissions: *, analytics:read, goals:read, goals:write, payments:read,
payments:write, identify:write, websites:read, websites:write, settings:read,
settings:write, funnels:read, funnels:write, alerts:read, alerts:write,
team:read, team:write, api-keys:read, api-keys:write.

The raw token is printed alone on the last line, once.`,
		Example: `  openfast tokens create --name "CI" --permissions analytics:read,websites:read
  openfast tokens create --name agent --websites 665f0b3c4d2e1a0012345678 | tail -n 1
  openfast tokens create --name office --allowed-ips 203.0.113.0/24,2001:db8::/32`,
		Args: usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			var p client.CreateAccessTokenParams
			if s.cmd.Flags().Changed("name") {
				p.Name = &name
			}
			if s.cmd.Flags().Changed("permissions") {
				if p.Permissions = splitList(permissions); len(p.Permissions) == 0 {
					return usagef("--permissions needs at least one permission, or * for all")
				}
			}
			p.WebsiteIDs = splitList(websites)
			if p.ExpiresAt, err = expiryFlags(expiresIn, expiresAt); err != nil {
				return err
			}
			if s.cmd.Flags().Changed("allowed-ips") {
				if p.AllowedIPs, err = allowedIPsFlag(allowedIPs); err != nil {
					return err
				}
			}
			tk, resp, err := c.CreateAccessToken(s.ctx, p)
			if err != nil {
				return err
			}
			desc := fmt.Sprintf("Created account token %s (%s) with permissions %s on %s websites, from %s IP addresses.",
				tk.ID, strPtr(tk.Name), joinList(tk.Permissions, dash), joinList(tk.WebsiteIDs, "all"), allowedIPsColumn(tk.AllowedIPs))
			return s.showSecret(resp, desc, tk.Key)
		}),
	}
	createCmd.Flags().StringVar(&name, "name", "", "a name to recognize the token by")
	createCmd.Flags().StringVar(&permissions, "permissions", "", `comma-separated permissions, or "*" for all (default "*")`)
	createCmd.Flags().StringVar(&websites, "websites", "", "comma-separated websiteIds the token is limited to (default: all)")
	createCmd.Flags().StringVar(&expiresIn, "expires-in", "", "the token stops working after this long, such as 30d, 90d or 12h (default: never)")
	createCmd.Flags().StringVar(&expiresAt, "expires-at", "", "the token stops working at this ISO 8601 time, such as 2027-01-01T00:00:00Z (default: never)")
	createCmd.Flags().StringVar(&allowedIPs, "allowed-ips", "", "comma-separated CIDR prefixes or addresses the token may be used from (default: the calling token's, any address for most)")

	var yes bool
	deleteCmd := &cobra.Command{
		Use:   "delete <tokenId> [--yes]",
		Short: "Revoke an account token",
		Long: `Revoke one of your account tokens: its callers get 401 from then on. Asks
for confirmation on a terminal; scripts pass --yes.`,
		Example: `  openfast tokens delete 665f0b3c4d2e1a0012345678 --yes`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Revoke account token %s?", args[0]), yes); err != nil {
				return err
			}
			_, resp, err := c.DeleteAccessToken(s.ctx, args[0])
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "Revoked account token %s.\n", args[0])
				return err
			})
		}),
	}
	deleteCmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	var days int
	usageCmd := &cobra.Command{
		Use:   "usage <tokenId> [--days N]",
		Short: "Show an account token's requests per UTC day",
		Long: `Show how many requests one of your tokens authenticated on each UTC day, oldest
first, for the last 90 days or --days (1 to 90), with the 7-day count.`,
		Example: `  openfast tokens usage 6660a1b2c3d4e5f601234567 --days 7`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			u, resp, err := c.AccessTokenUsage(s.ctx, args[0], days)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return printUsage(s, u) })
		}),
	}
	usageCmd.Flags().IntVar(&days, "days", 0, "UTC days to show, today included, 1 to 90 (default 90)")

	return groupCommand("tokens", "List, create and revoke account tokens (dft_)",
		`Manage the dft_ account tokens of your user. A token has permissions and may be
limited to some websites; a df_ website key cannot call these commands.`,
		listCmd, createCmd, deleteCmd, usageCmd)
}

func (a *cliApp) websitesCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list",
		Short:   "List the websites you can access",
		Example: `  openfast websites list`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			sites, resp, err := c.Websites(s.ctx)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "DOMAIN", "NAME", "TIMEZONE", "CURRENCY", "ROLE", "TRACKING ID")
				for _, w := range sites {
					t.row(w.ID, w.Domain, strPtr(w.Name), w.Timezone, str(w.Currency), str(w.Role), w.TrackingID)
				}
				return t.flush()
			})
		}),
	}

	var domain, timezone, name string
	createCmd := &cobra.Command{
		Use:   "create (DOMAIN | --domain DOMAIN) [--timezone ZONE] [--name NAME]",
		Short: "Create a website and print its tracker snippet",
		Long: `Create a website owned by your user. The domain (an argument or --domain) is
the site's domain without a scheme; --timezone an IANA name (Europe/Paris, America/New_York, UTC) that
days and hours of its analytics are counted in: by default this machine's
(TZ, else /etc/localtime), else UTC.`,
		Example: `  openfast websites create example.com --timezone Europe/Paris --name "Example"`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			if len(args) == 1 {
				if domain != "" && domain != args[0] {
					return usagef("give the domain once: as an argument or with --domain")
				}
				domain = args[0]
			}
			if domain == "" {
				return usagef("the domain is required: openfast websites create example.com")
			}
			if timezone == "" {
				timezone = localTimezone()
				fmt.Fprintf(s.errOut, "note: --timezone not given: using %s, this machine's time zone.\n", timezone)
			}
			c, err := s.client()
			if err != nil {
				return err
			}
			p := client.CreateWebsiteParams{Domain: domain, Timezone: timezone}
			if s.cmd.Flags().Changed("name") {
				p.Name = &name
			}
			w, resp, err := c.CreateWebsite(s.ctx, p)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				snippet := fmt.Sprintf(`<script defer data-website-id="%s" data-domain="%s" src="%s/js/script.js"></script>`, w.TrackingID, w.Domain, c.BaseURL())
				return keyValues(s.out, [][2]string{
					{"WEBSITE ID", w.WebsiteID}, {"DOMAIN", w.Domain}, {"TRACKING ID", w.TrackingID}, {"SNIPPET", snippet},
				})
			})
		}),
	}
	createCmd.Flags().StringVar(&domain, "domain", "", "the website's domain, such as example.com (or give it as the argument)")
	createCmd.Flags().StringVar(&timezone, "timezone", "", "IANA time zone such as Europe/Paris or UTC (default: this machine's, else UTC)")
	createCmd.Flags().StringVar(&name, "name", "", "display name")

	getCmd := &cobra.Command{
		Use:     "get [websiteId]",
		Short:   "Show a website and its settings",
		Example: `  openfast websites get 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			w, resp, err := c.Website(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return websiteTable(s, w) })
		}),
	}

	updateCmd := a.websitesUpdateCommand()
	return groupCommand("websites", "List, create, show and update websites; manage their keys",
		`Manage websites and their df_ API keys.`,
		listCmd, createCmd, getCmd, updateCmd, a.apikeysCommand(), a.integrationsCommand())
}

// retentionText is a website's retentionDays as the table shows it.
func retentionText(days *int) string {
	if days == nil {
		return "forever (or the server's)"
	}
	return fmt.Sprintf("%d days", *days)
}

func argOr(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func websiteTable(s *session, w *wire.Website) error {
	return keyValues(s.out, [][2]string{
		{"ID", w.ID},
		{"DOMAIN", w.Domain},
		{"NAME", strPtr(w.Name)},
		{"TRACKING ID", w.TrackingID},
		{"TIMEZONE", w.Timezone},
		{"CURRENCY", str(w.Currency)},
		{"KPI", strPtr(w.KPI)},
		{"KPI COLOR SCHEME", strPtr(w.KPIColorScheme)},
		{"REVENUE METRIC", strPtr(w.RevenueMetric)},
		{"COOKIELESS", fmt.Sprint(w.IsCookieless)},
		{"INCLUDE RENEWAL REVENUE", fmt.Sprint(w.IncludeRenewalRevenue)},
		{"ALL HOSTNAMES ALLOWED", fmt.Sprint(w.IsAllHostnamesAllowed)},
		{"ALLOWED HOSTNAMES", joinList(w.AllowedHostnames, dash)},
		{"EXCLUDED IPS", joinList(w.ExcludedIPs, dash)},
		{"EXCLUDED PATHS", joinList(w.ExcludedPaths, dash)},
		{"EXCLUDED COUNTRIES", joinList(w.ExcludedCountries, dash)},
		{"EXCLUDED HOSTNAMES", joinList(w.ExcludedHostnames, dash)},
		{"WEEKLY REPORTS", fmt.Sprint(w.SendWeeklyReports)},
		{"VIRAL TRAFFIC ALERTS", fmt.Sprint(w.SendViralTrafficAlerts)},
		{"PUBLIC DASHBOARD", fmt.Sprint(w.IsPublicDashboardEnabled)},
		{"PUBLIC DATA", fmt.Sprint(w.IsPublicDataEnabled)},
		{"ATTACK MODE", fmt.Sprint(w.IsAttackModeEnabled)},
		{"RETENTION", retentionText(w.RetentionDays)},
		{"CREATED", when(w.CreatedAt)},
	})
}

// websiteSetting is a flag of `websites update` and the member of the PUT
// body it sets. What the flag takes follows the member's field in
// wire.Website: a string; a nullable string, where "" sends null (clears
// it); a bool; a list, comma-separated, where "" sends [].
type websiteSetting struct {
	flag, member, usage string
}

// Kinds of the fields of wire.Website that websiteSettings set.
var (
	settingString   = reflect.TypeFor[string]()
	settingNullable = reflect.TypeFor[*string]()
	settingBool     = reflect.TypeFor[bool]()
	settingList     = reflect.TypeFor[[]string]()
	settingDays     = reflect.TypeFor[*int]() // a number of days, or "forever" for null
)

// kind is the type of the setting's field in wire.Website; a member that
// wire.Website does not have is a bug of this table, and panics.
func (st websiteSetting) kind() reflect.Type {
	t := reflect.TypeFor[wire.Website]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name == st.member {
			return t.Field(i).Type
		}
	}
	panic("wire.Website has no member " + st.member)
}

var websiteSettings = []websiteSetting{
	{"domain", "domain", "domain, such as example.com"},
	{"name", "name", `display name ("" clears it)`},
	{"timezone", "timezone", "IANA time zone, such as Europe/Paris"},
	{"currency", "currency", "ISO 4217 currency code, such as EUR"},
	{"kpi", "kpi", `goal shown as the KPI ("" clears it)`},
	{"kpi-color-scheme", "kpiColorScheme", "KPI palette: red, orange, yellow, green, purple, pink, gray, blue, teal, indigo"},
	{"revenue-metric", "revenueMetric", `revenue ("" clears it; mrr is not available)`},
	{"cookieless", "isCookieless", "track without cookies"},
	{"include-renewal-revenue", "includeRenewalRevenue", "count renewals in revenue"},
	{"all-hostnames-allowed", "isAllHostnamesAllowed", "accept events from any hostname"},
	{"allowed-hostnames", "allowedHostnames", "comma-separated hostnames events may come from"},
	{"excluded-ips", "excludedIps", "comma-separated IP addresses or CIDR prefixes to ignore"},
	{"excluded-paths", "excludedPaths", "comma-separated paths to ignore, such as /admin"},
	{"excluded-countries", "excludedCountries", "comma-separated ISO country codes to ignore"},
	{"excluded-hostnames", "excludedHostnames", "comma-separated hostnames to ignore"},
	{"weekly-reports", "sendWeeklyReports", "email the team a report of each week, on Mondays"},
	{"viral-traffic-alerts", "sendViralTrafficAlerts", "email the owner when an hour has over 3 times its usual visitors"},
	{"public-dashboard", "isPublicDashboardEnabled", "share the analytics read-only, without sign-in, at /share/<domain>"},
	{"public-data", "isPublicDataEnabled", "public data (not available yet: only false)"},
	{"attack-mode", "isAttackModeEnabled", "attack mode"},
	{"retention-days", "retentionDays", "days of data kept before today (1 to 36500), older events are deleted; forever keeps them (or the server-wide --retention)"},
}

func (a *cliApp) websitesUpdateCommand() *cobra.Command {
	strs := map[string]*string{}
	bools := map[string]*bool{}
	var set []string
	cmd := &cobra.Command{
		Use:   "update [websiteId] [--setting value ...]",
		Short: "Change settings of a website",
		Long: `Change settings of a website: only the flags given are sent (a partial
update). Boolean settings take --flag or --flag=false; lists are
comma-separated and "" empties them. --set member=value sends any member of
the API body; the value is read as JSON when it is JSON (true, 3, ["a"]).`,
		Example: `  openfast websites update 665f0b3c4d2e1a0012345678 --name "Example" --currency EUR
  openfast websites update --excluded-paths /admin,/preview --cookieless
  openfast websites update --set sendWeeklyReports=false
  openfast websites update --retention-days 400
  openfast websites update --retention-days forever`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			changes := map[string]any{}
			for _, st := range websiteSettings {
				if !s.cmd.Flags().Changed(st.flag) {
					continue
				}
				switch st.kind() {
				case settingString:
					changes[st.member] = *strs[st.flag]
				case settingNullable:
					if v := *strs[st.flag]; v != "" {
						changes[st.member] = v
					} else {
						changes[st.member] = nil
					}
				case settingBool:
					changes[st.member] = *bools[st.flag]
				case settingList:
					items := splitList(*strs[st.flag])
					if items == nil {
						items = []string{}
					}
					changes[st.member] = items
				case settingDays:
					v := strings.TrimSpace(*strs[st.flag])
					if strings.EqualFold(v, "forever") {
						changes[st.member] = nil
						break
					}
					n, err := strconv.Atoi(v)
					if err != nil {
						return usagef("--%s %q: want a number of days or forever", st.flag, v)
					}
					changes[st.member] = n
				}
			}
			for _, item := range set {
				k, v, ok := strings.Cut(item, "=")
				if !ok || strings.TrimSpace(k) == "" {
					return usagef("--set %q: want member=value", item)
				}
				changes[strings.TrimSpace(k)] = jsonValue(v)
			}
			if len(changes) == 0 {
				return usagef("nothing to update: give at least one setting flag (see --help)")
			}
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			w, resp, err := c.UpdateWebsite(s.ctx, id, changes)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return websiteTable(s, w) })
		}),
	}
	f := cmd.Flags()
	for _, st := range websiteSettings {
		if st.kind() == settingBool {
			bools[st.flag] = f.Bool(st.flag, false, st.usage)
		} else {
			strs[st.flag] = f.String(st.flag, "", st.usage)
		}
	}
	f.StringArrayVar(&set, "set", nil, "`member=value` to send in the API body (repeatable)")
	return cmd
}

// websiteAndID reads "[websiteId] <id>" arguments.
func (s *session) websiteAndID(args []string) (string, string, error) {
	if len(args) == 2 {
		w, err := s.websiteForPath(args[0])
		return w, args[1], err
	}
	w, err := s.websiteForPath("")
	return w, args[0], err
}

func (a *cliApp) apikeysCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list [websiteId]",
		Short:   "List the API keys of a website (masked)",
		Example: `  openfast websites apikeys list 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			keys, resp, err := c.APIKeys(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "NAME", "KEY", "PERMISSIONS", "CREATED BY", "ALLOWED IPS", "LAST USED", "REQUESTS 7D", "CREATED")
				for _, k := range keys {
					t.row(k.ID, strPtr(k.Name), k.DisplayKey, joinList(k.Permissions, dash), strPtr(k.CreatedBy), allowedIPsColumn(k.AllowedIPs), whenPtr(k.LastUsedAt), strconv.FormatInt(k.Usage7d, 10), when(k.CreatedAt))
				}
				return t.flush()
			})
		}),
	}

	var name, keyPerms, expiresIn, expiresAt, allowedIPs string
	createCmd := &cobra.Command{
		Use:   "create [websiteId] [--name NAME] [--permissions a,b|*] [--expires-in 30d | --expires-at TIME] [--allowed-ips CIDR,CIDR]",
		Short: "Create a df_ API key for a website, shown once",
		Long: `Create a df_ website API key. It reads the website's analytics and visitors,
and sends server-side goals, payments and identify calls, without a
websiteId. The raw key is printed alone on the last line, once.

By default the key holds every website permission ("*"), and the calling
credential must hold them all; --permissions gives it fewer. A key made
by a member is revoked when that member leaves the website.

--allowed-ips limits the key to client addresses (CIDR prefixes or
addresses); from elsewhere it is refused with 403. A credential limited to
some addresses makes keys limited within its own.`,
		Example: `  openfast websites apikeys create 665f0b3c4d2e1a0012345678 --name "Prod key"
  openfast websites apikeys create --name "payments only" --permissions payments:write
  KEY=$(openfast websites apikeys create --name backend | tail -n 1)
  openfast websites apikeys create --name backend --allowed-ips 10.0.0.0/8,2001:db8::/32`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			var n *string
			if s.cmd.Flags().Changed("name") {
				n = &name
			}
			p := client.CreateAPIKeyParams{Name: n}
			if s.cmd.Flags().Changed("permissions") {
				if p.Permissions = splitList(keyPerms); len(p.Permissions) == 0 {
					return usagef("--permissions needs at least one permission, or * for all")
				}
			}
			if p.ExpiresAt, err = expiryFlags(expiresIn, expiresAt); err != nil {
				return err
			}
			if s.cmd.Flags().Changed("allowed-ips") {
				if p.AllowedIPs, err = allowedIPsFlag(allowedIPs); err != nil {
					return err
				}
			}
			k, resp, err := c.CreateAPIKeyWith(s.ctx, id, p)
			if err != nil {
				return err
			}
			return s.showSecret(resp, fmt.Sprintf("Created API key %s (%s) for website %s with permissions %s, from %s IP addresses.",
				k.ID, strPtr(k.Name), k.WebsiteID, joinList(k.Permissions, dash), allowedIPsColumn(k.AllowedIPs)), k.Key)
		}),
	}
	createCmd.Flags().StringVar(&name, "name", "", "a name to recognize the key by")
	createCmd.Flags().StringVar(&keyPerms, "permissions", "", `comma-separated permissions, or "*" for every website permission (default "*")`)
	createCmd.Flags().StringVar(&expiresIn, "expires-in", "", "the key stops working after this long, such as 30d, 90d or 12h (default: never)")
	createCmd.Flags().StringVar(&expiresAt, "expires-at", "", "the key stops working at this ISO 8601 time, such as 2027-01-01T00:00:00Z (default: never)")
	createCmd.Flags().StringVar(&allowedIPs, "allowed-ips", "", "comma-separated CIDR prefixes or addresses the key may be used from (default: the calling credential's, any address for most)")

	var rollAllowedIPs string
	rollCmd := &cobra.Command{
		Use:   "roll [websiteId] <keyId> [--allowed-ips CIDR,CIDR|any]",
		Short: "Give an API key a new value; the old one stops working",
		Long: `Roll a website API key: it keeps its id and gets a new value, printed alone on
the last line, once. The old value is refused from the next request on.
--allowed-ips replaces the key's allowed addresses ("any" removes the
limit); without it the key keeps them.`,
		Example: `  openfast websites apikeys roll 665f0b3c4d2e1a0012345678 6660a1b2c3d4e5f601234567
  openfast websites apikeys roll 6660a1b2c3d4e5f601234567 --allowed-ips 10.0.0.0/8`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, keyID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			c, _ := s.client()
			var p client.RollAPIKeyParams
			if s.cmd.Flags().Changed("allowed-ips") {
				var list []string
				if strings.TrimSpace(rollAllowedIPs) != "any" {
					if list, err = allowedIPsFlag(rollAllowedIPs); err != nil {
						return err
					}
				}
				p.AllowedIPs = &list
			}
			k, resp, err := c.RollAPIKeyWith(s.ctx, site, keyID, p)
			if err != nil {
				return err
			}
			return s.showSecret(resp, fmt.Sprintf("Rolled API key %s of website %s: the previous value no longer works.", k.ID, k.WebsiteID), k.Key)
		}),
	}
	rollCmd.Flags().StringVar(&rollAllowedIPs, "allowed-ips", "", `comma-separated CIDR prefixes or addresses that replace the key's, or "any" (default: keep the key's)`)

	var yes bool
	deleteCmd := &cobra.Command{
		Use:   "delete [websiteId] <keyId> [--yes]",
		Short: "Revoke an API key",
		Long: `Revoke a website API key: its callers get 401 from then on. Asks for
confirmation on a terminal; scripts pass --yes.`,
		Example: `  openfast websites apikeys delete 665f0b3c4d2e1a0012345678 6660a1b2c3d4e5f601234567 --yes`,
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, keyID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Revoke API key %s of website %s?", keyID, site), yes); err != nil {
				return err
			}
			c, _ := s.client()
			_, resp, err := c.DeleteAPIKey(s.ctx, site, keyID)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "Revoked API key %s of website %s.\n", keyID, site)
				return err
			})
		}),
	}
	deleteCmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	var days int
	usageCmd := &cobra.Command{
		Use:   "usage [websiteId] <keyId> [--days N]",
		Short: "Show an API key's requests per UTC day",
		Long: `Show how many requests a website API key authenticated on each UTC day, oldest
first, for the last 90 days or --days (1 to 90), with the 7-day count.`,
		Example: `  openfast websites apikeys usage 665f0b3c4d2e1a0012345678 6660a1b2c3d4e5f601234567 --days 30`,
		Args:    usageArgs(cobra.RangeArgs(1, 2)),
		RunE: a.run(func(s *session, args []string) error {
			site, keyID, err := s.websiteAndID(args)
			if err != nil {
				return err
			}
			c, _ := s.client()
			u, resp, err := c.APIKeyUsage(s.ctx, site, keyID, days)
			if err != nil {
				return err
			}
			return s.output(resp, func() error { return printUsage(s, u) })
		}),
	}
	usageCmd.Flags().IntVar(&days, "days", 0, "UTC days to show, today included, 1 to 90 (default 90)")

	return groupCommand("apikeys", "List, create, roll, revoke and show the usage of a website's df_ API keys",
		`Manage the df_ API keys of a website. The website is the first argument, or
--website, OPENFAST_WEBSITE or the config file's default.`,
		listCmd, createCmd, rollCmd, deleteCmd, usageCmd)
}

func (a *cliApp) teamCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list [websiteId]",
		Short:   "List the members of a website",
		Example: `  openfast team list 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath(argOr(args, 0))
			if err != nil {
				return err
			}
			c, _ := s.client()
			members, resp, err := c.Team(s.ctx, id)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "USER ID", "NAME", "EMAIL", "ROLE", "JOINED")
				for _, m := range members {
					t.row(m.UserID, strPtr(m.Name), m.Email, m.Role, when(m.JoinedAt))
				}
				return t.flush()
			})
		}),
	}

	var role string
	inviteCmd := &cobra.Command{
		Use:   "invite <email> [--role viewer|member]",
		Short: "Invite someone to a website (owner only)",
		Long: `Invite a user by email to the website (--website, OPENFAST_WEBSITE or the
config file's default) as a viewer (read-only, the default) or a member.
Only the owner can invite, with a dft_ token. The invitee accepts with
'openfast invitations accept <invitationId>'.`,
		Example: `  openfast team invite bob@example.com --role member --website 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			if role != "" && role != "viewer" && role != "member" {
				return usagef("--role must be viewer or member")
			}
			id, err := s.websiteForPath("")
			if err != nil {
				return err
			}
			c, _ := s.client()
			inv, resp, err := c.InviteMember(s.ctx, id, args[0], role)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "Invited %s as %s to website %s (invitation %s).\nThey accept it with: openfast invitations accept %s\n",
					inv.Email, inv.Role, id, inv.InvitationID, inv.InvitationID)
				return err
			})
		}),
	}
	inviteCmd.Flags().StringVar(&role, "role", "", "viewer (default) or member")

	removeCmd := &cobra.Command{
		Use:     "remove <userId>",
		Short:   "Remove a member from a website (owner only)",
		Example: `  openfast team remove 6660a1b2c3d4e5f601234567 --website 665f0b3c4d2e1a0012345678`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			id, err := s.websiteForPath("")
			if err != nil {
				return err
			}
			c, _ := s.client()
			msg, resp, err := c.RemoveMember(s.ctx, id, args[0])
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				if _, err := fmt.Fprintf(s.out, "%s: user %s, website %s.\n", strings.TrimSuffix(msg.Message, "."), args[0], id); err != nil {
					return err
				}
				for _, k := range msg.RevokedAPIKeys {
					if _, err := fmt.Fprintf(s.out, "Revoked API key %s (%s), made on their authority.\n", k.ID, k.DisplayKey); err != nil {
						return err
					}
				}
				return nil
			})
		}),
	}
	return groupCommand("team", "List, invite and remove the members of a website",
		`Manage who can see a website. Roles: owner, member (most writes), viewer
(read-only). The website is --website, OPENFAST_WEBSITE or the config file's
default ('list' also takes it as an argument).`,
		listCmd, inviteCmd, removeCmd)
}

func (a *cliApp) invitationsCommand() *cobra.Command {
	listCmd := &cobra.Command{
		Use:     "list",
		Short:   "List the invitations addressed to you",
		Example: `  openfast invitations list`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			invs, resp, err := c.Invitations(s.ctx)
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "ID", "WEBSITE ID", "DOMAIN", "ROLE", "INVITED")
				for _, inv := range invs {
					t.row(inv.ID, inv.WebsiteID, inv.Domain, inv.Role, when(inv.CreatedAt))
				}
				return t.flush()
			})
		}),
	}
	acceptCmd := &cobra.Command{
		Use:     "accept <invitationId>",
		Short:   "Accept an invitation and join its website",
		Example: `  openfast invitations accept 6660a1b2c3d4e5f601234567`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			c, err := s.client()
			if err != nil {
				return err
			}
			acc, resp, err := c.AcceptInvitation(s.ctx, args[0])
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				_, err := fmt.Fprintf(s.out, "Joined %s (website %s) as %s.\n", acc.Domain, acc.WebsiteID, acc.Role)
				return err
			})
		}),
	}
	return groupCommand("invitations", "List and accept the invitations addressed to you",
		`List the pending invitations to websites addressed to your user's email, and
accept them (openfast routes; a dft_ token is needed).`,
		listCmd, acceptCmd)
}

func (a *cliApp) auditLogCommand() *cobra.Command {
	var account bool
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "audit-log [websiteId] [--account]",
		Short: "Show who changed what: a website's audit log, or your account's",
		Long: `Show the audit log of a website (keys, settings, team changes), newest first,
or with --account the account-level entries of your user (tokens, account).
Members and owners can read a website's log.`,
		Example: `  openfast audit-log 665f0b3c4d2e1a0012345678 --limit 20
  openfast audit-log --account`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: a.run(func(s *session, args []string) error {
			if account && len(args) > 0 {
				return usagef("--account and a websiteId do not go together")
			}
			if limit < 0 || offset < 0 {
				return usagef("--limit and --offset must not be negative")
			}
			c, err := s.client()
			if err != nil {
				return err
			}
			page := client.Page{Limit: limit, Offset: offset}
			var entries []client.AuditEntry
			var resp *client.Response
			if account {
				entries, resp, err = c.AccountAuditLog(s.ctx, page)
			} else {
				var id string
				if id, err = s.websiteForPath(argOr(args, 0)); err != nil {
					return err
				}
				entries, resp, err = c.AuditLog(s.ctx, id, page)
			}
			if err != nil {
				return err
			}
			return s.output(resp, func() error {
				t := newTable(s.out, "TIME", "ACTION", "BY", "TARGET", "IP")
				for _, e := range entries {
					target := strings.TrimSpace(e.Target.Type + " " + e.Target.ID)
					if e.Target.DisplayKey != nil && !slices.Contains([]string{"", e.Target.ID}, *e.Target.DisplayKey) {
						target += " (" + *e.Target.DisplayKey + ")"
					}
					t.row(when(e.CreatedAt), e.Action, str(e.Actor.DisplayKey), str(target), str(e.IP))
				}
				if err := t.flush(); err != nil {
					return err
				}
				s.morePages(resp, len(entries))
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&account, "account", false, "show your account's log instead of a website's")
	cmd.Flags().IntVar(&limit, "limit", 0, "entries per page (server default 50, at most 200)")
	cmd.Flags().IntVar(&offset, "offset", 0, "entries to skip")
	return cmd
}

// printUsage prints a credential's requests per day, then the totals.
func printUsage(s *session, u *client.CredentialUsage) error {
	t := newTable(s.out, "DATE", "REQUESTS")
	for _, d := range u.Days {
		t.row(d.Date, strconv.FormatInt(d.Requests, 10))
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(s.out, "\nTotal %d, last 7 days %d.\n", u.Total, u.Usage7d)
	return err
}
