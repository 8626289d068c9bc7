// Package explain prints a packet path's hops in the terms of the packet-path notes (Pod eth0,
// veth, the cni0 bridge, the VXLAN device, the node's eth0, the VPC network, the transit gateway's
// route table, kube-proxy's DNAT), filled in with what is known: the plan's CIDRs, devices, ports and
// modes, and, for a live lab, the nodes' real addresses and Pod ranges, the echo Service's ClusterIP
// and kube-proxy chain, and the TGW's route tables.
//
// It is pure: the live facts are gathered elsewhere (cmd/netlab/explain.go) and passed in.
package explain

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

// Facts are what a live lab adds to the plan. Every field is optional.
type Facts struct {
	// Nodes by cluster name, in a stable order.
	Nodes map[string][]Node
	// EchoClusterIP and EchoChain by cluster: the check workloads' echo Service, when deployed.
	EchoClusterIP map[string]string
	EchoChain     map[string]string
	// TGWTables are the TGW route tables by plan name: their id and kernel routes as "dst -> target".
	TGWTables   map[string]TGWTable
	TGWEndpoint string
}

// Node is a live node.
type Node struct {
	Name, IP, PodCIDR string
}

// TGWTable is a live TGW route table.
type TGWTable struct {
	ID     string
	Routes []string
}

// Explanation is one path's hops for one target.
type Explanation struct {
	Path     string   `json:"path"`
	Title    string   `json:"title"`
	Target   string   `json:"target,omitempty"`
	Context  string   `json:"context,omitempty"`
	Hops     []string `json:"hops"`
	Evidence string   `json:"evidence"`
	// Missing says why the scenario cannot show the path (the hops are then the generic ones).
	Missing string `json:"missing,omitempty"`
	Doc     string `json:"doc"`
}

