package plan_test

import (
	"slices"
	"testing"

	"github.com/netlab-dev/netlab/plan"
)

func TestUnrouted(t *testing.T) {
	// tgw-two-vpc: both VPC CIDRs (and the Pod ranges inside them) are in each cluster's VPC route
	// table; only the Service ranges are routed nowhere.
	p := builtinWith(t, "tgw-two-vpc")
	for _, c := range p.Clusters {
		if got := plan.Strings(p.Unrouted(c)); !slices.Equal(got, []string{"172.20.0.0/16", "172.21.0.0/16"}) {
			t.Errorf("tgw-two-vpc %s: Unrouted = %v", c.Name, got)
		}
	}
	// kube-proxy-modes has no TGW and no VPC routes: every lab range is unrouted.
	p = builtinWith(t, "kube-proxy-modes")
	if got, all := p.Unrouted(p.Clusters[0]), p.LabCIDRs(); !slices.Equal(got, all) || len(all) < 5 {
		t.Errorf("kube-proxy-modes: Unrouted = %v, want every lab range %v", got, all)
	}
}
