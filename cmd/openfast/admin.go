package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/spf13/cobra"
)

func newAdminCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Operator commands that act on the data folder directly",
		Long: `Operator commands. They open the metadata store directly (the data folder's
SQLite database, or PostgreSQL with --database-url), and work while the server
is running on it.`,
	}
	cmd.AddCommand(newBootstrapCommand(), newSetPasswordCommand(), newDeleteWebsiteCommand(), newMigrateCommand(),
		newBackupCommand(), newRestoreCommand())
	return cmd
}

func newBootstrapCommand() *cobra.Command {
	var email, name string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:   "bootstrap --email EMAIL",
		Short: "Create a user (if absent) and a new full-access account token",
		Long: `Create the user with this email if it does not exist, and a new dft_ account
token with permissions ["*"] for all of the user's websites. The raw token is
printed alone on the last line of standard output, once: it is not stored and
cannot be shown again. The first line names the data folder used.

The data folder must be the server's (--data-dir, OPENFAST_DATA_DIR): a
folder without a metadata database is refused unless --create is given.`,
		Example: `  TOKEN=$(openfast admin bootstrap --email you@example.com --data-dir /var/lib/openfast | tail -n 1)
  openfast admin bootstrap --email you@example.com --data-dir ./openfast-data --create
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/admin/account`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return fmt.Errorf("--email is required")
			}
			raw, u, err := bootstrap(cmd.Context(), &stores, email, name, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Account token for %s (user %s):\n%s\n", u.Email, u.ID, raw)
			fmt.Fprintln(cmd.ErrOrStderr(), "warning: this token is shown once and cannot be recovered; store it securely now.")
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email (required)")
	cmd.Flags().StringVar(&name, "name", "", "the user's name, when the user is created")
	stores.metadataFlags(cmd.Flags())
	stores.createFlag(cmd.Flags())
	return cmd
}

func bootstrap(ctx context.Context, stores *storeOptions, email, name string, out io.Writer) (string, *openfast.User, error) {
	if _, err := openfast.NormalizeEmail(email); err != nil {
		return "", nil, err // before the data folder is created
	}
	var raw string
	var u *openfast.User
	err := withOperatorApp(ctx, stores, out, func(a *app.App) (err error) {
		raw, u, err = a.Bootstrap(ctx, email, name, "openfast admin bootstrap")
		return err
	})
	return raw, u, err
}

// withOperatorApp runs fn with an App over the metadata store the flags
// name, for an operator command. The data folder must hold a metadata
// database already unless --create was given; its absolute path is
// written to out (nil: not written) first.
func withOperatorApp(ctx context.Context, stores *storeOptions, out io.Writer, fn func(*app.App) error) error {
	dir, err := stores.operatorDataDir()
	if err != nil {
		return err
	}
	if out != nil {
		if dir != "" {
			fmt.Fprintf(out, "Data folder: %s\n", dir)
		} else {
			fmt.Fprintln(out, "Metadata: PostgreSQL (--database-url)")
		}
	}
	store, err := stores.openMetadata(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		return err
	}
	return fn(a)
}

func newDeleteWebsiteCommand() *cobra.Command {
	var id string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:   "delete-website --id WEBSITE_ID",
		Short: "Delete a website with its keys, team and invitations",
		Long: `Delete a website. Its website keys, memberships and invitations are deleted
with it. A running server stops accepting the website's keys within a
second.`,
		Example: `  openfast admin delete-website --id 665f0b3c4d2e1a0012345678`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !openfast.ValidID(id) {
				return fmt.Errorf("--id must be a 24-character hex ObjectId")
			}
			err := withOperatorApp(cmd.Context(), &stores, nil, func(a *app.App) error {
				return a.DeleteWebsiteAsOperator(cmd.Context(), id, "openfast admin delete-website")
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted website %s.\n", id)
			return nil
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the website's _id (required)")
	stores.metadataFlags(cmd.Flags())
	return cmd
}

func newSetPasswordCommand() *cobra.Command {
	var email string
	var stores storeOptions
	cmd := &cobra.Command{
		Use:   "set-password --email EMAIL",
		Short: "Set a user's dashboard password (creating the user if absent)",
		Long: `Set the password a user signs in to the dashboard with, creating the user with
this email if there is none. The password is read from standard input: on a
terminal it is asked for twice, without echo; otherwise the first line is
taken. It must have at least 10 characters. Every session of the user ends.
The password is stored only as an argon2id hash.`,
		Example: `  openfast admin set-password --email you@example.com
  printf '%s\n' "$NEW_PASSWORD" | openfast admin set-password --email you@example.com`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return fmt.Errorf("--email is required")
			}
			if _, err := openfast.NormalizeEmail(email); err != nil {
				return err
			}
			pw, err := readNewPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			var created bool
			err = withOperatorApp(cmd.Context(), &stores, nil, func(a *app.App) (err error) {
				created, err = a.SetPasswordAsOperator(cmd.Context(), email, pw, "openfast admin set-password")
				return err
			})
			if err != nil {
				return err
			}
			what := "Password set"
			if created {
				what = "User created with this password"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s for %s; their sessions have ended.\n", what, strings.ToLower(strings.TrimSpace(email)))
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email (required)")
	stores.metadataFlags(cmd.Flags())
	stores.createFlag(cmd.Flags())
	return cmd
}

// readNewPassword reads a new password: asked twice without echo on a
// terminal, else the first line of in.
func readNewPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(label string) (string, error) {
			fmt.Fprint(prompt, label)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return "", fmt.Errorf("read the password: %w", err)
			}
			return string(b), nil
		}
		pw, err := ask("New password (at least 10 characters): ")
		if err != nil {
			return "", err
		}
		again, err := ask("Again: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", fmt.Errorf("the two passwords differ")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", fmt.Errorf("no password on standard input")
	}
	return line, nil
}
