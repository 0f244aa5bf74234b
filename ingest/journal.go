package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openfast/openfast"
)

// The journal is a folder of segment files, each a run of records:
//
//	[4 bytes: payload length, little-endian] [4 bytes: CRC-32C of the payload] [payload]
//
// A payload is one encoded event (encodeEvent). The writer appends records
// and syncs the file before it acknowledges them; a crash can leave at most
// a torn record at the end of the newest segment, which was never
// acknowledged, and recovery cuts the segment at the first record that does
// not check out. Segments are named by a sequence number that only grows;
// the event store records the number of the last segment it loaded in the
// same transaction as its events, so that each segment is loaded exactly
// once however often loading is interrupted.

const (
	segmentSuffix = ".seg"
	recordHeader  = 8
	// maxRecord bounds a payload: an event body is at most 64 KiB, and its
	// encoding is never larger than the body's strings plus fixed fields.
	maxRecord = 1 << 20
	// eventEncoding is the first byte of a payload: the layout's version.
	// An event with known coordinates is written in the layout
	// eventWithCoordinates: the same, with the latitude and longitude in
	// hundredths of a degree (two varints) after the revenue. Any other
	// event keeps layout 1, which journals written before coordinates
	// hold.
	eventEncoding        = 1
	eventWithCoordinates = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentName is the file name of segment seq.
func segmentName(seq uint64) string {
	return fmt.Sprintf("%020d%s", seq, segmentSuffix)
}

// parseSegmentName reads a segment's sequence number from its file name.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil && seq > 0
}

// listSegments returns the sequence numbers of the segments in dir, in
// order.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list the event journal: %w", err)
	}
	var seqs []uint64
	for _, e := range entries {
		if seq, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// syncDir makes a folder's entries (a new segment's name) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// stringFields lists an event's string fields in their encoded order.
// Encoder and decoder both walk it, so that they cannot disagree.
func stringFields(e *openfast.Event) [28]*string {
	return [...]*string{
		&e.WebsiteID, &e.Hostname, &e.Path, &e.EntryPath, &e.SessionReferrer, &e.Referrer, &e.ReferrerHost,
		&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Ref, &e.Source, &e.Via,
		&e.CountryCode, &e.Region, &e.City, &e.Browser, &e.OS, &e.Device, &e.Language,
		&e.Goal, &e.Props, &e.AdClickIDs, &e.Currency, &e.EventID, &e.TransactionID,
	}
}

// appendRecord appends e as one journal record.
func appendRecord(b []byte, e *openfast.Event) []byte {
	start := len(b)
	b = append(b, make([]byte, recordHeader)...)
	b = encodeEvent(b, e)
	payload := b[start+recordHeader:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, castagnoli))
	return b
}

// encodeEvent appends an event's payload.
func encodeEvent(b []byte, e *openfast.Event) []byte {
	if e.Coordinates.Known {
		b = append(b, eventWithCoordinates, byte(e.Type))
	} else {
		b = append(b, eventEncoding, byte(e.Type))
	}
	b = binary.AppendVarint(b, e.Time.UnixMicro())
	b = append(b, e.VisitorID[:]...)
	b = append(b, e.SessionID[:]...)
	for _, n := range [...]uint16{e.ScreenWidth, e.ScreenHeight, e.ViewportWidth, e.ViewportHeight} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = binary.AppendVarint(b, e.RevenueCents)
	if e.Coordinates.Known {
		b = binary.AppendVarint(b, int64(math.Round(e.Coordinates.Latitude*100)))
		b = binary.AppendVarint(b, int64(math.Round(e.Coordinates.Longitude*100)))
	}
	for _, s := range stringFields(e) {
		b = binary.AppendUvarint(b, uint64(len(*s)))
		b = append(b, *s...)
	}
	return b
}

var errBadRecord = errors.New("malformed journal record")

// decodeEvent reads a payload into e. It never panics, whatever p holds.
func decodeEvent(p []byte, e *openfast.Event) error {
	*e = openfast.Event{}
	if len(p) < 2 || p[0] != eventEncoding && p[0] != eventWithCoordinates {
		return errBadRecord
	}
	withCoordinates := p[0] == eventWithCoordinates
	e.Type = openfast.EventType(p[1])
	p = p[2:]
	micros, n := binary.Varint(p)
	if n <= 0 || len(p[n:]) < 32 {
		return errBadRecord
	}
	e.Time = time.UnixMicro(micros).UTC()
	p = p[n:]
	copy(e.VisitorID[:], p[:16])
	copy(e.SessionID[:], p[16:32])
	p = p[32:]
	for _, dst := range [...]*uint16{&e.ScreenWidth, &e.ScreenHeight, &e.ViewportWidth, &e.ViewportHeight} {
		v, n := binary.Uvarint(p)
		if n <= 0 || v > 0xffff {
			return errBadRecord
		}
		*dst = uint16(v)
		p = p[n:]
	}
	cents, n := binary.Varint(p)
	if n <= 0 {
		return errBadRecord
	}
	e.RevenueCents = cents
	p = p[n:]
	if withCoordinates {
		var hundredths [2]int64
		for i := range hundredths {
			if hundredths[i], n = binary.Varint(p); n <= 0 || hundredths[i] < -18000 || hundredths[i] > 18000 {
				return errBadRecord
			}
			p = p[n:]
		}
		// Only what the encoder writes: known coordinates, so that a
		// decoded event encodes back to the same bytes.
		e.Coordinates = openfast.CoordinatesOf(float64(hundredths[0])/100, float64(hundredths[1])/100)
		if !e.Coordinates.Known {
			return errBadRecord
		}
	}
	// One string holds every string field's bytes; the fields share it.
	all := string(p)
	off := 0
	for _, dst := range stringFields(e) {
		l, n := binary.Uvarint(p[off:])
		if n <= 0 || l > uint64(len(p)-off-n) {
			return errBadRecord
		}
		off += n
		*dst = all[off : off+int(l)]
		off += int(l)
	}
	if off != len(p) {
		return errBadRecord
	}
	return nil
}

// decodeSegment reads the records of a segment's bytes into events
// (reusing its backing array) until the end or the first record that does
// not check out. It returns the events and the length of the valid prefix.
func decodeSegment(data []byte, events []openfast.Event) ([]openfast.Event, int) {
	events = events[:0]
	off := 0
	for len(data)-off >= recordHeader {
		l := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if l > maxRecord || uint64(l) > uint64(len(data)-off-recordHeader) {
			break
		}
		payload := data[off+recordHeader : off+recordHeader+int(l)]
		if crc32.Checksum(payload, castagnoli) != sum {
			break
		}
		events = append(events, openfast.Event{})
		if decodeEvent(payload, &events[len(events)-1]) != nil {
			events = events[:len(events)-1]
			break
		}
		off += recordHeader + int(l)
	}
	return events, off
}

// readSegment reads a segment file. A torn or corrupt tail is cut off the
// file, so that what is loaded and what is on disk agree; the number of
// bytes cut is returned.
func readSegment(path string, events []openfast.Event) ([]openfast.Event, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return events[:0], 0, fmt.Errorf("read journal segment: %w", err)
	}
	events, valid := decodeSegment(data, events)
	cut := len(data) - valid
	if cut > 0 {
		if err := os.Truncate(path, int64(valid)); err != nil {
			return events, cut, fmt.Errorf("cut the torn end of journal segment %s: %w", filepath.Base(path), err)
		}
	}
	return events, cut, nil
}
