package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// dns/cross-cluster: a probe Pod in cluster From asks its own CoreDNS for
// echo-headless.netlab-checks.svc.<To>.netlab. CoreDNS From forwards that zone (netlab up configures
// it) to cluster To's CoreDNS, exposed on an internal LoadBalancer address of VPC To and reached
// through the transit gateway; To answers with its backend's Pod IP. The answer must be To's Pod
// IP, and the client must then reach that Pod across the TGW.
func dnsCrossCluster() checks.Definition {
	return checks.Definition{
		ID: "dns/cross-cluster",
		// the server cluster's CoreDNS is exposed on an internal LoadBalancer address of its VPC
		Targets: tgwPairs(func(r plan.PairReach) bool { return lbAnswers(r) && podsAnswer(r) }),
		Hops:    dnsCrossClusterHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			from, to, err := pair(l, t)
			if err != nil {
				return b.errorf("%v", err)
			}
			dns, err := kubeDNS(ctx, l, from)
			if err != nil {
				return b.errorf("%v", err)
			}
			exposed, err := l.Service(ctx, to.Plan.Name, "kube-system", names.DNSServiceName)
			if err != nil {
				return b.errorf("cluster %s exposes no DNS for the other VPCs (Service kube-system/%s: %v); run 'netlab up %s'", to.Plan.Name, names.DNSServiceName, err, env.Plan.Lab)
			}
			var dnsIP string
			for _, ip := range exposed.LoadBalancerIPs {
				dnsIP = ip
			}
			b.add(to.Plan.Name+"'s CoreDNS on an internal address of "+to.Plan.VPC, orText(dnsIP, "none"), "from "+strings.Join(to.Plan.MetalLB.Addresses, ","), dnsIP != "" && InPool(dnsIP, to.Plan.MetalLB.Addresses))
			backends, err := runningPods(ctx, l, to, live.DeployPinned)
			if err != nil {
				return b.errorf("%v", err)
			}
			var want []string
			for _, p := range backends {
				want = append(want, p.IP)
			}
			name := fmt.Sprintf("%s.%s.svc.%s", live.SvcHeadless, live.Namespace, names.DNSZone(to.Plan.Name))
			cli := from.InPod(from.Probe[from.Nodes[0].Name])
			// CoreDNS picks up its changed ConfigMap with the reload plugin, once kubelet has synced it.
			var r probe.DNSResult
			poll(ctx, reloadWait, reloadWait/33, func() bool {
				r, err = l.DNS(ctx, cli, dns.ClusterIP, name)
				return err == nil && len(r.Answers) > 0
			})
			got := strings.Join(r.Answers, ",")
			ok := len(r.Answers) > 0
			for _, a := range r.Answers {
				ok = ok && slices.Contains(want, a)
			}
			b.add(fmt.Sprintf("%s asked in %s (CoreDNS %s)", name, from.Plan.Name, dns.ClusterIP), orText(got, "no answer "+errText(err)), strings.Join(want, ",")+" ("+to.Plan.Name+"'s Pod)", ok)
			if ok {
				tr, terr := tcpSettled(ctx, l, cli, hostPort(r.Answers[0], live.PortTCP))
				b.add("the answer is reachable from "+from.Plan.Name, seen(tr, terr), "an answer from cluster "+to.Plan.Name, answered(tr, terr) && tr.Server.Server.ClusterName == to.Plan.Name)
			}
			return b.done(fmt.Sprintf("%s resolves from %s to %s", name, from.Plan.Name, got))
		}),
	}
}

// reloadWait is how long dns/cross-cluster asks until CoreDNS answers (a variable for the tests).
var reloadWait = 100 * time.Second

func dnsCrossClusterHops(x *hop.Context) []string {
	zone := "<B>.netlab"
	if x.D != nil {
		zone = x.D.Name + ".netlab"
	}
	return []string{
		"a Pod in cluster " + x.CName() + " asks its CoreDNS (kube-dns ClusterIP) for echo-headless.netlab-checks.svc." + zone,
		"CoreDNS " + x.CName() + " has a server block for " + zone + ": rewrite the suffix to cluster.local, forward to cluster " + x.DName() + "'s CoreDNS on its internal LoadBalancer address (Service kube-system/netlab-dns, from the MetalLB pool of VPC " + x.DVPC() + ")",
		"that address is reached through the transit gateway (the VPC route and the TGW route table, as for any address of VPC " + x.DVPC() + ")",
		"CoreDNS " + x.DName() + " answers with the headless Service's Pod IP, which the client then reaches across the TGW",
	}
}
