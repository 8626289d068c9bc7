package plan_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
)

// assertInvariants checks what every valid plan must satisfy, whatever the input. The golden tests
// and the fuzzer both call it.
func assertInvariants(t *testing.T, p *plan.Plan) {
	t.Helper()
	must := func(pr netip.Prefix) netip.Prefix {
		if !pr.IsValid() {
			t.Fatalf("plan holds a bad CIDR %v", pr)
		}
		return pr
	}
	// Subnets are Docker networks: no two overlap, and each lies inside its VPC.
	var subnets []netip.Prefix
	for _, v := range p.VPCs {
		vp := must(v.CIDR)
		for _, s := range v.Subnets {
			sp := must(s.CIDR)
			if !vp.Contains(sp.Addr()) || sp.Bits() < vp.Bits() {
				t.Fatalf("subnet %s is outside VPC %s", sp, vp)
			}
			for _, o := range subnets {
				if o.Overlaps(sp) {
					t.Fatalf("subnets %s and %s overlap", o, sp)
				}
			}
			subnets = append(subnets, sp)
			if s.TGWAddress.IsValid() && (!sp.Contains(s.TGWAddress) || must(s.NodeRange).Contains(s.TGWAddress)) {
				t.Fatalf("TGW address %s is outside %s or inside the node range", s.TGWAddress, sp)
			}
		}
	}
	attached := map[string]bool{}
	if p.TransitGateway != nil {
		for _, a := range p.TransitGateway.Attachments {
			attached[a.VPC] = true
		}
	}
	for _, c := range p.Clusters {
		if !c.PodCIDR.IsValid() || !c.ServiceCIDR.IsValid() || c.Network == "" || len(c.Nodes) == 0 {
			t.Fatalf("cluster %s is not fully resolved: %+v", c.Name, c)
		}
		pod, svc := must(c.PodCIDR), must(c.ServiceCIDR)
		if pod.Overlaps(svc) {
			t.Fatalf("cluster %s: Pod %s and Service %s overlap", c.Name, pod, svc)
		}
		if c.CNI.PodMTU != c.CNI.UplinkMTU-c.CNI.Overhead {
			t.Fatalf("cluster %s: Pod MTU %d != %d - %d", c.Name, c.CNI.PodMTU, c.CNI.UplinkMTU, c.CNI.Overhead)
		}
		if c.KubeProxyMode == "none" && c.CNI.Type != "cilium" {
			t.Fatalf("cluster %s: kube-proxy none without cilium", c.Name)
		}
		if !strings.HasPrefix(c.KindName, p.Lab+"-") || c.Context != "kind-"+c.KindName {
			t.Fatalf("cluster %s: names %q / %q do not follow the lab", c.Name, c.KindName, c.Context)
		}
		if c.MetalLB != nil && c.MetalLB.Size <= 0 {
			t.Fatalf("cluster %s: empty MetalLB pool", c.Name)
		}
		for _, r := range c.VPCRoutes {
			must(r.CIDR)
		}
	}
	// Every range a plan routes, exempts from masquerading or allocates is a private or lab range.
	safe := func(s netip.Prefix) {
		if pr := must(s); !plan.InSafeRanges(pr) {
			t.Fatalf("plan holds %s, outside the safe ranges %v", pr, plan.SafeRanges())
		}
	}
	for _, v := range p.VPCs {
		safe(v.CIDR)
		for _, s := range v.Subnets {
			safe(s.CIDR)
		}
	}
	for _, c := range p.Clusters {
		safe(c.PodCIDR)
		safe(c.ServiceCIDR)
		for _, r := range c.VPCRoutes {
			safe(r.CIDR)
		}
		for _, n := range c.CNI.NonMasqueradeCIDRs {
			safe(n)
		}
		for _, np := range c.NetworkPolicies {
			for _, e := range np.EgressAllow {
				safe(netip.MustParsePrefix(e.CIDR))
			}
		}
	}
	if p.TransitGateway != nil {
		for _, rt := range p.TransitGateway.RouteTables {
			for _, r := range rt.Routes {
				safe(r.CIDR)
			}
		}
	}
	// Routed CIDRs do not overlap, except a Pod CIDR inside its own VPC.
	if p.TransitGateway != nil {
		type routed struct {
			p   netip.Prefix
			vpc string
			pod bool
		}
		var rs []routed
		for _, v := range p.VPCs {
			if attached[v.Name] {
				rs = append(rs, routed{must(v.CIDR), v.Name, false})
			}
		}
		for _, c := range p.Clusters {
			if attached[c.VPC] {
				rs = append(rs, routed{must(c.PodCIDR), c.VPC, true})
			}
		}
		for i := range rs {
			for j := 0; j < i; j++ {
				a, b := rs[i], rs[j]
				if !a.p.Overlaps(b.p) {
					continue
				}
				if a.vpc == b.vpc && a.pod != b.pod {
					continue
				}
				t.Fatalf("routed CIDRs %s and %s overlap", a.p, b.p)
			}
		}
		for _, rt := range p.TransitGateway.RouteTables {
			for i := 1; i < len(rt.Routes); i++ {
				if must(rt.Routes[i-1].CIDR).Bits() < must(rt.Routes[i].CIDR).Bits() {
					t.Fatalf("route table %s is not longest-prefix first", rt.Name)
				}
			}
		}
	}
}
