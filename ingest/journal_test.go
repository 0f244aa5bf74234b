package ingest

import (
	"bytes"
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
	for _, s := range stringFields(&ev) {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		*s = string(b)
	}
	return ev
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
