package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// service/etp-cluster: the VPC client calls the Cluster-policy NodePort on a node without a backend.
// The one backend (pinned to another node) must see that node's IP: the request was SNATed to be
// forwarded.
func init() {
	registerTwoNodes("service/etp-cluster", func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, other, pinned checks.Node, b *builder) report.Result {
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
	})
}
