package plan_test

import (
	"strings"
	"testing"
)

// Two members in one VPC: each gets the leg of its own subnet, and each member's ingress address
// is the first of its own pool (the pools of one subnet are split between its clusters).
func TestGlobalLBMembersInOneVPC(t *testing.T) {
	p := builtinEdited(t, "ingress-two-clusters", func(s string) string {
		s = strings.Replace(s, "    vpc: vpc-west\n", "    vpc: vpc-east\n", 1)
		return strings.Replace(s, "    podCIDR: 10.244.0.0/16\n    serviceCIDR: 10.96.0.0/16\n    metallb: {}\n    ingress: {}\n", "    podCIDR: 10.245.0.0/16\n    serviceCIDR: 10.97.0.0/16\n    metallb: {}\n    ingress: {}\n", 1)
	})
	g := p.GlobalLB
	if g == nil || len(g.Members) != 2 {
		t.Fatalf("global LB %+v", g)
	}
	a, b := g.Members[0], g.Members[1]
	if a.Network != b.Network || a.Address != b.Address {
		t.Errorf("members of one subnet: legs %s@%s and %s@%s, want one", a.Address, a.Network, b.Address, b.Network)
	}
	if a.Ingress == b.Ingress || !a.Ingress.IsValid() || !b.Ingress.IsValid() {
		t.Errorf("ingress addresses %s and %s, want two of their own", a.Ingress, b.Ingress)
	}
	for i, c := range p.Clusters {
		if pool := c.MetalLB.Addresses[0]; !strings.HasPrefix(pool, c.Ingress.Address.String()+"-") && !strings.HasPrefix(pool, c.Ingress.Address.String()+"/") {
			t.Errorf("cluster %s: ingress address %s is not the first of its pool %s", c.Name, c.Ingress.Address, pool)
		}
		if g.Members[i].Ingress != c.Ingress.Address {
			t.Errorf("member %s sends to %s, the cluster's ingress is at %s", c.Name, g.Members[i].Ingress, c.Ingress.Address)
		}
	}
}
