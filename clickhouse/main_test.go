package clickhouse

import (
	"os"
	"testing"

	"github.com/openfast/openfast/internal/testskip"
)

// TestMain ends the run with a line that counts the tests skipped for want
// of what they need.
func TestMain(m *testing.M) { os.Exit(testskip.Main(m, "clickhouse")) }
