package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var metricsAddr = regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)

// get sends a GET to url and returns the status and body.
func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// With --metrics-listen (or OPENFAST_METRICS_LISTEN) /metrics and /readyz
// are served on that address only: the main listener answers them 404.
func TestServe_MetricsListen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts serverOptions
	}{
		{"Flag", serverOptions{args: []string{"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}}},
		{"Env", serverOptions{args: []string{"--listen", "127.0.0.1:0"}, env: []string{"OPENFAST_METRICS_LISTEN=127.0.0.1:0"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.args = append(tc.opts.args, "--data-dir", filepath.Join(t.TempDir(), "data"))
			srv := startServer(t, tc.opts)
			m := metricsAddr.FindStringSubmatch(srv.waitLog(t, `msg="metrics listening"`))
			if m == nil || m[1] == srv.addr || !strings.HasPrefix(m[1], "127.0.0.1:") {
				t.Fatalf("metrics listener address %v, want 127.0.0.1 with a port of its own (main: %s)", m, srv.addr)
			}
			opsURL := "http://" + m[1]

			for _, path := range []string{"/metrics", "/readyz"} {
				b := srv.expectStatus(t, http.StatusNotFound, http.MethodGet, path, "", nil)
				var env struct {
					Status string `json:"status"`
					Error  struct {
						Code int `json:"code"`
					} `json:"error"`
				}
				if err := json.Unmarshal(b, &env); err != nil || env.Status != "error" || env.Error.Code != http.StatusNotFound {
					t.Errorf("GET %s on the main listener: body %s, want the 404 error envelope", path, b)
				}
			}
			srv.expectStatus(t, http.StatusOK, http.MethodGet, "/healthz", "", nil)

			if status, body := get(t, srv.client, opsURL+"/metrics"); status != http.StatusOK ||
				!strings.Contains(body, "openfast_http_requests_total") || !strings.Contains(body, "openfast_events_") {
				t.Errorf("GET /metrics on the metrics listener: %d, want 200 with openfast_ metrics; body:\n%s", status, body)
			}
			if status, body := get(t, srv.client, opsURL+"/readyz"); status != http.StatusOK {
				t.Errorf("GET /readyz on the metrics listener: %d %s, want 200", status, body)
			}
			if status, _ := get(t, srv.client, opsURL+"/api/v1/admin/account"); status != http.StatusNotFound {
				t.Errorf("the metrics listener serves the API: status %d, want 404", status)
			}
		})
	}
}
