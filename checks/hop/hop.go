// Package hop holds what the hop templates of 'netlab explain' fill in: a path's clusters and nodes
// (from the plan, with a live lab's addresses when known) and the phrases that name their devices,
// rules and routes in the packet-path notes' terms. The templates themselves are part of each
// path's definition (checks/catalog).
package hop

import (
	"fmt"
	"net/netip"
	"strings"

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

// Context is what a path's hop template fills in: the plan (nil: placeholders only), the live
// facts, the (client) cluster C and, for cross-cluster paths, the server's D, two nodes of C and
// one of D.
type Context struct {
	Plan         *plan.Plan
	Facts        *Facts
	C, D         *plan.ClusterPlan
	NodeA, NodeB Node
	PeerNode     Node // in cluster D
}

// New is the context of a target: cluster (the client's; empty: the plan's first) and, for
// cross-cluster paths, server. facts may be nil.
func New(p *plan.Plan, facts *Facts, cluster, server string) *Context {
	if facts == nil {
		facts = &Facts{}
	}
	x := &Context{Plan: p, Facts: facts}
	x.Pick(cluster, server)
	return x
}

// Pod is "a Pod on" node n, with its Pod range.
func Pod(n Node) string { return "a Pod on " + n.Name + " (an address of " + n.PodCIDR + ")" }

// Pick sets the clusters and nodes the hops name.
func (x *Context) Pick(name, server string) {
	if x.Plan == nil {
		return
	}
	if name == "" && len(x.Plan.Clusters) > 0 {
		name = x.Plan.Clusters[0].Name
	}
	if c, ok := x.Plan.Cluster(name); ok {
		x.C = c
	}
	if server != "" {
		if d, ok := x.Plan.Cluster(server); ok {
			x.D = d
		}
	}
	x.NodeA, x.NodeB = x.node(x.C, 0), x.node(x.C, 1)
	x.PeerNode = x.node(x.D, 0)
}

// node is the i-th node of c, with live addresses when known, placeholders otherwise.
func (x *Context) node(c *plan.ClusterPlan, i int) Node {
	if c == nil {
		return Node{Name: fmt.Sprintf("<node %c>", 'A'+i), IP: fmt.Sprintf("<node %c IP>", 'A'+i), PodCIDR: fmt.Sprintf("<node %c Pod range>", 'A'+i)}
	}
	if ns := x.Facts.Nodes[c.Name]; len(ns) > 0 {
		return ns[i%len(ns)]
	}
	n := Node{Name: fmt.Sprintf("<node %c of %s>", 'A'+i, c.Name), IP: fmt.Sprintf("<an address in %s>", nodeRange(x.Plan, c)), PodCIDR: fmt.Sprintf("<a /%d of %s>", c.NodeCIDRMaskSize, c.PodCIDR)}
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

func (x *Context) CNI() string {
	if x.C == nil {
		return "<CNI>"
	}
	return x.C.CNI.Type
}

// bridge names the same-node hop: Flannel's cni0 bridge, Calico's routed cali* veths, Cilium's eBPF.
func (x *Context) Bridge() string {
	switch x.CNI() {
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
func (x *Context) Overlay() string {
	if x.C == nil {
		return "the overlay device (flannel.1, vxlan.calico, cilium_vxlan: VXLAN) or a native route via the peer node"
	}
	c := x.C
	dev := map[string]string{"flannel": "flannel.1", "calico": "vxlan.calico", "cilium": "cilium_vxlan"}[c.CNI.Type]
	switch c.CNI.Encapsulation {
	case "vxlan":
		return fmt.Sprintf("%s: VXLAN, UDP port %d, %d bytes of outer headers (Pod MTU %d = %d - %d)", dev, c.CNI.VXLANPort, c.CNI.Overhead, c.CNI.PodMTU, c.CNI.UplinkMTU, c.CNI.Overhead)
	case "ipip":
		return fmt.Sprintf("tunl0: IP-in-IP, %d bytes of outer header", c.CNI.Overhead)
	}
	return "no encapsulation: a native route " + x.NodeB.PodCIDR + " via " + x.NodeB.IP + " dev eth0"
}

func (x *Context) KubeProxy() string {
	if x.C == nil {
		return "kube-proxy's DNAT (iptables KUBE-SVC chains, the nftables kube-proxy table, IPVS, or Cilium's eBPF service map)"
	}
	chain := "KUBE-SVC-<hash of namespace/name:port + protocol>"
	if ch := x.Facts.EchoChain[x.C.Name]; ch != "" {
		chain = ch + " (the echo Service's)"
	}
	switch x.C.KubeProxyMode {
	case "iptables":
		return "kube-proxy iptables: nat PREROUTING/OUTPUT -> KUBE-SERVICES -> " + chain + " -> KUBE-SEP-* (DNAT to one backend, chosen at random)"
	case "nftables":
		return "kube-proxy nftables: table ip kube-proxy, the services map -> the Service's service-* chain -> endpoint-* chain (DNAT)"
	case "ipvs":
		return "kube-proxy IPVS: the ClusterIP on kube-ipvs0, an IPVS virtual server -> real servers (the backends)"
	case "none":
		return "Cilium's eBPF service map (no kube-proxy): the socket or tc program rewrites the destination"
	}
	return "kube-proxy (" + x.C.KubeProxyMode + ")"
}

func (x *Context) ClusterIP() string {
	if x.C != nil {
		if ip := x.Facts.EchoClusterIP[x.C.Name]; ip != "" {
			return ip
		}
		return "<a ClusterIP in " + x.C.ServiceCIDR.String() + ">"
	}
	return "<ClusterIP>"
}

func (x *Context) Client() string {
	if x.C == nil {
		return "<VPC client>"
	}
	if s, ok := x.Plan.SubnetOf(*x.C); ok {
		return fmt.Sprintf("a client on the VPC network %s (%s, at %s)", s.Network, s.CIDR, s.ClientAddress)
	}
	return "a client on the VPC network"
}

// tgwHops are the transit gateway's hops from x.C to x.D for destination dst.
func (x *Context) TGWHops(dst string) []string {
	if x.Plan == nil || x.Plan.TransitGateway == nil || x.C == nil || x.D == nil {
		return []string{"node routing: the VPC route table sends the destination to the TGW's address in the node's subnet",
			"TGW: the route table associated with the client VPC's attachment; longest prefix picks the attachment (or a blackhole)",
			"TGW -> the server VPC: on the subnet for node and LoadBalancer addresses; via the node that owns a Pod range (VPC route to the node's ENI)"}
	}
	return x.tgwLeg(x.C, x.NodeA, dst)
}

// tgwLeg is one leg across the TGW: node n of cluster src sends dst by its VPC route table to the
// TGW, which looks it up in the route table associated with src's attachment.
func (x *Context) tgwLeg(src *plan.ClusterPlan, n Node, dst string) []string {
	t := x.Plan.TransitGateway
	var via string
	for _, r := range src.VPCRoutes {
		if contains(r.CIDR, dst) {
			via = r.Via.String()
		}
	}
	a, _ := x.Plan.AttachmentOf(src.VPC)
	att := a.Name
	rt, _ := x.Plan.RouteTableOf(att)
	rtName := rt.Name
	var route plan.TGWRoute
	for _, r := range rt.Routes { // longest prefix first
		if contains(r.CIDR, dst) {
			route = r
			break
		}
	}
	table := "route table " + rtName
	if lt, ok := x.Facts.TGWTables[rtName]; ok {
		table += " (" + lt.ID + ")"
	}
	target := "attachment " + route.Attachment
	if route.Blackhole {
		target = "BLACKHOLE: dropped"
	}
	out := []string{
		fmt.Sprintf("node %s (%s): VPC route %s via %s, the TGW's leg in its subnet", n.Name, n.IP, orS(dst, "<dst>"), orS(via, "<TGW leg>")),
		fmt.Sprintf("TGW %s (%s), leg %s: policy rule 'iif leg lookup' the table of attachment %s: %s", t.Name, t.Container, orS(via, "?"), att, table),
		fmt.Sprintf("longest prefix in %s: %s (%s) -> %s; TTL -1", rtName, orS(prefixText(route.CIDR), "<no route>"), orS(route.Type, "-"), target),
	}
	if lt, ok := x.Facts.TGWTables[rtName]; ok && len(lt.Routes) > 0 {
		out = append(out, "the kernel table now: "+strings.Join(lt.Routes, "; "))
	}
	return out
}

// ReturnHops is the reply's way back from server cluster D to client cluster C across the TGW,
// and the plan's two-way verdict (plan.Reach) with the parts that are blocked. The reply goes to
// the client Pod's IP when C keeps it towards other VPCs, else to the client node's IP; the
// server's node sends it by D's VPC route table, and the TGW looks it up in the table of D's
// attachment. Nil unless C and D are in different VPCs behind the transit gateway.
func (x *Context) ReturnHops() []string {
	if x.Plan == nil || x.Plan.TransitGateway == nil || x.C == nil || x.D == nil || x.C.VPC == x.D.VPC {
		return nil
	}
	pr, ok := x.Plan.Reach(x.C.Name, x.D.Name)
	if !ok {
		return nil
	}
	to := "the client Pod's IP"
	if x.C.CNI.CrossClusterSource != "preserve" {
		to = "the client node's IP (masqueraded)"
	}
	out := []string{fmt.Sprintf("the server in %s replies to %s, in %s", x.D.Name, to, pr.Pod.ReplyTo)}
	out = append(out, x.tgwLeg(x.D, x.PeerNode, pr.Pod.ReplyTo)...)
	back := true
	for _, b := range pr.Pod.Blocks {
		back = back && b.Direction != plan.Return
	}
	if back {
		out = append(out, fmt.Sprintf("TGW -> node %s of %s (%s) -> the client", x.NodeA.Name, x.C.Name, x.NodeA.IP))
	}
	out = append(out, fmt.Sprintf("both ways, the plan decides: %s's Pods are %s from %s", x.D.Name, pr.Pod.Verdict, x.C.Name))
	for _, b := range pr.Pod.Blocks {
		out = append(out, "blocked: "+b.String())
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

func (x *Context) PodMTU() string {
	if x.C == nil {
		return "<Pod MTU>"
	}
	return fmt.Sprint(x.C.CNI.PodMTU)
}

func (x *Context) SvcCIDR() string {
	if x.C == nil {
		return "<Service CIDR>"
	}
	return x.C.ServiceCIDR.String()
}

func (x *Context) Pool() string {
	if x.C == nil || x.C.MetalLB == nil {
		return "<MetalLB pool>"
	}
	return strings.Join(x.C.MetalLB.Addresses, ",")
}

func (x *Context) ClientAddr() string {
	if x.C == nil {
		return "<VPC client>"
	}
	return strings.TrimPrefix(x.Client(), "a client on ")
}

func (x *Context) Masq() string {
	switch x.CNI() {
	case "flannel":
		return "Flannel's FLANNEL-POSTRTG chain masquerades Pod traffic leaving the Pod network (" + x.PodCIDR() + ")"
	case "calico":
		return "Calico's cali-nat-outgoing masquerades traffic from its IP pool to outside it"
	case "cilium":
		return "Cilium masquerades (eBPF or iptables) traffic leaving the native-routing CIDR"
	}
	return "the CNI masquerades the Pod IP to the node IP"
}

func (x *Context) CrossSource() string {
	if x.C == nil {
		return "the CNI masquerades to the node IP (the default) unless the destination is exempt"
	}
	if x.C.CNI.CrossClusterSource == "preserve" {
		return "chain NETLAB-PRESERVE accepts -s " + x.C.PodCIDR.String() + " -d " + strings.Join(plan.Strings(x.C.CNI.NonMasqueradeCIDRs), ",") + " before " + x.Masq() + ": the Pod IP is kept (crossClusterSource: preserve)"
	}
	return x.Masq() + ": the server sees the node IP (crossClusterSource: masquerade)"
}

func (x *Context) NetpolAgent() string {
	switch x.CNI() {
	case "flannel":
		return "Flannel has none: the policy is stored but has no effect"
	case "calico":
		return "Felix: iptables/nftables chains cali-tw-*/cali-fw-*"
	case "cilium":
		return "the Cilium agent: eBPF policy maps"
	}
	return "the CNI's agent"
}

func (x *Context) PodCIDR() string {
	if x.C == nil {
		return "<Pod CIDR>"
	}
	return x.C.PodCIDR.String()
}

func (x *Context) CName() string {
	if x.C == nil {
		return "A"
	}
	return x.C.Name
}

func (x *Context) DName() string {
	if x.D == nil {
		return "B"
	}
	return x.D.Name
}

func (x *Context) DVPC() string {
	if x.D == nil {
		return "B"
	}
	return x.D.VPC
}
