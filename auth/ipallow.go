package auth

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/openfast/openfast"
)

// MaxAllowedIPs is how many entries a key's or token's allowedIps may hold.
const MaxAllowedIPs = 32

// maxAllowedIPLength bounds one entry's text: the longest IPv6 prefix
// ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128") is 49 bytes.
const maxAllowedIPLength = 64

// ParseAllowedIPs checks the allowedIps of a key or token and returns them
// normalized: each entry is an IPv4 or IPv6 CIDR prefix or a bare address
// (a /32 or /128), masked to its prefix length; an IPv4-mapped IPv6 entry
// (::ffff:10.0.0.0/104) becomes the IPv4 prefix it stands for; duplicates
// go, and the list is sorted by address, then length. nil (no list) stays
// nil: any address. An empty list, more than MaxAllowedIPs entries, and an
// entry that is not an address or prefix are refused with EINVALID naming
// the entry.
func ParseAllowedIPs(list []string) ([]netip.Prefix, error) {
	if list == nil {
		return nil, nil
	}
	if len(list) == 0 {
		return nil, openfast.Errorf(openfast.EINVALID, "allowedIps must not be empty; omit it (or send null) to allow any address.")
	}
	if len(list) > MaxAllowedIPs {
		return nil, openfast.Errorf(openfast.EINVALID, "allowedIps can have at most %d entries; it has %d.", MaxAllowedIPs, len(list))
	}
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, ok := parseAllowedIP(strings.TrimSpace(s))
		if !ok {
			return nil, openfast.Errorf(openfast.EINVALID, "allowedIps: %q is not an IP address or CIDR prefix (such as 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32).", openfast.Truncate(s, 60))
		}
		out = append(out, p)
	}
	slices.SortFunc(out, comparePrefixes)
	return slices.Compact(out), nil
}

// parseAllowedIP parses one allowlist entry into a masked prefix.
func parseAllowedIP(s string) (netip.Prefix, bool) {
	if s == "" || len(s) > maxAllowedIPLength {
		return netip.Prefix{}, false
	}
	var p netip.Prefix
	if strings.IndexByte(s, '/') < 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		p = netip.PrefixFrom(a, a.BitLen())
	} else {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, false
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
	}
	return p.Masked(), true
}

// comparePrefixes orders prefixes by address (IPv4 first), then length.
func comparePrefixes(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// FormatAllowedIPs is the text of a parsed allowlist, as stored and shown
// ("10.0.0.0/8"); nil stays nil.
func FormatAllowedIPs(list []netip.Prefix) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.String()
	}
	return out
}

// AllowedIPsWithin reports whether every address that want allows, have
// allows too. nil is any address: everything is within a nil have, and a
// nil want is within a nil have only.
func AllowedIPsWithin(want, have []netip.Prefix) bool {
	if have == nil {
		return true
	}
	if want == nil {
		return false
	}
	for _, q := range want {
		if !slices.ContainsFunc(have, func(p netip.Prefix) bool { return p.Bits() <= q.Bits() && p.Contains(q.Addr()) }) {
			return false
		}
	}
	return true
}

// AllowsIP reports whether the principal may be used from the client
// address ip (text, as api.Server.ClientIP gives it). A principal without
// an allowlist may be used from anywhere; one with an allowlist is refused
// from an address that does not parse, including "" (none known). An
// IPv4-mapped IPv6 address is matched as the IPv4 address it carries.
func (p *Principal) AllowsIP(ip string) bool {
	if p.AllowedIPs == nil {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, q := range p.AllowedIPs {
		if q.Contains(a) {
			return true
		}
	}
	return false
}
