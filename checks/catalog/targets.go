package catalog

import (
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

// single is one run for the whole lab, when ok says the plan can show the path.
func single(ok func(p *plan.Plan) string) func(p *plan.Plan) ([]checks.Target, string) {
	return func(p *plan.Plan) ([]checks.Target, string) {
		if why := ok(p); why != "" {
			return nil, why
		}
		return []checks.Target{{}}, ""
	}
}

// tgwPairs lists the client->server pairs in different VPCs whose two-way reachability across the
// transit gateway (plan.Reach) ok accepts.
func tgwPairs(ok func(r plan.PairReach) bool) func(p *plan.Plan) ([]checks.Target, string) {
	return func(p *plan.Plan) ([]checks.Target, string) { return pairs(p, ok) }
}

// podsAnswer: a Pod of the server cluster answers a Pod of the client cluster, there and back.
func podsAnswer(r plan.PairReach) bool { return r.Pod.Answered() }

// lbAnswers: the server cluster has MetalLB and its pool answers the client's Pods, there and back.
func lbAnswers(r plan.PairReach) bool { return r.LB != nil && r.LB.Answered() }

// isolated: the route tables keep the pair's Pods apart, on the way there or back.
func isolated(r plan.PairReach) bool { return r.Pod.Isolated() }

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

// meshOneNetworkPairs are istioPairs on a one-network mesh. On several networks the calls cross
// Envoy east-west gateways (Istio's published images, which this machine cannot build or pull):
// that data path has not been run by netlab anywhere, so the check is skipped with the reason
// rather than run with expectations nobody has seen hold.
func meshOneNetworkPairs(p *plan.Plan) ([]checks.Target, string) {
	if p.Istio != nil && p.Istio.MultiNetwork {
		return nil, "several networks: the calls cross Envoy east-west gateways (Istio's published images); not run here, and this version of netlab has not verified that data path anywhere (docs/istio.md)"
	}
	return istioPairs(p)
}

// pairs lists client->server cluster pairs in different VPCs, attached to the transit gateway,
// whose reachability ok accepts (both directions: the way there through the client attachment's
// route table, the way back through the server's, to the address the reply goes to).
func pairs(p *plan.Plan, ok func(r plan.PairReach) bool) ([]checks.Target, string) {
	if p.TransitGateway == nil {
		return nil, "the scenario has no transit gateway"
	}
	var ts []checks.Target
	for _, a := range p.Clusters {
		for _, b := range p.Clusters {
			if a.Name == b.Name || a.VPC == b.VPC {
				continue
			}
			if r, found := p.Reach(a.Name, b.Name); found && ok(r) {
				ts = append(ts, checks.Target{From: a.Name, To: b.Name})
			}
		}
	}
	if len(ts) == 0 {
		return nil, "no two clusters in different VPCs are joined by the transit gateway as this path needs (routes both ways and, for internal LBs, MetalLB on the server side)"
	}
	return ts, ""
}
