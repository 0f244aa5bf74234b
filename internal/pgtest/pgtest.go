// Package pgtest gives tests an empty PostgreSQL database of their own on
// the test server (OPENFAST_TEST_POSTGRES_URL, see .ci/postgres).
package pgtest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// ServerEnv names the variable that holds the test server's URL.
const ServerEnv = "OPENFAST_TEST_POSTGRES_URL"

// FreshDatabase creates an empty database on the test server, dropped when
// the test ends, and returns its URL. It skips the test when no server is
// configured (fails instead with OPENFAST_REQUIRE_SERVERS=1).
func FreshDatabase(t *testing.T) string {
	t.Helper()
	server := storetest.ServerURL(t, ServerEnv, "start one with .ci/postgres start")
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", ServerEnv, err)
	}
	name := "openfast_test_" + openfast.NewID()
	admin := func(sql string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Fatalf("connect to the test server: %v", err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin(`CREATE DATABASE ` + name)
	t.Cleanup(func() { admin(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	u.Path = "/" + name
	return u.String()
}
