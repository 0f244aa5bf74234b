package testskip

import "testing"

func TestLine(t *testing.T) {
	pg := need{"PostgreSQL", "set OPENFAST_TEST_POSTGRES_URL"}
	ch := need{"ClickHouse", "set OPENFAST_TEST_CLICKHOUSE_URL"}
	node := need{"Node.js", "install node"}
	for _, tc := range []struct {
		skipped map[need]int
		want    string
	}{
		{nil, ""},
		{map[need]int{node: 1}, "openfast p: skipped 1 test that needs Node.js (install node); bash .ci/run is the complete run"},
		{map[need]int{pg: 41}, "openfast p: skipped 41 tests that need PostgreSQL (set OPENFAST_TEST_POSTGRES_URL); bash .ci/run is the complete run"},
		{map[need]int{ch: 2, pg: 2, node: 1}, "openfast p: skipped 5 tests: 2 need ClickHouse (set OPENFAST_TEST_CLICKHOUSE_URL), " +
			"2 need PostgreSQL (set OPENFAST_TEST_POSTGRES_URL), 1 needs Node.js (install node); bash .ci/run is the complete run"},
	} {
		if got := line("p", tc.skipped); got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.skipped, got, tc.want)
		}
	}
}

// TestSkip: a skipped test is counted.
func TestSkip(t *testing.T) {
	t.Run("Skipped", func(t *testing.T) { Skip(t, "Chromium", "install chromium", "no Chromium") })
	if got := Line("p"); got != "openfast p: skipped 1 test that needs Chromium (install chromium); bash .ci/run is the complete run" {
		t.Fatalf("line %q", got)
	}
	mu.Lock()
	clear(skipped)
	mu.Unlock()
}
