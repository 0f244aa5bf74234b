package ingest

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// BenchmarkEvent measures the handler's work on one event, before the
// writer: decoding, checks, sanitizing, enrichment and sessions.
func BenchmarkEvent(b *testing.B) {
	f := newFixture(b, nil)
	for _, bc := range []struct{ name, body string }{
		{"pageview", `{"websiteId":"dfid_test","domain":"example.com","href":"https://example.com/pricing?utm_source=x","referrer":"https://www.google.com/",` +
			`"viewport":{"width":1280,"height":720},"visitorId":"` + visitorA + `","sessionId":"` + sessionA + `","type":"pageview","language":"en-US"}`},
		{"goal", `{"websiteId":"dfid_test","domain":"example.com","href":"https://example.com/pricing","referrer":null,` +
			`"visitorId":"` + visitorA + `","sessionId":"` + sessionA + `","type":"custom","extraData":{"eventName":"Sign Up","plan":"Pro","seats":3,"source":"pricing page, hero button"}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := []byte(bc.body)
			r := httptest.NewRequest("POST", "/api/events", nil)
			r.RemoteAddr = "127.0.0.1:50000"
			r.Header.Set("User-Agent", chromeMac)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, err := f.h.event(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParams measures the parameters of a goal: names checked,
// values sanitized, the whole encoded as JSON.
func BenchmarkParams(b *testing.B) {
	extra := map[string]json.RawMessage{"eventName": []byte(`"signup"`), "plan": []byte(`"Pro"`), "seats": []byte(`3`),
		"source": []byte(`"pricing page, hero button"`), "note": []byte(`"<b>one</b> & two"`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := params(extra, "eventName"); err != nil {
			b.Fatal(err)
		}
	}
}
