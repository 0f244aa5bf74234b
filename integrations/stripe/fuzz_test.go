package stripe

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
)

// FuzzStripeWebhook: random headers and bodies, and random bodies signed
// as Stripe signs them (at now plus skew seconds), never panic, and any
// error is ErrSignature, ErrStale or an *InvalidError; a payment that comes
// out has an id, a currency and no negative amount.
func FuzzStripeWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("", body, true, int64(0))
		f.Add("t=1765060000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd", body, false, int64(0))
	}
	f.Add("t=,v1=", []byte("{}"), false, int64(0))
	f.Add("", []byte(`{"type":"charge.refunded","data":{"object":{"id":"ch_1","refunds":{"data":[null,{"id":"re_1","amount":1,"currency":"usd"}]}}}}`), true, int64(-301))

	p := New(Options{})
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, sig string, body []byte, sign bool, skew int64) {
		h := http.Header{}
		if sign {
			h = signed(body, testSecret, now.Add(time.Duration(skew%100000)*time.Second))
		} else if sig != "" {
			h["Stripe-Signature"] = []string{sig}
		}
		_, payments, err := p.Webhook(testSecret, h, body, now)
		if err != nil {
			var invalid *integrations.InvalidError
			if !errors.Is(err, integrations.ErrSignature) && !errors.Is(err, integrations.ErrStale) && !errors.As(err, &invalid) {
				t.Fatalf("Webhook error %T %v, want ErrSignature, ErrStale or an InvalidError", err, err)
			}
			if payments != nil {
				t.Fatalf("payments %v with error %v", payments, err)
			}
			return
		}
		if !sign {
			t.Fatalf("an unsigned request was accepted: %q", sig)
		}
		for _, pay := range payments {
			if pay.ID == "" || pay.Amount < 0 || len(pay.Currency) != 3 || pay.Currency != strings.ToUpper(pay.Currency) {
				t.Fatalf("payment %+v", pay)
			}
		}
	})
}
