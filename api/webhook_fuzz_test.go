package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfast/openfast/internal/providertest"
)

// FuzzWebhook sends fuzzed webhooks through the real router: any provider
// name, timestamp (in seconds from now), signature and body, signed with the website's secret or
// not. No input yields a panic or a 5xx, every answer is a DataFast
// envelope valid against openapi.yaml, and a refused webhook records
// nothing.
func FuzzWebhook(f *testing.F) {
	e := newIntegrationsEnv(f)
	e.connect("stripe", map[string]any{"stripeRak": "live_1", "webhookSecret": "whsec_fuzz"})
	e.connect("paddle", map[string]any{"paddleApiKey": "live_2"}) // no webhook secret
	for _, s := range []struct {
		provider  string
		offset    int64
		signature string
		sign      bool
		body      string
	}{
		{"stripe", 0, "", true, `{"id":"evt_1","payments":[{"ID":"pi_1","Amount":29.99,"Currency":"USD","Email":"a@example.com"}]}`},
		{"stripe", 0, "", true, `{"id":"evt_2","payments":[{"ID":"re_1","Amount":5,"Currency":"EUR","Refund":true,"VisitorID":"a3ab2331-989f-4cfa-91c6-2461c9e3c6bd"}]}`},
		{"stripe", 0, "", true, `{"id":"evt_3","payments":[{"ID":"","Amount":-1,"Currency":"usd!"},{"ID":"pi_2","Amount":1e300,"Currency":"XXX"}]}`},
		{"stripe", 0, "", true, `{"id":"evt_4","payments":[{"ID":"pi_3","Amount":1,"Currency":"USD","CheckoutKey":"stripe_session_id","CheckoutID":"cs_1","Time":"1999-01-01T00:00:00Z"}]}`},
		{"stripe", -600, "", true, `{"id":"evt_5"}`},
		{"stripe", 0, "00", false, `{"id":"evt_6"}`},
		{"paddle", 0, "", true, `{"id":"evt_7"}`},
		{"polar", 0, "", true, `{}`},
		{"../admin", 0, "", false, ``},
		{"stripe", 0, "", true, `{"id":`},
		{"stripe", 0, "", true, "\x00\xff"},
	} {
		f.Add(s.provider, s.offset, s.signature, s.sign, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, provider string, offset int64, signature string, sign bool, body []byte) {
		te := e.with(t)
		before := len(e.payments(t))
		provider = strings.NewReplacer("/", "", "?", "", "#", "", "%", "").Replace(provider)
		req, err := http.NewRequest("POST", e.http.URL+"/api/webhooks/"+provider+"/"+e.site, bytes.NewReader(body))
		if err != nil {
			t.Skip(err)
		}
		at := time.Now().Add(time.Duration(max(-1e9, min(offset, 1e9))) * time.Second)
		if sign {
			req.Header = providertest.Sign("whsec_fuzz", body, at)
		} else {
			req.Header.Set("Fake-Timestamp", strconv.FormatInt(at.Unix(), 10))
			req.Header.Set("Fake-Signature", headerValue(signature))
		}
		res := te.send(req, body)
		if res.status >= 500 {
			t.Fatalf("status %d for %q %q: %s", res.status, provider, body, res.body)
		}
		if res.status != http.StatusOK {
			res.fails(res.status)
			if after := len(e.payments(t)); after != before {
				t.Fatalf("a refused webhook (%d) recorded %d payments", res.status, after-before)
			}
		}
	})
}

// headerValue is s without the control characters that an HTTP header
// value cannot hold (the client refuses to send them).
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
