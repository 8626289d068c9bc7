// Package datapath turns the transit gateway's state into Linux policy routing and keeps the kernel
// in line with it.
//
// The mapping (see docs/tgw.md):
//   - each TGW route table is one kernel routing table, number TableBase+seq;
//   - packets from no attachment leg are dropped (rule RuleDropAll), except the TGW's own (iif lo);
//   - each attachment leg (the TGW's interface in an attached subnet) gets an ip rule
//     "iif LEG lookup TABLE" (priority RuleLookupBase+seq) for the route table the attachment is
//     associated with, and always a rule "iif LEG blackhole" (priority RuleDropBase+seq) behind it, so
//     a packet that matches no route, or comes from an attachment with no association, is dropped as in
//     AWS instead of falling through to the main table;
//   - a route to an attachment becomes a route out of that attachment's leg; where the attachment's
//     VPC route table sends part of that CIDR to a node's network interface (a Pod CIDR behind a node),
//     that part goes via the node's address instead;
//   - a blackhole route (or a static route to a deleted attachment) becomes a blackhole route.
//
// netlab owns the kernel tables TableBase..TableMax and the rule priorities RuleLookupBase..RuleMax;
// reconciling removes whatever else is found there.
package datapath

import (
	"fmt"
	"net/netip"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/netlab-dev/netlab/tgw/model"
)

// Ranges netlab owns in the kernel.
const (
	TableBase      = 10000 // kernel table of a TGW route table = TableBase + its Seq
	TableMax       = 19999
	RuleLookupBase = 10000 // "iif LEG lookup TABLE" = RuleLookupBase + attachment Seq
	RuleDropBase   = 20000 // "iif LEG blackhole" = RuleDropBase + attachment Seq
	RuleLocalOut   = 29998 // "iif lo lookup main": the TGW's own packets (API replies, ICMP errors)
	RuleDropAll    = 29999 // "blackhole": nothing else is forwarded, as a TGW forwards only for attachments
	RuleMax        = 29999
)

// Route is one kernel route the state asks for.
type Route struct {
	Table     int
	Dst       netip.Prefix
	Blackhole bool
	// Out is the TGW's own address on the leg the packet leaves by; the kernel interface is the one
	// carrying this address. Invalid for a blackhole.
	Out netip.Addr
	// Via is the next hop (a node's address) for a CIDR behind a node; invalid for on-link delivery
	// into the VPC subnet.
	Via netip.Addr

	// What the route came from, for display.
	RouteTableID string
	AttachmentID string
	Type         string // static or propagated
	FromVPCRoute bool   // expanded from a VPC route table route to a network interface
}

// Rule is one kernel policy rule the state asks for.
type Rule struct {
	Priority int
	In       netip.Addr // the TGW's address on the leg; the rule's iif is the interface carrying it
	// Iif names the input interface when In is not set ("lo"); neither set matches every packet.
	Iif          string
	Table        int // 0 means blackhole
	AttachmentID string
}

// Desired is the kernel state for a transit gateway state.
type Desired struct {
	Routes []Route
	Rules  []Rule
	// Tables maps kernel table numbers to TGW route table ids.
	Tables map[int]string
	// Legs maps each leg address to the kernel table its packets are looked up in (0: none).
	Legs map[netip.Addr]int
}

// TableOf returns the kernel table number of a route table.
func TableOf(rt *model.RouteTable) int { return TableBase + rt.Seq }

// Plan computes the kernel state for s. It is pure: the addresses in it are resolved to interfaces
// when applied. Problems that make part of the state impossible to express (a node address on no
// attached subnet) are returned as warnings; the rest is still planned.
func Plan(s *model.State) (Desired, []string) {
	d := Desired{Tables: map[int]string{}, Legs: map[netip.Addr]int{}}
	var warnings []string
	planLegs(s, &d)
	for _, rt := range s.ListRouteTables() {
		t := newTablePlan(s, rt)
		d.Tables[t.table] = rt.ID
		for _, r := range t.eff {
			t.add(r)
		}
		for _, p := range t.order {
			d.Routes = append(d.Routes, t.byDst[p])
		}
		warnings = append(warnings, t.warnings...)
	}
	sortDesired(&d)
	return d, warnings
}

// planLegs fills in d's Legs and the rules: each leg looks its packets up in its attachment's
// route table (when it has one) and drops the rest; packets that came in by no attachment leg are
// not forwarded; the TGW's own packets use main.
func planLegs(s *model.State, d *Desired) {
	for _, a := range s.ListAttachments() {
		table := 0
		if a.RouteTableID != "" {
			if rt, ok := s.RouteTables[a.RouteTableID]; ok {
				table = TableOf(rt)
			}
		}
		for _, sub := range a.Subnets {
			in := netip.MustParseAddr(sub.Address)
			d.Legs[in] = table
			if table != 0 {
				d.Rules = append(d.Rules, Rule{Priority: RuleLookupBase + a.Seq, In: in, Table: table, AttachmentID: a.ID})
			}
			d.Rules = append(d.Rules, Rule{Priority: RuleDropBase + a.Seq, In: in, Table: 0, AttachmentID: a.ID})
		}
	}
	d.Rules = append(d.Rules, Rule{Priority: RuleLocalOut, Iif: "lo", Table: unix.RT_TABLE_MAIN}, Rule{Priority: RuleDropAll})
}

// tablePlan collects the kernel routes of one TGW route table, one per destination (a later one
// replaces an earlier one, keeping its place).
type tablePlan struct {
	s        *model.State
	rt       *model.RouteTable
	table    int
	eff      []model.Route // the table's effective routes
	byDst    map[netip.Prefix]Route
	order    []netip.Prefix
	warnings []string
}

