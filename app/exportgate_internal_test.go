package app

import (
	"errors"
	"testing"

	"github.com/openfast/openfast"
)

// TestExportGate: one export a website, MaxExports on the server, each
// refusal a rate limit that says when to retry.
func TestExportGate(t *testing.T) {
	g := newExportGate()
	refused := func(err error) bool {
		var retry *RetryError
		return errors.As(err, &retry) && retry.After > 0 && openfast.ErrorCode(err) == openfast.ERATELIMIT
	}
	releaseA, err := g.enter("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.enter("a"); !refused(err) {
		t.Fatalf("a second export of a: %v", err)
	}
	releaseB, err := g.enter("b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.enter("c"); !refused(err) {
		t.Fatalf("a third export on the server: %v", err)
	}
	releaseA()
	releaseA() // twice is once
	releaseC, err := g.enter("c")
	if err != nil {
		t.Fatalf("after a ended: %v", err)
	}
	releaseB()
	releaseC()
	if len(g.running) != 0 {
		t.Fatalf("%d exports left running", len(g.running))
	}
}
