package enrich

import (
	"net/netip"
	"strings"
	"testing"
)

// TestIsDatacenter: cloud and hosting addresses of the embedded list, and
// consumer ISPs' addresses that are not in it.
func TestIsDatacenter(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8":              true, // Google
		"2001:4860:4860::8888": true,
		"3.5.140.2":            true, // Amazon Web Services
		"52.94.76.1":           true,
		"2600:1f18::1":         true,
		"5.9.0.1":              true, // Hetzner
		"88.198.0.1":           true,
		"2a01:4f8::1":          true,
		"::ffff:88.198.0.1":    true,
		"20.0.0.1":             true, // Microsoft Azure
		"81.2.69.142":          false,
		"194.25.0.68":          false, // Deutsche Telekom
		"86.1.2.3":             false,
		"90.1.2.3":             false,
		"192.168.1.1":          false,
	} {
		if got := IsDatacenter(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsDatacenter(%s) = %v, want %v", addr, got, want)
		}
	}
	if IsDatacenter(netip.Addr{}) {
		t.Error("IsDatacenter(zero Addr) = true")
	}
	if v4, v6 := datacenters().Len(); v4 < 10_000 || v6 < 1_000 {
		t.Errorf("embedded list has %d IPv4 and %d IPv6 ranges", v4, v6)
	}
}

func TestParseAddrRanges(t *testing.T) {
	r := parseAddrRanges(strings.Join([]string{
		"# comment", "", "  10.0.0.0/8  ", "10.1.0.0/16", // inside the one before
		"192.0.2.7", "198.51.100.0/25", "198.51.100.128/25", // adjacent halves
		"203.0.113.9/24",                         // not masked
		"::ffff:100.64.0.0/112", "::ffff:0:0/80", // mapped: IPv4, and too wide to be
		"2001:db8::/32", "2001:db8:1::/48", "2001:db8:ffff:ffff::/64", "::1",
		"0.0.0.0/0x", "garbage", "fe80::1%eth0", "300.1.1.1/8",
	}, "\n"))
	for addr, want := range map[string]bool{
		"10.0.0.0": true, "10.255.255.255": true, "10.1.2.3": true, "11.0.0.0": false, "9.255.255.255": false,
		"192.0.2.7": true, "192.0.2.6": false, "192.0.2.8": false,
		"198.51.100.0": true, "198.51.100.200": true, "198.51.101.0": false,
		"203.0.113.0": true, "203.0.113.255": true,
		"100.64.0.1": true, "100.64.255.255": true, "100.65.0.0": false, "::ffff:100.64.0.2": true,
		"2001:db8::": true, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff": true, "2001:db9::": false, "2001:db7:ffff::": false,
		"::1": true, "::2": false, "::": false,
	} {
		if got := r.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", addr, got, want)
		}
	}
	// IPv4: 10/8 (10.1/16 merged into it), 192.0.2.7, the two halves
	// (adjacent, kept apart), 203.0.113/24, 100.64/16; IPv6: 2001:db8::/32
	// (the others merged into it), ::1.
	if v4, v6 := r.Len(); v4 != 6 || v6 != 2 {
		t.Errorf("Len() = %d, %d; want 6 and 2", v4, v6)
	}
	var empty *addrRanges
	if empty.Contains(netip.MustParseAddr("10.0.0.1")) {
		t.Error("nil ranges contain an address")
	}
}

// FuzzParseAddrRanges: any list parses without panicking, and Contains
// agrees with checking each parsed prefix in turn.
func FuzzParseAddrRanges(f *testing.F) {
	f.Add("10.0.0.0/8\n10.1.0.0/16\n2001:db8::/32\n", "10.2.3.4")
	f.Add("192.0.2.0/25\n192.0.2.128/25\n::ffff:1.2.3.0/120\n", "1.2.3.4")
	f.Add("::/0\n0.0.0.0/0\n", "::ffff:8.8.8.8")
	f.Add("# x\n2001:db8::1\n", "2001:db8::1")
	f.Fuzz(func(t *testing.T, list, addr string) {
		ip, err := netip.ParseAddr(addr)
		if err != nil || ip.Zone() != "" {
			return
		}
		r := parseAddrRanges(list)
		want := false
		for line := range strings.Lines(list) {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if p, ok := parsePrefixLine(line); ok && p.Contains(ip.Unmap()) {
				want = true
			}
		}
		if got := r.Contains(ip); got != want {
			t.Fatalf("Contains(%s) = %v, want %v for %q", ip, got, want, list)
		}
	})
}

func BenchmarkIsDatacenter(b *testing.B) {
	ips := []netip.Addr{netip.MustParseAddr("86.1.2.3"), netip.MustParseAddr("2a01:4f8::1")}
	datacenters()
	for i := 0; b.Loop(); i++ {
		IsDatacenter(ips[i%2])
	}
}
