package enrich

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/oschwald/maxminddb-golang/v2"
)

// embeddedCountryDB is the geo-whois-asn-country database of ip-location-db
// (CC0; built from NRO data, CC BY 4.0), zstd-compressed. geodata/SOURCE
// says which version, geodata/update.sh replaces it.
//
//go:embed geodata/geo-whois-asn-country.mmdb.zst
var embeddedCountryDB []byte

// EmbeddedGeoDBName names the embedded database in logs.
const EmbeddedGeoDBName = "embedded geo-whois-asn-country (ip-location-db, countries only)"

// maxEmbeddedGeoDBSize bounds the decompressed database (7.8 MB today).
const maxEmbeddedGeoDBSize = 64 << 20

// OpenEmbeddedGeoDB decompresses the embedded country database into memory
// (about 8 MB, once) and opens it. It gives countries only: no region, city
// or coordinates.
func OpenEmbeddedGeoDB() (*GeoDB, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxEmbeddedGeoDBSize))
	if err != nil {
		return nil, fmt.Errorf("open embedded geo database: %w", err)
	}
	defer dec.Close()
	b, err := dec.DecodeAll(embeddedCountryDB, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress embedded geo database: %w", err)
	}
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("open embedded geo database: %w", err)
	}
	return &GeoDB{reader: r, name: EmbeddedGeoDBName}, nil
}

// GeoDBInfo describes an open database, for the start-up log.
type GeoDBInfo struct {
	Name  string    // the file's path, or EmbeddedGeoDBName
	Type  string    // the MMDB database_type, e.g. "GeoLite2-City", "country"
	Built time.Time // the MMDB build_epoch, UTC
}

// Info describes the database; the zero GeoDBInfo when g is nil.
func (g *GeoDB) Info() GeoDBInfo {
	if g == nil || g.reader == nil {
		return GeoDBInfo{}
	}
	return GeoDBInfo{Name: g.name, Type: g.reader.Metadata.DatabaseType, Built: g.reader.Metadata.BuildTime().UTC()}
}
