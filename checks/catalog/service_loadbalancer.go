package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// service/loadbalancer: the LoadBalancer Service gets an address from the scenario's MetalLB pool,
// and the VPC client reaches the Service there (MetalLB answers ARP for it on the VPC network).
func serviceLoadBalancer() checks.Definition {
	return checks.Definition{
		ID:      "service/loadbalancer",
		Targets: each(func(c plan.ClusterPlan) bool { return c.MetalLB != nil }, "has MetalLB (add metallb: {} to a cluster)"),
		Hops:    serviceLoadBalancerHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			var e *extService
			var err error
			poll(ctx, 60*time.Second, 2*time.Second, func() bool {
				e, err = external(ctx, l, c, live.SvcCluster)
				return err == nil && e.lbIP() != ""
			})
			if err != nil {
				return b.errorf("%v", err)
			}
			ip := e.lbIP()
			b.add("MetalLB assigned an address from the pool", orText(ip, "none"), strings.Join(c.Plan.MetalLB.Addresses, ","), ip != "" && InPool(ip, c.Plan.MetalLB.Addresses))
			if ip == "" {
				return b.done("no LoadBalancer address")
			}
			r, err := tcpSettled(ctx, l, checks.InClient(e.client), hostPort(ip, live.PortTCP))
			b.add(fmt.Sprintf("VPC client %s reaches %s:%d", e.client.IP, ip, live.PortTCP), seen(r, err), "an answer", answered(r, err))
			if env.Perf && answered(r, err) {
				measure(ctx, l, b, checks.InClient(e.client), hostPort(ip, live.PortTCP))
			}
			return b.done(fmt.Sprintf("%s from pool %s", ip, strings.Join(c.Plan.MetalLB.Addresses, ",")))
		}),
	}
}

func serviceLoadBalancerHops(x *hop.Context) []string {
	return []string{
		x.Client() + " -> the LoadBalancer IP from the MetalLB pool " + x.Pool(),
		"MetalLB's speaker on one node answers ARP for it (L2 mode): the packet reaches that node's eth0",
		"kube-proxy's rules for the LoadBalancer IP DNAT it to a backend, as for a NodePort",
	}
}

// InPool reports whether ip is inside one of MetalLB's address blocks (CIDR or first-last).
func InPool(ip string, pool []string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, block := range pool {
		if pf, err := netip.ParsePrefix(block); err == nil && pf.Contains(a) {
			return true
		}
		if first, last, ok := strings.Cut(block, "-"); ok {
			f, err1 := netip.ParseAddr(strings.TrimSpace(first))
			t, err2 := netip.ParseAddr(strings.TrimSpace(last))
			if err1 == nil && err2 == nil && f.Compare(a) <= 0 && a.Compare(t) <= 0 {
				return true
			}
		}
	}
	return false
}
