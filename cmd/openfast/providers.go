package main

import (
	"net/http"
	"time"

	"github.com/openfast/openfast/integrations"
	"github.com/openfast/openfast/integrations/lemonsqueezy"
	"github.com/openfast/openfast/integrations/paddle"
	"github.com/openfast/openfast/integrations/polar"
	"github.com/openfast/openfast/integrations/stripe"
)

// providerTimeout bounds each request to a payment provider's API.
const providerTimeout = 30 * time.Second

// paymentProviders are the payment providers that websites can connect,
// by name (integrations.Names), talking to the providers' production
// APIs. allowTest is --allow-test-payments: Lemon Squeezy then keeps its
// test-mode orders (the other providers tell test keys by their form, and
// the app refuses those unless allowed).
func paymentProviders(allowTest bool) map[string]integrations.Provider {
	client := func() *http.Client { return &http.Client{Timeout: providerTimeout} }
	return map[string]integrations.Provider{
		integrations.Stripe:       stripe.New(stripe.Options{HTTPClient: client()}),
		integrations.LemonSqueezy: lemonsqueezy.New(lemonsqueezy.Options{HTTPClient: client(), AllowTest: allowTest}),
		integrations.Polar:        polar.New(polar.Options{HTTPClient: client()}),
		integrations.Paddle:       paddle.New(paddle.Options{HTTPClient: client()}),
	}
}
