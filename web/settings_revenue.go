package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
)

// The Revenue section: the payment providers connected to a website, a
// form to connect each, the webhook URL to give the provider, and
// disconnect. Every action is the app method of its API twin; the keys
// sent are never shown again.

func (s *Server) revenueRoutes(mux *http.ServeMux, site func(siteHandler) http.Handler) {
	mux.Handle("GET "+settingsBase+"/revenue", site(s.revenuePage))
	mux.Handle("POST "+settingsBase+"/revenue/{provider}", site(s.connectProvider))
	mux.Handle("POST "+settingsBase+"/revenue/{provider}/disconnect", site(s.disconnectProvider))
}

// revenueView is the Revenue section's data.
type revenueView struct {
	Providers []providerRow
	Currency  string
}

// providerRow is one provider's connection, with its webhook URL made
// absolute (with --public-url, else the request's address).
type providerRow struct {
	app.IntegrationView
	WebhookURL string
}

func (s *Server) revenuePage(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	view := &settingsView{}
	if p, ok := app.ProviderByName(r.URL.Query().Get("connected")); ok {
		view.Notice = p.Label + " connected: the last 30 days of payments are being synced."
	}
	if p, ok := app.ProviderByName(r.URL.Query().Get("disconnected")); ok {
		view.Notice = p.Label + " disconnected; the payments recorded stay."
	}
	return s.showSettings(w, r, v, site, "revenue", http.StatusOK, view)
}

func (s *Server) loadRevenue(ctx context.Context, r *http.Request, v *visit, siteID string, view *settingsView) error {
	list, err := s.app.Integrations(ctx, v.caller, siteID)
	if err != nil {
		return err
	}
	rv := &revenueView{Currency: list.Currency}
	for _, p := range list.Providers {
		u := p.WebhookURL
		if strings.HasPrefix(u, "/") {
			u = s.baseURL(r) + u
		}
		rv.Providers = append(rv.Providers, providerRow{IntegrationView: p, WebhookURL: u})
	}
	view.Revenue = rv
	return nil
}

// connectProvider connects the provider of the path with the form's key,
// store or organization id, and webhook secret.
func (s *Server) connectProvider(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	if d, _ := app.Decide(app.ActConnectIntegration, v.caller.Principal, site.ID); !d.Allowed {
		return d.Err()
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p, ok := app.ProviderByName(r.PathValue("provider"))
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "Unknown payment provider.")
	}
	key, account, secret := r.PostFormValue("apiKey"), r.PostFormValue("account"), r.PostFormValue("webhookSecret")
	in := app.IntegrationInput{APIKey: &key, WebhookSecret: &secret}
	if p.AccountField != "" {
		in.Account = &account
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.ConnectIntegration(ctx, v.caller, site.ID, p.Name, in); err != nil {
		// The secrets are not shown again; the account id is.
		view := &settingsView{Values: map[string]string{"provider": p.Name, "account": account}}
		if openfast.ErrorCode(err) == openfast.EUNAVAILABLE {
			view.Error = openfast.ErrorMessage(err)
			return s.showSettings(w, r, v, site, "revenue", http.StatusServiceUnavailable, view)
		}
		return s.afterAction(w, r, v, site, "revenue", err, view)
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/revenue?connected="+p.Name)
}

// disconnectProvider disconnects the provider of the path.
func (s *Server) disconnectProvider(w http.ResponseWriter, r *http.Request, v *visit, site *app.Website) error {
	p, ok := app.ProviderByName(r.PathValue("provider"))
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "Unknown payment provider.")
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	if _, err := s.app.DisconnectIntegration(ctx, v.caller, site.ID, p.Name); err != nil {
		return s.afterAction(w, r, v, site, "revenue", err, &settingsView{})
	}
	return seeOther(w, r, "/websites/"+site.ID+"/settings/revenue?disconnected="+p.Name)
}
