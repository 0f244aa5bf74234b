package ingest_test

import (
	"net/netip"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/openfast/openfast/enrich"
	"github.com/openfast/openfast/ingest"
	"github.com/openfast/openfast/internal/geotest"
)

// TestEventsHTTP_Coordinates: with a GeoIP city database, each pageview
// keeps where the database places its address, rounded to 2 decimals, and
// the realtime map places the visitor at its latest pageview; an address
// the database gives no coordinates for leaves them null, not 0,0.
func TestEventsHTTP_Coordinates(t *testing.T) {
	path := geotest.WriteMMDB(t, mmdbwriter.Options{DatabaseType: "GeoLite2-City", IPVersion: 6, RecordSize: 24,
		IncludeReservedNetworks: true}, map[string]mmdbtype.Map{ // the test addresses are documentation ranges
		"192.0.2.0/24": {
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String("GB")},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("ENG"), "names": mmdbtype.Map{"en": mmdbtype.String("England")}}},
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("London")}},
			"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(51.5142), "longitude": mmdbtype.Float64(-0.0931)},
		},
		"198.51.100.0/24": {"country": mmdbtype.Map{"iso_code": mmdbtype.String("FR")}},
	})
	geo, err := enrich.OpenGeoDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { geo.Close() })
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	s := newServerConfig(t, ingest.WriterConfig{QueueSize: 1000, MaxBatch: 100}, func(c *ingest.Config) {
		c.GeoIP, c.TrustedProxies = geo, trusted
	})

	place := func() (lat, lon any, location any) {
		t.Helper()
		s.count(t) // waits until the events are stored
		status, out := s.do(t, "GET", "/api/v1/analytics/realtime/map?websiteId="+s.site.ID, nil)
		data, _ := out["data"].(map[string]any)
		visitors, _ := data["visitors"].([]any)
		if status != 200 || len(visitors) != 1 {
			t.Fatalf("realtime map: %d %v", status, out)
		}
		v := visitors[0].(map[string]any)
		for _, k := range []string{"latitude", "longitude"} {
			if _, ok := v[k]; !ok {
				t.Fatalf("realtime map visitor without %s: %v", k, v)
			}
		}
		return v["latitude"], v["longitude"], v["location"]
	}

	s.send(t, "https://example.com/", "198.51.100.7", chrome)
	if lat, lon, loc := place(); lat != nil || lon != nil {
		t.Errorf("no coordinates in the database: latitude %v, longitude %v (%v), want null", lat, lon, loc)
	}
	s.send(t, "https://example.com/pricing", "192.0.2.1", chrome)
	if lat, lon, loc := place(); lat != 51.51 || lon != -0.09 {
		t.Errorf("London: latitude %v, longitude %v (%v), want 51.51, -0.09", lat, lon, loc)
	}
}
