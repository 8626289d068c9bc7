package plan

import (
	"fmt"
	"net/netip"
	"slices"
)

// Diff lists the differences between two plans of one lab that cannot be applied in place, each
// saying what would have to be recreated: a VPC's subnets or MTU, a removed VPC or cluster, and a
// cluster's network, node image, nodes, Pod or Service range, CNI or kube-proxy mode. Added
// clusters and VPCs, MetalLB pools, policies and check selections are applied in place, and so is
// a TGW address that follows a changed attachment. A nil old plan (a new lab) has no differences.
func Diff(old, new *Plan) []string {
	if old == nil || new == nil {
		return nil
	}
	var out []string
	for _, ov := range old.VPCs {
		nv, ok := new.VPC(ov.Name)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("VPC %s was removed", ov.Name))
		case ov.MTU != nv.MTU || !subnetsEqualIgnoringTGW(ov.Subnets, nv.Subnets):
			out = append(out, fmt.Sprintf("VPC %s changed its subnets or MTU (its Docker networks and every cluster in it would be recreated)", ov.Name))
		}
	}
	for _, oc := range old.Clusters {
		nc, ok := new.Cluster(oc.Name)
		if !ok {
			out = append(out, fmt.Sprintf("cluster %s was removed from the scenario", oc.Name))
			continue
		}
		for _, f := range []struct{ name, old, new string }{
			{"network", oc.Network, nc.Network},
			{"node image", oc.NodeImage, nc.NodeImage},
			{"nodes", fmt.Sprint(oc.Nodes), fmt.Sprint(nc.Nodes)},
			{"podCIDR", oc.PodCIDR.String(), nc.PodCIDR.String()},
			{"serviceCIDR", oc.ServiceCIDR.String(), nc.ServiceCIDR.String()},
			{"CNI", oc.CNI.Type + "/" + oc.CNI.Mode, nc.CNI.Type + "/" + nc.CNI.Mode},
			{"kube-proxy mode", oc.KubeProxyMode, nc.KubeProxyMode},
		} {
			if f.old != f.new {
				out = append(out, fmt.Sprintf("cluster %s: %s changed from %s to %s (the cluster would be recreated)", oc.Name, f.name, f.old, f.new))
			}
		}
	}
	return out
}

// subnetsEqualIgnoringTGW compares subnets without the TGW address, which follows attachments.
func subnetsEqualIgnoringTGW(a, b []SubnetPlan) bool {
	return slices.EqualFunc(a, b, func(x, y SubnetPlan) bool {
		x.TGWAddress, y.TGWAddress = netip.Addr{}, netip.Addr{}
		return x == y
	})
}
