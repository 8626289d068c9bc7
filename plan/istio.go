package plan

import (
	"fmt"
	"slices"
)

var (
	mtlsModes   = []string{"STRICT", "PERMISSIVE"}
	exposeModes = []string{"loadbalancer", "nodeport"}
)

// istio resolves the mesh: its members and their networks, how the east-west gateways are
// exposed, and the reachability multi-primary needs between every pair of members (each istiod
// reads the other API servers; on one network the Pods reach each other directly, on several
// the east-west gateways carry the traffic).
func (rs *resolver) istio() {
	is := rs.sc.Istio
	if is == nil {
		return
	}
	f := "istio"
	ip := &IstioPlan{MeshID: firstNonEmpty(is.MeshID, rs.p.Lab), MTLS: firstNonEmpty(is.MTLS, "STRICT")}
	rs.oneOf(f+".mtls", ip.MTLS, mtlsModes)
	if len(is.Clusters) < 2 {
		rs.r.errorf(f+".clusters", "multi-primary needs at least two clusters; list two or more")
	}
	expose := is.EastWestGateway.Expose
	seen := map[string]bool{}
	networks := map[string]bool{}
	var members []*ClusterPlan
	for i, m := range is.Clusters {
		mf := fmt.Sprintf("%s.clusters[%d]", f, i)
		cp, ok := rs.p.Cluster(m.Cluster)
		if !ok {
			rs.r.errorf(mf+".cluster", "cluster %q is not defined", m.Cluster)
			continue
		}
		if seen[m.Cluster] {
			rs.r.errorf(mf+".cluster", "cluster %q is listed twice", m.Cluster)
			continue
		}
		seen[m.Cluster] = true
		network := firstNonEmpty(m.Network, "network-"+m.Cluster)
		networks[network] = true
		ip.Clusters = append(ip.Clusters, IstioClusterPlan{Cluster: m.Cluster, Network: network})
		members = append(members, cp)
	}
	ip.MultiNetwork = len(networks) > 1
	if expose == "" {
		expose = "loadbalancer"
	}
	if rs.oneOf(f+".eastWestGateway.expose", expose, exposeModes) && expose == "loadbalancer" && ip.MultiNetwork {
		for _, cp := range members {
			if cp.MetalLB == nil {
				rs.r.errorf(f+".eastWestGateway.expose", "loadbalancer needs MetalLB in every mesh cluster, and cluster %s has none; add metallb to it, or set expose: nodeport", cp.Name)
			}
		}
	}
	ip.EastWestExpose = expose
	// Every pair must reach each other's gateway and API server (remote secrets) across VPCs.
	for i, a := range members {
		for _, b := range members[i+1:] {
			rs.meshReach(f, a, b)
			rs.meshReach(f, b, a)
			switch {
			case ip.MultiNetwork:
			case a.VPC == b.VPC:
				rs.r.errorf(f+".clusters", "clusters %s and %s share VPC %s and one mesh network, but netlab routes Pods between clusters only through the transit gateway; put them in VPCs of their own, or on different networks (east-west gateways)", a.Name, b.Name, a.VPC)
			default:
				rs.meshPodReach(f, a, b)
				rs.meshPodReach(f, b, a)
			}
		}
	}
	rs.p.Istio = ip
}

func (rs *resolver) meshReach(f string, from, to *ClusterPlan) {
	if from.Network == "" || to.Network == "" {
		return
	}
	if from.Network == to.Network {
		return
	}
	sp := rs.findSubnetPlan(to.VPC, to.Subnet)
	if sp == nil {
		return
	}
	if from.VPC == to.VPC {
		if from.Subnet == to.Subnet || rs.localRoute(from, sp.CIDR) {
			return
		}
		rs.r.errorf(f+".clusters", "clusters %s and %s are in different subnets of VPC %s, and no VPC router joins them; attach the VPC to the transit gateway with both subnets, or put both clusters in one subnet", from.Name, to.Name, from.VPC)
		return
	}
	// Both ways: from's nodes to the node range of to's subnet, and the replies back.
	r := rs.p.reach(from, to, "subnet", []string{sp.NodeRange.String()}, rs.p.replyTo(from))
	if r.Answered() {
		return
	}
	if len(r.Blocks) > 0 && !slices.ContainsFunc(r.Blocks, func(b Block) bool { return b.Direction == Forward }) {
		rs.r.errorf(f+".clusters", "cluster %s (VPC %s) reaches cluster %s's subnet %s, but the replies to %s do not come back (%s); route %s from VPC %s through the transit gateway to VPC %s", from.Name, from.VPC, to.Name, sp.CIDR, r.ReplyTo, r.Blocks[0], r.ReplyTo, to.VPC, from.VPC)
		return
	}
	rs.r.errorf(f+".clusters", "cluster %s (VPC %s) cannot reach cluster %s's subnet %s, where its east-west gateway and API server are; attach both VPCs to the transit gateway and route between them", from.Name, from.VPC, to.Name, sp.CIDR)
}

// meshPodReach: on one mesh network, istiod hands out Pod IPs of the other clusters as endpoints,
// so every member's Pods must reach every other member's Pods, and the replies come back.
func (rs *resolver) meshPodReach(f string, from, to *ClusterPlan) {
	r := rs.p.reach(from, to, "pod", []string{to.PodCIDR.String()}, rs.p.replyTo(from))
	if r.Answered() {
		return
	}
	why := "no route"
	if len(r.Blocks) > 0 {
		why = r.Blocks[0].String()
	}
	rs.r.errorf(f+".clusters", "clusters %s and %s are on one mesh network, so %s's Pods must reach %s's Pods (%s), but they do not (%s); route both Pod CIDRs through the transit gateway (as tgw-two-vpc does), or give the clusters networks of their own (east-west gateways)", from.Name, to.Name, from.Name, to.Name, to.PodCIDR, why)
}
