// Package layering checks, from a test, that a front door (api, web, mcp)
// reaches the stores only through the app layer: none of its source files
// imports a store adapter or names a store type.
package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// adapters are the packages that hold stores or write events.
var adapters = []string{"/sqlite", "/postgres", "/duckdb", "/clickhouse", "/ingest", "/storetest"}

// CheckSources fails t for every non-test Go file in dir that imports a
// store adapter or names a store type (openfast.*Store, openfast.EventWriter,
// analytics.Store, analytics.Service, analytics.VisitorStore). It fails too
// when fewer than minFiles files were checked (a wrong dir).
func CheckSources(t *testing.T, dir string, minFiles int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, a := range adapters {
				if strings.HasSuffix(path, a) {
					t.Errorf("%s imports %s: front doors reach stores through app only", name, path)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch {
			case pkg.Name == "openfast" && (strings.HasSuffix(sel.Sel.Name, "Store") || sel.Sel.Name == "EventWriter"),
				pkg.Name == "analytics" && (sel.Sel.Name == "Store" || sel.Sel.Name == "Service" || sel.Sel.Name == "VisitorStore"):
				t.Errorf("%s: %s.%s names a store: front doors reach stores through app only", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
			}
			return true
		})
	}
	if checked < minFiles {
		t.Fatalf("only %d files checked in %s", checked, dir)
	}
}
