package plan

import (
	"fmt"
	"math/bits"
	"net/netip"
	"sort"
	"strings"
)

// Resolving clusters: nodes, CNI, Pod and Service CIDRs, MetalLB pools, NetworkPolicies.

var (
	cniModes = map[string][]string{
		"flannel": {"vxlan", "host-gw"},
		"calico":  {"vxlan", "ipip", "bgp"},
		"cilium":  {"vxlan", "native"},
	}
	kubeProxyModes      = []string{"iptables", "ipvs", "nftables", "none"}
	crossClusterSources = []string{"masquerade", "preserve"}
	ingressControllers  = []string{"traefik", "ingress-nginx"}
	protocols           = []string{"TCP", "UDP", "SCTP"}
)

func (rs *resolver) clusters() {
	sc, p := rs.sc, rs.p
	names := map[string]int{}
	subnetUsers := map[string][]int{} // vpc/subnet → cluster indexes with a default MetalLB pool
	for i := range sc.Clusters {
		c := &sc.Clusters[i]
		f := fmt.Sprintf("clusters[%d]", i)
		if rs.checkShortName(f+".name", c.Name, "the cluster a name") {
			if j, dup := names[c.Name]; dup {
				rs.r.errorf(f+".name", "cluster %q is already defined at clusters[%d]; cluster names must be unique", c.Name, j)
			}
			names[c.Name] = i
		}
		cp := ClusterPlan{Name: c.Name, KindName: p.Lab + "-" + c.Name}
		cp.Context = "kind-" + cp.KindName

		// VPC and subnet.
		vpc, vpcOK, subnet, splan := rs.placeCluster(f, c, &cp)

		// Nodes.
		cps, ws := rs.nodeCounts(f, c)
		cp.Nodes = nodeNames(cp.KindName, cps, ws)
		cp.NodeImage = firstNonEmpty(rs.opts.NodeImage, c.NodeImage, sc.Defaults.NodeImage, DefaultNodeImage)

		// CNI and kube-proxy.
		rs.cni(f, c, &cp, vpc, vpcOK)
		cp.KubeProxyMode = rs.kubeProxyMode(f, c)
		cp.KernelFeatures = kernelFeatures(cp)

		// Pod and Service CIDRs.
		nodes := cps + ws
		rs.podCIDR(i, f, c, &cp, vpc, vpcOK, nodes)
		rs.serviceCIDR(i, f, &cp)
		rs.inClusterOverlaps(i, f, subnet)

		// MetalLB, ingress, policies.
		if c.MetalLB != nil {
			cp.MetalLB = &MetalLBPlan{}
			if len(c.MetalLB.Addresses) == 0 && splan != nil {
				key := c.VPC + "/" + c.Subnet
				subnetUsers[key] = append(subnetUsers[key], i)
			} else if splan != nil {
				rs.metalLBExplicit(f, c, &cp, subnet, nodes)
			}
		}
		if c.Ingress != nil {
			cp.Ingress = rs.ingress(f, c.Ingress)
		}
		rs.networkPolicies(f, c, &cp)
		if splan != nil {
			if free := int64(size(subnet))/2 - 2; int64(nodes) > free {
				rs.r.errorf(f, "%d nodes do not fit in the lower half of subnet %s (%d addresses); use a larger subnet", nodes, subnet, free)
			}
		}
		p.Clusters = append(p.Clusters, cp)
	}
	rs.defaultPools(subnetUsers)
	rs.checkPoolOverlaps()
	rs.checkSubnetCapacity()
	// The ingress controller's Service asks MetalLB for the pool's first address, so that what
	// stands in front of it (the global load balancer) knows where it is before it exists.
	for i := range p.Clusters {
		if c := &p.Clusters[i]; c.Ingress != nil && c.MetalLB != nil {
			c.Ingress.Address = firstOfPool(c.MetalLB.Addresses)
		}
	}
}

