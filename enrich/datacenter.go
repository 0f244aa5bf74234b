package enrich

import (
	"cmp"
	_ "embed"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// datacentersZst holds the datacenter and VPN ranges of X4BNet's lists_vpn
// (MIT), one CIDR a line, zstd-compressed. datacenters/SOURCE says which
// version, datacenters/update.sh replaces it.
//
//go:embed datacenters/datacenters.txt.zst
var datacentersZst []byte

// maxDatacenterListSize bounds the decompressed list (825 KB today).
const maxDatacenterListSize = 16 << 20

// datacenters is the embedded list as ranges, built on first use (about
// 40 ms and 0.6 MB), so that a server none of whose websites uses attack
// mode never pays for it.
var datacenters = sync.OnceValue(func() *addrRanges {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDatacenterListSize))
	if err != nil {
		panic("enrich: datacenter list: " + err.Error())
	}
	defer dec.Close()
	b, err := dec.DecodeAll(datacentersZst, nil)
	if err != nil {
		panic("enrich: datacenter list: " + err.Error()) // the embedded file is tested
	}
	return parseAddrRanges(string(b))
})

// IsDatacenter reports whether ip is in a datacenter, cloud, hosting or VPN
// provider's range of the embedded list: traffic from there is rarely a
// person at a browser. IPv4-mapped addresses count as IPv4; the zero Addr is
// not in any range.
func IsDatacenter(ip netip.Addr) bool {
	return datacenters().Contains(ip)
}

// addrRanges is a set of address prefixes, kept as sorted disjoint ranges
// for lookups by binary search. The zero addrRanges is empty. It is only
// read after parseAddrRanges, so safe for concurrent use.
type addrRanges struct {
	v4 []range4
	v6 []range6
}

type range4 struct{ lo, hi uint32 }

type range6 struct{ lo, hi u128 }

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// parseAddrRanges reads prefixes ("192.0.2.0/24", "2001:db8::/32") or single
// addresses, one a line. Blank lines, lines starting with "#" and lines that
// are neither are skipped; IPv4-mapped IPv6 prefixes count as IPv4.
func parseAddrRanges(s string) *addrRanges {
	r := &addrRanges{}
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		p, ok := parsePrefixLine(line)
		if !ok {
			continue
		}
		a := p.Addr()
		if a.Is4() {
			lo := binary.BigEndian.Uint32(a.AsSlice())
			r.v4 = append(r.v4, range4{lo, lo | ^uint32(0)>>p.Bits()})
			continue
		}
		b := a.As16()
		lo := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
		hi := lo
		if bits := p.Bits(); bits <= 64 {
			hi.hi |= ^uint64(0) >> bits
			hi.lo = ^uint64(0)
		} else {
			hi.lo |= ^uint64(0) >> (bits - 64)
		}
		r.v6 = append(r.v6, range6{lo, hi})
	}
	r.v4 = mergeRanges(r.v4, func(a, b uint32) int { return cmp.Compare(a, b) }, func(x range4) (uint32, uint32) { return x.lo, x.hi }, func(lo, hi uint32) range4 { return range4{lo, hi} })
	r.v6 = mergeRanges(r.v6, u128.cmp, func(x range6) (u128, u128) { return x.lo, x.hi }, func(lo, hi u128) range6 { return range6{lo, hi} })
	return r
}

// parsePrefixLine reads a prefix or an address as a masked prefix without
// zone, an IPv4-mapped one as IPv4.
func parsePrefixLine(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false // spans more than the mapped range
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// mergeRanges sorts ranges and merges those that overlap.
func mergeRanges[R any, T any](rs []R, compare func(a, b T) int, bounds func(R) (T, T), make func(lo, hi T) R) []R {
	slices.SortFunc(rs, func(a, b R) int {
		alo, _ := bounds(a)
		blo, _ := bounds(b)
		return compare(alo, blo)
	})
	out := rs[:0]
	for _, x := range rs {
		lo, hi := bounds(x)
		if n := len(out); n > 0 {
			plo, phi := bounds(out[n-1])
			if compare(lo, phi) <= 0 {
				if compare(hi, phi) > 0 {
					out[n-1] = make(plo, hi)
				}
				continue
			}
		}
		out = append(out, x)
	}
	return slices.Clip(out)
}

// Contains reports whether ip is in one of the ranges.
func (r *addrRanges) Contains(ip netip.Addr) bool {
	if r == nil || !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	if ip.Is4() {
		x := binary.BigEndian.Uint32(ip.AsSlice())
		i, _ := slices.BinarySearchFunc(r.v4, x, func(e range4, x uint32) int { return cmp.Compare(e.lo, x) })
		// r.v4[i].lo >= x: either it starts at x, or x is in the range before.
		if i < len(r.v4) && r.v4[i].lo == x {
			return true
		}
		return i > 0 && x <= r.v4[i-1].hi
	}
	b := ip.As16()
	x := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	i, _ := slices.BinarySearchFunc(r.v6, x, func(e range6, x u128) int { return e.lo.cmp(x) })
	if i < len(r.v6) && r.v6[i].lo == x {
		return true
	}
	return i > 0 && x.cmp(r.v6[i-1].hi) <= 0
}

// Len is the number of disjoint IPv4 and IPv6 ranges.
func (r *addrRanges) Len() (v4, v6 int) {
	if r == nil {
		return 0, 0
	}
	return len(r.v4), len(r.v6)
}
