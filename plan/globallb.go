package plan

import (
	"fmt"
	"net/netip"
	"strings"
)

// GlobalLBHost is the Host every member cluster's ingress serves for the global load balancer.
const GlobalLBHost = "global.netlab.test"

// globalLBLeg is the load balancer's address in each member's subnet: the fourth from the top,
// below the TGW's (-2) and the VPC client's (-3).
const globalLBLeg = -4

// globalLB resolves the global load balancer: at least two member clusters, each defined once,
// each with an ingress controller and MetalLB (the load balancer reaches a cluster at its ingress
// controller's LoadBalancer address, which the plan fixes as the first of the pool).
func (rs *resolver) globalLB() {
	g := rs.sc.GlobalLoadBalancer
	if g == nil {
		return
	}
	f := "globalLoadBalancer.clusters"
	if len(g.Clusters) < 2 {
		rs.r.errorf(f, "a global load balancer spreads requests over at least two clusters; list two or more, each with ingress: {} and metallb: {}")
	}
	rs.p.GlobalLB = &GlobalLBPlan{
		Container: rs.p.Lab + "-global-lb",
		Host:      GlobalLBHost,
		Members:   rs.lbMembers(f, g.Clusters, globalLBLeg, "the global load balancer", ""),
	}
}

// lbMembers resolves the clusters a load balancer of the lab (the global one, the DMZ's) sends
// requests to, listed at field f: each defined, listed once, with an ingress controller and
// MetalLB, and in VPC vpc unless it is "". Each member gets the load balancer's leg at address leg
// (from the top) of its subnet.
func (rs *resolver) lbMembers(f string, names []string, leg int64, what, vpc string) []GlobalLBMember {
	seen := map[string]bool{}
	known := rs.clusterNames()
	var out []GlobalLBMember
	for i, name := range names {
		mf := fmt.Sprintf("%s[%d]", f, i)
		cp, ok := rs.p.Cluster(name)
		switch {
		case !ok:
			rs.r.errorf(mf, "cluster %q is not defined; the scenario's clusters are: %s", name, strings.Join(known, ", "))
			continue
		case seen[name]:
			rs.r.errorf(mf, "cluster %q is listed twice", name)
			continue
		case cp.Ingress == nil:
			rs.r.errorf(mf, "cluster %s has no ingress controller, and %s sends requests to the clusters' ingress; add ingress: {} to cluster %s", name, what, name)
			continue
		case cp.MetalLB == nil || !cp.Ingress.Address.IsValid():
			rs.r.errorf(mf, "cluster %s has no MetalLB, and %s reaches a cluster's ingress at its LoadBalancer address; add metallb: {} to cluster %s", name, what, name)
			continue
		case vpc != "" && cp.VPC != vpc:
			rs.r.errorf(mf, "cluster %s is in VPC %s; %s reaches the clusters of its own VPC (%s), with a leg in each of their subnets", name, cp.VPC, what, vpc)
			continue
		}
		seen[name] = true
		sp, _ := rs.p.Subnet(cp.VPC, cp.Subnet)
		if sp == nil {
			continue
		}
		out = append(out, GlobalLBMember{Cluster: name, Network: sp.Network, Address: nth(sp.CIDR, leg), Ingress: cp.Ingress.Address})
	}
	return out
}

// firstOfPool is the first address of a MetalLB pool's first block (parseRange: a CIDR or
// first-last); invalid when there is none (a bad pool is reported where pools are checked).
func firstOfPool(pool []string) netip.Addr {
	if len(pool) == 0 {
		return netip.Addr{}
	}
	r, err := parseRange(pool[0])
	if err != nil {
		return netip.Addr{}
	}
	return r.from
}

// clusterNames are the names of the plan's clusters, in the scenario's order.
func (rs *resolver) clusterNames() []string {
	var names []string
	for _, c := range rs.p.Clusters {
		names = append(names, c.Name)
	}
	return names
}