// placeCluster resolves the cluster's VPC and subnet (defaulting each when there is only one
// choice) and fills in cp's VPC, Subnet and Network. subnet and splan are zero when the subnet is unknown.
func (rs *resolver) placeCluster(f string, c *Cluster, cp *ClusterPlan) (vpc *VPC, vpcOK bool, subnet netip.Prefix, splan *SubnetPlan) {
	sc := rs.sc
	if c.VPC == "" {
		if len(sc.VPCs) == 1 {
			c.VPC = sc.VPCs[0].Name
		} else {
			rs.r.errorf(f+".vpc", "missing; with several VPCs each cluster must name its VPC (one of: %s)", strings.Join(rs.vpcNames(), ", "))
		}
	}
	vpc, vpcOK = rs.findVPC(c.VPC)
	if c.VPC != "" && !vpcOK {
		rs.r.errorf(f+".vpc", "VPC %q is not defined; defined VPCs: %s", c.VPC, strings.Join(rs.vpcNames(), ", "))
	}
	cp.VPC = c.VPC
	if !vpcOK {
		return vpc, vpcOK, subnet, nil
	}
	if c.Subnet == "" && len(vpc.Subnets) > 0 {
		c.Subnet = vpc.Subnets[0].Name
	}
	sp, ok := rs.subnetPrefix[c.VPC][c.Subnet]
	if !ok {
		if c.Subnet != "" && !rs.hasSubnet(vpc, c.Subnet) {
			rs.r.errorf(f+".subnet", "VPC %s has no subnet %q; its subnets: %s", c.VPC, c.Subnet, strings.Join(subnetNames(vpc), ", "))
		}
		return vpc, vpcOK, subnet, nil
	}
	subnet = sp
	splan = rs.findSubnetPlan(c.VPC, c.Subnet)
	cp.Subnet, cp.Network = c.Subnet, splan.Network
	return vpc, vpcOK, subnet, splan
}

// nodeCounts returns the cluster's control-plane and worker counts (default 1 and 1), reporting
// counts out of range.
func (rs *resolver) nodeCounts(f string, c *Cluster) (cps, ws int) {
	cps, ws = 1, 1
	if c.ControlPlanes != nil {
		cps = *c.ControlPlanes
		if cps < 1 || cps > 5 {
			rs.r.errorf(f+".controlPlanes", "%d is out of range; use 1 to 5", cps)
		}
	}
	if c.Workers != nil {
		ws = *c.Workers
		if ws < 0 || ws > 10 {
			rs.r.errorf(f+".workers", "%d is out of range; use 0 to 10", ws)
		}
	}
	return cps, ws
}

// kubeProxyMode returns the cluster's kube-proxy mode (default iptables); none needs cilium.
func (rs *resolver) kubeProxyMode(f string, c *Cluster) string {
	kp := c.KubeProxy.Mode
	if kp == "" {
		kp = "iptables"
	}
	if rs.oneOf(f+".kubeProxy.mode", kp, kubeProxyModes) && kp == "none" && c.CNI.Type != "cilium" {
		rs.r.errorf(f+".kubeProxy.mode", "none means the CNI replaces kube-proxy, which only cilium does; use iptables, ipvs or nftables with %s, or set cni.type: cilium", c.CNI.Type)
	}
	return kp
}

// ingress resolves the cluster's ingress controller (default the first of ingressControllers).
func (rs *resolver) ingress(f string, in *Ingress) *IngressPlan {
	ctl := in.Controller
	if ctl == "" {
		ctl = ingressControllers[0]
	}
	if rs.oneOf(f+".ingress.controller", ctl, ingressControllers) && ctl == "ingress-nginx" {
		rs.r.warnf(f+".ingress.controller", "ingress-nginx was retired upstream in 2026 and cannot be built without a registry (it needs OpenResty); it runs only from upstream's images on a connected host; controller: traefik (the default) serves the same Ingress rules")
	}
	if in.GatewayAPI && ctl != "traefik" {
		rs.r.errorf(f+".ingress.gatewayAPI", "%s does not implement the Gateway API; use controller: traefik, or drop gatewayAPI", ctl)
	}
	return &IngressPlan{Controller: ctl, GatewayAPI: in.GatewayAPI}
}

