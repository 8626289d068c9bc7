package plan

import (
	"net/netip"
	"slices"
)

// Unrouted are the lab's ranges (LabCIDRs) that no route of c's VPC route table covers: what a host
// on c's subnet (a node, or the VPC client) must refuse at once with an unreachable route, so that
// a packet to them never follows its default route to the Docker host and from there off the
// machine. Ranges inside a VPC route are the TGW's (or the VPC router's) to forward or drop.
func (p *Plan) Unrouted(c ClusterPlan) []netip.Prefix {
	var out []netip.Prefix
	for _, pf := range p.LabCIDRs() {
		if !slices.ContainsFunc(c.VPCRoutes, func(r VPCRoute) bool { return PrefixContains(r.CIDR.Masked(), pf) }) {
			out = append(out, pf)
		}
	}
	return out
}

// HostRoutes are the routes of c's VPC route table that a host on c's subnet (a node, or the VPC
// client) installs: "tgw" (other VPCs and their Pod ranges) and "local" (the VPC's other subnets);
// both go to the TGW container's leg in the subnet, which plays the VPC router.
func (c ClusterPlan) HostRoutes() []VPCRoute {
	var out []VPCRoute
	for _, r := range c.VPCRoutes {
		if r.Target == "tgw" || r.Target == "local" {
			out = append(out, r)
		}
	}
	return out
}
