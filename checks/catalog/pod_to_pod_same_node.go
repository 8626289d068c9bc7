package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// pod-to-pod/same-node: a probe Pod and the pinned backend on the same node. The server must see
// the client's Pod IP (no NAT) and the TTL the CNI's same-node datapath implies: unchanged through
// Flannel's cni0 bridge, one less through Calico's routed veths.
func podToPodSameNode() checks.Definition {
	return checks.Definition{
		ID:      "pod-to-pod/same-node",
		Targets: everyCluster,
		Hops:    podToPodSameNodeHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			servers, err := runningPods(ctx, l, c, live.DeployPinned)
			if err != nil {
				return b.errorf("%v", err)
			}
			srv := servers[0]
			cli := c.Probe[srv.Node]
			r, err := l.TCP(ctx, c.InPod(cli), hostPort(srv.IP, live.PortTCP))
			b.add("server answers", seen(r, err), "an answer", answered(r, err))
			if answered(r, err) {
				b.add("server saw the client Pod IP", r.Server.RemoteIP, cli.IP+" ("+string(checks.InClusterSource())+")", r.Server.RemoteIP == cli.IP)
				b.add("server runs on the client's node", r.Server.Server.NodeName, srv.Node, r.Server.Server.NodeName == srv.Node)
				ttlEvidence(b, r, checks.TTLSeen(checks.SameNodeHops(c.Plan)), c.Plan.CNI.Type+" same-node datapath")
			}
			if env.Perf && answered(r, err) {
				measure(ctx, l, b, c.InPod(cli), hostPort(srv.IP, live.PortTCP))
			}
			return b.done(fmt.Sprintf("%s -> %s on node %s", cli.IP, srv.IP, srv.Node))
		}),
	}
}

func podToPodSameNodeHops(x *hop.Context) []string {
	a := x.NodeA
	return []string{
		"the client, " + hop.Pod(a) + ": eth0 -> its veth peer in the node's namespace",
		"on " + a.Name + ": " + x.Bridge(),
		"the server Pod's veth -> its eth0; the server sees the client Pod IP (no NAT)",
	}
}
