package duckdb

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Bounds of DefaultMemoryLimit, in MB (DuckDB's MB: 10^6 bytes).
const (
	minDefaultMemoryMB = 256
	maxDefaultMemoryMB = 512
)

// DefaultMemoryLimit is the memory cap serve gives DuckDB when
// --event-db-memory is not set: a quarter of the memory the process may
// use (the machine's, or its container's cgroup limit when lower), at
// least 256MB and at most 512MB, e.g. "512MB". DuckDB's own default, 80%
// of the machine, lets its block cache grow to most of a small server's
// memory. On the 10M-event benchmark the reads took 5-7% longer at 512MB
// than with DuckDB's default on a 24 GB machine (docs/benchmarks.md). It
// returns "" (DuckDB's default) when the memory cannot be read.
func DefaultMemoryLimit() string {
	total := machineMemory()
	if total == 0 {
		return ""
	}
	mb := min(max(total/4/1_000_000, minDefaultMemoryMB), maxDefaultMemoryMB)
	return strconv.FormatUint(mb, 10) + "MB"
}

// machineMemory is the memory in bytes that /proc/meminfo reports, or
// the cgroup (v2) limit of the process when lower; 0 when unknown.
func machineMemory() uint64 {
	var total uint64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
				if kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					total = kb << 10
				}
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if limit, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}
