package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// mtu/path: from a probe Pod to a probe Pod on another node, one Don't-Fragment UDP datagram of
// exactly the Pod MTU crosses the overlay and is echoed; one byte more is refused with "message too
// long" (EMSGSIZE) at the Pod's own eth0, whose MTU the CNI lowered by the encapsulation overhead.
func mtuPath() checks.Definition {
	return checks.Definition{
		ID: "mtu/path",
		Targets: each(func(c plan.ClusterPlan) bool { return c.CNI.Encapsulation != "none" && len(c.Nodes) >= 2 },
			"uses an overlay (VXLAN or IPIP) and has two or more nodes; native routing keeps the full MTU"),
		Hops: mtuPathHops,
		Run: onTwoNodes(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, na, nb checks.Node, b *builder) report.Result {
			cli, srv := c.Probe[na.Name], c.Probe[nb.Name]
			want := checks.ExpectMTUProbe(c.Plan)
			target := hostPort(srv.IP, live.PortUDP)
			fit, ferr := l.UDPDF(ctx, c.InPod(cli), target, want.FitPayload)
			b.add(fmt.Sprintf("DF datagram of %d bytes (Pod MTU %d)", want.FitPayload+28, c.Plan.CNI.PodMTU), seen(fit, ferr), "crosses and is echoed", answered(fit, ferr))
			big, berr := l.UDPDF(ctx, c.InPod(cli), target, want.TooBigPayload)
			obs := seen(big, berr)
			tooLong := strings.Contains(big.Error, "message too long") || (berr != nil && strings.Contains(berr.Error(), "message too long"))
			b.add(fmt.Sprintf("DF datagram of %d bytes (one more)", want.TooBigPayload+28), obs, "refused: message too long", !answered(big, berr) && tooLong)
			return b.done(fmt.Sprintf("usable MTU %d between %s and %s (%s, overhead %d)", c.Plan.CNI.PodMTU, na.Name, nb.Name, c.Plan.CNI.Encapsulation, c.Plan.CNI.Overhead))
		}),
	}
}

func mtuPathHops(x *hop.Context) []string {
	return []string{
		"client Pod eth0 MTU " + x.PodMTU() + " (the node's uplink minus the encapsulation's overhead)",
		"a UDP datagram with Don't Fragment of exactly that size crosses " + x.Overlay(),
		"one byte more: the Pod's own stack refuses it (EMSGSIZE), as no fragment may be made",
	}
}
