package wire_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfast/openfast/wire"
)

// TestGoldenAnswers decodes each golden answer of api's tests into its
// wire type, refusing unknown members, and encodes it again: the bytes
// must be the golden file's, so that the wire types write the answers
// the server writes today, member order, null and omission included.
func TestGoldenAnswers(t *testing.T) {
	type breakdown = wire.Paged[wire.BreakdownRow, wire.Pagination]
	for file, v := range map[string]any{
		"analytics_overview.json":          &wire.Success[[]wire.Overview]{},
		"analytics_timeseries.json":        &wire.Timeseries{},
		"analytics_realtime.json":          &wire.Success[[]wire.Realtime]{},
		"analytics_pages.json":             &breakdown{},
		"analytics_referrers.json":         &breakdown{},
		"analytics_countries.json":         &breakdown{},
		"analytics_regions.json":           &breakdown{},
		"analytics_cities.json":            &breakdown{},
		"analytics_browsers.json":          &breakdown{},
		"analytics_operating-systems.json": &breakdown{},
		"analytics_devices.json":           &breakdown{},
		"analytics_hostnames.json":         &breakdown{},
		"analytics_campaigns.json":         &breakdown{},
		"analytics_goals.json":             &breakdown{},
		"visitors_list.json":               &wire.Paged[wire.VisitorRow, wire.VisitorsPagination]{},
		"visitors_visitor.json":            &wire.Success[wire.VisitorProfile]{},
		"visitors_realtime_map.json":       &wire.Success[wire.RealtimeMap]{},
	} {
		t.Run(file, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("..", "api", "testdata", "golden", file))
			if err != nil {
				t.Fatal(err)
			}
			d := json.NewDecoder(bytes.NewReader(golden))
			d.DisallowUnknownFields()
			if err := d.Decode(v); err != nil {
				t.Fatalf("decode: %v", err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, b, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			if !bytes.Equal(got.Bytes(), golden) {
				t.Errorf("encoded again:\n%s\nwant:\n%s", got.Bytes(), golden)
			}
		})
	}
}
