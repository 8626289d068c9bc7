package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// pod/localhost: the probe Pod's two containers share the pause container's network namespace.
// The peer container listens on 127.0.0.1 only; the probe container reaches it there, and both
// report the same Pod IP. Peers: the probe DaemonSet Pod on the cluster's first node.
func podLocalhost() checks.Definition {
	return checks.Definition{
		ID:      "pod/localhost",
		Targets: everyCluster,
		Hops:    podLocalhostHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			pod := c.Probe[c.Nodes[0].Name]
			r, err := l.TCP(ctx, c.InPod(pod), hostPort("127.0.0.1", live.PortPeerTCP))
			b.add("peer container answers on 127.0.0.1", seen(r, err), "an answer from the peer", answered(r, err))
			if answered(r, err) {
				b.add("both containers report the same Pod IP", fmt.Sprintf("client %s, peer %s", r.Client.PodIP, r.Server.Server.PodIP),
					pod.IP, r.Client.PodIP == pod.IP && r.Server.Server.PodIP == pod.IP)
				b.add("the peer saw a loopback source", r.Server.RemoteIP, "127.0.0.1", r.Server.RemoteIP == "127.0.0.1")
			}
			// The peer is bound to loopback: from the Pod IP it is not reachable, so the answer above
			// came over the shared loopback, not the Pod network.
			r2, err2 := l.TCP(ctx, c.InPod(pod), hostPort(pod.IP, live.PortPeerTCP))
			b.add("the peer's port on the Pod IP", seen(r2, err2), "refused (loopback only)", b.silent("the peer's port on the Pod IP", r2, err2))
			return b.done(fmt.Sprintf("Pod %s: containers share one network namespace (%s)", pod.Name, pod.IP))
		}),
	}
}

func podLocalhostHops(x *hop.Context) []string {
	return []string{
		"container A and container B of one Pod join the pause container's network namespace (one eth0, one lo, one Pod IP)",
		"A connects to 127.0.0.1:port: the packet never leaves the namespace's loopback device",
		"B answers; both report the same Pod IP from the Downward API",
	}
}
