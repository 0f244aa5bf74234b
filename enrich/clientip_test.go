package enrich

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("192.168.1.1/32"),
	}
	tests := []struct {
		name       string
		remoteAddr string
		xff        []string
		trusted    []netip.Prefix
		want       string // "" for the zero Addr
	}{
		// The peer alone.
		{"PeerIPv4", "203.0.113.7:51234", nil, nil, "203.0.113.7"},
		{"PeerWithoutPort", "203.0.113.7", nil, nil, "203.0.113.7"},
		{"PeerIPv6", "[2001:db8::7]:443", nil, nil, "2001:db8::7"},
		{"PeerIPv6WithoutPort", "2001:db8::7", nil, nil, "2001:db8::7"},
		{"PeerIPv6Bracketed", "[2001:db8::7]", nil, nil, "2001:db8::7"},
		{"PeerIPv4Mapped", "[::ffff:203.0.113.7]:443", nil, nil, "203.0.113.7"},
		{"PeerZoneDropped", "[fe80::1%eth0]:80", nil, nil, "fe80::1"},
		{"PeerTrustedNoHeader", "10.0.0.1:80", nil, proxies, "10.0.0.1"},
		{"PeerInvalid", "not-an-address", nil, proxies, ""},
		{"PeerEmpty", "", []string{"203.0.113.7"}, proxies, ""},
		{"PeerUnixSocket", "@", []string{"203.0.113.7"}, proxies, ""},

		// X-Forwarded-For is only believed from a trusted peer.
		{"SpoofedFromUntrustedPeer", "198.51.100.9:4000", []string{"203.0.113.7"}, proxies, "198.51.100.9"},
		{"SpoofedChainFromUntrustedPeer", "198.51.100.9:4000", []string{"1.1.1.1, 10.0.0.2"}, proxies, "198.51.100.9"},
		{"NoTrustedProxies", "10.0.0.1:80", []string{"203.0.113.7"}, nil, "10.0.0.1"},
		{"EmptyTrustedProxies", "10.0.0.1:80", []string{"203.0.113.7"}, []netip.Prefix{}, "10.0.0.1"},

		// Trusted peer: walk from the right.
		{"OneHop", "10.0.0.1:80", []string{"203.0.113.7"}, proxies, "203.0.113.7"},
		{"ChainThroughTrustedHops", "10.0.0.1:80", []string{"203.0.113.7, 10.0.0.3, 192.168.1.1"}, proxies, "203.0.113.7"},
		{"SpoofedLeftOfClient", "10.0.0.1:80", []string{"6.6.6.6, 203.0.113.7, 10.0.0.3"}, proxies, "203.0.113.7"},
		{"AllHopsTrusted", "10.0.0.1:80", []string{"10.0.0.5, 10.0.0.4"}, proxies, "10.0.0.5"},
		{"SpacesAndNoSpaces", "10.0.0.1:80", []string{"  203.0.113.7  ,10.0.0.3 "}, proxies, "203.0.113.7"},
		{"HopWithPort", "10.0.0.1:80", []string{"203.0.113.7:51234"}, proxies, "203.0.113.7"},
		{"HopIPv6WithPort", "10.0.0.1:80", []string{"[2001:db8::7]:443"}, proxies, "2001:db8::7"},
		{"HopIPv6Bracketed", "10.0.0.1:80", []string{"[2001:db8::7]"}, proxies, "2001:db8::7"},
		{"HopIPv4Mapped", "10.0.0.1:80", []string{"::ffff:203.0.113.7"}, proxies, "203.0.113.7"},
		{"IPv6ProxyIPv6Client", "[fd00::1]:443", []string{"2001:db8::7, fd00::2"}, proxies, "2001:db8::7"},
		{"IPv6ProxyIPv4Client", "[fd00::1]:443", []string{"203.0.113.7"}, proxies, "203.0.113.7"},
		{"MappedPeerTrusted", "[::ffff:10.0.0.1]:80", []string{"203.0.113.7"}, proxies, "203.0.113.7"},

		// Malformed entries stop the walk at the last valid address.
		{"MalformedOnly", "10.0.0.1:80", []string{"garbage"}, proxies, "10.0.0.1"},
		{"MalformedRightmost", "10.0.0.1:80", []string{"203.0.113.7, garbage"}, proxies, "10.0.0.1"},
		{"MalformedAfterTrustedHop", "10.0.0.1:80", []string{"203.0.113.7, unknown, 10.0.0.3"}, proxies, "10.0.0.3"},
		{"MalformedLeftOfClient", "10.0.0.1:80", []string{"garbage, 203.0.113.7"}, proxies, "203.0.113.7"},
		{"TrailingComma", "10.0.0.1:80", []string{"203.0.113.7,"}, proxies, "10.0.0.1"},
		{"EmptyHop", "10.0.0.1:80", []string{"203.0.113.7, , 10.0.0.3"}, proxies, "10.0.0.3"},
		{"EmptyHeader", "10.0.0.1:80", []string{""}, proxies, "10.0.0.1"},
		{"PortOutOfRange", "10.0.0.1:80", []string{"203.0.113.7:99999"}, proxies, "10.0.0.1"},
		{"ZoneInHop", "10.0.0.1:80", []string{"fe80::7%eth0"}, proxies, "fe80::7"},

		// Several header lines: later lines were added by later proxies.
		{"TwoLines", "10.0.0.1:80", []string{"203.0.113.7", "10.0.0.2"}, proxies, "203.0.113.7"},
		{"TwoLinesClientInLast", "10.0.0.1:80", []string{"6.6.6.6", "203.0.113.7"}, proxies, "203.0.113.7"},
		{"ThreeLinesWithChains", "10.0.0.1:80", []string{"6.6.6.6, 203.0.113.7", "10.0.0.4, 10.0.0.3", "192.168.1.1"}, proxies, "203.0.113.7"},
		{"LinesAllTrusted", "10.0.0.1:80", []string{"10.0.0.4", "10.0.0.3"}, proxies, "10.0.0.4"},
		{"MalformedLastLine", "10.0.0.1:80", []string{"203.0.113.7", "garbage"}, proxies, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got := ClientIP(tt.remoteAddr, tt.xff, tt.trusted); got != want {
				t.Errorf("ClientIP(%q, %q) = %v, want %v", tt.remoteAddr, tt.xff, got, want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"Empty", "", nil},
		{"Blank", " , ,", nil},
		{"CIDRAndAddress", "10.0.0.0/8,192.168.1.1", []string{"10.0.0.0/8", "192.168.1.1/32"}},
		{"SpacesAroundCommas", " 10.0.0.0/8 , 192.168.1.1 ", []string{"10.0.0.0/8", "192.168.1.1/32"}},
		{"SpaceSeparated", "10.0.0.0/8 172.16.0.0/12", []string{"10.0.0.0/8", "172.16.0.0/12"}},
		{"TrailingComma", "10.0.0.0/8,", []string{"10.0.0.0/8"}},
		{"HostBitsMasked", "10.1.2.3/8", []string{"10.0.0.0/8"}},
		{"IPv6", "::1, fd00::/8", []string{"::1/128", "fd00::/8"}},
		{"IPv4MappedAddress", "::ffff:192.168.1.1", []string{"192.168.1.1/32"}},
		{"IPv4MappedPrefix", "::ffff:10.0.0.0/104", []string{"10.0.0.0/8"}},
		{"ZoneDropped", "fe80::1%eth0", []string{"fe80::1/128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTrustedProxies(tt.in)
			if err != nil {
				t.Fatalf("ParseTrustedProxies(%q): %v", tt.in, err)
			}
			var want []netip.Prefix
			for _, s := range tt.want {
				want = append(want, netip.MustParsePrefix(s))
			}
			if !slices.Equal(got, want) {
				t.Errorf("ParseTrustedProxies(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}

	for _, tt := range []struct{ in, bad string }{
		{"10.0.0.0/33", "10.0.0.0/33"},
		{"10.0.0.0/8,not-an-ip", "not-an-ip"},
		{"10.0.0.0/8, 300.1.1.1", "300.1.1.1"},
		{"192.168.1.1:80", "192.168.1.1:80"},
		{"10.0.0.0/", "10.0.0.0/"},
		{"fd00::/129", "fd00::/129"},
	} {
		t.Run("Invalid_"+tt.bad, func(t *testing.T) {
			got, err := ParseTrustedProxies(tt.in)
			if err == nil {
				t.Fatalf("ParseTrustedProxies(%q) = %v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), `"`+tt.bad+`"`) {
				t.Errorf("ParseTrustedProxies(%q) error %q does not name %q", tt.in, err, tt.bad)
			}
		})
	}
}

func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:80", "203.0.113.7, 10.0.0.3", "10.0.0.2", "10.0.0.0/8")
	f.Add("[fd00::1]:443", "[2001:db8::7]:443", "", "fd00::/8, 192.168.1.1")
	f.Add("203.0.113.7:1", "garbage,,", "unknown", "")
	f.Add("[::ffff:10.0.0.1]:80", "::ffff:1.2.3.4", "fe80::1%eth0", "::ffff:10.0.0.0/104")
	f.Add("", ",", ",", "0.0.0.0/0, ::/0")
	f.Fuzz(func(t *testing.T, remoteAddr, line1, line2, trustedFlag string) {
		trusted, err := ParseTrustedProxies(trustedFlag)
		if err != nil {
			trusted = nil
		}
		xff := []string{line1, line2}
		got := ClientIP(remoteAddr, xff, trusted)
		peer := ClientIP(remoteAddr, nil, nil)
		if got.IsValid() != peer.IsValid() {
			t.Fatalf("ClientIP(%q, %q) = %v, but the peer alone gives %v", remoteAddr, xff, got, peer)
		}
		if got.Is4In6() || got.Zone() != "" {
			t.Fatalf("ClientIP(%q, %q) = %v, not unmapped and zone-free", remoteAddr, xff, got)
		}
		if len(trusted) == 0 && got != peer {
			t.Fatalf("ClientIP(%q, %q) = %v with no trusted proxies, want the peer %v", remoteAddr, xff, got, peer)
		}
	})
}
