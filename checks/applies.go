package checks

import (
	"fmt"
	"net/netip"

	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

// Target is where one check of a path runs: a cluster, or a pair of clusters for cross-cluster
// paths (From is the client's, To the server's).
type Target struct {
	Cluster string `json:"cluster,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

func (t Target) String() string {
	if t.From != "" {
		return t.From + "->" + t.To
	}
	return t.Cluster
}

// Applicability is a path's targets in a plan, or why it has none.
type Applicability struct {
	Path    string
	Targets []Target
	// Reason names what the scenario lacks when Targets is empty.
	Reason string
}

// Applies computes, for every selected path, where it can run in this plan and, where it cannot,
// the reason naming what is missing. Every catalogue id gets an answer.
func Applies(p *plan.Plan) []Applicability {
	var out []Applicability
	for _, id := range p.Checks.Paths {
		a := Applicability{Path: id}
		a.Targets, a.Reason = applies(p, id)
		out = append(out, a)
	}
	return out
}

func applies(p *plan.Plan, id string) ([]Target, string) {
	if _, ok := paths.Lookup(id); !ok {
		return nil, "unknown path id"
	}
	each := func(ok func(plan.ClusterPlan) bool, lack string) ([]Target, string) {
		var ts []Target
		for _, c := range p.Clusters {
			if ok(c) {
				ts = append(ts, Target{Cluster: c.Name})
			}
		}
		if len(ts) == 0 {
			return nil, "no cluster " + lack
		}
		return ts, ""
	}
	any := func(plan.ClusterPlan) bool { return true }
	multiNode := func(c plan.ClusterPlan) bool { return len(c.Nodes) >= 2 }
	switch id {
	case "pod/localhost", "pod-to-pod/same-node", "node/to-pod", "node/from-pod", "dns/cluster-local",
		"service/clusterip", "service/nodeport", "egress/snat", "netpol/egress-allowlist":
		return each(any, "")
	case "pod-to-pod/cross-node":
		return each(multiNode, "has two or more nodes (add workers)")
	case "service/etp-cluster", "service/etp-local":
		return each(multiNode, "has two or more nodes, so that a request can land on a node without a backend (add workers)")
	case "service/loadbalancer":
		return each(func(c plan.ClusterPlan) bool { return c.MetalLB != nil }, "has MetalLB (add metallb: {} to a cluster)")
	case "ingress/host-path":
		return each(func(c plan.ClusterPlan) bool { return c.Ingress != nil }, "has an ingress controller (add ingress: {} to a cluster)")
	case "mtu/path":
		return each(func(c plan.ClusterPlan) bool { return c.CNI.Encapsulation != "none" && len(c.Nodes) >= 2 },
			"uses an overlay (VXLAN or IPIP) and has two or more nodes; native routing keeps the full MTU")
	case "cross-cluster/tgw-pod":
		return pairs(p, func(from, to plan.ClusterPlan) bool { return true })
	case "dns/cross-cluster":
		// the server cluster's CoreDNS is exposed on an internal LoadBalancer address of its VPC
		return pairs(p, func(from, to plan.ClusterPlan) bool { return to.MetalLB != nil })
	case "cross-cluster/tgw-internal-lb":
		return pairs(p, func(from, to plan.ClusterPlan) bool { return to.MetalLB != nil })
	case "cross-cluster/overlap-refused":
		if p.TransitGateway == nil || len(p.TransitGateway.Attachments) < 2 {
			return nil, "the scenario has no transit gateway joining two VPCs, so overlapping CIDRs would be allowed"
		}
		return []Target{{}}, ""
	case "mesh/east-west", "mesh/remote-discovery":
		if p.Istio == nil {
			return nil, "the scenario has no istio section"
		}
		var ts []Target
		for i, a := range p.Istio.Clusters {
			for j, b := range p.Istio.Clusters {
				if i != j {
					ts = append(ts, Target{From: a.Cluster, To: b.Cluster})
				}
			}
		}
		return ts, ""
	case "gateway/global-lb":
		n := 0
		for _, c := range p.Clusters {
			if c.Ingress != nil {
				n++
			}
		}
		if n < 2 {
			return nil, fmt.Sprintf("needs two or more clusters with an ingress controller, the scenario has %d", n)
		}
		return []Target{{}}, ""
	case "ingress/gateway-api":
		return nil, "needs a Gateway API controller; this version of netlab installs none"
	case "dmz/waf":
		return nil, "needs a scenario with a DMZ (a WAF in front of the DMZ load balancer); this version of netlab builds none"
	case "chain/user-to-llm":
		return nil, "needs a pattern-4 scenario with a live DMZ, ingress controllers and an inference service; this version of netlab builds none"
	case "cross-cluster/tgw-isolation":
		if p.TransitGateway == nil {
			return nil, "the scenario has no transit gateway"
		}
		return nil, "this version of netlab has no two-way reachability analysis of the route tables yet, so it finds no pair they keep apart to test"
	}
	return nil, "no rule for this path"
}

// pairs lists client->server cluster pairs in different VPCs that the transit gateway routes
// between (a non-blackhole route in the client attachment's table towards the server's subnet).
func pairs(p *plan.Plan, ok func(from, to plan.ClusterPlan) bool) ([]Target, string) {
	if p.TransitGateway == nil {
		return nil, "the scenario has no transit gateway"
	}
	var ts []Target
	for _, a := range p.Clusters {
		for _, b := range p.Clusters {
			if a.Name == b.Name || a.VPC == b.VPC || !ok(a, b) {
				continue
			}
			if routed(p, a, b) {
				ts = append(ts, Target{From: a.Name, To: b.Name})
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
	bSubnet, _ := p.SubnetOf(b)
	for _, pf := range []netip.Prefix{b.PodCIDR, bSubnet.CIDR} {
		if !pf.IsValid() {
			return false
		}
		if r, ok := a.VPCRouteFor(pf.Addr()); !ok || r.Target != "tgw" {
			return false
		}
		if !tgwForwards(p, a.VPC, b.VPC, pf.Addr()) {
			return false
		}
	}
	return true
}

func tgwForwards(p *plan.Plan, fromVPC, toVPC string, a netip.Addr) bool {
	from, _ := p.AttachmentOf(fromVPC)
	to, _ := p.AttachmentOf(toVPC)
	rt, ok := p.RouteTableOf(from.Name)
	if !ok {
		return false
	}
	r, ok := rt.Lookup(a)
	return ok && !r.Blackhole && r.Attachment == to.Name
}
