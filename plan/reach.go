package plan

import (
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// Reachability across the transit gateway, decided from the plan alone, in both directions.
//
// A connection from a Pod of cluster A to a server in cluster B (another VPC) gets an answer only
// if both legs get through:
//
//   - forward: A's node looks the server's address up in its VPC route table (it must go to the
//     TGW), the TGW looks it up in the route table associated with A's attachment (longest prefix;
//     a blackhole drops; a route to another attachment sends it elsewhere), and the route must lead
//     to B's attachment, which must have a leg in B's subnet;
//   - return: B's node looks the reply's destination up in its own VPC route table, and the TGW in
//     the table associated with B's attachment, which must lead back to A's attachment. The reply
//     goes to the client Pod's IP when A preserves it (crossClusterSource: preserve), else to the
//     client node's IP (masquerade), so the return needs routes for A's Pod CIDR or for A's nodes.
//
// Destinations are ranges, not single addresses: a blackhole for one node's /24 inside a Pod CIDR
// blocks that part only, and the verdict is then Partial, naming the blocked part.

// Verdict is whether connections to a destination get answers.
type Verdict string

const (
	// Reachable: every address of the destination answers, and the replies reach every client.
	Reachable Verdict = "reachable"
	// Blocked: no address of the destination answers (forward or return is closed entirely).
	Blocked Verdict = "blocked"
	// Partial: some parts answer and others do not; neither an answer nor silence is certain.
	Partial Verdict = "partial"
)

// Direction is the leg of a connection: client to server, or the server's reply.
type Direction string

const (
	Forward Direction = "forward"
	Return  Direction = "return"
)

// BlockReason says why a leg stops.
type BlockReason string

const (
	// NoVPCRoute: the sending node's VPC route table does not send the destination to the TGW.
	NoVPCRoute BlockReason = "no VPC route"
	// NoAssociation: the sending VPC's attachment is associated with no TGW route table.
	NoAssociation BlockReason = "no association"
	// NoRoute: the TGW route table has no route for the destination.
	NoRoute BlockReason = "no route"
	// BlackholeRoute: the TGW route table's longest match is a blackhole.
	BlackholeRoute BlockReason = "blackhole"
	// OtherAttachment: the TGW route table sends the destination to another attachment.
	OtherAttachment BlockReason = "other attachment"
	// NoLeg: the receiving attachment has no TGW leg in the receiving cluster's subnet.
	NoLeg BlockReason = "no leg"
)

// Block is where and why one part of a destination gets no further.
type Block struct {
	Direction Direction   `json:"direction"`
	Reason    BlockReason `json:"reason"`
	// Destination is the stopped part: a CIDR, or first-last when it is not one.
	Destination string `json:"destination"`
	// VPC is the VPC whose route table is consulted first on this leg (the sender's).
	VPC string `json:"vpc"`
	// Table is the TGW route table that stopped it; empty when the VPC side did.
	Table string `json:"table,omitempty"`
	// Route is the TGW route that decided (a blackhole, or a route to another attachment).
	Route string `json:"route,omitempty"`
	// Attachment is where that route leads, for OtherAttachment.
	Attachment string `json:"attachment,omitempty"`
	// Toward is the attachment the leg has to reach (the receiving VPC's): pointing Route in
	// Table there (or adding a route there) is what would open this part.
	Toward string `json:"toward"`
}

func (b Block) String() string {
	msg := fmt.Sprintf("%s: %s: %s", b.Direction, b.Destination, b.Reason)
	switch b.Reason {
	case NoVPCRoute:
		return msg + " in VPC " + b.VPC + "'s route table"
	case NoAssociation:
		return msg + " (VPC " + b.VPC + "'s attachment has no TGW route table)"
	case BlackholeRoute:
		return msg + " in TGW route table " + b.Table + " (route " + b.Route + ")"
	case OtherAttachment:
		return msg + " in TGW route table " + b.Table + " (route " + b.Route + " to " + b.Attachment + ", not " + b.Toward + ")"
	case NoLeg:
		return msg + " (attachment " + b.Toward + " has no leg in the receiving subnet)"
	}
	return msg + " in TGW route table " + b.Table
}

// Reach is the verdict for one kind of destination of a pair: its Pods, or its internal LB pool.
type Reach struct {
	// Target is "pod" (the server's Pod CIDR) or "lb" (its MetalLB pool).
	Target       string   `json:"target"`
	Destinations []string `json:"destinations"`
	// ReplyTo is where replies go: the client's Pod CIDR (preserve) or its node range (masquerade).
	ReplyTo string  `json:"replyTo"`
	Verdict Verdict `json:"verdict"`
	// Blocks are the stopped parts, forward first; empty when Reachable.
	Blocks []Block `json:"blocks,omitempty"`
}

// Answered reports whether every connection to this destination gets an answer.
func (r Reach) Answered() bool { return r.Verdict == Reachable }

// Isolated reports whether no connection to this destination gets an answer.
func (r Reach) Isolated() bool { return r.Verdict == Blocked }

// PairReach is what a client cluster reaches of a server cluster in another VPC.
type PairReach struct {
	From string `json:"from"`
	To   string `json:"to"`
	Pod  Reach  `json:"pod"`
	// LB is nil when the server cluster has no MetalLB.
	LB *Reach `json:"lb,omitempty"`
}

// Reachability decides, for every ordered pair of clusters in different VPCs that are both attached
// to the transit gateway, whether a Pod of From gets answers from To's Pods and internal LB
// addresses. Pairs come in cluster order (From outer, To inner). Nil without a transit gateway.
func (p *Plan) Reachability() []PairReach {
	if p.TransitGateway == nil {
		return nil
	}
	var out []PairReach
	for i := range p.Clusters {
		for j := range p.Clusters {
			if r, ok := p.Reach(p.Clusters[i].Name, p.Clusters[j].Name); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// Reach decides one ordered pair (see Reachability). ok is false when the pair is not one that
// the transit gateway joins: an unknown cluster, the same VPC, or a VPC without an attachment.
func (p *Plan) Reach(from, to string) (PairReach, bool) {
	a, okA := p.Cluster(from)
	b, okB := p.Cluster(to)
	if !okA || !okB || p.TransitGateway == nil || a.VPC == b.VPC ||
		p.attachmentOf(a.VPC) == "" || p.attachmentOf(b.VPC) == "" {
		return PairReach{}, false
	}
	replyTo := p.replyTo(a)
	pr := PairReach{From: from, To: to}
	pr.Pod = p.reach(a, b, "pod", []string{b.PodCIDR.String()}, replyTo)
	if b.MetalLB != nil {
		lb := p.reach(a, b, "lb", b.MetalLB.Addresses, replyTo)
		pr.LB = &lb
	}
	return pr, true
}

// replyTo is the range a server's replies go to: the client's Pod CIDR when it preserves the Pod
// IP, else the node range of its subnet (its nodes' addresses).
func (p *Plan) replyTo(c *ClusterPlan) string {
	if c.CNI.CrossClusterSource == "preserve" {
		return c.PodCIDR.String()
	}
	if s, ok := p.Subnet(c.VPC, c.Subnet); ok {
		return s.NodeRange.String()
	}
	return ""
}

// attachmentOf is the name of VPC vpc's attachment, "" when none.
func (p *Plan) attachmentOf(vpc string) string {
	a, _ := p.AttachmentOf(vpc)
	return a.Name
}

// reach combines the forward leg to dsts and the return leg to replyTo.
func (p *Plan) reach(a, b *ClusterPlan, target string, dsts []string, replyTo string) Reach {
	r := Reach{Target: target, Destinations: dsts, ReplyTo: replyTo}
	var fwd []span
	for _, d := range dsts {
		if s, ok := parseSpan(d); ok {
			fwd = append(fwd, s)
		}
	}
	back, okBack := parseSpan(replyTo)
	fwdBlocks, fwdAll := p.leg(Forward, a, b, fwd)
	var backBlocks []Block
	backAll := !okBack
	if okBack {
		backBlocks, backAll = p.leg(Return, b, a, []span{back})
	}
	r.Blocks = append(fwdBlocks, backBlocks...)
	switch {
	case fwdAll || backAll:
		r.Verdict = Blocked
	case len(r.Blocks) > 0:
		r.Verdict = Partial
	default:
		r.Verdict = Reachable
	}
	return r
}

// leg follows packets from cluster src's nodes to cluster dst across the TGW for every address of
// spans. It returns the blocked parts (adjacent parts with the same cause merged) and whether
// everything was blocked.
func (p *Plan) leg(dir Direction, src, dst *ClusterPlan, spans []span) ([]Block, bool) {
	srcAtt, dstAtt := p.attachmentOf(src.VPC), p.attachmentOf(dst.VPC)
	table, associated := p.RouteTableOf(srcAtt)
	dstSubnet, _ := p.Subnet(dst.VPC, dst.Subnet)
	var vpcRoutes []span
	var vpcTargets []string
	for _, r := range src.VPCRoutes {
		if s, ok := prefixSpan(r.CIDR); ok {
			vpcRoutes = append(vpcRoutes, s)
			vpcTargets = append(vpcTargets, r.Target)
		}
	}
	var tgwRoutes []span
	if associated {
		for _, r := range table.Routes {
			s, _ := prefixSpan(r.CIDR)
			tgwRoutes = append(tgwRoutes, s)
		}
	}
	decide := func(addr uint64) Block {
		blk := Block{Direction: dir, VPC: src.VPC, Toward: dstAtt}
		if i := longest(vpcRoutes, addr); i < 0 || vpcTargets[i] != "tgw" {
			blk.Reason = NoVPCRoute
			return blk
		}
		if !associated {
			blk.Reason = NoAssociation
			return blk
		}
		blk.Table = table.Name
		i := longest(tgwRoutes, addr)
		switch {
		case i < 0:
			blk.Reason = NoRoute
		case table.Routes[i].Blackhole:
			blk.Reason, blk.Route = BlackholeRoute, table.Routes[i].CIDR.String()
		case table.Routes[i].Attachment != dstAtt:
			blk.Reason, blk.Route, blk.Attachment = OtherAttachment, table.Routes[i].CIDR.String(), table.Routes[i].Attachment
		case dstSubnet == nil || !dstSubnet.TGWAddress.IsValid():
			blk.Reason = NoLeg
		}
		return blk
	}
	var blocks []Block
	var last span
	all := true
	for _, s := range spans {
		for _, part := range split(s, append(slices.Clone(vpcRoutes), tgwRoutes...)) {
			blk := decide(part.lo)
			if blk.Reason == "" {
				all = false
				continue
			}
			if n := len(blocks); n > 0 && last.hi+1 == part.lo && sameCause(blocks[n-1], blk) {
				last.hi = part.hi
				blocks[n-1].Destination = last.String()
				continue
			}
			last = part
			blk.Destination = part.String()
			blocks = append(blocks, blk)
		}
	}
	return blocks, all // no spans: nothing to reach, so nothing answers
}

func sameCause(a, b Block) bool {
	a.Destination, b.Destination = "", ""
	return a == b
}

// span is an inclusive range of IPv4 addresses, held in 64 bits so that hi+1 never overflows.
type span struct{ lo, hi uint64 }

func parseSpan(s string) (span, bool) {
	if s == "" {
		return span{}, false
	}
	if pf, err := netip.ParsePrefix(s); err == nil {
		return prefixSpan(pf)
	}
	r, err := parseRange(s)
	if err != nil {
		return span{}, false
	}
	return span{u32(r.from), u32(r.to)}, true
}

// prefixSpan is an IPv4 prefix as a span; ok is false for anything else.
func prefixSpan(pf netip.Prefix) (span, bool) {
	if !pf.IsValid() || !pf.Addr().Is4() {
		return span{}, false
	}
	lo := u32(pf.Masked().Addr())
	return span{lo, lo + size(pf) - 1}, true
}

func u32(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

func addr4(n uint64) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// String writes a span as a CIDR when it is one, else as first-last.
func (s span) String() string {
	n := s.hi - s.lo + 1
	if n&(n-1) == 0 && s.lo%n == 0 {
		return netip.PrefixFrom(addr4(s.lo), 32-bits.TrailingZeros64(n)).String()
	}
	return addr4(s.lo).String() + "-" + addr4(s.hi).String()
}

// split cuts s at every edge of the given routes that falls inside it, so that each part is
// decided by one and the same route of every table.
func split(s span, routes []span) []span {
	cuts := []uint64{s.lo, s.hi + 1}
	for _, r := range routes {
		for _, c := range []uint64{r.lo, r.hi + 1} {
			if c > s.lo && c <= s.hi {
				cuts = append(cuts, c)
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	out := make([]span, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		out = append(out, span{cuts[i], cuts[i+1] - 1})
	}
	return out
}

// longest returns the index of the narrowest route containing a, or -1.
func longest(routes []span, a uint64) int {
	best := -1
	for i, r := range routes {
		if a >= r.lo && a <= r.hi && (best < 0 || r.hi-r.lo < routes[best].hi-routes[best].lo) {
			best = i
		}
	}
	return best
}

// String renders a pair's verdicts on one line, e.g. for reasons in reports:
// "spoke-a -> spoke-b: pod blocked (forward: 10.2.64.0/18: blackhole in TGW route table spokes (route 10.2.0.0/16))".
func (r PairReach) String() string {
	parts := []string{reachString(r.Pod)}
	if r.LB != nil {
		parts = append(parts, reachString(*r.LB))
	}
	return r.From + " -> " + r.To + ": " + strings.Join(parts, "; ")
}

func reachString(r Reach) string {
	s := r.Target + " " + string(r.Verdict)
	if len(r.Blocks) > 0 {
		var bs []string
		for _, b := range r.Blocks {
			bs = append(bs, b.String())
		}
		s += " (" + strings.Join(bs, "; ") + ")"
	}
	return s
}
