package storetest

import (
	"os"
	"testing"
)

// RequireServersEnv names the environment variable that turns a missing
// server URL from a skipped test into a failed one (set it in CI, where the
// servers must be there).
const RequireServersEnv = "OPENFAST_REQUIRE_SERVERS"

// ServerURL returns the URL of a test server read from the environment
// variable env. When the variable is unset or empty the test is skipped with
// a message that names env and hint (how to start such a server), unless
// OPENFAST_REQUIRE_SERVERS=1, in which case the test fails instead.
func ServerURL(t *testing.T, env, hint string) string {
	t.Helper()
	if url := os.Getenv(env); url != "" {
		return url
	}
	msg := env + " not set"
	if hint != "" {
		msg += ": " + hint
	}
	if os.Getenv(RequireServersEnv) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, RequireServersEnv)
	}
	t.Skip(msg)
	return ""
}
