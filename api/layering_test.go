package api

import (
	"reflect"
	"testing"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/analytics"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/internal/layering"
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
	layering.CheckSources(t, ".", 10)

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
