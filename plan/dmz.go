package plan

import (
	"fmt"
	"slices"
	"strings"
)

// DMZHost is the Host the user stand-in sends through the DMZ, and the one each member cluster's
// ingress serves for it (with a backend of one Pod, whose request count the checks read).
const DMZHost = "dmz.netlab.test"

// The DMZ's addresses from the top of its subnet, below the TGW's (-2), the VPC client's (-3)
// and the global load balancer's (-4): the WAF, and the DMZ load balancer (whose legs in the
// member subnets are at the same place).
const (
	dmzWAF = -5
	dmzLB  = -6
)

// WAFHop is the WAF's name in the hop header it appends to ("waf@<source address>").
const WAFHop = "waf"

// The WAF's ports: rule engine on, rule engine off (the negative control's), counters.
const (
	WAFPort         = 80
	WAFPortOff      = 8080
	WAFPortCounters = 9090
)

// EchoHost is the Host under which cluster's ingress routes to the check workloads' echo Pods.
func EchoHost(cluster string) string { return "echo." + cluster + ".netlab.test" }

// dmz resolves the DMZ: a subnet of its own in a VPC of the scenario, and one or more member
// clusters in that VPC, each with ingress and MetalLB.
func (rs *resolver) dmz() {
	d := rs.sc.DMZ
	if d == nil {
		return
	}
	vpc := d.VPC
	if vpc == "" && len(rs.p.VPCs) == 1 {
		vpc = rs.p.VPCs[0].Name
	}
	v, ok := rs.p.VPC(vpc)
	if !ok {
		var names []string
		for _, v := range rs.p.VPCs {
			names = append(names, v.Name)
		}
		rs.r.errorf("dmz.vpc", "VPC %q is not defined; name the VPC of the DMZ subnet, one of: %s", d.VPC, strings.Join(names, ", "))
		return
	}
	var subnets []string
	for _, s := range v.Subnets {
		subnets = append(subnets, s.Name)
	}
	sp, ok := rs.p.Subnet(vpc, d.Subnet)
	if !ok {
		rs.r.errorf("dmz.subnet", "subnet %q is not in VPC %s (its subnets: %s); add a subnet of its own for the DMZ to VPC %s's subnets and name it here", d.Subnet, vpc, strings.Join(subnets, ", "), vpc)
		return
	}
	for _, c := range rs.p.Clusters {
		if c.VPC == vpc && c.Subnet == d.Subnet {
			rs.r.errorf("dmz.subnet", "cluster %s's nodes are in subnet %s; the DMZ is a subnet of its own: add one to VPC %s that no cluster uses", c.Name, d.Subnet, vpc)
			return
		}
	}
	f := "dmz.clusters"
	if len(d.Clusters) == 0 {
		rs.r.errorf(f, "the DMZ load balancer needs at least one cluster to send requests to; list the clusters (with ingress: {} and metallb: {}) that serve the outside")
	}
	members := rs.lbMembers(f, d.Clusters, dmzLB, "the DMZ load balancer", vpc)
	chain := rs.dmzChain(d, members)
	rs.p.DMZ = &DMZPlan{
		Chain: chain,
		VPC:   vpc, Subnet: d.Subnet, Network: sp.Network, CIDR: sp.CIDR,
		Client: sp.ClientAddress,
		WAF: WAFPlan{Container: rs.p.Lab + "-waf", Address: nth(sp.CIDR, dmzWAF),
			Port: WAFPort, PortOff: WAFPortOff, PortCounters: WAFPortCounters},
		LB: GlobalLBPlan{Container: rs.p.Lab + "-dmz-lb", Host: DMZHost, Members: members,
			Front: LBLeg{Network: sp.Network, Address: nth(sp.CIDR, dmzLB)}},
	}
}

// dmzChain resolves the DMZ's chain: two or more clusters, each defined and listed once, the
// first behind the DMZ load balancer, each with MetalLB (the hop before reaches it at a
// LoadBalancer address: its ingress controller's, or an HTTP Service's without ingress).
func (rs *resolver) dmzChain(d *DMZ, members []GlobalLBMember) []ChainHop {
	if len(d.Chain) == 0 {
		return nil
	}
	f := "dmz.chain"
	if len(d.Chain) < 2 {
		rs.r.errorf(f, "a chain is the clusters a request passes through after the DMZ, two or more in order (for example [web, was, gpu]); list them, or drop chain")
		return nil
	}
	var out []ChainHop
	seen := map[string]bool{}
	for i, name := range d.Chain {
		hf := fmt.Sprintf("%s[%d]", f, i)
		c, ok := rs.p.Cluster(name)
		switch {
		case !ok:
			rs.r.errorf(hf, "cluster %q is not defined; the scenario's clusters are: %s", name, strings.Join(rs.clusterNames(), ", "))
			continue
		case seen[name]:
			rs.r.errorf(hf, "cluster %q is listed twice; a chain passes each cluster once", name)
			continue
		case i == 0 && !slices.ContainsFunc(members, func(m GlobalLBMember) bool { return m.Cluster == name }):
			rs.r.errorf(hf, "the chain starts where the DMZ load balancer sends; cluster %s is not in dmz.clusters: add it there, or start the chain with one of them", name)
			continue
		case c.MetalLB == nil:
			rs.r.errorf(hf, "cluster %s has no MetalLB, and the hop before reaches it at a LoadBalancer address; add metallb: {} to cluster %s", name, name)
			continue
		}
		seen[name] = true
		h := ChainHop{Cluster: name}
		if c.Ingress != nil {
			h.Ingress, h.Host = c.Ingress.Address, EchoHost(name)
		}
		out = append(out, h)
	}
	return out
}
