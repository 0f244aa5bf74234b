package wire_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/openfast/openfast/wire"
)

// The component schemas of api/openapi.yaml and the wire types must not
// drift: each object schema has the wire type's members (by JSON name),
// requires exactly the members that the type always writes (those without
// omitempty), and gives each member a type and a nullability that match
// the Go field's. Inline object schemas are compared with the field's
// struct, recursively.

// schemaTypes maps each object schema to the wire type that encodes it.
var schemaTypes = map[string]reflect.Type{
	"ErrorEnvelope":              reflect.TypeFor[wire.Error](),
	"Credential":                 reflect.TypeFor[wire.Credential](),
	"Account":                    reflect.TypeFor[wire.Account](),
	"Profile":                    reflect.TypeFor[wire.Profile](),
	"AccessToken":                reflect.TypeFor[wire.AccessToken](),
	"WebsiteListItem":            reflect.TypeFor[wire.WebsiteListItem](),
	"WebsiteCreated":             reflect.TypeFor[wire.WebsiteCreated](),
	"Website":                    reflect.TypeFor[wire.Website](),
	"APIKey":                     reflect.TypeFor[wire.APIKey](),
	"CredentialUsage":            reflect.TypeFor[wire.CredentialUsage](),
	"UsageDay":                   reflect.TypeFor[wire.UsageDay](),
	"APIKeyDeleted":              reflect.TypeFor[wire.APIKeyDeleted](),
	"Member":                     reflect.TypeFor[wire.Member](),
	"InvitationCreated":          reflect.TypeFor[wire.InvitationCreated](),
	"Invitation":                 reflect.TypeFor[wire.Invitation](),
	"InvitationAccepted":         reflect.TypeFor[wire.InvitationAccepted](),
	"AuditEntry":                 reflect.TypeFor[wire.AuditEntry](),
	"Pagination":                 reflect.TypeFor[wire.Pagination](),
	"Metadata":                   reflect.TypeFor[wire.Metadata](),
	"Message":                    reflect.TypeFor[wire.Message](),
	"Overview":                   reflect.TypeFor[wire.Overview](),
	"TimeseriesTotals":           reflect.TypeFor[wire.TimeseriesTotals](),
	"TimeseriesRow":              reflect.TypeFor[wire.TimeseriesRow](),
	"RevenueBreakdown":           reflect.TypeFor[wire.RevenueBreakdown](),
	"AnalyticsPagination":        reflect.TypeFor[wire.Pagination](),
	"TimeseriesResponse":         reflect.TypeFor[wire.Timeseries](),
	"Campaign":                   reflect.TypeFor[wire.Campaign](),
	"VisitorsPagination":         reflect.TypeFor[wire.VisitorsPagination](),
	"VisitorListIdentity":        reflect.TypeFor[wire.VisitorIdentity](),
	"VisitorAcquisition":         reflect.TypeFor[wire.Acquisition](),
	"VisitorListRow":             reflect.TypeFor[wire.VisitorRow](),
	"CampaignParams":             reflect.TypeFor[wire.CampaignParams](),
	"NamedSoftware":              reflect.TypeFor[wire.Software](),
	"VisitorIdentity":            reflect.TypeFor[wire.ProfileIdentity](),
	"VisitedPage":                reflect.TypeFor[wire.VisitedPage](),
	"CompletedGoal":              reflect.TypeFor[wire.CompletedGoal](),
	"VisitorActivity":            reflect.TypeFor[wire.ProfileActivity](),
	"VisitorProfile":             reflect.TypeFor[wire.IdentifiedProfile](),
	"Visitor":                    reflect.TypeFor[wire.VisitorProfile](),
	"MapVisitor":                 reflect.TypeFor[wire.MapVisitor](),
	"MapEvent":                   reflect.TypeFor[wire.MapEvent](),
	"MapPayment":                 reflect.TypeFor[wire.MapPayment](),
	"Alert":                      reflect.TypeFor[wire.Alert](),
	"AlertLog":                   reflect.TypeFor[wire.AlertLog](),
	"AlertHistoryResponse":       reflect.TypeFor[wire.AlertHistory](),
	"Funnel":                     reflect.TypeFor[wire.Funnel](),
	"FunnelStepDef":              reflect.TypeFor[wire.FunnelStepDef](),
	"FunnelResult":               reflect.TypeFor[wire.FunnelResult](),
	"FunnelResultStep":           reflect.TypeFor[wire.FunnelStep](),
	"GoalCustomization":          reflect.TypeFor[wire.GoalCustomization](),
	"GoalColor":                  reflect.TypeFor[wire.GoalColor](),
	"GoalCustomizationsResponse": reflect.TypeFor[wire.GoalCustomizations](),
	"ProviderConnection":         reflect.TypeFor[wire.ProviderConnection](),
	"StoreConnection":            reflect.TypeFor[wire.StoreConnection](),
	"Integrations":               reflect.TypeFor[wire.Integrations](),
	"IntegrationConnected":       reflect.TypeFor[wire.IntegrationConnected](),
	"WebhookReceived":            reflect.TypeFor[wire.WebhookReceived](),
}

