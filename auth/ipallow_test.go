package auth

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/openfast/openfast"
)

func TestParseAllowedIPs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"203.0.113.7"}, []string{"203.0.113.7/32"}},
		{[]string{"2001:db8::1"}, []string{"2001:db8::1/128"}},
		{[]string{"10.1.2.3/8"}, []string{"10.0.0.0/8"}},
		{[]string{"2001:DB8:0:0::5/32"}, []string{"2001:db8::/32"}},
		{[]string{"::ffff:1.2.3.4"}, []string{"1.2.3.4/32"}},
		{[]string{"::ffff:10.9.8.7/104"}, []string{"10.0.0.0/8"}},
		{[]string{" 192.0.2.1 "}, []string{"192.0.2.1/32"}},
		{[]string{"2001:db8::/32", "10.0.0.0/8", "10.0.0.1", "10.0.0.0/8", "10.2.3.4/8", "0.0.0.0/0"},
			[]string{"0.0.0.0/0", "10.0.0.0/8", "10.0.0.1/32", "2001:db8::/32"}},
	} {
		got, err := ParseAllowedIPs(tc.in)
		if err != nil {
			t.Errorf("ParseAllowedIPs(%q): %v", tc.in, err)
			continue
		}
		if s := FormatAllowedIPs(got); !slices.Equal(s, tc.want) || (s == nil) != (tc.want == nil) {
			t.Errorf("ParseAllowedIPs(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestParseAllowedIPs_Refused(t *testing.T) {
	tooMany := make([]string, MaxAllowedIPs+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("10.0.0.%d", i)
	}
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{}, "must not be empty"},
		{tooMany, "at most 32 entries"},
		{[]string{"10.0.0.1", "10.0.0.300"}, `"10.0.0.300" is not an IP address or CIDR prefix`},
		{[]string{"10.0.0.0/33"}, `"10.0.0.0/33"`},
		{[]string{"fe80::1%eth0"}, `"fe80::1%eth0"`},
		{[]string{"fe80::1%eth0/64"}, `"fe80::1%eth0/64"`},
		{[]string{""}, `""`},
		{[]string{"example.com"}, `"example.com"`},
		{[]string{"10.0.0.0/"}, `"10.0.0.0/"`},
		{[]string{strings.Repeat("1", 100)}, "is not an IP address"},
	} {
		_, err := ParseAllowedIPs(tc.in)
		if openfast.ErrorCode(err) != openfast.EINVALID || !strings.Contains(openfast.ErrorMessage(err), tc.want) {
			t.Errorf("ParseAllowedIPs(%.40q) = %v, want EINVALID containing %q", tc.in, err, tc.want)
		}
	}
}

func prefixes(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	if s == nil {
		return nil
	}
	p, err := ParseAllowedIPs(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllowedIPsWithin(t *testing.T) {
	for _, tc := range []struct {
		want, have []string
		ok         bool
	}{
		{nil, nil, true},
		{[]string{"10.0.0.0/8"}, nil, true},
		{nil, []string{"10.0.0.0/8"}, false},
		{[]string{"10.1.0.0/16", "10.2.3.4"}, []string{"10.0.0.0/8"}, true},
		{[]string{"10.0.0.0/8"}, []string{"10.0.0.0/8"}, true},
		{[]string{"10.0.0.0/7"}, []string{"10.0.0.0/8"}, false},
		{[]string{"10.1.0.0/16", "192.0.2.1"}, []string{"10.0.0.0/8"}, false},
		{[]string{"192.0.2.1"}, []string{"10.0.0.0/8", "192.0.2.0/24"}, true},
		{[]string{"::ffff:10.0.0.1"}, []string{"10.0.0.0/8"}, true},
		{[]string{"2001:db8::/48"}, []string{"2001:db8::/32"}, true},
		{[]string{"2001:db8::/48"}, []string{"0.0.0.0/0"}, false},
	} {
		if got := AllowedIPsWithin(prefixes(t, tc.want...), prefixes(t, tc.have...)); got != tc.ok {
			t.Errorf("AllowedIPsWithin(%q, %q) = %v, want %v", tc.want, tc.have, got, tc.ok)
		}
	}
}

func TestPrincipal_AllowsIP(t *testing.T) {
	any := &Principal{}
	for _, ip := range []string{"203.0.113.7", "", "garbage"} {
		if !any.AllowsIP(ip) {
			t.Errorf("an unrestricted principal refused %q", ip)
		}
	}
	p := &Principal{AllowedIPs: prefixes(t, "127.0.0.1", "10.0.0.0/8", "2001:db8::/32")}
	for ip, ok := range map[string]bool{
		"127.0.0.1": true, "10.255.0.1": true, "::ffff:10.1.2.3": true, "::ffff:127.0.0.1": true,
		"2001:db8:1::5": true, "2001:db8::1%eth0": true,
		"127.0.0.2": false, "11.0.0.1": false, "::1": false, "2001:db9::1": false, "": false, "10.0.0.1:443": false,
	} {
		if got := p.AllowsIP(ip); got != ok {
			t.Errorf("AllowsIP(%q) = %v, want %v", ip, got, ok)
		}
	}
}

// FuzzParseAllowedIPs checks that the parser never panics, that what it
// accepts is normalized (parsing its own output gives it back), and that
// every accepted entry allows its own address.
func FuzzParseAllowedIPs(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "::ffff:1.2.3.4", "::ffff:10.0.0.0/104",
		"10.0.0.300", "fe80::1%eth0", "1.2.3.4/33", "", "0.0.0.0/0", "::/0", "10.0.0.1,10.0.0.2", "\xff", "1.2.3.4/-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		list := strings.Split(in, ",")
		got, err := ParseAllowedIPs(list)
		if err != nil {
			if openfast.ErrorCode(err) != openfast.EINVALID {
				t.Fatalf("ParseAllowedIPs(%q): %v, want EINVALID", list, err)
			}
			return
		}
		if len(got) == 0 || len(got) > len(list) {
			t.Fatalf("ParseAllowedIPs(%q) = %v", list, got)
		}
		text := FormatAllowedIPs(got)
		again, err := ParseAllowedIPs(text)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseAllowedIPs(%q) = %v, %v; want %v again", text, again, err, got)
		}
		p := &Principal{AllowedIPs: got}
		for _, q := range got {
			if q != q.Masked() || !p.AllowsIP(q.Addr().String()) {
				t.Fatalf("%v is not masked or does not allow its own address", q)
			}
		}
		if !AllowedIPsWithin(got, got) {
			t.Fatalf("%v is not within itself", got)
		}
	})
}