// All explains path id for every target the plan has for it (one explanation when it has none).
func All(p *plan.Plan, id string, f *Facts) ([]Explanation, error) {
	if p == nil {
		e, err := Explain(p, id, f)
		return []Explanation{e}, err
	}
	tp := *p
	tp.Checks.Paths = []string{id}
	a := checks.Applies(&tp)
	if len(a) != 1 || len(a[0].Targets) <= 1 {
		e, err := Explain(p, id, f)
		return []Explanation{e}, err
	}
	var out []Explanation
	for _, t := range a[0].Targets {
		e, err := explainTarget(p, id, f, &t)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Explain explains path id in plan p (nil: the catalogue alone, with placeholders) for its first
// target, using facts when given.
func Explain(p *plan.Plan, id string, f *Facts) (Explanation, error) {
	return explainTarget(p, id, f, nil)
}

func explainTarget(p *plan.Plan, id string, f *Facts, want *checks.Target) (Explanation, error) {
	pa, ok := paths.Lookup(id)
	if !ok {
		return Explanation{}, fmt.Errorf("unknown path id %q; 'netlab check --list' shows them", id)
	}
	if f == nil {
		f = &Facts{}
	}
	e := Explanation{Path: id, Title: pa.Title, Evidence: pa.Evidence, Doc: "docs/paths/" + id + ".md"}
	var t checks.Target
	if p != nil {
		tp := *p
		tp.Checks.Paths = []string{id}
		a := checks.Applies(&tp)
		if want != nil {
			t = *want
			e.Target = t.String()
		} else if len(a) == 1 && len(a[0].Targets) > 0 {
			t = a[0].Targets[0]
			e.Target = t.String()
		} else if len(a) == 1 {
			e.Missing = a[0].Reason
		}
	}
	x := &ctx{p: p, f: f}
	x.pick(t)
	if x.c != nil {
		c := x.c
		e.Context = fmt.Sprintf("lab %s, cluster %s: %s %s (%s), kube-proxy %s, Pod CIDR %s, Services %s, uplink MTU %d, Pod MTU %d",
			p.Lab, c.Name, c.CNI.Type, c.CNI.Mode, c.CNI.Encapsulation, c.KubeProxyMode, c.PodCIDR, c.ServiceCIDR, c.CNI.UplinkMTU, c.CNI.PodMTU)
	}
	e.Hops = hops(id, x)
	return e, nil
}

// ctx holds what the hop templates fill in.
type ctx struct {
	p        *plan.Plan
	f        *Facts
	c, d     *plan.ClusterPlan // the (client) cluster, and the server's for cross-cluster paths
	nodeA    Node
	nodeB    Node
	peerNode Node // in cluster d
}

func (x *ctx) pick(t checks.Target) {
	if x.p == nil {
		return
	}
	name := t.Cluster
	if t.From != "" {
		name = t.From
	}
	if name == "" && len(x.p.Clusters) > 0 {
		name = x.p.Clusters[0].Name
	}
	if c, ok := x.p.Cluster(name); ok {
		x.c = c
	}
	if t.To != "" {
		if d, ok := x.p.Cluster(t.To); ok {
			x.d = d
		}
	}
	x.nodeA, x.nodeB = x.node(x.c, 0), x.node(x.c, 1)
	x.peerNode = x.node(x.d, 0)
}

// node is the i-th node of c, with live addresses when known, placeholders otherwise.
func (x *ctx) node(c *plan.ClusterPlan, i int) Node {
	if c == nil {
		return Node{Name: fmt.Sprintf("<node %c>", 'A'+i), IP: fmt.Sprintf("<node %c IP>", 'A'+i), PodCIDR: fmt.Sprintf("<node %c Pod range>", 'A'+i)}
	}
	if ns := x.f.Nodes[c.Name]; len(ns) > 0 {
		return ns[i%len(ns)]
	}
	n := Node{Name: fmt.Sprintf("<node %c of %s>", 'A'+i, c.Name), IP: fmt.Sprintf("<an address in %s>", nodeRange(x.p, c)), PodCIDR: fmt.Sprintf("<a /%d of %s>", c.NodeCIDRMaskSize, c.PodCIDR)}
	if i < len(c.Nodes) {
		n.Name = c.Nodes[i].Name
	}
	return n
}

func nodeRange(p *plan.Plan, c *plan.ClusterPlan) string {
	if s, ok := p.SubnetOf(*c); ok {
		return s.NodeRange.String()
	}
	return c.Network
}

func (x *ctx) cni() string {
	if x.c == nil {
		return "<CNI>"
	}
	return x.c.CNI.Type
}

// bridge names the same-node hop: Flannel's cni0 bridge, Calico's routed cali* veths, Cilium's eBPF.
func (x *ctx) bridge() string {
	switch x.cni() {
	case "flannel":
		return "the cni0 bridge (L2, no routing: TTL unchanged)"
	case "calico":
		return "the node's routing table: a /32 route per Pod through its cali* veth (one routed hop)"
	case "cilium":
		return "Cilium's eBPF program on the lxc* veth, which redirects to the peer's veth"
	}
	return "the node's bridge or routes (cni0, cali*, lxc*)"
}

// overlay names the cross-node device and encapsulation.
func (x *ctx) overlay() string {
	if x.c == nil {
		return "the overlay device (flannel.1, vxlan.calico, cilium_vxlan: VXLAN) or a native route via the peer node"
	}
	c := x.c
	dev := map[string]string{"flannel": "flannel.1", "calico": "vxlan.calico", "cilium": "cilium_vxlan"}[c.CNI.Type]
	switch c.CNI.Encapsulation {
	case "vxlan":
		return fmt.Sprintf("%s: VXLAN, UDP port %d, %d bytes of outer headers (Pod MTU %d = %d - %d)", dev, c.CNI.VXLANPort, c.CNI.Overhead, c.CNI.PodMTU, c.CNI.UplinkMTU, c.CNI.Overhead)
	case "ipip":
		return fmt.Sprintf("tunl0: IP-in-IP, %d bytes of outer header", c.CNI.Overhead)
	}
	return "no encapsulation: a native route " + x.nodeB.PodCIDR + " via " + x.nodeB.IP + " dev eth0"
}

func (x *ctx) kubeProxy() string {
	if x.c == nil {
		return "kube-proxy's DNAT (iptables KUBE-SVC chains, the nftables kube-proxy table, IPVS, or Cilium's eBPF service map)"
	}
	chain := "KUBE-SVC-<hash of namespace/name:port + protocol>"
	if ch := x.f.EchoChain[x.c.Name]; ch != "" {
		chain = ch + " (the echo Service's)"
	}
	switch x.c.KubeProxyMode {
	case "iptables":
		return "kube-proxy iptables: nat PREROUTING/OUTPUT -> KUBE-SERVICES -> " + chain + " -> KUBE-SEP-* (DNAT to one backend, chosen at random)"
	case "nftables":
		return "kube-proxy nftables: table ip kube-proxy, the services map -> the Service's service-* chain -> endpoint-* chain (DNAT)"
	case "ipvs":
		return "kube-proxy IPVS: the ClusterIP on kube-ipvs0, an IPVS virtual server -> real servers (the backends)"
	case "none":
		return "Cilium's eBPF service map (no kube-proxy): the socket or tc program rewrites the destination"
	}
	return "kube-proxy (" + x.c.KubeProxyMode + ")"
}

func (x *ctx) clusterIP() string {
	if x.c != nil {
		if ip := x.f.EchoClusterIP[x.c.Name]; ip != "" {
			return ip
		}
		return "<a ClusterIP in " + x.c.ServiceCIDR.String() + ">"
	}
	return "<ClusterIP>"
}

func (x *ctx) client() string {
	if x.c == nil {
		return "<VPC client>"
	}
	if s, ok := x.p.SubnetOf(*x.c); ok {
		return fmt.Sprintf("a client on the VPC network %s (%s, at %s)", s.Network, s.CIDR, s.ClientAddress)
	}
	return "a client on the VPC network"
}

// tgwHops are the transit gateway's hops from x.c to x.d for destination dst.
func (x *ctx) tgwHops(dst string) []string {
	if x.p == nil || x.p.TransitGateway == nil || x.c == nil || x.d == nil {
		return []string{"node routing: the VPC route table sends the destination to the TGW's address in the node's subnet",
			"TGW: the route table associated with the client VPC's attachment; longest prefix picks the attachment (or a blackhole)",
			"TGW -> the server VPC: on the subnet for node and LoadBalancer addresses; via the node that owns a Pod range (VPC route to the node's ENI)"}
	}
	t := x.p.TransitGateway
	var via string
	for _, r := range x.c.VPCRoutes {
		if contains(r.CIDR, dst) {
			via = r.Via.String()
		}
	}
	a, _ := x.p.AttachmentOf(x.c.VPC)
	att := a.Name
	rt, _ := x.p.RouteTableOf(att)
	rtName := rt.Name
	var route plan.TGWRoute
	for _, r := range rt.Routes { // longest prefix first
		if contains(r.CIDR, dst) {
			route = r
			break
		}
	}
	table := "route table " + rtName
	if lt, ok := x.f.TGWTables[rtName]; ok {
		table += " (" + lt.ID + ")"
	}
	target := "attachment " + route.Attachment
	if route.Blackhole {
		target = "BLACKHOLE: dropped"
	}
	out := []string{
		fmt.Sprintf("node %s (%s): VPC route %s via %s, the TGW's leg in the client's subnet", x.nodeA.Name, x.nodeA.IP, orS(dst, "<dst>"), orS(via, "<TGW leg>")),
		fmt.Sprintf("TGW %s (%s), leg %s: policy rule 'iif leg lookup' the table of attachment %s: %s", t.Name, t.Container, orS(via, "?"), att, table),
		fmt.Sprintf("longest prefix in %s: %s (%s) -> %s; TTL -1", rtName, orS(prefixText(route.CIDR), "<no route>"), orS(route.Type, "-"), target),
	}
	if lt, ok := x.f.TGWTables[rtName]; ok && len(lt.Routes) > 0 {
		out = append(out, "the kernel table now: "+strings.Join(lt.Routes, "; "))
	}
	return out
}

func contains(pf netip.Prefix, a string) bool {
	if ap, err := netip.ParseAddr(a); err == nil {
		return pf.Contains(ap)
	}
	if p2, err := netip.ParsePrefix(a); err == nil {
		return plan.PrefixContains(pf, p2)
	}
	return false
}

// prefixText is pf's text, or "" for the zero Prefix.
func prefixText(pf netip.Prefix) string {
	if !pf.IsValid() {
		return ""
	}
	return pf.String()
}

func orS(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// Write prints an explanation as text.
func Write(w io.Writer, e Explanation) error {
	fmt.Fprintf(w, "%s: %s\n", e.Path, e.Title)
	if e.Context != "" {
		fmt.Fprintf(w, "  %s", e.Context)
		if e.Target != "" {
			fmt.Fprintf(w, " [target %s]", e.Target)
		}
		fmt.Fprintln(w)
	}
	if e.Missing != "" {
		fmt.Fprintf(w, "  This scenario cannot show it: %s.\n", e.Missing)
	}
	for i, h := range e.Hops {
		fmt.Fprintf(w, "  %2d. %s\n", i+1, h)
	}
	fmt.Fprintf(w, "  Evidence the check asserts: %s\n  More: %s\n", e.Evidence, e.Doc)
	return nil
}
