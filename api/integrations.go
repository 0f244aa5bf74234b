package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/wireconv"
	"github.com/openfast/openfast/wire"
)

// integrationsOf is the wire shape of a website's integrations.
func integrationsOf(v *app.IntegrationsView) wire.Integrations {
	out := wire.Integrations{Currency: v.Currency}
	for _, p := range v.Providers {
		c := wire.ProviderConnection{Connected: p.Connected, WebhookURL: p.WebhookURL, WebhookConfigured: p.WebhookConfigured,
			KeyExpiresAt: wireconv.TimePtr(p.KeyExpiresAt), LastSyncedAt: wireconv.TimePtr(p.LastSyncedAt)}
		if p.Connected {
			c.ConnectedAt = wireconv.TimePtr(&p.ConnectedAt)
			c.Currency = nonEmpty(p.Currency)
			c.LastSyncError = nonEmpty(p.LastSyncError)
		}
		switch p.Name {
		case "stripe":
			out.Stripe = c
		case "lemonsqueezy":
			out.LemonSqueezy = c
		case "polar":
			out.Polar = c
		case "paddle":
			out.Paddle = c
		}
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listIntegrations: GET /admin/websites/{websiteId}/integrations.
func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, req *authRequest) error {
	v, err := s.app.Integrations(r.Context(), req.caller, req.websiteID)
	if err != nil {
		return err
	}
	writeData(w, []wire.Integrations{integrationsOf(v)})
	return nil
}

// connectIntegration: POST /admin/websites/{websiteId}/integrations/{provider},
// with the provider's members of §6.16 and webhookSecret.
func (s *Server) connectIntegration(p app.ProviderInfo) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, req *authRequest) error {
		body, err := readObjectOf(w, r, false, 64<<10, "64 KiB")
		if err != nil {
			return err
		}
		var in app.IntegrationInput
		fields := []struct {
			name string
			to   **string
		}{{p.KeyField, &in.APIKey}, {p.AccountField, &in.Account}, {app.WebhookSecretField, &in.WebhookSecret}}
		for _, f := range fields {
			if f.name == "" {
				continue
			}
			v, present, err := body.string(f.name)
			if err != nil {
				return err
			}
			if present {
				*f.to = &v
			}
		}
		res, err := s.app.ConnectIntegration(r.Context(), req.caller, req.websiteID, p.Name, in)
		if err != nil {
			return err
		}
		writeData(w, []wire.IntegrationConnected{{Message: res.Message, Currency: nonEmpty(res.Currency)}})
		return nil
	}
}

// disconnectIntegration: DELETE /admin/websites/{websiteId}/integrations/{provider}.
func (s *Server) disconnectIntegration(p app.ProviderInfo) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, req *authRequest) error {
		msg, err := s.app.DisconnectIntegration(r.Context(), req.caller, req.websiteID, p.Name)
		if err != nil {
			return err
		}
		writeData(w, []wire.Message{{Message: msg}})
		return nil
	}
}

// receiveWebhook: POST /api/webhooks/{provider}/{websiteId}, public: the
// provider's signature, checked with the secret stored for the website,
// authenticates it.
func (s *Server) receiveWebhook(w http.ResponseWriter, r *http.Request, _ *authRequest) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, app.MaxWebhookBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return openfast.Errorf(openfast.ETOOLARGE, "Webhook body is larger than 1 MiB.")
		}
		return openfast.Errorf(openfast.EINVALID, "Could not read the webhook body.")
	}
	res, err := s.app.ReceiveWebhook(r.Context(), r.PathValue("provider"), r.PathValue("websiteId"), r.Header, body)
	if err != nil {
		return err
	}
	writeData(w, []wire.WebhookReceived{{
		Message:  fmt.Sprintf("%d of %d payments recorded", res.Recorded, res.Payments),
		Payments: res.Payments, Recorded: res.Recorded, Duplicates: res.Duplicates, NotRecorded: len(res.Problems),
	}})
	return nil
}

// handlerFunc is the handler of a route.
type handlerFunc = func(w http.ResponseWriter, r *http.Request, req *authRequest) error
