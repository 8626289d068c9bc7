package plan

import (
	"fmt"
	"net/netip"
)

// safeRanges are the only address ranges a lab may use: RFC 1918's private ranges, the shared
// address space of RFC 6598 and the benchmarking range of RFC 2544. None of them is routed on the
// internet, so a lab's routes, masquerade exemptions and the checks' allowlist (all derived from the
// scenario's CIDRs) can never steer traffic to somebody else's addresses.
var safeRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("198.18.0.0/15"),
}

// safeRangesText names the ranges for messages.
var safeRangesText = "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), 100.64.0.0/10 (shared address space) or 198.18.0.0/15 (benchmarking)"

// SafeRanges returns the address ranges a scenario's CIDRs must lie in (a copy).
func SafeRanges() []netip.Prefix { return append([]netip.Prefix(nil), safeRanges...) }

// InSafeRanges reports whether p lies entirely inside one of SafeRanges.
func InSafeRanges(p netip.Prefix) bool {
	for _, r := range safeRanges {
		if PrefixContains(r, p) {
			return true
		}
	}
	return false
}

// rangeIsSafe reports whether every address of r lies inside one of SafeRanges.
func rangeIsSafe(r addrRange) bool {
	for _, s := range safeRanges {
		if sr := prefixRange(s); sr.contains(r.from) && sr.contains(r.to) {
			return true
		}
	}
	return false
}

// unsafeMessage is the diagnostic for a CIDR or range (what) outside SafeRanges.
func unsafeMessage(what string) string {
	return fmt.Sprintf("%s is outside the ranges a lab may use; use addresses inside %s, so that no lab route or allowlist can reach the internet's addresses", what, safeRangesText)
}

// safeSubnetCIDR parses a subnet's CIDR that reserveExplicit has already reported if bad or unsafe.
func safeSubnetCIDR(s string) (netip.Prefix, bool) {
	p, err := parseCIDR(s)
	return p, err == nil && InSafeRanges(p)
}
