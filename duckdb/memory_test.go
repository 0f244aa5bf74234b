package duckdb

import (
	"strconv"
	"strings"
	"testing"
)

// TestDefaultMemoryLimit: a quarter of this machine's memory within
// [256MB, 512MB], in a form SetMemoryLimit takes and DuckDB then reports.
func TestDefaultMemoryLimit(t *testing.T) {
	got := DefaultMemoryLimit()
	if machineMemory() == 0 {
		t.Skip("the machine's memory is not readable here")
	}
	if !validMemorySize(got) || !strings.HasSuffix(got, "MB") {
		t.Fatalf("DefaultMemoryLimit() = %q", got)
	}
	mb, _ := strconv.ParseUint(strings.TrimSuffix(got, "MB"), 10, 64)
	want := min(max(machineMemory()/4/1_000_000, minDefaultMemoryMB), maxDefaultMemoryMB)
	if mb != want || mb < 256 || mb > 512 {
		t.Fatalf("DefaultMemoryLimit() = %q, want %dMB within [256MB, 512MB]", got, want)
	}
	d, err := OpenDataDir(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetMemoryLimit(t.Context(), got); err != nil {
		t.Fatal(err)
	}
	var set string
	if err := d.SQL().QueryRow("SELECT current_setting('memory_limit')").Scan(&set); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(set, "iB") {
		t.Fatalf("memory_limit is %q after setting %q", set, got)
	}
	t.Logf("%s: DuckDB says %s", got, set)
}
