package enrich

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/openfast/openfast/internal/geotest"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeMMDB writes a database holding records by network (CIDR) and returns its path.
func writeMMDB(t testing.TB, dbType string, ipVersion int, records map[string]mmdbtype.Map) string {
	t.Helper()
	return geotest.WriteMMDB(t, mmdbwriter.Options{DatabaseType: dbType, IPVersion: ipVersion, RecordSize: 24}, records)
}

func names(en string) mmdbtype.Map {
	return mmdbtype.Map{"en": mmdbtype.String(en), "de": mmdbtype.String(en + " (de)")}
}

// cityRecord is a record in the GeoLite2-City layout.
func cityRecord(cc, country string, subdivisions [][2]string, city string, lat, lon float64) mmdbtype.Map {
	rec := mmdbtype.Map{
		"continent":          mmdbtype.Map{"code": mmdbtype.String("XX"), "names": names("Somewhere")},
		"country":            mmdbtype.Map{"geoname_id": mmdbtype.Uint32(1), "iso_code": mmdbtype.String(cc), "names": names(country)},
		"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String(cc), "names": names(country)},
		"location": mmdbtype.Map{
			"accuracy_radius": mmdbtype.Uint16(20),
			"latitude":        mmdbtype.Float64(lat),
			"longitude":       mmdbtype.Float64(lon),
			"time_zone":       mmdbtype.String("Etc/UTC"),
		},
	}
	if len(subdivisions) > 0 {
		var subs mmdbtype.Slice
		for _, s := range subdivisions {
			subs = append(subs, mmdbtype.Map{"geoname_id": mmdbtype.Uint32(2), "iso_code": mmdbtype.String(s[0]), "names": names(s[1])})
		}
		rec["subdivisions"] = subs
	}
	if city != "" {
		rec["city"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(3), "names": names(city)}
	}
	return rec
}

func openTestDB(t testing.TB, path string) *GeoDB {
	t.Helper()
	db, err := OpenGeoDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestGeoDB_City(t *testing.T) {
	db := openTestDB(t, writeMMDB(t, "GeoLite2-City", 6, map[string]mmdbtype.Map{
		"81.2.69.0/24":   cityRecord("GB", "United Kingdom", [][2]string{{"ENG", "England"}}, "London", 51.5142, -0.0931),
		"1.128.0.0/11":   cityRecord("US", "United States", [][2]string{{"CO", "Colorado"}}, "Denver", 39.7392, -104.9903),
		"2a01:4f8::/32":  cityRecord("DE", "Germany", [][2]string{{"BY", "Bavaria"}, {"MF", "Middle Franconia"}}, "Nuremberg", 49.4478, 11.0683),
		"211.234.0.0/16": cityRecord("KR", "South Korea", [][2]string{{"44", "Chungcheongnam-do"}}, "Cheonan", 36.8065, 127.1522),
		"5.8.0.0/16":     cityRecord("RU", "Russia", nil, "", 55.7386, 37.6068),
		"2.56.0.0/16":    cityRecord("fr", "France", [][2]string{{"FR-IDF", "Île-de-France"}}, "Paris", 48.8566, 2.3522),
		"3.0.0.0/16":     {"continent": mmdbtype.Map{"code": mmdbtype.String("EU")}},
	}))
	tests := []struct {
		ip   string
		want Geo
	}{
		{"81.2.69.142", Geo{CountryCode: "GB", Region: "England", RegionCode: "GB-ENG", City: "London", Latitude: 51.5142, Longitude: -0.0931}},
		{"::ffff:81.2.69.1", Geo{CountryCode: "GB", Region: "England", RegionCode: "GB-ENG", City: "London", Latitude: 51.5142, Longitude: -0.0931}},
		{"1.150.3.4", Geo{CountryCode: "US", Region: "Colorado", RegionCode: "US-CO", City: "Denver", Latitude: 39.7392, Longitude: -104.9903}},
		{"2a01:4f8:c17:1::2", Geo{CountryCode: "DE", Region: "Bavaria", RegionCode: "DE-BY", City: "Nuremberg", Latitude: 49.4478, Longitude: 11.0683}},
		{"211.234.10.20", Geo{CountryCode: "KR", Region: "Chungcheongnam-do", RegionCode: "KR-44", City: "Cheonan", Latitude: 36.8065, Longitude: 127.1522}},
		{"5.8.1.1", Geo{CountryCode: "RU", Latitude: 55.7386, Longitude: 37.6068}},
		{"2.56.1.1", Geo{CountryCode: "FR", Region: "Île-de-France", RegionCode: "FR-IDF", City: "Paris", Latitude: 48.8566, Longitude: 2.3522}},
		{"3.0.0.1", Geo{}},      // a record without a country
		{"81.2.70.1", Geo{}},    // just outside 81.2.69.0/24
		{"9.9.9.9", Geo{}},      // not in the database
		{"2a01:4f9::1", Geo{}},  // just outside 2a01:4f8::/32
		{"2600:1f18::1", Geo{}}, // not in the database
		{"127.0.0.1", Geo{}},    // reserved
		{"fe80::1%eth0", Geo{}}, // link-local with a zone
		// 6to4 address of 81.2.69.1: the writer aliases 2002::/16 to IPv4.
		{"2002:5102:4501::1", Geo{CountryCode: "GB", Region: "England", RegionCode: "GB-ENG", City: "London", Latitude: 51.5142, Longitude: -0.0931}},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			got := db.Lookup(netip.MustParseAddr(tt.ip))
			if got != tt.want {
				t.Errorf("Lookup(%s)\n got %+v\nwant %+v", tt.ip, got, tt.want)
			}
		})
	}
	if got := db.Lookup(netip.Addr{}); got != (Geo{}) {
		t.Errorf("Lookup(invalid) = %+v, want zero", got)
	}
}