// breakdownRows are the row schemas of the breakdowns: one wire type,
// wire.BreakdownRow, holds the members of all of them.
var breakdownRows = []string{
	"PagesRow", "ReferrersRow", "CountriesRow", "RegionsRow", "CitiesRow", "BrowsersRow",
	"OperatingSystemsRow", "DevicesRow", "HostnamesRow", "CampaignsRow", "GoalsRow",
}

// dataTypes maps the success envelopes whose data is declared inline to
// the wire type of that data (or of its items).
var dataTypes = map[string]reflect.Type{
	"RealtimeResponse":      reflect.TypeFor[wire.Realtime](),
	"RealtimeMapResponse":   reflect.TypeFor[wire.RealtimeMap](),
	"MemberRemovedResponse": reflect.TypeFor[wire.MemberRemoved](),
}

// notObjects are the component schemas that are not objects: building
// blocks of the others, and the error envelopes per status, which narrow
// ErrorEnvelope.
var notObjects = []string{
	"ObjectId", "Timestamp", "NullableTimestamp", "NullableString", "Role", "InvitedRole", "Permission",
	"KPIColorScheme", "RevenueMetric", "WebsiteKeyDisplay", "AccountTokenDisplay", "CredentialDisplay",
	"Uuid", "AlwaysNull",
	"BadRequestEnvelope", "UnauthorizedEnvelope", "ForbiddenEnvelope", "NotFoundEnvelope", "ConflictEnvelope",
	"PayloadTooLargeEnvelope", "TooManyRequestsEnvelope", "InternalErrorEnvelope", "ServiceUnavailableEnvelope",
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOpenAPISchemasMatchWireTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := doc.Components.Schemas
	for name, typ := range schemaTypes {
		ref := schemas[name]
		if ref == nil {
			t.Errorf("openapi.yaml has no schema %s (for wire.%s)", name, typ.Name())
			continue
		}
		compareObject(t, name, ref.Value, typ)
	}
	for name, typ := range dataTypes {
		data := schemas[name].Value.Properties["data"].Value
		if data.Type.Is("array") {
			data = data.Items.Value
		}
		compareObject(t, name+".data", data, typ)
	}

	// Every other schema is an envelope, a request body, a breakdown row
	// or a building block.
	for name := range schemas {
		switch {
		case schemaTypes[name] != nil, dataTypes[name] != nil, slices.Contains(breakdownRows, name), slices.Contains(notObjects, name):
		case strings.HasSuffix(name, "Response"):
			checkEnvelope(t, name, schemas[name].Value)
		case strings.HasSuffix(name, "Request"):
			// Request bodies are not answers: wire does not hold them.
		default:
			t.Errorf("schema %s has no wire type: add it to schemaTypes, or to the exceptions", name)
		}
	}
}

// TestOpenAPIBreakdownRows checks the breakdown row schemas against
// wire.BreakdownRow, which holds the members of all of them.
func TestOpenAPIBreakdownRows(t *testing.T) {
	doc := loadOpenAPI(t)
	parts := map[string]*openapi3.Schema{}
	for _, name := range breakdownRows {
		parts[name] = doc.Components.Schemas[name].Value
	}
	compareParts(t, parts, reflect.TypeFor[wire.BreakdownRow]())
}

// TestOpenAPIServerSideAnswers checks the answers of the server-side
// writes, which the document declares inline in their operations.
func TestOpenAPIServerSideAnswers(t *testing.T) {
	doc := loadOpenAPI(t)
	answer := func(method, path string) *openapi3.Schema {
		t.Helper()
		op := doc.Paths.Find(path).GetOperation(method)
		if op == nil {
			t.Fatalf("openapi.yaml has no %s %s", method, path)
		}
		return op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	}
	data := func(s *openapi3.Schema) *openapi3.Schema {
		d := s.Properties["data"].Value
		if d.Type.Is("array") {
			d = d.Items.Value
		}
		return d
	}
	compareObject(t, "POST /api/v1/goals", data(answer("POST", "/api/v1/goals")), reflect.TypeFor[wire.GoalCreated]())
	compareObject(t, "POST /api/v1/payments", answer("POST", "/api/v1/payments"), reflect.TypeFor[wire.PaymentRecorded]())
	compareObject(t, "POST /api/v1/identify", data(answer("POST", "/api/v1/identify")), reflect.TypeFor[wire.Identified]())
	compareParts(t, map[string]*openapi3.Schema{
		"DELETE /api/v1/goals":    data(answer("DELETE", "/api/v1/goals")),
		"DELETE /api/v1/payments": data(answer("DELETE", "/api/v1/payments")),
	}, reflect.TypeFor[wire.Deletion]())
}

