//go:build linux

package datapath

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/tgw/model"
)

const port = 7777

// link joins namespace a (interface an, address aa) and b (bn, ba) with a veth pair.
func link(t *testing.T, a ns.NetNS, an, aa string, b ns.NetNS, bn, ba string) {
	t.Helper()
	nstest.Do(t, a, func() error {
		v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: an}, PeerName: bn, PeerNamespace: netlink.NsFd(int(b.Fd()))}
		if err := netlink.LinkAdd(v); err != nil {
			return fmt.Errorf("veth %s-%s: %w", an, bn, err)
		}
		return upWithAddr(an, aa)
	})
	nstest.Do(t, b, func() error { return upWithAddr(bn, ba) })
}

func upWithAddr(name, cidr string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	if cidr != "" {
		a, err := netlink.ParseAddr(cidr)
		if err != nil {
			return err
		}
		if err := netlink.AddrAdd(l, a); err != nil {
			return err
		}
	}
	return netlink.LinkSetUp(l)
}

func addLo(t *testing.T, n ns.NetNS, cidrs ...string) {
	t.Helper()
	nstest.Do(t, n, func() error {
		lo, _ := netlink.LinkByName("lo")
		for _, c := range cidrs {
			a, _ := netlink.ParseAddr(c)
			if err := netlink.AddrAdd(lo, a); err != nil {
				return err
			}
		}
		return nil
	})
}

func defaultVia(t *testing.T, n ns.NetNS, gw string) {
	t.Helper()
	nstest.Do(t, n, func() error {
		return netlink.RouteAdd(&netlink.Route{Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}, Gw: net.ParseIP(gw)})
	})
}

func forward(t *testing.T, n ns.NetNS) {
	t.Helper()
	nstest.Do(t, n, func() error { return writeSysctl("net/ipv4/ip_forward", "1") })
}

// serve answers each TCP connection on port with "name remote-ip".
func serve(t *testing.T, n ns.NetNS, name string) {
	t.Helper()
	var l net.Listener
	nstest.Do(t, n, func() error {
		var err error
		l, err = net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", port))
		return err
	})
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			fmt.Fprintf(c, "%s %s\n", name, host)
			c.Close()
		}
	}()
}