func TestGeoDB_CountryOnly(t *testing.T) {
	country := func(cc, name string) mmdbtype.Map {
		return mmdbtype.Map{
			"continent":          mmdbtype.Map{"code": mmdbtype.String("EU"), "names": names("Europe")},
			"country":            mmdbtype.Map{"iso_code": mmdbtype.String(cc), "names": names(name)},
			"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String(cc), "names": names(name)},
		}
	}
	db := openTestDB(t, writeMMDB(t, "GeoLite2-Country", 4, map[string]mmdbtype.Map{
		"81.2.69.0/24": country("GB", "United Kingdom"),
		"2.56.0.0/16":  country("FR", "France"),
	}))
	tests := []struct {
		ip   string
		want Geo
	}{
		{"81.2.69.142", Geo{CountryCode: "GB"}},
		{"2.56.200.1", Geo{CountryCode: "FR"}},
		{"::ffff:2.56.0.1", Geo{CountryCode: "FR"}},
		{"8.8.8.8", Geo{}},
		{"2a01:4f8::1", Geo{}}, // IPv6 in an IPv4-only database
	}
	for _, tt := range tests {
		if got := db.Lookup(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Lookup(%s) = %+v, want %+v", tt.ip, got, tt.want)
		}
	}
}

// TestGeoDB_FlatLayout reads the layout of ip-location-db's city databases.
func TestGeoDB_FlatLayout(t *testing.T) {
	db := openTestDB(t, writeMMDB(t, "ip-location-db-city", 6, map[string]mmdbtype.Map{
		"1.128.0.0/11": {
			"country_code": mmdbtype.String("US"),
			"state1":       mmdbtype.String("Colorado"),
			"state2":       mmdbtype.String(""),
			"city":         mmdbtype.String("Denver"),
			"postcode":     mmdbtype.String("80202"),
			"latitude":     mmdbtype.Float32(39.75),
			"longitude":    mmdbtype.Float32(-105),
			"timezone":     mmdbtype.String("America/Denver"),
		},
		"2a01:4f8::/32": {"country_code": mmdbtype.String("DE")},
	}))
	if got, want := db.Lookup(netip.MustParseAddr("1.130.0.1")), (Geo{CountryCode: "US", Region: "Colorado", City: "Denver", Latitude: 39.75, Longitude: -105}); got != want {
		t.Errorf("Lookup = %+v, want %+v", got, want)
	}
	if got, want := db.Lookup(netip.MustParseAddr("2a01:4f8::1")), (Geo{CountryCode: "DE"}); got != want {
		t.Errorf("Lookup = %+v, want %+v", got, want)
	}
}

