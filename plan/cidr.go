package plan

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// parseCIDR parses an IPv4 CIDR in canonical form (no host bits set).
func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR; write it like 10.0.0.0/16", s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not IPv4; netlab labs are IPv4 only for now", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; did you mean %s?", s, m)
	}
	return p, nil
}

// PrefixContains reports whether inner lies entirely inside outer.
func PrefixContains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// ComparePrefixes orders prefixes by address, then shorter prefix first (for slices.SortFunc).
func ComparePrefixes(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// size is the number of addresses in p.
func size(p netip.Prefix) uint64 { return 1 << (32 - p.Bits()) }

// nth returns the address at offset i inside p (i may be negative: from the end, -1 = broadcast).
func nth(p netip.Prefix, i int64) netip.Addr {
	base := p.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	if i < 0 {
		i += int64(size(p))
	}
	n += uint32(i)
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// offset returns a's position inside p.
func offset(p netip.Prefix, a netip.Addr) int64 {
	x := new(big.Int).SetBytes(a.AsSlice())
	y := new(big.Int).SetBytes(p.Masked().Addr().AsSlice())
	return x.Sub(x, y).Int64()
}

// addrRange is an inclusive range of addresses.
type addrRange struct{ from, to netip.Addr }

func (r addrRange) String() string { return r.from.String() + "-" + r.to.String() }

func (r addrRange) contains(a netip.Addr) bool { return r.from.Compare(a) <= 0 && a.Compare(r.to) <= 0 }

func (r addrRange) overlaps(o addrRange) bool {
	return r.from.Compare(o.to) <= 0 && o.from.Compare(r.to) <= 0
}

func (r addrRange) count() int64 {
	x := new(big.Int).SetBytes(r.to.AsSlice())
	y := new(big.Int).SetBytes(r.from.AsSlice())
	return x.Sub(x, y).Int64() + 1
}

func prefixRange(p netip.Prefix) addrRange { return addrRange{nth(p, 0), nth(p, -1)} }

// parseRange parses a MetalLB-style address block: a CIDR or "first-last".
func parseRange(s string) (addrRange, error) {
	s = strings.TrimSpace(s)
	if a, b, ok := strings.Cut(s, "-"); ok {
		from, err1 := netip.ParseAddr(strings.TrimSpace(a))
		to, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || !from.Is4() || !to.Is4() {
			return addrRange{}, fmt.Errorf("%q is not an IPv4 range; write it like 10.0.1.200-10.0.1.220", s)
		}
		if to.Less(from) {
			return addrRange{}, fmt.Errorf("%q ends before it starts", s)
		}
		return addrRange{from, to}, nil
	}
	p, err := parseCIDR(s)
	if err != nil {
		return addrRange{}, fmt.Errorf("%q is neither a CIDR nor a range; write 10.0.1.192/27 or 10.0.1.200-10.0.1.220", s)
	}
	return prefixRange(p), nil
}

// allocator hands out CIDRs that overlap nothing already taken.
type allocator struct{ taken []netip.Prefix }

func (a *allocator) take(p netip.Prefix) { a.taken = append(a.taken, p) }

func (a *allocator) free(p netip.Prefix) bool {
	for _, t := range a.taken {
		if t.Overlaps(p) {
			return false
		}
	}
	return true
}

// next returns the first /bits block inside within that is free, and takes it.
func (a *allocator) next(within netip.Prefix, bits int) (netip.Prefix, bool) {
	if bits < within.Bits() || bits > 32 {
		return netip.Prefix{}, false
	}
	blocks := int64(1) << (bits - within.Bits())
	step := int64(1) << (32 - bits)
	for i := int64(0); i < blocks; i++ {
		p := netip.PrefixFrom(nth(within, i*step), bits)
		if a.free(p) {
			a.take(p)
			return p, true
		}
	}
	return netip.Prefix{}, false
}
