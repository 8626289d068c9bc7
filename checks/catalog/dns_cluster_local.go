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

// dns/cluster-local: from a probe Pod, CoreDNS (the kube-dns Service) answers the echo Service's
// name with its ClusterIP; the name of a Service that does not exist gets NXDOMAIN.
func dnsClusterLocal() checks.Definition {
	return checks.Definition{
		ID:      "dns/cluster-local",
		Targets: everyCluster,
		Hops:    dnsClusterLocalHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			dns, err := kubeDNS(ctx, l, c)
			if err != nil {
				return b.errorf("%v", err)
			}
			svc, err := l.Service(ctx, c.Plan.Name, live.Namespace, live.SvcEcho)
			if err != nil {
				return b.errorf("%v", err)
			}
			pod := c.Probe[c.Nodes[0].Name]
			name := fmt.Sprintf("%s.%s.svc.cluster.local", live.SvcEcho, live.Namespace)
			// Right after 'up', CoreDNS may still be starting, and a new Service takes a moment to
			// reach it: ask until the answer is the ClusterIP, for at most 20 s.
			var r probe.DNSResult
			poll(ctx, 20*time.Second, time.Second, func() bool {
				r, err = l.DNS(ctx, c.InPod(pod), dns.ClusterIP, name)
				return err == nil && len(r.Answers) == 1 && r.Answers[0] == svc.ClusterIP
			})
			got := strings.Join(r.Answers, ",")
			if err != nil && got == "" {
				got = truncate(err.Error(), 120)
			}
			b.add(name, got, svc.ClusterIP, err == nil && len(r.Answers) == 1 && r.Answers[0] == svc.ClusterIP)
			missing := fmt.Sprintf("no-such-service.%s.svc.cluster.local", live.Namespace)
			m, merr := l.DNS(ctx, c.InPod(pod), dns.ClusterIP, missing)
			obs := fmt.Sprintf("nxdomain=%v answers=%v", m.NXDomain, m.Answers)
			if merr != nil && !m.NXDomain {
				obs += " " + truncate(merr.Error(), 100)
			}
			b.add(missing, obs, "NXDOMAIN", m.NXDomain && len(m.Answers) == 0)
			return b.done(fmt.Sprintf("CoreDNS at %s answers %s", dns.ClusterIP, name))
		}),
	}
}

func dnsClusterLocalHops(x *hop.Context) []string {
	return []string{
		"a Pod's /etc/resolv.conf names the kube-dns ClusterIP (the 10th address of " + x.SvcCIDR() + ") with search domains <ns>.svc.cluster.local",
		"the query to the ClusterIP is DNATed by " + x.KubeProxy() + " to a CoreDNS Pod",
		"CoreDNS's kubernetes plugin answers echo.netlab-checks.svc.cluster.local with " + x.ClusterIP() + ", and NXDOMAIN for a Service that does not exist",
	}
}
