package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// globalLBRequests is how many requests one round sends through the global load balancer.
const globalLBRequests = 20

// How long the check waits: for the load balancer to answer at all (the members' ingress learn
// the check Ingress from their API servers), for the failover once a member's ingress is down
// (the health check asks every second), and for the member to take requests again; and how
// often it asks meanwhile. Variables so that the fake lab's tests can shorten them.
var (
	globalLBWarmUp   = 60 * time.Second
	globalLBFailover = 30 * time.Second
	globalLBBack     = 60 * time.Second
	globalLBEvery    = time.Second
)

// gateway/global-lb (seed pattern 1): the VPC client of the first member cluster sends requests
// for the plan's Host to the global load balancer; they are answered by backends of every member
// cluster (each echo reports its cluster). Negative control: the first member's ingress controller
// scaled to 0, every request is answered by the other members (the load balancer's health check
// took it out); scaled back, the member takes requests again.
func gatewayGlobalLB() checks.Definition {
	return checks.Definition{
		ID: "gateway/global-lb",
		Targets: single(func(p *plan.Plan) string {
			if p.GlobalLB == nil {
				return "the scenario has no globalLoadBalancer section (two or more clusters with ingress and MetalLB behind it)"
			}
			return ""
		}),
		Hops: gatewayGlobalLBHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, _ checks.Target, b *builder) report.Result {
			g := env.Plan.GlobalLB
			first := g.Members[0]
			// service/clusterip scales each member's echo Pods to 0 for its negative control.
			for _, m := range g.Members {
				unlock := l.Lock(m.Cluster+"/"+live.DeployEcho, false)
				defer unlock()
			}
			c, err := cluster(l, first.Cluster)
			if err != nil {
				return b.errorf("%v", err)
			}
			client, err := l.ClientOn(c.Plan.Network)
			if err != nil {
				return b.errorf("%v", err)
			}
			from := checks.InClient(client)
			url := fmt.Sprintf("http://%s/", first.Address)
			// round sends n requests and counts the clusters that answered; failed counts the rest.
			round := func(n int) (byCluster map[string]int, failed int, lastErr string) {
				byCluster = map[string]int{}
				for i := 0; i < n; i++ {
					r, err := l.HTTP(ctx, from, url, g.Host)
					if answered(r, err) {
						byCluster[r.Server.Server.ClusterName]++
					} else {
						failed++
						lastErr = ingressSeen(r, err)
					}
				}
				return byCluster, failed, lastErr
			}
			// The members' ingress learn the check Ingress from their API servers: give them time once.
			var warmErr string
			ready := poll(ctx, globalLBWarmUp, 2*globalLBEvery, func() bool {
				got, failed, lastErr := round(len(g.Members))
				warmErr = lastErr
				return failed == 0 && len(got) > 0
			})
			if !ready {
				b.add("the global load balancer answers at "+url, orText(warmErr, "no answer"), "answers from the member clusters' backends", false)
				return b.done(g.Container + " does not answer")
			}
			got, failed, lastErr := round(globalLBRequests)
			for _, m := range g.Members {
				b.add(fmt.Sprintf("requests answered by cluster %s (via its ingress %s)", m.Cluster, m.Ingress), fmt.Sprintf("%d of %d", got[m.Cluster], globalLBRequests), "at least 1", got[m.Cluster] > 0)
			}
			b.add("every request answered", fmt.Sprintf("%d failed %s", failed, lastErr), "0 failed", failed == 0)

			// Negative control: the first member's ingress down.
			unlock := l.Lock("ingress/"+first.Cluster, true)
			defer unlock()
			restored := false
			defer func() {
				if !restored {
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
					defer cancel()
					_ = l.ScaleIngressController(rctx, first.Cluster, 1, 2*time.Minute) // best effort: the check has already ended
				}
			}()
			if err := l.ScaleIngressController(ctx, first.Cluster, 0, time.Minute); err != nil {
				return b.errorf("scale cluster %s's ingress controller to 0: %v", first.Cluster, err)
			}
			var down map[string]int
			var downFailed int
			out := poll(ctx, globalLBFailover, globalLBEvery, func() bool {
				down, downFailed, _ = round(10)
				return down[first.Cluster] == 0 && downFailed == 0
			})
			b.negative(fmt.Sprintf("cluster %s's ingress controller scaled to 0", first.Cluster), out, spreadText(down, downFailed), fmt.Sprintf("every request answered, none by %s", first.Cluster))
			if err := l.ScaleIngressController(ctx, first.Cluster, 1, 2*time.Minute); err != nil {
				return b.errorf("scale cluster %s's ingress controller back to 1: %v", first.Cluster, err)
			}
			restored = true
			var back map[string]int
			again := poll(ctx, globalLBBack, 2*globalLBEvery, func() bool {
				back, _, _ = round(10)
				return back[first.Cluster] > 0
			})
			b.add(fmt.Sprintf("cluster %s takes requests again once its ingress is back", first.Cluster), spreadText(back, 0), fmt.Sprintf("some answered by %s", first.Cluster), again)
			return b.done(fmt.Sprintf("%s: %s", g.Container, spreadText(got, failed)))
		}),
	}
}

// spreadText is a round's answers by cluster, sorted.
func spreadText(byCluster map[string]int, failed int) string {
	var parts []string
	for c, n := range byCluster {
		parts = append(parts, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(parts)
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("failed×%d", failed))
	}
	return orText(strings.Join(parts, " "), "nothing")
}

func gatewayGlobalLBHops(x *hop.Context) []string {
	return []string{
		"client -> the global load balancer (Traefik, file provider) on its leg in the client's subnet",
		"weighted round robin over the member clusters' ingress LoadBalancer addresses, each health-checked every second",
		"-> a member's ingress controller -> its echo Pods; overlapping Pod CIDRs do not matter: no Pod IP crosses",
		"with one member's ingress down its health check fails and every request lands on the others",
	}
}
