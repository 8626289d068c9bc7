package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// cross-cluster/tgw-internal-lb: the same client calls the LoadBalancer address of To's
// externalTrafficPolicy Cluster Service (an internal address of VPC To from MetalLB's pool), which
// MetalLB answers for on To's network. Negative control: a /32 blackhole for that address.
func crossClusterTGWInternalLB() checks.Definition {
	return checks.Definition{
		ID:      "cross-cluster/tgw-internal-lb",
		Targets: tgwPairs(lbAnswers),
		Hops:    crossClusterTGWInternalLBHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			from, to, err := pair(l, t)
			if err != nil {
				return b.errorf("%v", err)
			}
			var e *extService
			poll(ctx, 60*time.Second, 2*time.Second, func() bool {
				e, err = external(ctx, l, to, live.SvcCluster)
				return err == nil && e.lbIP() != ""
			})
			if err != nil || e.lbIP() == "" {
				return b.errorf("cluster %s: the LoadBalancer Service has no address: %v", to.Plan.Name, err)
			}
			ip := e.lbIP()
			b.add("LB address from "+to.Plan.Name+"'s pool", ip, fmt.Sprint(to.Plan.MetalLB.Addresses), InPool(ip, to.Plan.MetalLB.Addresses))
			return crossTGW(ctx, env, l, b, from, to, ip, ip+"/32", func(r probe.Result, cli checks.Pod) {
				b.add("the backend in "+to.Plan.Name+" answered", r.Server.Server.ClusterName+"/"+r.Server.Server.PodName, to.Plan.Name+"/"+live.DeployPinned+"-…", r.Server.Server.ClusterName == to.Plan.Name)
			})
		}),
	}
}

func crossClusterTGWInternalLBHops(x *hop.Context) []string {
	a := x.NodeA
	lb := "<a LoadBalancer IP of the server cluster's pool>"
	if x.D != nil && x.D.MetalLB != nil && len(x.D.MetalLB.Addresses) > 0 {
		lb = x.D.MetalLB.Addresses[0]
		if i := strings.Index(lb, "-"); i > 0 {
			lb = lb[:i]
		} else if i := strings.Index(lb, "/"); i > 0 {
			lb = lb[:i]
		}
	}
	h := []string{"the client, " + hop.Pod(a) + ", -> " + lb + ", an internal LoadBalancer address of VPC " + x.DVPC()}
	h = append(h, x.TGWHops(lb)...)
	h = append(h, "TGW leg in the server's subnet -> ARP for the LB IP, answered by MetalLB's speaker on a node of "+x.DName(), "that node DNATs to a backend (kube-proxy), as for any LoadBalancer traffic")
	return h
}
