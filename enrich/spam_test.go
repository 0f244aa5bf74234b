package enrich

import (
	"strings"
	"testing"
)

func TestIsReferrerSpam(t *testing.T) {
	for _, tt := range []struct {
		referrer string
		spam     bool
	}{
		{"https://0-0.fr/", true}, // the list's first entry
		{"http://QIWI.xyz/pay", true},
		{"https://www.qiwi.xyz/", true},      // "www." is not part of the name
		{"https://a.b.qiwi.xyz:8080/", true}, // subdomains of a listed domain
		{"https://advertisefree.co.uk/x?y", true},
		{"https://notqiwi.xyz/", false}, // a suffix that is not a parent domain
		{"https://qiwi.xyz.example.com/", false},
		{"https://www.google.com/", false},
		{"https://news.ycombinator.com/item?id=1", false},
		{"https://example.com/", false}, // same site: Direct/None
		{"", false},
		{"not a url", false},
		{"android-app://com.twitter.android/", false},
	} {
		_, host := Referrer(tt.referrer, "example.com", "example.com")
		if got := IsReferrerSpam(host); got != tt.spam {
			t.Errorf("IsReferrerSpam(%q) (referrer %q) = %v, want %v", host, tt.referrer, got, tt.spam)
		}
	}
}

// TestSpamList_Embedded: the embedded list parses to about as many
// domains as it has lines, each a bare lower-case hostname that
// IsReferrerSpam finds.
func TestSpamList_Embedded(t *testing.T) {
	lines := strings.Count(strings.TrimSpace(spammersTxt), "\n") + 1
	set := spamDomains()
	if len(set) < 2000 || len(set) > lines {
		t.Fatalf("%d domains from %d lines", len(set), lines)
	}
	for d := range set {
		if d != strings.ToLower(d) || strings.HasPrefix(d, "www.") || !strings.Contains(d, ".") {
			t.Errorf("listed domain %q", d)
		}
		if !IsReferrerSpam(d) || !IsReferrerSpam("sub."+d) {
			t.Errorf("IsReferrerSpam misses %q", d)
		}
	}
}

func TestParseDomainList(t *testing.T) {
	got := parseDomainList("# comment\n\nSpam.COM.\r\n  www.other.org \nbad host\nhttp://x.y/\n[::1]\n" + strings.Repeat("a", 300) + ".com\nlast.net")
	want := []string{"spam.com", "other.org", "last.net"}
	if len(got) != len(want) {
		t.Errorf("parseDomainList = %v, want %v", got, want)
	}
	for _, d := range want {
		if _, ok := got[d]; !ok {
			t.Errorf("parseDomainList lacks %q: %v", d, got)
		}
	}
}

// FuzzReferrerSpam: any referrer, parsed as the ingest path does, gives an
// answer without panicking, and a listed answer is stable under a "www."
// prefix and under a further subdomain.
func FuzzReferrerSpam(f *testing.F) {
	for _, s := range []string{"https://0-0.fr/", "http://a.qiwi.xyz:80/", "https://www.google.com/", "", "http://[::1]/", "https://..spam/", "https://x.", "android-app://qiwi.xyz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, referrer string) {
		_, host := Referrer(referrer, "example.com", "example.com")
		if !IsReferrerSpam(host) {
			return
		}
		if !IsReferrerSpam("sub." + host) {
			t.Errorf("%q is spam but sub.%s is not", host, host)
		}
	})
}

// FuzzParseDomainList: any list parses without panicking, and every domain
// it keeps is found by inDomainSet, as is each of its subdomains.
func FuzzParseDomainList(f *testing.F) {
	f.Add(spammersTxt[:500])
	f.Add("# c\n\nA.com.\nwww.b.org\n\xff\n")
	f.Fuzz(func(t *testing.T, list string) {
		set := parseDomainList(list)
		for d := range set {
			if d == "" || d != strings.TrimSpace(d) {
				t.Fatalf("kept %q", d)
			}
			if !inDomainSet(set, d) || !inDomainSet(set, "x."+d) {
				t.Fatalf("inDomainSet misses %q", d)
			}
		}
	})
}

func BenchmarkIsReferrerSpam(b *testing.B) {
	spamDomains()
	for b.Loop() {
		IsReferrerSpam("a.long.subdomain.of.a.site.example.co.uk")
	}
}
