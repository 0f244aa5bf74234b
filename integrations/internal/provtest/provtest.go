// Package provtest helps test the providers: a fake API serving testdata
// fixtures, and the checks that every provider's webhook tests share.
package provtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
)

// Fixture reads testdata/name.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Route picks the fixture that answers a request: "" for a 404.
type Route func(r *http.Request) string

// API is a fake provider API: requests without "Bearer <token>" get a
// 401, the others the fixture that route picks. Requests lists the
// request URIs it answered.
type API struct {
	*httptest.Server
	Requests []string
}

// NewAPI starts a fake API, closed when the test ends.
func NewAPI(t testing.TB, token string, route Route) *API {
	t.Helper()
	a := &API{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Requests = append(a.Requests, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		name := route(r)
		if name == "" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not found"}`))
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(a.Close)
	return a
}

// WebhookError fails the test unless err is nil or one of the errors a
// Webhook may return.
func WebhookError(t testing.TB, err error) {
	t.Helper()
	var inv *integrations.InvalidError
	if err != nil && !errors.Is(err, integrations.ErrSignature) && !errors.Is(err, integrations.ErrStale) && !errors.As(err, &inv) {
		t.Fatalf("webhook error %v (%T) is not ErrSignature, ErrStale or *InvalidError", err, err)
	}
}

// Invalid fails the test unless err is an *integrations.InvalidError.
func Invalid(t testing.TB, err error) {
	t.Helper()
	var inv *integrations.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v (%T), want *InvalidError", err, err)
	}
}

// ByID indexes payments by id, failing on a repeated one.
func ByID(t testing.TB, ps []integrations.Payment) map[string]integrations.Payment {
	t.Helper()
	m := map[string]integrations.Payment{}
	for _, p := range ps {
		if _, dup := m[p.ID]; dup {
			t.Fatalf("payment %s returned twice", p.ID)
		}
		m[p.ID] = p
	}
	return m
}

// OldestFirst fails the test unless the payments are in time order.
func OldestFirst(t testing.TB, ps []integrations.Payment) {
	t.Helper()
	for i := 1; i < len(ps); i++ {
		if ps[i].Time.Before(ps[i-1].Time) {
			t.Fatalf("payments not oldest first: %s at %s after %s at %s", ps[i].ID, ps[i].Time, ps[i-1].ID, ps[i-1].Time)
		}
	}
}

// Sane fails the test unless every payment has an id, a currency and an
// amount that is not negative.
func Sane(t testing.TB, ps []integrations.Payment) {
	t.Helper()
	for _, p := range ps {
		if p.ID == "" || len(p.Currency) != 3 || p.Amount < 0 || p.Amount != p.Amount {
			t.Fatalf("payment %+v: id, currency or amount missing or wrong", p)
		}
	}
}

// One fails the test unless ps is one payment, and returns it.
func One(t testing.TB, ps []integrations.Payment) integrations.Payment {
	t.Helper()
	if len(ps) != 1 {
		t.Fatalf("%d payments, want 1: %+v", len(ps), ps)
	}
	return ps[0]
}

// Equal fails the test unless ps is the one payment want.
func Equal(t testing.TB, ps []integrations.Payment, want integrations.Payment) {
	t.Helper()
	if got := One(t, ps); got != want {
		t.Fatalf("payment\n %+v\nwant\n %+v", got, want)
	}
}

// Call sends a fixture's body to a provider's Webhook, signed as the
// provider signs it.
type Call func(t testing.TB, body []byte) (eventID string, ps []integrations.Payment, err error)

// Case is a webhook fixture and what its delivery must give.
type Case struct {
	Fixture string
	EventID string // "" to leave unchecked
	Want    []integrations.Payment
}

// Webhooks runs the cases, each in a subtest named by its fixture.
func Webhooks(t *testing.T, call Call, cases []Case) {
	for _, c := range cases {
		t.Run(c.Fixture, func(t *testing.T) {
			id, ps, err := call(t, Fixture(t, c.Fixture))
			if err != nil {
				t.Fatal(err)
			}
			if c.EventID != "" && id != c.EventID {
				t.Errorf("event id %q, want %q", id, c.EventID)
			}
			if len(ps) != len(c.Want) {
				t.Fatalf("payments %+v, want %+v", ps, c.Want)
			}
			for i := range ps {
				if ps[i] != c.Want[i] {
					t.Errorf("payment\n %+v\nwant\n %+v", ps[i], c.Want[i])
				}
			}
		})
	}
}

// Synced fails the test unless each webhook payment was synced too, under
// the same id and with the same amount, time and kind, so that the two
// are recorded once.
func Synced(t testing.TB, synced map[string]integrations.Payment, fromWebhook ...integrations.Payment) {
	t.Helper()
	for _, w := range fromWebhook {
		s, ok := synced[w.ID]
		switch {
		case !ok:
			t.Errorf("webhook payment %s not synced", w.ID)
		case s.Amount != w.Amount || s.Currency != w.Currency || !s.Time.Equal(w.Time) || s.Refund != w.Refund || s.Renewal != w.Renewal:
			t.Errorf("synced %+v, webhook %+v", s, w)
		}
	}
}

// Deliver sends the fixture name through call and returns its payments,
// failing the test on an error.
func Deliver(t testing.TB, call Call, name string) []integrations.Payment {
	t.Helper()
	_, ps, err := call(t, Fixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ps
}

// Sync calls p.Sync and checks what every sync must be: no error, more as
// wanted, n payments, each once, oldest first. It returns them by id and
// the next cursor.
func Sync(t testing.TB, p integrations.Provider, c integrations.Credentials, cursor string, since time.Time, wantMore bool, n int) (map[string]integrations.Payment, string) {
	t.Helper()
	ps, next, more, err := p.Sync(context.Background(), c, cursor, since)
	if err != nil {
		t.Fatalf("sync from %q: %v", cursor, err)
	}
	if more != wantMore {
		t.Errorf("sync from %q: more %v, want %v", cursor, more, wantMore)
	}
	OldestFirst(t, ps)
	Sane(t, ps)
	got := ByID(t, ps)
	if len(got) != n {
		t.Fatalf("sync from %q: %d payments, want %d: %+v", cursor, len(got), n, ps)
	}
	return got, next
}
