package catalog

import (
	"fmt"
	"net/netip"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/plan"
)

// Where the paths apply: the Targets functions the definitions share.

// each lists the clusters of p that ok accepts; with none, the reason is "no cluster " + lack.
func each(ok func(plan.ClusterPlan) bool, lack string) func(p *plan.Plan) ([]checks.Target, string) {
	return func(p *plan.Plan) ([]checks.Target, string) {
		var ts []checks.Target
		for _, c := range p.Clusters {
			if ok(c) {
				ts = append(ts, checks.Target{Cluster: c.Name})
			}
		}
		if len(ts) == 0 {
			return nil, "no cluster " + lack
		}
		return ts, ""
	}
}

// everyCluster: the path exists in every cluster.
var everyCluster = each(func(plan.ClusterPlan) bool { return true }, "")

func multiNode(c plan.ClusterPlan) bool { return len(c.Nodes) >= 2 }

// nowhere is the Targets of a path this version of netlab cannot show in any scenario.
func nowhere(why string) func(p *plan.Plan) ([]checks.Target, string) {
	return func(*plan.Plan) ([]checks.Target, string) { return nil, why }
}

// single is one run for the whole lab, when ok says the plan can show the path.
func single(ok func(p *plan.Plan) string) func(p *plan.Plan) ([]checks.Target, string) {
	return func(p *plan.Plan) ([]checks.Target, string) {
		if why := ok(p); why != "" {
			return nil, why
		}
		return []checks.Target{{}}, ""
	}
}

// tgwPairs lists the routed client->server pairs (see pairs) that ok also accepts.
func tgwPairs(ok func(from, to plan.ClusterPlan) bool) func(p *plan.Plan) ([]checks.Target, string) {
	return func(p *plan.Plan) ([]checks.Target, string) { return pairs(p, ok) }
}

// istioPairs are every ordered pair of the mesh's clusters.
func istioPairs(p *plan.Plan) ([]checks.Target, string) {
	if p.Istio == nil {
		return nil, "the scenario has no istio section"
	}
	var ts []checks.Target
	for i, a := range p.Istio.Clusters {
		for j, b := range p.Istio.Clusters {
			if i != j {
				ts = append(ts, checks.Target{From: a.Cluster, To: b.Cluster})
			}
		}
	}
	return ts, ""
}

func twoIngresses(p *plan.Plan) string {
	n := 0
	for _, c := range p.Clusters {
		if c.Ingress != nil {
			n++
		}
	}
	if n < 2 {
		return fmt.Sprintf("needs two or more clusters with an ingress controller, the scenario has %d", n)
	}
	return ""
}

// pairs lists client->server cluster pairs in different VPCs that the transit gateway routes
// between (a non-blackhole route in the client attachment's table towards the server's subnet).
func pairs(p *plan.Plan, ok func(from, to plan.ClusterPlan) bool) ([]checks.Target, string) {
	if p.TransitGateway == nil {
		return nil, "the scenario has no transit gateway"
	}
	var ts []checks.Target
	for _, a := range p.Clusters {
		for _, b := range p.Clusters {
			if a.Name == b.Name || a.VPC == b.VPC || !ok(a, b) {
				continue
			}
			if routed(p, a, b) {
				ts = append(ts, checks.Target{From: a.Name, To: b.Name})
			}
		}
	}
	if len(ts) == 0 {
		return nil, "no two clusters in different VPCs have a transit gateway route between them (and, for internal LBs, MetalLB on the server side)"
	}
	return ts, ""
}

// routed reports whether a's nodes route b's Pod CIDR and node subnet to the TGW, and the TGW's table
// for a's attachment sends them to b's attachment.
func routed(p *plan.Plan, a, b plan.ClusterPlan) bool {
	var bSubnet string
	if v, ok := p.VPC(b.VPC); ok {
		for _, s := range v.Subnets {
			if s.Name == b.Subnet {
				bSubnet = s.CIDR
			}
		}
	}
	for _, dst := range []string{b.PodCIDR, bSubnet} {
		pf, err := netip.ParsePrefix(dst)
		if err != nil {
			return false
		}
		if r, ok := vpcRouteFor(a.VPCRoutes, pf.Addr()); !ok || r.Target != "tgw" {
			return false
		}
		if !tgwForwards(p, a.VPC, b.VPC, pf.Addr()) {
			return false
		}
	}
	return true
}

func vpcRouteFor(rs []plan.VPCRoute, a netip.Addr) (plan.VPCRoute, bool) {
	best, bits := plan.VPCRoute{}, -1
	for _, r := range rs {
		if pf, err := netip.ParsePrefix(r.CIDR); err == nil && pf.Contains(a) && pf.Bits() > bits {
			best, bits = r, pf.Bits()
		}
	}
	return best, bits >= 0
}

func tgwForwards(p *plan.Plan, fromVPC, toVPC string, a netip.Addr) bool {
	var fromAtt, toAtt string
	for _, at := range p.TransitGateway.Attachments {
		if at.VPC == fromVPC {
			fromAtt = at.Name
		}
		if at.VPC == toVPC {
			toAtt = at.Name
		}
	}
	for _, rt := range p.TransitGateway.RouteTables {
		associated := false
		for _, as := range rt.Associations {
			associated = associated || as == fromAtt
		}
		if !associated {
			continue
		}
		for _, r := range rt.Routes { // longest prefix first
			if pf, err := netip.ParsePrefix(r.CIDR); err == nil && pf.Contains(a) {
				return !r.Blackhole && r.Attachment == toAtt
			}
		}
	}
	return false
}
