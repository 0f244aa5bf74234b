package ingest

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/openfast/openfast"
	"github.com/openfast/openfast/storetest"
)

// randomEvent fills every field of an event from r.
func randomEvent(r *rand.Rand) openfast.Event {
	ev := storetest.SampleEvent(openfast.NewID(), r.IntN(1000))
	ev.Type = openfast.EventType(r.IntN(6))
	ev.Time = time.UnixMicro(r.Int64N(4e15) - 1e15).UTC()
	for i := range ev.VisitorID {
		ev.VisitorID[i], ev.SessionID[i] = byte(r.Uint32()), byte(r.Uint32())
	}
	ev.ScreenWidth, ev.ViewportHeight = uint16(r.Uint32()), uint16(r.Uint32())
	ev.RevenueCents = r.Int64() - r.Int64()
	ev.Coordinates = openfast.CoordinatesOf(r.Float64()*180-90, r.Float64()*360-180)
	if r.IntN(3) == 0 {
		ev.Coordinates = openfast.Coordinates{}
	}
	for _, s := range stringFields(&ev) {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		*s = string(b)
	}
	return ev
}

// TestJournal_OlderRecord: a record that the version before coordinates
// wrote (storetest.SampleEvent("site1", 1), layout 1) still loads, and an
// event without coordinates is still written so.
func TestJournal_OlderRecord(t *testing.T) {
	old, _ := hex.DecodeString("c6000000275d5f4b010180e4f992db87a706a3ab2331989f4cfa91c62461c9e3c6015eab2331989f4cfa91c62461c9e3c601800fb808800ad00500" +
		"0573697465310b6578616d706c652e636f6d082f70726963696e67012f06476f6f676c6506476f6f676c650a676f6f676c652e636f6d0a6e6577736c657474657205656d61696c" +
		"06737072696e6700000000000255530555532d434f0644656e766572064368726f6d65064d6163204f53076465736b746f7005656e2d5553000e7b22706c616e223a2270726f227d00000000")
	want := storetest.SampleEvent("site1", 1)
	want.Coordinates = openfast.Coordinates{}
	got, n := decodeSegment(old, nil)
	if n != len(old) || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("decoded %d bytes of %d: %+v", n, len(old), got)
	}
	if again := appendRecord(nil, &want); !bytes.Equal(again, old) {
		t.Fatalf("an event without coordinates encodes as %x", again)
	}
	withCoordinates := storetest.SampleEvent("site1", 1)
	if p := encodeEvent(nil, &withCoordinates); p[0] != eventWithCoordinates {
		t.Fatalf("an event with coordinates encodes in layout %d", p[0])
	}
}

func TestJournal_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var want []openfast.Event
	var b []byte
	for range 500 {
		ev := randomEvent(r)
		want = append(want, ev)
		b = appendRecord(b, &ev)
	}
	got, n := decodeSegment(b, nil)
	if n != len(b) || !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %d events from %d of %d bytes; differ: %v", len(got), n, len(b), !reflect.DeepEqual(got, want))
	}
}

// TestJournal_StopsAtDamage: a record cut short or changed ends the
// valid prefix there; the records before it are intact.
func TestJournal_StopsAtDamage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var b []byte
	var ends []int
	for range 10 {
		ev := randomEvent(r)
		b = appendRecord(b, &ev)
		ends = append(ends, len(b))
	}
	for cut := ends[5] + 1; cut < ends[6]; cut++ {
		evs, n := decodeSegment(b[:cut], nil)
		if len(evs) != 6 || n != ends[5] {
			t.Fatalf("cut at %d: %d events, %d bytes valid; want 6, %d", cut, len(evs), n, ends[5])
		}
	}
	damaged := bytes.Clone(b)
	damaged[ends[3]+recordHeader+3] ^= 0x40
	if evs, n := decodeSegment(damaged, nil); len(evs) != 4 || n != ends[3] {
		t.Fatalf("flipped bit in record 5: %d events, %d bytes valid; want 4, %d", len(evs), n, ends[3])
	}
}

func TestJournal_SegmentNames(t *testing.T) {
	for _, seq := range []uint64{1, 42, 1<<64 - 1} {
		if got, ok := parseSegmentName(segmentName(seq)); !ok || got != seq {
			t.Fatalf("segment %d: name %s reads back as %d, %v", seq, segmentName(seq), got, ok)
		}
	}
	for _, name := range []string{"1.seg", "00000000000000000000.seg", "0000000000000000000a.seg", "00000000000000000001.tmp", "99999999999999999999.seg"} {
		if _, ok := parseSegmentName(name); ok {
			t.Fatalf("%q taken for a segment", name)
		}
	}
}

// FuzzJournalSegment: any bytes decode without a panic, and what decodes
// encodes back to exactly the valid prefix.
func FuzzJournalSegment(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		var b []byte
		for range 3 {
			ev := randomEvent(r)
			b = appendRecord(b, &ev)
		}
		f.Add(b)
		f.Add(b[:len(b)-5])
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, n := decodeSegment(data, nil)
		if n < 0 || n > len(data) {
			t.Fatalf("valid prefix %d of %d bytes", n, len(data))
		}
		var again []byte
		for i := range evs {
			again = appendRecord(again, &evs[i])
		}
		if !bytes.Equal(again, data[:n]) {
			t.Fatalf("re-encoding %d events gives %d bytes, not the %d-byte valid prefix", len(evs), len(again), n)
		}
	})
}

// FuzzJournalEvent: any payload decodes without a panic, and an event
// that decodes survives another round trip unchanged.
func FuzzJournalEvent(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 3 {
		ev := randomEvent(r)
		f.Add(encodeEvent(nil, &ev))
	}
	f.Add([]byte{eventEncoding, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev openfast.Event
		if decodeEvent(data, &ev) != nil {
			return
		}
		var again openfast.Event
		if err := decodeEvent(encodeEvent(nil, &ev), &again); err != nil || !reflect.DeepEqual(again, ev) {
			t.Fatalf("round trip of a decoded event: %v", err)
		}
	})
}
