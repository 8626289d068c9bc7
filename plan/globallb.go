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
	gp := &GlobalLBPlan{Container: rs.p.Lab + "-global-lb", Host: GlobalLBHost}
	seen := map[string]bool{}
	var known []string
	for _, c := range rs.p.Clusters {
		known = append(known, c.Name)
	}
	for i, name := range g.Clusters {
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
			rs.r.errorf(mf, "cluster %s has no ingress controller, and the global load balancer sends requests to the clusters' ingress; add ingress: {} to cluster %s", name, name)
			continue
		case cp.MetalLB == nil || !cp.Ingress.Address.IsValid():
			rs.r.errorf(mf, "cluster %s has no MetalLB, and the global load balancer reaches a cluster's ingress at its LoadBalancer address; add metallb: {} to cluster %s", name, name)
			continue
		}
		seen[name] = true
		sp, _ := rs.p.Subnet(cp.VPC, cp.Subnet)
		if sp == nil {
			continue
		}
		gp.Members = append(gp.Members, GlobalLBMember{Cluster: name, Network: sp.Network, Address: nth(sp.CIDR, globalLBLeg), Ingress: cp.Ingress.Address})
	}
	rs.p.GlobalLB = gp
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
