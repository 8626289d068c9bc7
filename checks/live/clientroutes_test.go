package live

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/testplan"
)

// The VPC client of spoke-a in tgw-isolated-spokes routes its own VPC and the other VPCs through
// the TGW's leg, as the nodes do, and refuses every Service range (no kube-proxy outside a node).
func TestClientRoutes(t *testing.T) {
	p := testplan.Builtin(t, "tgw-isolated-spokes")
	c, _ := p.Cluster("spoke-a")
	got := strings.Join(ClientRoutes(p, *c), " ")
	want := "probe routes --via 10.1.0.0/16=10.1.1.254 --via 10.0.0.0/16=10.1.1.254 --via 10.2.0.0/16=10.1.1.254 " +
		"--unreachable 172.20.0.0/16 --unreachable 172.21.0.0/16 --unreachable 172.22.0.0/16"
	if got != want {
		t.Errorf("ClientRoutes(spoke-a) =\n%s\nwant\n%s", got, want)
	}
	// Without a TGW there are no VPC routes: every lab range but the client's own subnet is refused.
	p = testplan.Builtin(t, "kube-proxy-modes")
	got = strings.Join(ClientRoutes(p, p.Clusters[0]), " ")
	if strings.Contains(got, "--via") || strings.Count(got, "--unreachable") != len(p.LabCIDRs()) {
		t.Errorf("ClientRoutes(kube-proxy-modes) = %s", got)
	}
	// The DMZ's client reaches its own subnet only: every other lab range is unreachable.
	p = testplan.Builtin(t, "enterprise-hub-spoke")
	got = strings.Join(DMZClientRoutes(p), " ")
	if strings.Contains(got, "--via") || strings.Contains(got, "10.0.0.0/24") || !strings.Contains(got, "--unreachable 10.0.1.0/24") ||
		strings.Count(got, "--unreachable") != len(p.LabCIDRs())-1 {
		t.Errorf("DMZClientRoutes(enterprise-hub-spoke) = %s", got)
	}
}
