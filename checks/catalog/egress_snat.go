package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// egress/snat: a probe Pod calls the VPC client container (outside the cluster, on the VPC
// network). The client must see the Pod's node IP: the CNI masqueraded the Pod IP on the way out.
func egressSNAT() checks.Definition {
	return checks.Definition{
		ID:      "egress/snat",
		Targets: everyCluster,
		Hops:    egressSNATHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			cl, err := l.ClientOn(c.Plan.Network)
			if err != nil {
				return b.errorf("%v", err)
			}
			n := c.Nodes[len(c.Nodes)-1]
			pod := c.Probe[n.Name]
			r, err := tcpSettled(ctx, l, c.InPod(pod), hostPort(cl.IP, live.PortTCP))
			b.add("server outside the cluster answers", seen(r, err), "an answer", answered(r, err))
			if answered(r, err) {
				want := n.IP
				src := checks.EgressSource(c.Plan, cl.CIDR)
				if src == checks.SourcePodIP {
					want = pod.IP
				}
				b.add("server saw", r.Server.RemoteIP, fmt.Sprintf("%s %s (Pod %s)", src, want, pod.IP), r.Server.RemoteIP == want)
			}
			return b.done(fmt.Sprintf("Pod %s on %s -> %s", pod.IP, n.Name, cl.IP))
		}),
	}
}

func egressSNATHops(x *hop.Context) []string {
	a := x.NodeA
	return []string{
		hop.Pod(a) + " -> " + x.ClientAddr() + " on the VPC network, outside the Pod network",
		"on " + a.Name + ": POSTROUTING, " + x.Masq(),
		"the server outside the cluster sees " + a.Name + "'s IP " + a.IP,
	}
}
