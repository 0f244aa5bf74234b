package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
)

// storeTypes are the interfaces through which data is read and written.
var storeTypes = []reflect.Type{
	reflect.TypeFor[openfast.MetadataStore](), reflect.TypeFor[openfast.UserStore](), reflect.TypeFor[openfast.WebsiteStore](),
	reflect.TypeFor[openfast.APIKeyStore](), reflect.TypeFor[openfast.AccessTokenStore](), reflect.TypeFor[openfast.TeamStore](),
	reflect.TypeFor[openfast.AuditLogStore](), reflect.TypeFor[openfast.CredentialUseStore](), reflect.TypeFor[openfast.SaltStore](),
	reflect.TypeFor[openfast.EventStore](), reflect.TypeFor[openfast.EventWriter](), reflect.TypeFor[analytics.Store](),
}

// reachesStore reports whether a value of type t is, holds or returns a
// store (one level deep: fields and method results).
func reachesStore(t reflect.Type) bool {
	for _, st := range storeTypes {
		if t == st || (t.Kind() != reflect.Interface && t.Implements(st)) || (t.Kind() == reflect.Interface && t.Implements(st)) {
			return true
		}
	}
	return t == reflect.TypeFor[analytics.Service]() || t == reflect.TypeFor[*analytics.Service]()
}

// TestHandlersReachStoresOnlyThroughApp: the API's handlers cannot reach a
// store except through the app layer. No source file of the package
// imports a store adapter or names a store type, the server holds no
// store, and the app hands none out.
func TestHandlersReachStoresOnlyThroughApp(t *testing.T) {
	adapters := []string{"/sqlite", "/postgres", "/duckdb", "/clickhouse", "/ingest", "/storetest"}
	files, err := filepath.Glob("*.go")
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
					t.Errorf("%s imports %s: handlers reach stores through app only", name, path)
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
				t.Errorf("%s: %s.%s names a store: handlers reach stores through app only", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("only %d files checked", checked)
	}

	server := reflect.TypeFor[Server]()
	for i := range server.NumField() {
		if f := server.Field(i); reachesStore(f.Type) {
			t.Errorf("Server.%s (%s) is a store", f.Name, f.Type)
		}
	}
	a := reflect.TypeFor[*app.App]()
	for i := range a.NumMethod() {
		m := a.Method(i)
		for j := range m.Type.NumOut() {
			if out := m.Type.Out(j); reachesStore(out) {
				t.Errorf("app.App.%s returns %s, a store", m.Name, out)
			}
		}
	}
}
