package enrich

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// ClientIP returns the client address of a request.
//
// remoteAddr is the TCP peer as in http.Request.RemoteAddr ("host:port"; a bare
// address is accepted too). When the peer is not inside one of the trusted
// prefixes it is the answer, and X-Forwarded-For is ignored: anyone can send that
// header. When the peer is a trusted proxy, xff (the X-Forwarded-For header lines
// in order, each possibly holding several comma-separated hops) is walked from the
// right, skipping addresses that are themselves trusted; the first untrusted
// address is the client. An entry that is not an address ("unknown", garbage, an
// empty hop) stops the walk, and the last valid address seen is returned, as it is
// when every hop is trusted. Entries may carry a port ("1.2.3.4:5678",
// "[2001:db8::1]:443").
//
// IPv4-mapped IPv6 addresses are unmapped and zones dropped. The result is the
// zero netip.Addr only when remoteAddr itself is not an address.
func ClientIP(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHopAddr(remoteAddr)
	if !ok {
		return netip.Addr{}
	}
	if !isTrustedProxy(peer, trusted) {
		return peer
	}
	last := peer
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		for {
			comma := strings.LastIndexByte(line, ',')
			addr, ok := parseHopAddr(line[comma+1:])
			if !ok {
				return last
			}
			if !isTrustedProxy(addr, trusted) {
				return addr
			}
			last = addr
			if comma < 0 {
				break
			}
			line = line[:comma]
		}
	}
	return last
}

// parseHopAddr reads "1.2.3.4", "1.2.3.4:80", "::1", "[::1]" or "[::1]:80",
// surrounded by optional spaces, and returns the unmapped address without zone.
func parseHopAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	addr, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		switch {
		case perr == nil:
			addr = ap.Addr()
		case len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']':
			if addr, err = netip.ParseAddr(s[1 : len(s)-1]); err != nil {
				return netip.Addr{}, false
			}
		default:
			return netip.Addr{}, false
		}
	}
	return addr.WithZone("").Unmap(), true
}

func isTrustedProxy(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies parses the --trusted-proxies flag: CIDRs or single
// addresses separated by commas and/or spaces, e.g. "10.0.0.0/8, 192.168.1.1,
// fd00::/8". A single address becomes a /32 or /128, prefixes are masked, and
// IPv4-mapped IPv6 entries become IPv4. An empty string gives no prefixes, which
// means X-Forwarded-For is never trusted. An error names the bad entry.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	entries := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(entries) == 0 {
		return nil, nil
	}
	prefixes := make([]netip.Prefix, 0, len(entries))
	for _, entry := range entries {
		p, err := parseTrustedProxy(entry)
		if err != nil {
			return nil, fmt.Errorf("parse trusted proxy %q: %w", entry, err)
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, nil
}

func parseTrustedProxy(entry string) (netip.Prefix, error) {
	if !strings.Contains(entry, "/") {
		addr, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, err
		}
		addr = addr.WithZone("").Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	p, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, err
	}
	if addr := p.Addr(); addr.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(addr.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