func TestGeoDB_Concurrent(t *testing.T) {
	db := openTestDB(t, writeMMDB(t, "GeoLite2-City", 6, map[string]mmdbtype.Map{
		"81.2.69.0/24":  cityRecord("GB", "United Kingdom", [][2]string{{"ENG", "England"}}, "London", 51.5, -0.1),
		"2a01:4f8::/32": cityRecord("DE", "Germany", [][2]string{{"BY", "Bavaria"}}, "Nuremberg", 49.4, 11.0),
	}))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			ip, want := netip.MustParseAddr("81.2.69.7"), "London"
			if g%2 == 1 {
				ip, want = netip.MustParseAddr("2a01:4f8::7"), "Nuremberg"
			}
			for range 200 {
				if got := db.Lookup(ip).City; got != want {
					t.Errorf("Lookup(%s).City = %q, want %q", ip, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestGeoDB_NilAndErrors(t *testing.T) {
	var db *GeoDB
	if got := db.Lookup(netip.MustParseAddr("81.2.69.142")); got != (Geo{}) {
		t.Errorf("nil GeoDB Lookup = %+v, want zero", got)
	}
	if err := db.Close(); err != nil {
		t.Errorf("nil GeoDB Close = %v", err)
	}
	if _, err := OpenGeoDB(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("OpenGeoDB(missing file) succeeded")
	}
	garbage := filepath.Join(t.TempDir(), "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenGeoDB(garbage); err == nil {
		t.Error("OpenGeoDB(garbage) succeeded")
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct{ code, want string }{
		{"US", "United States of America"},
		{"us", "United States of America"},
		{"GB", "United Kingdom"},
		{"DE", "Germany"},
		{"FR", "France"},
		{"KR", "South Korea"},
		{"XK", "Kosovo"},
		{"UK", ""},
		{"ZZ", ""},
		{"", ""},
		{"USA", ""},
	}
	for _, tt := range tests {
		if got := CountryName(tt.code); got != tt.want {
			t.Errorf("CountryName(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestCountryNames_Table(t *testing.T) {
	iso := 0
	seen := map[string]string{}
	for code, name := range countryNames {
		if len(code) != 2 || code != strings.ToUpper(code) || name == "" || name != strings.TrimSpace(name) {
			t.Errorf("bad entry %q: %q", code, name)
		}
		if other, ok := seen[strings.ToLower(name)]; ok {
			t.Errorf("%s and %s share the name %q", code, other, name)
		}
		seen[strings.ToLower(name)] = code
		if code != "XK" {
			iso++
		}
		if got := CountryCode(name); got != code {
			t.Errorf("CountryCode(%q) = %q, want %q", name, got, code)
		}
		if got := CountryCode(code); got != code {
			t.Errorf("CountryCode(%q) = %q, want %q", code, got, code)
		}
	}
	if iso != 249 {
		t.Errorf("%d ISO 3166-1 codes, want 249", iso)
	}
	for alias, code := range countryAliases {
		if alias != strings.ToLower(alias) || countryNames[code] == "" {
			t.Errorf("bad alias %q -> %q", alias, code)
		}
	}
}

func TestCountryCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"US", "US"},
		{"us", "US"},
		{" fr ", "FR"},
		{"United States of America", "US"},
		{"united states of america", "US"},
		{"United States", "US"},
		{"USA", "US"},
		{"France", "FR"},
		{"FRANCE", "FR"},
		{"UK", "GB"},
		{"Great Britain", "GB"},
		{"Russian Federation", "RU"},
		{"Korea, Republic of", "KR"},
		{"Czech Republic", "CZ"},
		{"Côte d'Ivoire", "CI"},
		{"Cote d'Ivoire", "CI"},
		{"Türkiye", "TR"},
		{"Viet Nam", "VN"},
		{"Kosovo", "XK"},
		{"ZZ", ""},
		{"Atlantis", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CountryCode(tt.in); got != tt.want {
			t.Errorf("CountryCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFlagURL(t *testing.T) {
	tests := []struct{ code, want string }{
		{"US", "https://purecatamphetamine.github.io/country-flag-icons/3x2/US.svg"},
		{"gb", "https://purecatamphetamine.github.io/country-flag-icons/3x2/GB.svg"},
		{"", ""},
		{"USA", ""},
		{"1A", ""},
		{"../", ""},
	}
	for _, tt := range tests {
		if got := FlagURL(tt.code); got != tt.want {
			t.Errorf("FlagURL(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
	valid := regexp.MustCompile(`^https://purecatamphetamine\.github\.io/country-flag-icons/3x2/[A-Z]{2}\.svg$`)
	for code := range countryNames {
		if u := FlagURL(code); !valid.MatchString(u) {
			t.Errorf("FlagURL(%q) = %q", code, u)
		}
	}
}

func BenchmarkGeoDB_Lookup(b *testing.B) {
	db := openTestDB(b, writeMMDB(b, "GeoLite2-City", 6, map[string]mmdbtype.Map{
		"81.2.69.0/24": cityRecord("GB", "United Kingdom", [][2]string{{"ENG", "England"}}, "London", 51.5142, -0.0931),
	}))
	ip := netip.MustParseAddr("81.2.69.142")
	b.ReportAllocs()
	for b.Loop() {
		if db.Lookup(ip).City != "London" {
			b.Fatal("not found")
		}
	}
}
