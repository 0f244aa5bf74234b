// Command gen writes the minified tracker scripts (script.min.js and
// script.cookieless.min.js) from script.js. go generate runs it in tracker/;
// the output is committed, so go build needs nothing else.
package main

import (
	"fmt"
	"os"

	"github.com/openfast/openfast/tracker/internal/build"
)

func main() {
	src, err := os.ReadFile("script.js")
	if err == nil {
		var outs []build.Output
		if outs, err = build.Scripts(src); err == nil {
			for _, o := range outs {
				if err = os.WriteFile(o.Name, o.Body, 0o644); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracker/gen:", err)
		os.Exit(1)
	}
}
