package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// With SeparateOps the operator routes leave the main handler (404 like
// any unknown path) and are served by OpsHandler, which serves nothing else.
func TestSeparateOps(t *testing.T) {
	e := newTestEnv(t, func(c *testConfig) { c.SeparateOps = true })
	e.do("GET", "/metrics", "", nil).fails(404, "No route for GET /metrics")
	e.do("GET", "/readyz", "", nil).fails(404, "No route for GET /readyz")
	if res := e.do("GET", "/healthz", "", nil); res.status != 200 {
		t.Fatalf("healthz on the main handler: %d %s", res.status, res.body)
	}

	opsServer := httptest.NewServer(e.srv.OpsHandler())
	t.Cleanup(opsServer.Close)
	ops := *e
	ops.http, ops.client = opsServer, opsServer.Client()
	res := ops.do("GET", "/metrics", "", nil)
	if res.status != 200 || !strings.Contains(string(res.body), `openfast_http_requests_total{method="GET",route="unmatched",status="404"} 2`) {
		t.Fatalf("metrics on the ops handler: %d %s", res.status, res.body)
	}
	if res := ops.do("GET", "/readyz", "", nil); res.status != 200 || res.json["status"] != "ready" {
		t.Fatalf("readyz on the ops handler: %d %s", res.status, res.body)
	}
	ops.do("GET", "/healthz", "", nil).fails(404)
	ops.do("GET", "/api/v1/admin/account", "", nil).fails(404)
}
