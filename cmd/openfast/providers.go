package main

import "github.com/openfast/openfast/integrations"

// paymentProviders are the payment providers that websites can connect,
// by name (integrations.Names). A provider missing here is refused by
// the connect route as not supported.
func paymentProviders() map[string]integrations.Provider {
	return map[string]integrations.Provider{}
}
