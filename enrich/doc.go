// Package enrich turns what a tracker sends (user agent, client address, page URL,
// referrer) into the dimensions openfast stores.
//
// Its one I/O is OpenGeoDB, which opens the GeoIP database file given at start-up
// (memory-mapped, then only read); OpenEmbeddedGeoDB decompresses the embedded
// country database (geodata/) into memory instead. Nothing else here reads files or the network, or
// keeps state that changes after start-up: the user-agent parser and the crawler
// patterns are built once and only read afterwards, so every function is safe for
// concurrent use.
package enrich
