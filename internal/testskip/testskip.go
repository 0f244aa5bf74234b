// Package testskip counts the tests of a package that skip because this
// machine lacks a server or a program they need (PostgreSQL, ClickHouse,
// Chromium, Node.js), and says so in one line when the package's tests end.
//
// `go test ./...` prints "ok" for a package whose tests all skipped. A
// package whose tests may skip so calls Skip instead of t.Skip and runs its
// tests with
//
//	func TestMain(m *testing.M) { os.Exit(testskip.Main(m, "postgres")) }
//
// which ends the run with a line such as
//
//	openfast postgres: skipped 41 tests that need PostgreSQL (set OPENFAST_TEST_POSTGRES_URL); bash .ci/run is the complete run
package testskip

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/term"
)

// need is a thing a test needs and how to provide it.
type need struct{ what, how string }

var (
	mu      sync.Mutex
	skipped = map[need]int{}
)

// Skip skips t, with msg, because it needs what ("PostgreSQL"), which is
// provided as how says ("set OPENFAST_TEST_POSTGRES_URL"), and counts it
// for the line Main prints.
func Skip(t testing.TB, what, how, msg string) {
	t.Helper()
	mu.Lock()
	skipped[need{what, how}]++
	mu.Unlock()
	t.Skip(msg)
}

// Main runs the tests of m and returns their exit code. When some were
// skipped by Skip, it prints a line that counts them by what they need.
//
// The go command shows a test binary's output, standard output and
// standard error alike, only with -v (or -json), when the package fails,
// or when it tests the package in the current folder (`go test` without
// arguments): `go test ./...` discards the output of a package that passes.
// So when the tests passed without -v and standard output is not a
// terminal, the line is also written to the controlling terminal, if the
// process has one, where the person who ran `go test ./...` sees it (a
// result replayed from the test cache, "(cached)", prints nothing).
func Main(m *testing.M, pkg string) int {
	code := m.Run()
	line := Line(pkg)
	if line == "" {
		return code
	}
	fmt.Println(line)
	if code == 0 && !testing.Verbose() && !term.IsTerminal(int(os.Stdout.Fd())) {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			io.WriteString(tty, line+"\n")
			tty.Close()
		}
	}
	return code
}

// Line is the line that counts the tests skipped so far in package pkg, ""
// when none were.
func Line(pkg string) string {
	mu.Lock()
	defer mu.Unlock()
	return line(pkg, skipped)
}

func line(pkg string, skipped map[need]int) string {
	if len(skipped) == 0 {
		return ""
	}
	needs := make([]need, 0, len(skipped))
	total := 0
	for n, count := range skipped {
		needs = append(needs, n)
		total += count
	}
	// Most skipped first, then by name.
	slices.SortFunc(needs, func(a, b need) int {
		if d := skipped[b] - skipped[a]; d != 0 {
			return d
		}
		return strings.Compare(a.what, b.what)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "openfast %s: skipped %d %s", pkg, total, plural(total, "test", "tests"))
	if len(needs) == 1 {
		fmt.Fprintf(&b, " that %s %s (%s)", plural(total, "needs", "need"), needs[0].what, needs[0].how)
	} else {
		for i, n := range needs {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			fmt.Fprintf(&b, "%s%d %s %s (%s)", sep, skipped[n], plural(skipped[n], "needs", "need"), n.what, n.how)
		}
	}
	b.WriteString("; bash .ci/run is the complete run")
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
