package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// node/from-pod: a Pod connects to its own node's address, where the hostNetwork probe listens (as
// kubelet or a node exporter would). The node must see the Pod's own IP.
func nodeFromPod() checks.Definition {
	return checks.Definition{
		ID:      "node/from-pod",
		Targets: everyCluster,
		Hops:    nodeFromPodHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			n := c.Nodes[len(c.Nodes)-1]
			pod := c.Probe[n.Name]
			r, err := l.TCP(ctx, c.InPod(pod), hostPort(n.IP, live.PortHostTCP))
			b.add("node answers on "+n.IP, seen(r, err), "an answer from the hostNetwork probe", answered(r, err))
			if answered(r, err) {
				b.add("node saw the Pod IP", r.Server.RemoteIP, pod.IP, r.Server.RemoteIP == pod.IP)
				b.add("the answer came from the node's network namespace", r.Server.Server.NodeName, n.Name, r.Server.Server.NodeName == n.Name)
			}
			return b.done(fmt.Sprintf("Pod %s -> its node %s (%s)", pod.IP, n.Name, n.IP))
		}),
	}
}

func nodeFromPodHops(x *hop.Context) []string {
	a := x.NodeA
	return []string{
		hop.Pod(a) + " connects to its node's IP " + a.IP,
		"the packet enters the node's namespace from the veth and is delivered locally (INPUT), never through POSTROUTING",
		"no masquerade: the node sees the Pod IP",
	}
}
