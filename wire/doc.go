// Package wire holds the JSON shapes of the openfast HTTP API, which is the
// DataFast API: the envelopes, the resources of the Account API, the
// analytics rows and the answers of the server-side writes. The server
// (package api) encodes them and the Go client (package client) decodes
// them, so that a shape is written once.
//
// The package imports the standard library only. Field order, names,
// null and omission are those of the API byte for byte: a field that is
// null when unknown is a pointer without omitempty; a member that is only
// present in some answers has omitempty. Where the server encodes a map,
// the fields are in the sorted order encoding/json gives map keys.
//
// Times are strings: ISO 8601 UTC with milliseconds
// ("2026-11-25T21:50:07.384Z") unless a field says otherwise.
package wire