func nodeNames(kindName string, cps, ws int) []NodePlan {
	var out []NodePlan
	for i := 1; i <= cps; i++ {
		out = append(out, NodePlan{Name: kindName + "-control-plane" + suffix(i), Role: "control-plane"})
	}
	for i := 1; i <= ws; i++ {
		out = append(out, NodePlan{Name: kindName + "-worker" + suffix(i), Role: "worker"})
	}
	return out
}

// suffix follows kind's node naming: the first has none, then 2, 3, …
func suffix(i int) string {
	if i == 1 {
		return ""
	}
	return fmt.Sprint(i)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (rs *resolver) cni(f string, c *Cluster, cp *ClusterPlan, vpc *VPC, vpcOK bool) {
	if c.CNI.Type == "" {
		c.CNI.Type = "flannel"
	}
	modes, ok := cniModes[c.CNI.Type]
	if !ok {
		rs.r.errorf(f+".cni.type", "%q is not allowed; use one of: flannel, calico, cilium", c.CNI.Type)
		return
	}
	mode := c.CNI.Mode
	if mode == "" {
		mode = modes[0]
	}
	if !rs.oneOf(f+".cni.mode", mode, modes) {
		return
	}
	src := c.CNI.CrossClusterSource
	if src == "" {
		src = "masquerade"
	}
	rs.oneOf(f+".cni.crossClusterSource", src, crossClusterSources)
	uplink := DefaultMTU
	if vpcOK {
		if v, ok := rs.p.VPC(vpc.Name); ok {
			uplink = v.MTU
		}
	}
	if c.CNI.Hubble && c.CNI.Type != "cilium" {
		rs.r.errorf(f+".cni.hubble", "Hubble is Cilium's; remove cni.hubble or set cni.type: cilium")
	}
	n := CNIPlan{Type: c.CNI.Type, Mode: mode, UplinkMTU: uplink, CrossClusterSource: src, EnforcesNetworkPolicy: c.CNI.Type != "flannel", Hubble: c.CNI.Hubble}
	switch mode {
	case "vxlan":
		n.Encapsulation, n.Overhead = "vxlan", 50
		n.VXLANPort = 8472 // Flannel's and Cilium's default port
		if c.CNI.Type == "calico" {
			n.VXLANPort = 4789 // Calico uses the IANA port
		}
	case "ipip":
		n.Encapsulation, n.Overhead = "ipip", 20
	default:
		n.Encapsulation = "none"
	}
	n.PodMTU = uplink - n.Overhead
	cp.CNI = n
}

func kernelFeatures(cp ClusterPlan) []string {
	set := map[string]bool{"bridge": true, "veth": true}
	switch cp.CNI.Encapsulation {
	case "vxlan":
		set["vxlan"] = true
	case "ipip":
		set["ipip"] = true
	}
	if cp.CNI.Type == "cilium" {
		set["bpf"], set["linux-5.10"] = true, true
		if cp.KubeProxyMode == "none" {
			set["cgroup2"] = true
		}
	}
	switch cp.KubeProxyMode {
	case "ipvs":
		set["ip_vs"] = true
	case "nftables":
		set["nf_tables"] = true
	case "iptables":
		set["iptables"] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (rs *resolver) podCIDR(i int, f string, c *Cluster, cp *ClusterPlan, vpc *VPC, vpcOK bool, nodes int) {
	pp := rs.podPrefix[i]
	if c.PodCIDR == "" {
		ok := false
		if vpcOK {
			if vp, has := rs.vpcPrefix[vpc.Name]; has {
				pp, ok = rs.inVPC[vpc.Name].next(vp, 18)
			}
		}
		if !ok {
			pp, ok = rs.global.next(vpcPool, 16)
		}
		if !ok {
			rs.r.errorf(f+".podCIDR", "no free range left to allocate a Pod CIDR; set podCIDR")
			return
		}
		rs.podPrefix[i] = pp
	}
	if !pp.IsValid() {
		return
	}
	cp.PodCIDR = pp
	cp.NodeCIDRMaskSize = defaultNodeMaskSize
	need := bits.Len(uint(max(nodes, 1) - 1)) // log2, rounded up
	if pp.Bits() > defaultNodeMaskSize-need {
		rs.r.errorf(f+".podCIDR", "%s is too small for %d nodes with a /%d per node; use a /%d or larger", pp, nodes, defaultNodeMaskSize, defaultNodeMaskSize-need)
	}
}

func (rs *resolver) serviceCIDR(i int, f string, cp *ClusterPlan) {
	sp := rs.svcPrefix[i]
	if !sp.IsValid() && rs.sc.Clusters[i].ServiceCIDR == "" {
		// 172.20.0.0/16, 172.21.0.0/16, … as in the seed's CIDR plan.
		start := netip.MustParsePrefix("172.20.0.0/14")
		ok := false
		if sp, ok = rs.global.next(start, 16); !ok {
			sp, ok = rs.global.next(servicePool, 16)
		}
		if !ok {
			rs.r.errorf(f+".serviceCIDR", "no free range left to allocate a Service CIDR; set serviceCIDR")
			return
		}
		rs.svcPrefix[i] = sp
	}
	if !sp.IsValid() {
		return
	}
	if sp.Bits() < 12 {
		rs.r.errorf(f+".serviceCIDR", "%s is too large; Kubernetes allows at most a /12 for Services", sp)
	} else if sp.Bits() > 28 {
		rs.r.errorf(f+".serviceCIDR", "%s is too small; use a /28 or larger", sp)
	}
	cp.ServiceCIDR = sp
}

func (rs *resolver) inClusterOverlaps(i int, f string, subnet netip.Prefix) {
	pp, sp := rs.podPrefix[i], rs.svcPrefix[i]
	if pp.IsValid() && sp.IsValid() && pp.Overlaps(sp) {
		rs.r.errorf(f+".serviceCIDR", "%s (Service CIDR) overlaps the cluster's Pod CIDR %s; give them separate ranges", sp, pp)
	}
	if subnet.IsValid() {
		if pp.IsValid() && pp.Overlaps(subnet) {
			rs.r.errorf(f+".podCIDR", "%s (Pod CIDR) overlaps the cluster's node subnet %s; Pods and nodes need separate ranges", pp, subnet)
		}
		if sp.IsValid() && sp.Overlaps(subnet) {
			rs.r.errorf(f+".serviceCIDR", "%s (Service CIDR) overlaps the cluster's node subnet %s; give Services a separate range", sp, subnet)
		}
	}
}

func (rs *resolver) metalLBExplicit(f string, c *Cluster, cp *ClusterPlan, subnet netip.Prefix, nodes int) {
	nodeHalf := prefixRange(netip.PrefixFrom(subnet.Addr(), subnet.Bits()+1))
	reserved := prefixRange(netip.PrefixFrom(nth(subnet, int64(size(subnet))*7/8), subnet.Bits()+3))
	for j, a := range c.MetalLB.Addresses {
		af := fmt.Sprintf("%s.metallb.addresses[%d]", f, j)
		r, err := parseRange(a)
		if err != nil {
			rs.r.errorf(af, "%v", err)
			continue
		}
		switch {
		case !rangeIsSafe(r):
			rs.r.errorf(af, "%s", unsafeMessage(r.String()))
		case !prefixRange(subnet).contains(r.from) || !prefixRange(subnet).contains(r.to):
			rs.r.errorf(af, "%s is outside the cluster's subnet %s; MetalLB L2 answers ARP only on its own subnet: use addresses in %s", r, subnet, poolBlock(subnet))
		case r.overlaps(nodeHalf):
			rs.r.errorf(af, "%s overlaps %s, where Docker assigns node addresses; use addresses in %s", r, nodeHalf, poolBlock(subnet))
		case r.overlaps(reserved):
			rs.r.errorf(af, "%s overlaps %s, which netlab reserves for its gateway and client containers; use addresses in %s", r, reserved, poolBlock(subnet))
		default:
			cp.MetalLB.Addresses = append(cp.MetalLB.Addresses, a)
			cp.MetalLB.Size += r.count()
		}
	}
}

// defaultPools splits each subnet's pool block among the clusters there that gave no addresses.
func (rs *resolver) defaultPools(users map[string][]int) {
	keys := sortedKeys(users)
	for _, key := range keys {
		idx := users[key]
		c0 := rs.sc.Clusters[idx[0]]
		subnet := rs.subnetPrefix[c0.VPC][c0.Subnet]
		block := poolBlock(subnet)
		chunk := block.count() / int64(len(idx))
		// round down to a power of two so that each pool is a CIDR
		for chunk&(chunk-1) != 0 {
			chunk &= chunk - 1
		}
		if chunk < 2 {
			rs.r.errorf(fmt.Sprintf("clusters[%d].metallb", idx[0]), "subnet %s is too small to give %d clusters a LoadBalancer pool each; set metallb.addresses", subnet, len(idx))
			continue
		}
		for k, i := range idx {
			start := offset(subnet, block.from) + int64(k)*chunk
			pool := netip.PrefixFrom(nth(subnet, start), 32-bits.Len64(uint64(chunk))+1)
			cp := &rs.p.Clusters[i]
			cp.MetalLB.Addresses = []string{pool.String()}
			cp.MetalLB.Size = chunk
		}
	}
}

func (rs *resolver) checkPoolOverlaps() {
	type pool struct {
		r     addrRange
		field string
		owner string
	}
	var all []pool
	for i, cp := range rs.p.Clusters {
		if cp.MetalLB == nil {
			continue
		}
		for j, a := range cp.MetalLB.Addresses {
			if r, err := parseRange(a); err == nil {
				all = append(all, pool{r, fmt.Sprintf("clusters[%d].metallb.addresses[%d]", i, j), "cluster " + cp.Name})
			}
		}
	}
	for i := range all {
		for j := 0; j < i; j++ {
			if all[i].r.overlaps(all[j].r) {
				rs.r.errorf(all[i].field, "%s (MetalLB pool of %s) overlaps %s (MetalLB pool of %s); two speakers would answer for the same address", all[i].r, all[i].owner, all[j].r, all[j].owner)
			}
		}
	}
}
func (rs *resolver) networkPolicies(f string, c *Cluster, cp *ClusterPlan) {
	names := map[string]bool{}
	for j := range c.NetworkPolicies {
		np := c.NetworkPolicies[j]
		nf := fmt.Sprintf("%s.networkPolicies[%d]", f, j)
		if np.Name == "" || !labelRE.MatchString(np.Name) {
			rs.r.errorf(nf+".name", "%q is not a valid policy name; use letters, digits, '-', '.' and '_'", np.Name)
		} else if names[np.Name] {
			rs.r.errorf(nf+".name", "policy %q is defined twice in this cluster", np.Name)
		}
		names[np.Name] = true
		if np.Namespace == "" {
			np.Namespace = "default"
		}
		if len(np.EgressAllow) == 0 {
			rs.r.errorf(nf+".egressAllow", "missing; an egress allow-list names at least one cidr (and optionally ports)")
		}
		for k := range np.EgressAllow {
			e := &np.EgressAllow[k]
			ef := fmt.Sprintf("%s.egressAllow[%d]", nf, k)
			if e.CIDR == "" {
				rs.r.errorf(ef+".cidr", "missing; name the CIDR this rule allows")
			} else {
				rs.cidrField(ef+".cidr", e.CIDR)
			}
			for m, port := range e.Ports {
				if port < 1 || port > 65535 {
					rs.r.errorf(fmt.Sprintf("%s.ports[%d]", ef, m), "%d is not a port; use 1 to 65535", port)
				}
			}
			if e.Protocol == "" {
				e.Protocol = "TCP"
			}
			rs.oneOf(ef+".protocol", e.Protocol, protocols)
		}
		cp.NetworkPolicies = append(cp.NetworkPolicies, np)
	}
	if len(c.NetworkPolicies) > 0 && c.CNI.Type == "flannel" {
		rs.r.warnf(f+".networkPolicies", "flannel does not enforce NetworkPolicy; the policies are applied but have no effect, and netpol checks report that")
	}
}