func newTablePlan(s *model.State, rt *model.RouteTable) *tablePlan {
	t := &tablePlan{s: s, rt: rt, table: TableOf(rt), byDst: map[netip.Prefix]Route{}}
	rs, _ := s.Routes(rt.ID)
	for _, r := range rs {
		if r.Effective {
			t.eff = append(t.eff, r)
		}
	}
	return t
}

// shadowed reports whether a route more specific than r (and still no more specific than p)
// covers p: then the TGW's longest-prefix match sends p's addresses by that route, not r.
func (t *tablePlan) shadowed(r model.Route, p netip.Prefix) bool {
	for _, o := range t.eff {
		if o.CIDR != r.CIDR && o.CIDR.Bits() > r.CIDR.Bits() && o.CIDR.Bits() <= p.Bits() && o.CIDR.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func (t *tablePlan) put(x Route) {
	if _, ok := t.byDst[x.Dst]; !ok {
		t.order = append(t.order, x.Dst)
	}
	t.byDst[x.Dst] = x
}

// add plans the kernel routes for the TGW route r.
func (t *tablePlan) add(r model.Route) {
	s := t.s
	base := Route{Table: t.table, Dst: r.CIDR, RouteTableID: t.rt.ID, AttachmentID: r.AttachmentID, Type: r.Type}
	if r.State == model.RouteStateBlackhole {
		base.Blackhole = true
		t.put(base)
		return
	}
	a := s.Attachments[r.AttachmentID]
	if a == nil || len(a.Subnets) == 0 {
		return
	}
	// the leg: the attached subnet containing the CIDR, else the first
	base.Out = netip.MustParseAddr(a.Subnets[0].Address)
	for _, sub := range a.Subnets {
		if p := netip.MustParsePrefix(s.Subnets[sub.SubnetID].CIDR); p.Bits() <= r.CIDR.Bits() && p.Contains(r.CIDR.Addr()) {
			base.Out = netip.MustParseAddr(sub.Address)
		}
	}
	t.put(base)
	// the attachment's other subnets inside the CIDR leave by their own legs
	for _, sub := range a.Subnets {
		p := netip.MustParsePrefix(s.Subnets[sub.SubnetID].CIDR)
		if sub.Address != base.Out.String() && p.Bits() > r.CIDR.Bits() && r.CIDR.Contains(p.Addr()) && !t.shadowed(r, p) {
			x := base
			x.Dst, x.Out = p, netip.MustParseAddr(sub.Address)
			t.put(x)
		}
	}
	t.addViaNodes(r, a, base)
}

// addViaNodes plans the routes from the attachment's VPC route table: CIDRs behind a node's network
// interface go via the node.
func (t *tablePlan) addViaNodes(r model.Route, a *model.Attachment, base Route) {
	s := t.s
	v := s.VPCs[a.VPCID]
	if v == nil {
		return
	}
	vrt := s.VPCRouteTables[v.MainRouteTableID]
	if vrt == nil {
		return
	}
	for _, vr := range vrt.Routes {
		if vr.NetworkInterfaceID == "" || s.VPCRouteState(vr) != model.RouteStateActive {
			continue
		}
		vp := netip.MustParsePrefix(vr.Destination)
		if !vp.Overlaps(r.CIDR) {
			continue
		}
		p := vp
		if r.CIDR.Bits() > vp.Bits() {
			p = r.CIDR
		}
		if t.shadowed(r, p) {
			continue
		}
		eni := s.ENIs[vr.NetworkInterfaceID]
		via := netip.MustParseAddr(eni.PrivateIP)
		out := netip.Addr{}
		for _, sub := range a.Subnets {
			if netip.MustParsePrefix(s.Subnets[sub.SubnetID].CIDR).Contains(via) {
				out = netip.MustParseAddr(sub.Address)
			}
		}
		if !out.IsValid() {
			t.warnings = append(t.warnings, fmt.Sprintf("route table %s: %s via %s (%s): the node's subnet %s is not attached to %s; route not installed",
				t.rt.ID, p, via, eni.ID, eni.SubnetID, a.ID))
			continue
		}
		x := base
		x.Dst, x.Out, x.Via, x.FromVPCRoute = p, out, via, true
		t.put(x)
	}
}

// sortDesired orders routes by table, most specific first, and rules by priority.
func sortDesired(d *Desired) {
	sort.SliceStable(d.Routes, func(i, j int) bool {
		a, b := d.Routes[i], d.Routes[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Dst.Bits() != b.Dst.Bits() {
			return a.Dst.Bits() > b.Dst.Bits()
		}
		return a.Dst.Addr().Less(b.Dst.Addr())
	})
	sort.SliceStable(d.Rules, func(i, j int) bool {
		if d.Rules[i].Priority != d.Rules[j].Priority {
			return d.Rules[i].Priority < d.Rules[j].Priority
		}
		return d.Rules[i].In.Less(d.Rules[j].In)
	})
}

// String renders a route like `ip route` does.
func (r Route) String() string {
	if r.Blackhole {
		return fmt.Sprintf("blackhole %s table %d", r.Dst, r.Table)
	}
	if r.Via.IsValid() {
		return fmt.Sprintf("%s via %s leg %s table %d", r.Dst, r.Via, r.Out, r.Table)
	}
	return fmt.Sprintf("%s leg %s table %d", r.Dst, r.Out, r.Table)
}
