package auth

import "testing"

// sinkKind keeps the compiler from discarding Parse's result.
var sinkKind Kind

// badChecksum returns raw with its last character replaced by another
// base62 character, so that only the checksum is wrong.
func badChecksum(raw string) string {
	last := raw[len(raw)-1]
	repl := byte('0')
	if last == repl {
		repl = '1'
	}
	return raw[:len(raw)-1] + string(repl)
}

func BenchmarkParse_Valid(b *testing.B) {
	raw := Generate(KindWebsiteKey)
	if Parse(raw) != KindWebsiteKey {
		b.Fatalf("Parse(%q) is not a website key", raw)
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkKind = Parse(raw)
	}
}

func BenchmarkParse_BadChecksum(b *testing.B) {
	raw := badChecksum(Generate(KindWebsiteKey))
	if Parse(raw) != KindNone {
		b.Fatalf("Parse(%q) accepted a wrong checksum", raw)
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkKind = Parse(raw)
	}
}
