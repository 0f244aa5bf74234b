package provhttp

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openfast/openfast/integrations"
)

func TestHexHMACEqual(t *testing.T) {
	key := []byte("secret")
	sig := hex.EncodeToString(HMAC(key, []byte("a"), []byte("b")))
	if !HexHMACEqual(key, sig, []byte("ab")) {
		t.Error("the parts' concatenation does not verify")
	}
	for name, s := range map[string]string{"Empty": "", "Short": sig[:62], "NotHex": "zz" + sig[2:], "Other": hex.EncodeToString(HMAC(key, []byte("ba")))} {
		if HexHMACEqual(key, s, []byte("ab")) {
			t.Errorf("%s signature verifies", name)
		}
	}
	if HexHMACEqual(nil, hex.EncodeToString(HMAC(nil, []byte("ab"))), []byte("ab")) {
		t.Error("an empty key verifies")
	}
}

func TestStep(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	id := func(t time.Time) time.Time { return t }
	pages := [][]time.Time{{day(9), day(8)}, {day(7), day(5)}, {day(4)}}
	page := func(n int) ([]time.Time, bool, error) { return pages[n-1], n == len(pages), nil }

	w := NewWalk(day(6))
	kept, err := Step(&w, 10, id, page)
	if err != nil || len(kept) != 3 || w.Page != 0 || !w.Newest.Equal(day(9)) {
		t.Errorf("back to the 6th: %v %+v %v", kept, w, err)
	}

	w = NewWalk(day(1))
	if kept, _ = Step(&w, 10, id, page); len(kept) != 5 || w.Page != 0 {
		t.Errorf("to the last page: %v %+v", kept, w)
	}

	// One page a step: the walk goes on where it stopped, even after a new
	// item pushed the others a place down.
	w = NewWalk(day(5))
	if kept, _ = Step(&w, 1, id, page); len(kept) != 2 || w.Page != 2 {
		t.Fatalf("first page: %v %+v", kept, w)
	}
	pages = [][]time.Time{{day(10), day(9)}, {day(8), day(7)}, {day(5), day(4)}}
	if kept, _ = Step(&w, 1, id, page); len(kept) != 2 || w.Page != 3 {
		t.Fatalf("second page: %v %+v", kept, w)
	}
	if kept, _ = Step(&w, 1, id, page); len(kept) != 1 || w.Page != 0 || !w.Newest.Equal(day(9)) {
		t.Fatalf("last page: %v %+v", kept, w)
	}
	// The next walk goes back to the newest item the last one saw.
	if kept, _ = Step(&w, 5, id, page); len(kept) != 2 || !w.From.Equal(day(9)) || !w.Newest.Equal(day(10)) {
		t.Errorf("next walk: %v %+v", kept, w)
	}

	back, err := ParseWalk(w.Parts())
	if err != nil || back != w {
		t.Errorf("round trip %+v %v, want %+v", back, err, w)
	}
	for _, bad := range [][]string{{"x", "y", "1"}, {FormatTime(day(1)), FormatTime(day(1)), "-1"}, {"a"}} {
		if _, err := ParseWalk(bad); !errors.Is(err, ErrCursor) {
			t.Errorf("ParseWalk(%q): %v", bad, err)
		}
	}
	boom := errors.New("boom")
	w = NewWalk(day(1))
	if _, err := Step(&w, 3, id, func(int) ([]time.Time, bool, error) { return nil, false, boom }); !errors.Is(err, boom) {
		t.Errorf("error %v", err)
	}
}

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(`{"a":1}`))
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
		case "/broken":
			w.WriteHeader(http.StatusBadGateway)
		case "/notjson":
			w.Write([]byte(`<html>`))
		}
	}))
	defer srv.Close()
	c := NewClient("Test", srv.URL, "", "", srv.Client())
	var out struct{ A int }
	ctx := context.Background()
	if err := c.Get(ctx, "k", "/ok", nil, "", &out); err != nil || out.A != 1 {
		t.Errorf("ok: %v %+v", err, out)
	}
	var inv *integrations.InvalidError
	for _, path := range []string{"/forbidden", "/missing"} {
		if err := c.Get(ctx, "k", path, nil, "no such thing", &out); !errors.As(err, &inv) {
			t.Errorf("%s: %v, want *InvalidError", path, err)
		}
	}
	var st *StatusError
	if err := c.Get(ctx, "k", "/broken", nil, "", &out); !errors.As(err, &st) || st.Status != http.StatusBadGateway {
		t.Errorf("broken: %v", err)
	}
	if err := c.Get(ctx, "k", "/missing", nil, "", &out); !errors.As(err, &st) {
		t.Errorf("404 without a message: %v", err)
	}
	if err := c.Get(ctx, "k", "/notjson", nil, "", &out); err == nil || errors.As(err, &inv) {
		t.Errorf("not JSON: %v", err)
	}
}

func TestCurrencyAndCursor(t *testing.T) {
	for in, want := range map[string]string{"usd": "USD", "EUR": "EUR", "": "", "us": "", "usd1": "", "u$d": ""} {
		if got := Currency(in); got != want {
			t.Errorf("Currency(%q) = %q, want %q", in, got, want)
		}
	}
	c := Cursor{FormatTime(time.Date(2026, 12, 5, 1, 2, 3, 4000, time.UTC)), "adj_1"}
	back, err := ParseCursor(c.String(), 2)
	if err != nil || back[1] != "adj_1" {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if tm, err := ParseTime(back[0]); err != nil || tm.Nanosecond() != 4000 {
		t.Errorf("time %v %v", tm, err)
	}
	if _, err := ParseCursor("a|b|c", 2); !errors.Is(err, ErrCursor) {
		t.Errorf("three parts for two: %v", err)
	}
}