// compareParts compares schemas that each hold some members of struct
// type typ: each member of a schema is one of typ's, of the same type;
// together they hold all of typ's; each requires the members typ always
// writes.
func compareParts(t *testing.T, parts map[string]*openapi3.Schema, typ reflect.Type) {
	t.Helper()
	fields := jsonFields(typ)
	seen := map[string]bool{}
	for name, s := range parts {
		for prop, ps := range s.Properties {
			f, ok := fields[prop]
			if !ok {
				t.Errorf("%s.%s is not a member of wire.%s", name, prop, typ.Name())
				continue
			}
			seen[prop] = true
			compareField(t, name+"."+prop, ps.Value, f)
		}
		for prop, f := range fields {
			if !f.omitempty && !slices.Contains(s.Required, prop) {
				t.Errorf("%s does not require %s, which wire.%s always writes", name, prop, typ.Name())
			}
		}
		for _, prop := range s.Required {
			if _, ok := s.Properties[prop]; !ok {
				t.Errorf("%s requires %s, which it does not declare", name, prop)
			}
		}
	}
	for prop := range fields {
		if !seen[prop] {
			t.Errorf("wire.%s.%s is in none of its schemas", typ.Name(), prop)
		}
	}
}

// checkEnvelope checks a success envelope: {status, data} as wire.Success,
// {status, data, pagination} as wire.Paged, except the timeseries, whose
// answer is wire.Timeseries.
func checkEnvelope(t *testing.T, name string, s *openapi3.Schema) {
	t.Helper()
	var typ reflect.Type
	if _, paged := s.Properties["pagination"]; paged {
		typ = reflect.TypeFor[wire.Paged[any, wire.Pagination]]()
	} else {
		typ = reflect.TypeFor[wire.Success[any]]()
	}
	if got, want := sortedKeys(s.Properties), sortedKeys(jsonFields(typ)); !slices.Equal(got, want) {
		t.Errorf("%s has members %v, want those of the envelope %v", name, got, want)
	}
	if got, want := sorted(s.Required), sortedKeys(jsonFields(typ)); !slices.Equal(got, want) {
		t.Errorf("%s requires %v, want %v", name, got, want)
	}
}

// field is a member of a wire type.
type field struct {
	typ       reflect.Type
	omitempty bool
}

// jsonFields returns the members of struct type typ by JSON name.
func jsonFields(typ reflect.Type) map[string]field {
	out := map[string]field{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out[name] = field{typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return out
}

// compareObject compares an object schema with struct type typ.
func compareObject(t *testing.T, path string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	fields := jsonFields(typ)
	if got, want := sortedKeys(s.Properties), sortedKeys(fields); !slices.Equal(got, want) {
		t.Errorf("%s: the schema has members %v, wire.%s has %v", path, got, typ.Name(), want)
	}
	var always []string
	for name, f := range fields {
		if !f.omitempty {
			always = append(always, name)
		}
	}
	if got, want := sorted(s.Required), sorted(always); !slices.Equal(got, want) {
		t.Errorf("%s: the schema requires %v; wire.%s always writes %v", path, got, typ.Name(), want)
	}
	for name, ps := range s.Properties {
		if f, ok := fields[name]; ok {
			compareField(t, path+"."+name, ps.Value, f)
		}
	}
}

// compareField compares a member's schema with its Go field: the JSON
// type, and null allowed exactly when the field can write null.
func compareField(t *testing.T, path string, s *openapi3.Schema, f field) {
	t.Helper()
	if s.Const != nil || (s.Type == nil || s.Type.IsEmpty()) && len(s.AnyOf) > 0 {
		return // a constant, or a union of formats: nothing to compare
	}
	typ := f.typ
	nullable := false
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
		// A pointer writes null unless omitempty drops it; a pointer to
		// a pointer under omitempty writes null for a nil inner one.
		nullable = !f.omitempty
		if typ.Kind() == reflect.Pointer {
			typ, nullable = typ.Elem(), true
		}
	}
	types := s.Type.Slice()
	if slices.Equal(types, []string{"null"}) {
		if !nullable {
			t.Errorf("%s: the schema is always null; the field (%v) cannot be", path, f.typ)
		}
		return
	}
	if got := s.Type.IncludesNull(); got != nullable {
		t.Errorf("%s: the schema allows null: %v; the field (%v) writes null: %v", path, got, f.typ, nullable)
	}
	want := jsonType(typ)
	if !slices.Contains(types, want) {
		t.Errorf("%s: the schema's type is %v; the field (%v) writes %s", path, types, f.typ, want)
		return
	}
	switch {
	case want == "object" && typ.Kind() == reflect.Struct && len(s.Properties) > 0:
		compareObject(t, path, s, typ)
	case want == "array" && s.Items != nil && typ.Elem().Kind() == reflect.Struct:
		compareObject(t, path+"[]", s.Items.Value, typ.Elem())
	}
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

// jsonType is the JSON type that encoding/json writes for typ.
func jsonType(typ reflect.Type) string {
	if typ == rawMessage {
		return "object" // the raw members of wire hold objects
	}
	switch typ.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	panic(fmt.Sprintf("no JSON type for %v", typ))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
