package storetest

import (
	"os"
	"strings"
	"testing"

	"github.com/openfast/openfast/internal/testskip"
)

// RequireServersEnv names the environment variable that turns a missing
// server URL from a skipped test into a failed one (set it in CI, where the
// servers must be there).
const RequireServersEnv = "OPENFAST_REQUIRE_SERVERS"

// serverNames names the servers of the variables that give their URLs.
var serverNames = map[string]string{
	"OPENFAST_TEST_POSTGRES_URL":   "PostgreSQL",
	"OPENFAST_TEST_CLICKHOUSE_URL": "ClickHouse",
}

// ServerURL returns the URL of a test server read from the environment
// variable env. When the variable is unset or empty the test is skipped with
// a message that names env and hint (how to start such a server), unless
// OPENFAST_REQUIRE_SERVERS=1, in which case the test fails instead.
func ServerURL(t *testing.T, env, hint string) string {
	t.Helper()
	return ServerURLs(t, hint, env)[0]
}

// ServerURLs is ServerURL for a test that needs several servers: it
// returns their URLs in the order of envs, or skips the test naming every
// variable that is not set.
func ServerURLs(t *testing.T, hint string, envs ...string) []string {
	t.Helper()
	urls := make([]string, len(envs))
	var missing, names []string
	for i, env := range envs {
		if urls[i] = os.Getenv(env); urls[i] == "" {
			missing = append(missing, env)
			names = append(names, serverName(env))
		}
	}
	if len(missing) == 0 {
		return urls
	}
	msg := strings.Join(missing, " and ") + " not set"
	if hint != "" {
		msg += ": " + hint
	}
	if os.Getenv(RequireServersEnv) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, RequireServersEnv)
	}
	testskip.Skip(t, strings.Join(names, " and "), "set "+strings.Join(missing, " and "), msg)
	return nil
}

func serverName(env string) string {
	if name, ok := serverNames[env]; ok {
		return name
	}
	return env
}
