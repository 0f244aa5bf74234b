package main

import (
	"context"
	"fmt"

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
	cmd.AddCommand(newBootstrapCommand(), newDeleteWebsiteCommand(), newMigrateCommand())
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
cannot be shown again.`,
		Example: `  TOKEN=$(openfast admin bootstrap --email you@example.com | tail -n 1)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/admin/account`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return fmt.Errorf("--email is required")
			}
			raw, u, err := bootstrap(cmd.Context(), &stores, email, name)
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
	return cmd
}

func bootstrap(ctx context.Context, stores *storeOptions, email, name string) (string, *openfast.User, error) {
	if _, err := openfast.NormalizeEmail(email); err != nil {
		return "", nil, err // before the data folder is created
	}
	store, err := stores.openMetadata(ctx)
	if err != nil {
		return "", nil, err
	}
	defer store.Close()
	a, err := app.New(app.Config{Metadata: store})
	if err != nil {
		return "", nil, err
	}
	return a.Bootstrap(ctx, email, name, "openfast admin bootstrap")
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
			store, err := stores.openMetadata(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			a, err := app.New(app.Config{Metadata: store})
			if err != nil {
				return err
			}
			if err := a.DeleteWebsiteAsOperator(cmd.Context(), id, "openfast admin delete-website"); err != nil {
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
