package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe/node"
)

// pod/localhost: the probe Pod's two containers share the pause container's network namespace.
// The peer container listens on 127.0.0.1 only; the probe container reaches it there, and both
// containers see one eth0 (same index and MAC) holding the Pod's status IP. Peers: the probe DaemonSet Pod on the cluster's first node.
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
				b.add("the peer saw a loopback source", r.Server.RemoteIP, "127.0.0.1", r.Server.RemoteIP == "127.0.0.1")
			}
			// The peer is bound to loopback: from the Pod IP it is not reachable, so the answer above
			// came over the shared loopback, not the Pod network.
			r2, err2 := l.TCP(ctx, c.InPod(pod), hostPort(pod.IP, live.PortPeerTCP))
			b.add("the peer's port on the Pod IP", seen(r2, err2), "refused (loopback only)", b.silent("the peer's port on the Pod IP", r2, err2))
			// Two independent observations of one Pod IP: the interface each container's kernel view
			// shows (netlink, read from inside each container) against the Pod's status IP (the CNI's IPAM,
			// through the API server). One eth0, same index and MAC, in both.
			peer := checks.Where{Cluster: c.Plan.Name, Pod: pod.Name, Container: live.ContainerPeer}
			mine, merr := l.Links(ctx, c.InPod(pod))
			theirs, perr := l.Links(ctx, peer)
			e1, e2 := ifaceOf(mine, "eth0"), ifaceOf(theirs, "eth0")
			same := merr == nil && perr == nil && e1.MAC != "" && e1.MAC == e2.MAC && e1.Index == e2.Index &&
				slices.Contains(addrsOf(e1), pod.IP) && slices.Contains(addrsOf(e2), pod.IP)
			b.add("both containers see one eth0 holding the Pod IP",
				fmt.Sprintf("probe: eth0 #%d %s %v %s; peer: eth0 #%d %s %v %s", e1.Index, e1.MAC, e1.Addrs, errText(merr), e2.Index, e2.MAC, e2.Addrs, errText(perr)),
				fmt.Sprintf("the same eth0 (index, MAC) with %s, the Pod's status IP", pod.IP), same)
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

// ifaceOf is the interface called name, or a zero one.
func ifaceOf(ls []node.Interface, name string) node.Interface {
	for _, i := range ls {
		if i.Name == name {
			return i
		}
	}
	return node.Interface{}
}

// addrsOf are an interface's addresses without their prefix lengths.
func addrsOf(i node.Interface) []string {
	var out []string
	for _, a := range i.Addrs {
		ip, _, _ := strings.Cut(a, "/")
		out = append(out, ip)
	}
	return out
}
