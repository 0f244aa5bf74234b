// Command mockfixtures writes stripe-mock's fixtures with a paid Checkout
// Session and a paid renewal invoice, for the tests of package stripe
// (stripe-mock's own fixtures are an open, unpaid session and a draft
// invoice, which sync rightly leaves out), created, like the refund, at
// -created (an hour ago by default) rather than in 2009, so that they
// fall in a recent date range, and in the past. It reads the fixtures that stripe-mock bundles
// (embedded/openapi/fixtures3.json in its module) and writes the patched
// copy, for `stripe-mock -fixtures`:
//
//	go run ./integrations/stripe/internal/mockfixtures -in fixtures3.json -out fixtures.json
//
// .ci/stripe-mock does this; the tests of package stripe name what it
// changes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"
)

// VisitorID is the datafast_visitor_id in the session's and the invoice's
// subscription metadata.
const VisitorID = "3f8b2f6e-1d2a-4c5b-9a7e-0c1d2e3f4a5b"

// at is a time in the patches: seconds after -created.
type at int64

// patches are set on the fixtures' resources, key by key.
var patches = map[string]map[string]any{
	"refund": {"created": at(120)},
	"checkout.session": {
		"created":        at(0),
		"expires_at":     at(86400),
		"status":         "complete",
		"payment_status": "paid",
		"mode":           "payment",
		"amount_total":   2999,
		"currency":       "usd",
		"metadata":       map[string]any{"datafast_visitor_id": VisitorID},
	},
	"invoice": {
		"created":            at(0),
		"status":             "paid",
		"amount_paid":        1000,
		"amount_remaining":   0,
		"billing_reason":     "subscription_cycle",
		"customer_email":     "jenny.rosen@example.com",
		"customer_name":      "Jenny Rosen",
		"status_transitions": map[string]any{"finalized_at": at(0), "marked_uncollectible_at": nil, "paid_at": at(60), "voided_at": nil},
		"parent": map[string]any{
			"quote_details": nil,
			"subscription_details": map[string]any{
				"metadata":     map[string]any{"datafast_visitor_id": VisitorID},
				"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
			},
			"type": "subscription_details",
		},
	},
}

func main() {
	in := flag.String("in", "", "stripe-mock's fixtures3.json")
	out := flag.String("out", "", "where to write the patched fixtures")
	created := flag.Int64("created", time.Now().Add(-time.Hour).Unix(), "when the session and the invoice were created, in Unix seconds (the invoice is paid a minute later, the refund made two)")
	flag.Parse()
	if err := run(*in, *out, *created); err != nil {
		fmt.Fprintln(os.Stderr, "mockfixtures:", err)
		os.Exit(1)
	}
}

func run(in, out string, created int64) error {
	if in == "" || out == "" {
		return fmt.Errorf("-in and -out are required")
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var fixtures struct {
		Resources map[string]map[string]any `json:"resources"`
	}
	if err := json.Unmarshal(raw, &fixtures); err != nil {
		return fmt.Errorf("read %s: %w", in, err)
	}
	for name, patch := range patches {
		res, ok := fixtures.Resources[name]
		if !ok {
			return fmt.Errorf("%s has no %s fixture", in, name)
		}
		for k, v := range patch {
			res[k] = resolve(v, created)
		}
	}
	patched, err := json.Marshal(fixtures)
	if err != nil {
		return err
	}
	return os.WriteFile(out, patched, 0o644)
}

// resolve is v with its times (at) made Unix seconds after created.
func resolve(v any, created int64) any {
	switch v := v.(type) {
	case at:
		return created + int64(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = resolve(e, created)
		}
		return out
	}
	return v
}
