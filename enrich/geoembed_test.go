package enrich

import (
	"net/netip"
	"testing"
	"time"
)

// TestEmbeddedGeoDB: the embedded database opens and places well-known
// public addresses (public DNS resolvers and national telecoms, whose
// registrations rarely move) in the countries it says, over IPv4, IPv6 and
// IPv4-mapped IPv6. Private and documentation addresses are in no country.
// An update of geodata/ that moves one of these is worth a look.
func TestEmbeddedGeoDB(t *testing.T) {
	db, err := OpenEmbeddedGeoDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	info := db.Info()
	if info.Name != EmbeddedGeoDBName || info.Type != "country ipvAll" {
		t.Errorf("Info() = %+v", info)
	}
	if info.Built.Before(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) || info.Built.After(time.Now()) {
		t.Errorf("build date %s: before the committed database or in the future", info.Built)
	}

	for addr, want := range map[string]string{
		"8.8.8.8":              "US", // Google Public DNS
		"2001:4860:4860::8888": "US",
		"9.9.9.9":              "US", // Quad9
		"1.1.1.1":              "AU", // Cloudflare's, registered by APNIC in Australia
		"81.2.69.142":          "GB", // the GeoIP2 test address, a British ISP
		"::ffff:81.2.69.142":   "GB",
		"194.25.0.68":          "DE", // Deutsche Telekom
		"212.227.17.208":       "DE", // IONOS
		"193.0.6.139":          "NL", // RIPE NCC
		"10.1.2.3":             "",
		"192.168.0.1":          "", // placed in AU by the database itself
		"172.16.5.4":           "",
		"fd00::1":              "",
		"fe80::1":              "",
		"127.0.0.1":            "",
		"::1":                  "",
	} {
		got := db.Lookup(netip.MustParseAddr(addr))
		if got.CountryCode != want {
			t.Errorf("Lookup(%s).CountryCode = %q, want %q", addr, got.CountryCode, want)
		}
		if got.Region != "" || got.City != "" {
			t.Errorf("Lookup(%s) = %+v: a country database has no region or city", addr, got)
		}
	}
}

// BenchmarkOpenEmbeddedGeoDB is the start-up cost: decompressing and
// opening the embedded database.
func BenchmarkOpenEmbeddedGeoDB(b *testing.B) {
	for b.Loop() {
		db, err := OpenEmbeddedGeoDB()
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
