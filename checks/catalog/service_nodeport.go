package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// service/nodeport: the VPC client (outside the cluster, on the VPC network) calls the NodePort of
// the externalTrafficPolicy Cluster Service on every node's IP; every node must answer, including
// the nodes without a backend, which forward to the one pinned backend.
func serviceNodePort() checks.Definition {
	return checks.Definition{
		ID:      "service/nodeport",
		Targets: everyCluster,
		Hops:    serviceNodePortHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			e, err := external(ctx, l, c, live.SvcCluster)
			if err != nil {
				return b.errorf("%v", err)
			}
			for _, n := range c.Nodes {
				r, err := tcpSettled(ctx, l, checks.InClient(e.client), hostPort(n.IP, e.port))
				b.add(fmt.Sprintf("%s:%d (%s)", n.IP, e.port, n.Name), seen(r, err), "an answer", answered(r, err))
			}
			return b.done(fmt.Sprintf("NodePort %d answers on %d nodes, from %s", e.port, len(c.Nodes), e.client.IP))
		}),
	}
}

func serviceNodePortHops(x *hop.Context) []string {
	a := x.NodeA
	return []string{
		x.Client() + " -> " + a.IP + ":<nodePort>",
		"on " + a.Name + ": KUBE-NODEPORTS (or the nftables nodeport map) DNATs to a backend; traffic from outside is marked for masquerade",
		"to a backend on another node: SNAT to " + a.Name + "'s address, then Pod-to-Pod across nodes",
	}
}
