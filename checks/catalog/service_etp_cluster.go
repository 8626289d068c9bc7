package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// service/etp-cluster: the VPC client calls the Cluster-policy NodePort on a node without a backend.
// The one backend (pinned to another node) must see that node's IP: the request was SNATed to be
// forwarded.
func serviceETPCluster() checks.Definition {
	return checks.Definition{
		ID:      "service/etp-cluster",
		Targets: each(multiNode, "has two or more nodes, so that a request can land on a node without a backend (add workers)"),
		Hops:    serviceETPClusterHops,
		Run: onTwoNodes(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, other, pinned checks.Node, b *builder) report.Result {
			e, err := external(ctx, l, c, live.SvcCluster)
			if err != nil {
				return b.errorf("%v", err)
			}
			r, err := tcpSettled(ctx, l, checks.InClient(e.client), hostPort(other.IP, e.port))
			b.add(fmt.Sprintf("node without a backend (%s) answers", other.Name), seen(r, err), "an answer (forwarded)", answered(r, err))
			if answered(r, err) {
				// MASQUERADE takes the address of the interface the forwarded packet leaves by: the
				// node's eth0 for native routing, its overlay device (flannel.1) for VXLAN.
				want, _ := checks.ExternalTrafficSource("Cluster", false)
				links, lerr := l.Links(ctx, c.OnNode(other.Name))
				dev := ownerOf(links, r.Server.RemoteIP)
				b.add("backend on "+pinned.Name+" saw", fmt.Sprintf("%s (%s of %s) %s", r.Server.RemoteIP, orText(dev, "no interface"), other.Name, errText(lerr)),
					fmt.Sprintf("%s: an address of %s, not the client %s", want, other.Name, e.client.IP), dev != "" && r.Server.RemoteIP != e.client.IP)
			}
			return b.done(fmt.Sprintf("client %s -> %s:%d -> backend on %s", e.client.IP, other.IP, e.port, pinned.Name))
		}),
	}
}

func serviceETPClusterHops(x *hop.Context) []string {
	a, b := x.NodeA, x.NodeB
	return []string{
		x.Client() + " -> " + a.IP + ":<nodePort> of an externalTrafficPolicy: Cluster Service whose only backend runs on " + b.Name,
		"on " + a.Name + ": DNAT to the backend and masquerade (the mark from KUBE-EXT-*), so the reply comes back through " + a.Name,
		"the backend sees an address of " + a.Name + " (its egress device's: flannel.1 under VXLAN), not the client",
	}
}
