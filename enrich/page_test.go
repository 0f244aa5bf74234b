package enrich

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePage(t *testing.T) {
	long := strings.Repeat("a", 300)
	euro := strings.Repeat("€", 100) // 300 bytes, 3 per character
	tests := []struct {
		name string
		href string
		want Page
	}{
		{"Plain", "https://example.com/pricing", Page{Hostname: "example.com", Path: "/pricing"}},
		{"NoPath", "https://example.com", Page{Hostname: "example.com", Path: "/"}},
		{"QueryWithoutPath", "http://example.com?ref=x", Page{Hostname: "example.com", Path: "/", Ref: "x"}},
		{"UpperCaseSchemeAndHost", "HTTPS://WWW.Example.COM/Docs/Intro", Page{Hostname: "www.example.com", Path: "/Docs/Intro"}},
		{"Port", "http://localhost:3000/app", Page{Hostname: "localhost", Path: "/app"}},
		{"IPv6WithPort", "http://[2001:db8::1]:8080/x", Page{Hostname: "2001:db8::1", Path: "/x"}},
		{"UserinfoIgnored", "https://user:pw@example.com/a", Page{Hostname: "example.com", Path: "/a"}},
		{"TrailingDot", "https://example.com./a", Page{Hostname: "example.com", Path: "/a"}},
		{"Fragment", "https://example.com/docs#install", Page{Hostname: "example.com", Path: "/docs"}},
		{"HashRoute", "https://app.example.com/#/settings?tab=1", Page{Hostname: "app.example.com", Path: "/"}},
		{"PercentDecoded", "https://example.com/caf%C3%A9/a%20b", Page{Hostname: "example.com", Path: "/café/a b"}},
		{"StrayPercent", "https://example.com/100%?utm_source=50%", Page{Hostname: "example.com", Path: "/100%", UTMSource: "50%"}},
		{"InvalidUTF8InPath", "https://example.com/%FF", Page{Hostname: "example.com", Path: "/\uFFFD"}},
		{"IDNPunycode", "https://xn--mnchen-3ya.de/stra%C3%9Fe", Page{Hostname: "xn--mnchen-3ya.de", Path: "/straße"}},
		{"IDNUnicode", "https://MÜNCHEN.de/", Page{Hostname: "münchen.de", Path: "/"}},
		{"UTM", "https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring+sale&utm_term=shoes&utm_content=hero%20link",
			Page{Hostname: "example.com", Path: "/", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring sale", UTMTerm: "shoes", UTMContent: "hero link"}},
		{"RefSourceVia", "https://example.com/blog?ref=producthunt&source=twitter&via=alice",
			Page{Hostname: "example.com", Path: "/blog", Ref: "producthunt", Source: "twitter", Via: "alice"}},
		{"ValuesTrimmedAndEmptySkipped", "https://example.com/?utm_source=%20%20&utm_source=+google+&ref=",
			Page{Hostname: "example.com", Path: "/", UTMSource: "google"}},
		{"FirstValueWins", "https://example.com/?via=a&via=b", Page{Hostname: "example.com", Path: "/", Via: "a"}},
		{"KeysCaseInsensitive", "https://example.com/?UTM_Source=Bing&GCLID=abc", Page{Hostname: "example.com", Path: "/", UTMSource: "Bing", AdClickIDs: map[string]string{"gclid": "abc"}}},
		{"EscapedKey", "https://example.com/?utm%5Fmedium=cpc", Page{Hostname: "example.com", Path: "/", UTMMedium: "cpc"}},
		{"AdClickIDs", "https://shop.example.com/p/1?gclid=G1&gclsrc=aw.ds&wbraid=W&gbraid=GB&li_fat_id=L&fbclid=F&msclkid=M&ttclid=T&twclid=X&other=1",
			Page{Hostname: "shop.example.com", Path: "/p/1", AdClickIDs: map[string]string{
				"gclid": "G1", "gclsrc": "aw.ds", "wbraid": "W", "gbraid": "GB", "li_fat_id": "L", "fbclid": "F", "msclkid": "M", "ttclid": "T", "twclid": "X",
			}}},
		{"EmptyAdClickIDIgnored", "https://example.com/?fbclid=&gclid=%20", Page{Hostname: "example.com", Path: "/"}},
		{"UnknownParamsIgnored", "https://example.com/?utm_id=7&q=%zz&session_id=cs_1", Page{Hostname: "example.com", Path: "/"}},
		{"LongValueCut", "https://example.com/?utm_campaign=" + long, Page{Hostname: "example.com", Path: "/", UTMCampaign: long[:255]}},
		{"LongValueCutOnRuneBoundary", "https://example.com/?utm_term=" + euro, Page{Hostname: "example.com", Path: "/", UTMTerm: strings.Repeat("€", 85)}},
		{"LongPathCut", "https://example.com/" + strings.Repeat("p", 3000), Page{Hostname: "example.com", Path: "/" + strings.Repeat("p", 2047)}},
		{"LongPathCutOnRuneBoundary", "https://example.com/a" + strings.Repeat("é", 1500), Page{Hostname: "example.com", Path: "/a" + strings.Repeat("é", 1023)}},
		{"SurroundingSpace", "  https://example.com/x \n", Page{Hostname: "example.com", Path: "/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(tt.href)
			if err != nil {
				t.Fatalf("ParsePage(%q): %v", tt.href, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePage(%q)\n got %+v\nwant %+v", tt.href, got, tt.want)
			}
		})
	}
}

func TestParsePage_Rejected(t *testing.T) {
	for _, href := range []string{
		"",
		"   ",
		"javascript:alert(1)",
		"JavaScript://example.com/%0Aalert(1)",
		"data:text/html,hi",
		"file:///home/me/index.html",
		"ftp://example.com/file",
		"chrome-extension://abcdef/popup.html",
		"/relative/path",
		"relative/path",
		"//example.com/no-scheme",
		"example.com/no-scheme",
		"http://",
		"http:///path-only",
		"http:opaque",
		"https://exa mple.com/",
		"https://exa<mple.com/",
		"https://.example.com/",
		"https://example..com/",
		"https://" + strings.Repeat("a", 254) + "/",
		"http://example.com:port/",
		"http://[not:an:ip]/",
		"http://[fe80::1%25eth0]/",
		"http://example.com/\x00",
	} {
		t.Run(href, func(t *testing.T) {
			got, err := ParsePage(href)
			if err == nil {
				t.Fatalf("ParsePage(%q) = %+v, want an error", href, got)
			}
			if !errors.Is(err, errInvalidPageURL) {
				t.Errorf("ParsePage(%q) error %v does not wrap errInvalidPageURL", href, err)
			}
		})
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abc", 2, "ab"},
		{"aé", 2, "a"},
		{"€€", 4, "€"},
		{"€", 2, ""},
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func FuzzParsePage(f *testing.F) {
	for _, s := range []string{
		"https://example.com/pricing?utm_source=x&gclid=1#top",
		"http://[::1]:80/a%20b",
		"https://MÜNCHEN.de/100%",
		"javascript:alert(1)",
		"/relative",
		"https://example.com/?utm_term=" + strings.Repeat("€", 100),
		"http://a.b/%FF?ref=%FF&via=+",
		"https://x.com?%zz=1&li_fat_id=%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, href string) {
		p, err := ParsePage(href)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.Path, "/") || len(p.Path) > maxPathLength || !utf8.ValidString(p.Path) {
			t.Fatalf("ParsePage(%q).Path = %q", href, p.Path)
		}
		if p.Hostname == "" || p.Hostname != strings.ToLower(p.Hostname) {
			t.Fatalf("ParsePage(%q).Hostname = %q", href, p.Hostname)
		}
		values := []string{p.UTMSource, p.UTMMedium, p.UTMCampaign, p.UTMTerm, p.UTMContent, p.Ref, p.Source, p.Via}
		for k, v := range p.AdClickIDs {
			if !adClickIDKeys[k] || v == "" {
				t.Fatalf("ParsePage(%q).AdClickIDs[%q] = %q", href, k, v)
			}
			values = append(values, v)
		}
		for _, v := range values {
			if len(v) > maxQueryValueLength || !utf8.ValidString(v) || v != strings.TrimSpace(v) {
				t.Fatalf("ParsePage(%q) kept the value %q", href, v)
			}
		}
	})
}

func BenchmarkParsePage(b *testing.B) {
	hrefs := []string{
		"https://example.com/",
		"https://www.example.com/blog/how-we-grew?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
		"https://shop.example.com/products/42?gclid=EAIaIQobChMI&ref=partner#reviews",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParsePage(hrefs[i%len(hrefs)]); err != nil {
			b.Fatal(err)
		}
	}
}
