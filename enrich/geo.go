package enrich

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// Geo is where an address is.
type Geo struct {
	CountryCode string // ISO 3166-1 alpha-2, e.g. "US"; "" unknown
	Region      string // English name of the subdivision, e.g. "Colorado"; "" unknown
	RegionCode  string // its ISO 3166-2 code, e.g. "US-CO", when the database gives one
	City        string // e.g. "Denver"

	Latitude, Longitude float64
}

// GeoDB reads a MaxMind-format (GeoLite2/DB-IP/ip-location-db) city or country
// database. Safe for concurrent use; Close it only after the last Lookup.
//
// Two record layouts are understood: the GeoIP2/GeoLite2 one that DB-IP also
// uses (country.iso_code, subdivisions[].iso_code and names.en, city.names.en,
// location.latitude/longitude) and the flat one of ip-location-db
// (country_code, state1, city, latitude, longitude). The flat layout names the
// region but gives no ISO 3166-2 code, so RegionCode stays "" there.
type GeoDB struct {
	reader *maxminddb.Reader
	name   string
}

// OpenGeoDB opens a MaxMind-format database file.
func OpenGeoDB(path string) (*GeoDB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open geo database %s: %w", path, err)
	}
	return &GeoDB{reader: r, name: path}, nil
}

// Close releases the database.
func (g *GeoDB) Close() error {
	if g == nil || g.reader == nil {
		return nil
	}
	if err := g.reader.Close(); err != nil {
		return fmt.Errorf("close geo database: %w", err)
	}
	return nil
}

// geoRecord is the union of the layouts GeoDB reads; fields a database does
// not have stay zero.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   struct {
			EN string `maxminddb:"en"`
		} `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City     cityName `maxminddb:"city"`
	Location struct {
		Latitude  float64 `maxminddb:"latitude"`
		Longitude float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`

	// ip-location-db.
	CountryCode string  `maxminddb:"country_code"`
	State1      string  `maxminddb:"state1"`
	Latitude    float64 `maxminddb:"latitude"`
	Longitude   float64 `maxminddb:"longitude"`
}

// Lookup returns where ip is: the zero Geo when it is not in the database, the
// record cannot be read, or g is nil. IPv4-mapped IPv6 addresses are looked up
// as IPv4. Private, loopback, link-local, multicast and unspecified addresses
// are nowhere, whatever the database says (the embedded one places some
// private ranges in a country).
func (g *GeoDB) Lookup(ip netip.Addr) Geo {
	if g == nil || g.reader == nil || !ip.IsValid() {
		return Geo{}
	}
	ip = ip.Unmap()
	if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return Geo{}
	}
	var rec geoRecord
	if err := g.reader.Lookup(ip).Decode(&rec); err != nil {
		return Geo{}
	}

	cc := rec.Country.ISOCode
	if cc == "" {
		cc = rec.CountryCode
	}
	cc = normalizeCountryCode(cc)
	if cc == "" {
		return Geo{} // a record without a country says nothing usable
	}
	geo := Geo{
		CountryCode: cc,
		City:        strings.TrimSpace(string(rec.City)),
		Latitude:    rec.Location.Latitude,
		Longitude:   rec.Location.Longitude,
	}
	if geo.Latitude == 0 && geo.Longitude == 0 {
		geo.Latitude, geo.Longitude = rec.Latitude, rec.Longitude
	}
	if len(rec.Subdivisions) > 0 {
		sub := rec.Subdivisions[0]
		geo.Region = strings.TrimSpace(sub.Names.EN)
		if code := strings.ToUpper(strings.TrimSpace(sub.ISOCode)); code != "" {
			if strings.HasPrefix(code, cc+"-") {
				geo.RegionCode = code
			} else {
				geo.RegionCode = cc + "-" + code
			}
		}
	} else {
		geo.Region = strings.TrimSpace(rec.State1)
	}
	return geo
}

// normalizeCountryCode upper-cases a two-letter code and returns "" for
// anything else.
func normalizeCountryCode(s string) string {
	if len(s) != 2 || !isASCIILetter(s[0]) || !isASCIILetter(s[1]) {
		return ""
	}
	return strings.ToUpper(s)
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// cityName decodes the "city" field of either layout: a map holding
// names.en (GeoLite2, DB-IP) or a plain string (ip-location-db).
type cityName string

// maxNameLength bounds a decoded name; real ones are far shorter.
const maxNameLength = 1 << 10

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler.
func (c *cityName) UnmarshalMaxMindDBCursor(cur mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := cur.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	switch kind {
	case mmdbdata.KindString:
		s, next, err := cur.ReadStringMaxSize(maxNameLength)
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		*c = cityName(s)
		return next, nil
	case mmdbdata.KindMap:
		var en string
		next, err := readMap(cur, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
			if string(key) != "names" {
				return v.Skip()
			}
			return readMap(v, func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error) {
				if string(key) != "en" {
					return v.Skip()
				}
				s, next, err := v.ReadStringMaxSize(maxNameLength)
				en = s
				return next, err
			})
		})
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		*c = cityName(en)
		return next, nil
	default:
		return cur.Skip()
	}
}

// readMap calls value for each entry of the map at cur; value must consume the
// entry's value and return its successor. It returns the map's successor.
func readMap(cur mmdbdata.Cursor, value func(key []byte, v mmdbdata.Cursor) (mmdbdata.Cursor, error)) (mmdbdata.Cursor, error) {
	m, err := cur.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		key, v, ok := m.Next(next)
		if !ok {
			break
		}
		if next, err = value(key, v); err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return m.End()
}

// CountryName returns the English short name of an ISO 3166-1 alpha-2 code as
// DataFast shows it ("US" -> "United States of America", "GB" -> "United
// Kingdom"), "" for unknown codes. Lower-case codes are accepted.
func CountryName(code string) string {
	if len(code) != 2 {
		return ""
	}
	if name, ok := countryNames[code]; ok {
		return name
	}
	return countryNames[strings.ToUpper(code)]
}

// CountryCode resolves a filter value that is either an ISO code ("us", "US")
// or a name ("United States of America", "France", case-insensitive; common
// alternatives such as "United States", "USA", "UK", "Russian Federation"
// too) to the code; "" when unknown.
func CountryCode(nameOrCode string) string {
	s := strings.TrimSpace(nameOrCode)
	if len(s) == 2 {
		if code := strings.ToUpper(s); countryNames[code] != "" {
			return code
		}
	}
	return countryCodesByName[strings.ToLower(s)]
}

// FlagURL is https://purecatamphetamine.github.io/country-flag-icons/3x2/<CC>.svg,
// or "" when code is not two letters.
func FlagURL(code string) string {
	cc := normalizeCountryCode(code)
	if cc == "" {
		return ""
	}
	return "https://purecatamphetamine.github.io/country-flag-icons/3x2/" + cc + ".svg"
}
