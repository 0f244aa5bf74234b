package api

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/openfast/openfast"
)

// FuzzUsageQuery sends any query string to the two usage routes: the
// answer is 200 with 1 to 90 zero-filled days, or a 400 in the error
// envelope, never a 5xx.
func FuzzUsageQuery(f *testing.F) {
	e := newTestEnv(f)
	e.setup()
	keyID, _ := e.key(e.admin, e.site)
	tokID := e.do(http.MethodGet, "/api/v1/admin/access-tokens", e.admin, nil).list()[0]["_id"].(string)
	paths := []string{
		"/api/v1/admin/websites/" + e.site + "/apikeys/" + keyID + "/usage",
		"/api/v1/admin/access-tokens/" + tokID + "/usage",
	}
	for _, s := range []string{"", "days=1", "days=90", "days=0", "days=91", "days=-1", "days=+7", "days=07", "days=1e2",
		"days=%00", "days=7&days=200", "days=99999999999999999999", "days=%E2%80%8B7", "foo=bar"} {
		f.Add(uint8(0), s)
		f.Add(uint8(1), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // not a query string a client can send
		}
		path := paths[int(which)%len(paths)] + "?" + q.Encode()
		req, err := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
		if err != nil {
			return // not a request a client can send
		}
		req.Header.Set("Authorization", "Bearer "+e.admin)
		res := e.with(t).send(req, nil)
		switch res.status {
		case http.StatusOK:
			d := res.ok().(map[string]any)
			days := d["days"].([]any)
			if len(days) < 1 || len(days) > openfast.UsageDays {
				t.Fatalf("GET %s: %d days", path, len(days))
			}
			if want := req.URL.Query().Get("days"); want != "" && strconv.Itoa(len(days)) != want {
				if n, err := strconv.Atoi(want); err != nil || n != len(days) {
					t.Fatalf("GET %s: %d days for days=%q", path, len(days), want)
				}
			}
		case http.StatusBadRequest:
			res.fails(res.status, "days must be an integer from 1 to 90")
		default:
			t.Fatalf("GET %s: status %d: %s", path, res.status, res.body)
		}
	})
}
