// Package egress is the host's egress guard: an nftables table of the lab's own, in the host's
// network namespace, that refuses and counts every packet from the lab's ranges to an address
// outside them, so that nothing a lab sends (a CoreDNS forwarder's probe, a packet to an
// unprogrammed ClusterIP that followed a default route) leaves the machine. 'up' installs it first,
// 'down' removes it, 'status' and the check lab/hermetic read its counters.
//
// The table (family ip, named TableName(lab)) has one set and two chains:
//
//	set lab          the lab's ranges (plan.LabCIDRs, merged), an interval set
//	set inside       the lab's ranges and NeverRouted (multicast, limited broadcast)
//	chain forward    hook forward, priority -10 (before Docker's filter rules):
//	                   daddr Canary            counter                 tag "canary"
//	                   lab → outside, port 53  counter [accept]        tag "dns" or, under dns.upstream, "dns-out"
//	                   lab → outside           counter reject          tag "refused" (ICMP administratively prohibited)
//	chain postrouting hook postrouting, priority -10 (before Docker's masquerade):
//	                   daddr Canary            counter drop            tag "backstop"
//	                   [under dns.upstream: lab → outside, port 53 accept]
//	                   forwarded lab → outside counter drop            tag "escaped"
//
// "lab → outside" is: source in @lab and destination not in @inside. The postrouting chain is the last
// line: a forwarded packet counted there got past the forward chain (it should never happen; the
// check says so), and is dropped there too. The host's own packets are not the lab's, even from a
// bridge's address (which is in a lab subnet): an IGMP report of the host is not a leak.
//
// Canary is the address of the check's negative control: a datagram a probe Pod sends to it must be
// counted as refused by the forward chain; the postrouting backstop makes sure it never leaves even
// if the guard were broken. It is in TEST-NET-3 (RFC 5737), reserved for documentation, never a lab
// range (plan's safety rules allow only private ranges).
package egress

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/plan"
)

// NeverRouted are destinations no packet leaves the machine for by routing: multicast (the host
// routes none) and the limited broadcast. They count as inside: an IGMP report a Docker bridge
// sends when it comes up (two of 40 bytes, seen live at each 'up') is not a leak.
var NeverRouted = []netip.Prefix{netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("255.255.255.255/32")}

// Canary is the negative control's destination, and CanaryPort its UDP port (discard).
var Canary = netip.MustParseAddr("203.0.113.53")

const CanaryPort = 9

// Priority is the hook priority of both chains: before Docker's filter (0) and masquerade (100).
const Priority = -10

// Rule tags (the user data of each rule).
const (
	TagCanary   = "canary"
	TagDNS      = "dns"
	TagDNSOut   = "dns-out"
	TagRefused  = "refused"
	TagBackstop = "backstop"
	TagEscaped  = "escaped"
)

// TableName is the lab's table.
func TableName(lab string) string { return "netlab_egress_" + lab }

// Spec is what the guard is built from.
type Spec struct {
	Lab string
	// Ranges are the lab's ranges, merged: sorted, none inside or touching another.
	Ranges []netip.Prefix
	// DNSOut lets DNS (UDP and TCP port 53) from the lab out (scenario dns.upstream).
	DNSOut bool
}

// SpecFor is plan p's guard, and false when the plan has none (egress: allow).
func SpecFor(p *plan.Plan) (Spec, bool) {
	if !p.Outside.Guarded() {
		return Spec{}, false
	}
	return Spec{Lab: p.Lab, Ranges: Merge(p.LabCIDRs()), DNSOut: p.Outside.DNSUpstream}, true
}

// Key identifies the spec: 'up' leaves a table built from the same spec (and its counters) alone.
func (s Spec) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%v|%v|%d|%s|%v|v2", s.Lab, s.Ranges, s.DNSOut, Priority, Canary, NeverRouted)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Merge drops the prefixes inside another: what an interval set needs (its intervals must not
// overlap). Adjacent prefixes stay apart; the set holds them as two intervals.
func Merge(ps []netip.Prefix) []netip.Prefix {
	in := slices.Clone(ps)
	for i := range in {
		in[i] = in[i].Masked()
	}
	slices.SortFunc(in, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	var out []netip.Prefix
	for _, p := range in {
		if n := len(out); n > 0 && out[n-1].Overlaps(p) {
			continue // sorted by start, shorter first: the earlier one holds p
		}
		out = append(out, p)
	}
	return out
}

// Counters are the guard's counters, summed by tag.
type Counters struct {
	// Installed is false when the lab has no guard table.
	Installed bool `json:"installed"`
	// Refused: packets from the lab to an address outside it, refused at the host (DNS included).
	Refused nft.Count `json:"refused"`
	// DNS: of Refused, DNS queries; DNSOut: DNS let out under dns.upstream.
	DNS    nft.Count `json:"dns"`
	DNSOut nft.Count `json:"dnsOut"`
	// Canary: datagrams to Canary the forward chain saw.
	Canary nft.Count `json:"canary"`
	// Escaped: packets from the lab to outside it that got past the forward chain (stopped at the
	// last hook); Backstop: of those, datagrams to Canary.
	Escaped  nft.Count `json:"escaped"`
	Backstop nft.Count `json:"backstop"`
}

// countersFrom sums the counters read from the two chains by tag (a tag's first word).
func countersFrom(chains ...map[string]nft.Count) Counters {
	c := Counters{Installed: true}
	for _, m := range chains {
		for tag, n := range m {
			word, _, _ := strings.Cut(tag, " ")
			switch word {
			case TagRefused:
				c.Refused = c.Refused.Add(n)
			case TagDNS:
				c.DNS = c.DNS.Add(n)
			case TagDNSOut:
				c.DNSOut = c.DNSOut.Add(n)
			case TagCanary:
				c.Canary = c.Canary.Add(n)
			case TagEscaped:
				c.Escaped = c.Escaped.Add(n)
			case TagBackstop:
				c.Backstop = c.Backstop.Add(n)
			}
		}
	}
	return c
}

// Summary is one line for 'netlab status'.
func (c Counters) Summary() string {
	if !c.Installed {
		return "not installed"
	}
	s := fmt.Sprintf("%d packets refused (%d DNS), %d left the machine", c.Refused.Packets, c.DNS.Packets, c.Escaped.Packets)
	if c.DNSOut.Packets > 0 {
		s += fmt.Sprintf(", %d DNS packets let out (dns.upstream)", c.DNSOut.Packets)
	}
	return s
}