// dial connects from namespace n to dst:port with a bounded timeout and returns the server's answer
// ("" when the connection fails).
func dial(t *testing.T, n ns.NetNS, dst string) string {
	t.Helper()
	var out string
	nstest.Do(t, n, func() error {
		c, err := net.DialTimeout("tcp4", fmt.Sprintf("%s:%d", dst, port), 1500*time.Millisecond)
		if err != nil {
			return nil
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		out = strings.TrimSpace(line)
		return nil
	})
	return out
}

// twoVPCs makes the TGW namespace with host A (VPC A, 10.0.1.10, behind tga 10.0.1.1) and node B
// (VPC B, 10.1.1.10, behind tgb 10.1.1.1, answering as "nodeB") linked to it, each routing by
// default through the TGW.
func twoVPCs(t *testing.T) (tgwNS, hostA, nodeB ns.NetNS) {
	t.Helper()
	tgwNS, hostA, nodeB = nstest.NS(t), nstest.NS(t), nstest.NS(t)
	link(t, tgwNS, "tga", "10.0.1.1/24", hostA, "eth0", "10.0.1.10/24")
	link(t, tgwNS, "tgb", "10.1.1.1/24", nodeB, "eth0", "10.1.1.10/24")
	defaultVia(t, hostA, "10.0.1.1")
	defaultVia(t, nodeB, "10.1.1.1")
	serve(t, nodeB, "nodeB")
	return tgwNS, hostA, nodeB
}

// addressIn is the address lookup the model's attachments take: the TGW's address in a subnet,
// from the addresses k's namespace has now.
func addressIn(t *testing.T, k *Kernel) func(netip.Prefix) (netip.Addr, bool) {
	t.Helper()
	las, err := k.Addresses()
	if err != nil {
		t.Fatal(err)
	}
	return func(p netip.Prefix) (netip.Addr, bool) {
		for _, la := range las {
			if p.Contains(la.Prefix.Addr()) {
				return la.Prefix.Addr(), true
			}
		}
		return netip.Addr{}, false
	}
}

// TestKernelDatapath builds, in network namespaces, host A (VPC A, 10.0.1.10) — TGW — node B (VPC B,
// 10.1.1.10, with Pod 10.244.1.5 behind it) and host C (VPC C, 10.2.1.10, which also owns 10.1.1.10
// and 10.244.1.5 on its loopback, so a packet sent the wrong way is seen answering from C), and
// asserts with real TCP connections where packets go as the TGW state changes.
func TestKernelDatapath(t *testing.T) {
	testenv.RequireRoot(t)
	tgwNS, hostA, nodeB := twoVPCs(t)
	pod, hostC := nstest.NS(t), nstest.NS(t)
	link(t, tgwNS, "tgc", "10.2.1.1/24", hostC, "eth0", "10.2.1.10/24")
	link(t, nodeB, "veth-pod", "10.244.1.1/24", pod, "eth0", "10.244.1.5/24")
	addLo(t, hostC, "10.1.1.10/32", "10.244.1.5/32")
	defaultVia(t, hostC, "10.2.1.1")
	defaultVia(t, pod, "10.244.1.1")
	forward(t, nodeB)
	serve(t, pod, "pod")
	serve(t, hostC, "hostC")

	k := &Kernel{NS: tgwNS, Sysctls: true}
	addr := addressIn(t, k)
	s := model.New()
	s.IDs = model.Sequential()
	f := false
	vA, _ := s.CreateVPC("10.0.0.0/16", nil)
	vB, _ := s.CreateVPC("10.1.0.0/16", nil)
	vC, _ := s.CreateVPC("10.2.0.0/16", nil)
	sA, _ := s.CreateSubnet(vA.ID, "10.0.1.0/24", "", nil)
	sB, _ := s.CreateSubnet(vB.ID, "10.1.1.0/24", "", nil)
	sC, _ := s.CreateSubnet(vC.ID, "10.2.1.0/24", "", nil)
	g, _ := s.CreateTransitGateway("", model.TransitGatewayOptions{DefaultAssociation: &f, DefaultPropagation: &f}, nil)
	aA, err := s.CreateAttachment(g.ID, vA.ID, []string{sA.ID}, nil, addr)
	must(t, err)
	aB, err := s.CreateAttachment(g.ID, vB.ID, []string{sB.ID}, nil, addr)
	must(t, err)
	aC, err := s.CreateAttachment(g.ID, vC.ID, []string{sC.ID}, nil, addr)
	must(t, err)
	eni, err := s.CreateNetworkInterface(sB.ID, "10.1.1.10", "node b", nil)
	must(t, err)
	must(t, s.CreateVPCRoute(vB.MainRouteTableID, "10.244.1.0/24", model.VPCRouteTarget{NetworkInterfaceID: eni.ID}))
	rt1, _ := s.CreateRouteTable(g.ID, nil)
	rt2, _ := s.CreateRouteTable(g.ID, nil)
	for _, a := range []*model.Attachment{aA, aB, aC} {
		_, _, err := s.Associate(rt1.ID, a.ID)
		must(t, err)
		_, _, err = s.EnablePropagation(rt1.ID, a.ID)
		must(t, err)
	}
	_, err = s.CreateRoute(rt1.ID, "10.244.0.0/16", aB.ID, false)
	must(t, err)
	_, err = s.CreateRoute(rt2.ID, "10.1.0.0/16", aC.ID, false)
	must(t, err)
	t1, t2 := TableOf(rt1), TableOf(rt2)

	apply := func() Result {
		t.Helper()
		res, err := k.Apply(s)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if len(res.Warnings) > 0 {
			t.Fatalf("warnings: %v", res.Warnings)
		}
		return res
	}
	expect := func(step, dst, want string) {
		t.Helper()
		if got := dial(t, hostA, dst); got != want {
			t.Errorf("%s: host A -> %s answered %q, want %q", step, dst, got, want)
		}
	}
	counter := func(table int, dst string) uint64 {
		t.Helper()
		cs, err := k.Counters()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Table == table && c.Dst == dst {
				return c.Packets
			}
		}
		t.Fatalf("no counter for table %d %s in %+v", table, dst, cs)
		return 0
	}

	if res := apply(); !res.Changed() {
		t.Fatal("first apply changed nothing")
	}
	if res := apply(); res.Changed() {
		t.Fatalf("second apply of the same state changed the kernel: %+v", res)
	}

	// routes land in the right tables
	krs, err := k.Routes()
	must(t, err)
	var inT1 []string
	for _, r := range krs {
		if r.Table == t1 {
			s := r.Dst.String() + " dev " + r.Dev
			if r.Via.IsValid() {
				s += " via " + r.Via.String()
			}
			inT1 = append(inT1, s)
		}
		if r.Table == t2 && (r.Dst.String() != "10.1.0.0/16" || r.Dev != "tgc") {
			t.Errorf("unexpected route in table %d: %+v", t2, r)
		}
	}
	for _, want := range []string{"10.0.0.0/16 dev tga", "10.1.0.0/16 dev tgb", "10.2.0.0/16 dev tgc", "10.244.0.0/16 dev tgb", "10.244.1.0/24 dev tgb via 10.1.1.10"} {
		found := false
		for _, got := range inT1 {
			found = found || got == want
		}
		if !found {
			t.Errorf("table %d lacks %q; has %v", t1, want, inT1)
		}
	}

	// propagated VPC CIDRs and the node route carry real packets; no NAT on the way
	expect("propagated", "10.1.1.10", "nodeB 10.0.1.10")
	expect("propagated", "10.2.1.10", "hostC 10.0.1.10")
	expect("pod behind node", "10.244.1.5", "pod 10.0.1.10")

	// counters count the packets of the route the kernel picked
	before := counter(t1, "10.1.0.0/16")
	expect("counter", "10.1.1.10", "nodeB 10.0.1.10")
	if after := counter(t1, "10.1.0.0/16"); after <= before {
		t.Errorf("counter for %d 10.1.0.0/16 did not increase: %d -> %d", t1, before, after)
	}

	// longest prefix wins: a /32 to attachment C beats the node's /24
	_, err = s.CreateRoute(rt1.ID, "10.244.1.5/32", aC.ID, false)
	must(t, err)
	apply()
	expect("longest prefix", "10.244.1.5", "hostC 10.0.1.10")
	_, err = s.DeleteRoute(rt1.ID, "10.244.1.5/32")
	must(t, err)
	apply()
	expect("longest prefix removed", "10.244.1.5", "pod 10.0.1.10")

	// a blackhole drops, and its counter shows it
	_, err = s.CreateRoute(rt1.ID, "10.244.1.0/24", "", true)
	must(t, err)
	apply()
	bh := counter(t1, "10.244.1.0/24")
	expect("blackhole", "10.244.1.5", "")
	if after := counter(t1, "10.244.1.0/24"); after <= bh {
		t.Errorf("blackhole counter did not increase: %d -> %d", bh, after)
	}
	nstest.Do(t, tgwNS, func() error {
		rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: t1}, netlink.RT_FILTER_TABLE)
		for _, r := range rs {
			if dstOf(r).String() == "10.244.1.0/24" && r.Type != unix.RTN_BLACKHOLE {
				t.Errorf("10.244.1.0/24 in table %d is type %d, not blackhole", t1, r.Type)
			}
		}
		return err
	})
	_, err = s.DeleteRoute(rt1.ID, "10.244.1.0/24")
	must(t, err)
	apply()
	expect("blackhole removed", "10.244.1.5", "pod 10.0.1.10")

	// changing the association changes where the packet goes
	_, _, err = s.Disassociate(rt1.ID, aA.ID)
	must(t, err)
	_, _, err = s.Associate(rt2.ID, aA.ID)
	must(t, err)
	apply()
	expect("associated with rt2", "10.1.1.10", "hostC 10.0.1.10")
	_, _, err = s.Disassociate(rt2.ID, aA.ID)
	must(t, err)
	apply()
	expect("no association", "10.1.1.10", "")
	expect("no association", "10.2.1.10", "")
	_, _, err = s.Associate(rt1.ID, aA.ID)
	must(t, err)
	apply()
	expect("associated with rt1 again", "10.1.1.10", "nodeB 10.0.1.10")

	// propagation off removes reachability, on restores it
	_, _, err = s.DisablePropagation(rt1.ID, aB.ID)
	must(t, err)
	apply()
	unrouted := counter(t1, "unrouted")
	expect("propagation off", "10.1.1.10", "")
	if after := counter(t1, "unrouted"); after <= unrouted {
		t.Errorf("unrouted counter did not increase: %d -> %d", unrouted, after)
	}
	expect("propagation off, other VPC", "10.2.1.10", "hostC 10.0.1.10")
	_, _, err = s.EnablePropagation(rt1.ID, aB.ID)
	must(t, err)
	apply()
	expect("propagation on", "10.1.1.10", "nodeB 10.0.1.10")

	// stale state in netlab's ranges goes; the rest of the kernel is left alone
	nstest.Do(t, tgwNS, func() error {
		tgb, _ := netlink.LinkByName("tgb")
		if err := netlink.RouteAdd(&netlink.Route{Table: TableBase + 999, Dst: prefixNet(netip.MustParsePrefix("10.9.0.0/16")), LinkIndex: tgb.Attrs().Index}); err != nil {
			return err
		}
		if err := netlink.RouteAdd(&netlink.Route{Table: 500, Dst: prefixNet(netip.MustParsePrefix("10.9.0.0/16")), LinkIndex: tgb.Attrs().Index}); err != nil {
			return err
		}
		r := netlink.NewRule()
		r.Priority, r.Table, r.IifName = RuleLookupBase+999, TableBase+999, "tgb"
		return netlink.RuleAdd(r)
	})
	_, err = s.DeleteRouteTable(rt2.ID)
	must(t, err)
	res := apply()
	if res.RoutesDeleted < 2 || res.RulesDeleted < 1 {
		t.Errorf("stale cleanup: %+v", res)
	}
	krs, err = k.Routes()
	must(t, err)
	for _, r := range krs {
		if r.Table == t2 || r.Table == TableBase+999 {
			t.Errorf("stale route left: %+v", r)
		}
	}
	nstest.Do(t, tgwNS, func() error {
		rs, _ := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: 500}, netlink.RT_FILTER_TABLE)
		if len(rs) != 1 {
			t.Errorf("a route outside netlab's tables was touched: %v", rs)
		}
		rules, _ := netlink.RuleList(netlink.FAMILY_V4)
		for _, r := range rules {
			if r.Priority == RuleLookupBase+999 {
				t.Errorf("stale rule left: %v", r)
			}
		}
		return nil
	})
	expect("after cleanup", "10.1.1.10", "nodeB 10.0.1.10")
	if res := apply(); res.Changed() {
		t.Fatalf("apply after cleanup not idempotent: %+v", res)
	}
}
