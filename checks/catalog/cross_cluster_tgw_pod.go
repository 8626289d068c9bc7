package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// cross-cluster/tgw-pod: a probe Pod in cluster From calls a probe Pod IP in cluster To. The
// packets leave the client node by the VPC route table to the TGW, which forwards them by the route
// table associated with From's attachment, to the node of To that owns the Pod range. Evidence: the
// TGW's counter on that route grows; the server sees TTL 61 (client node, TGW, server node); the
// source it sees is the client Pod IP under crossClusterSource preserve, or the client's node IP
// under masquerade. Negative control: the route to To's Pod range blackholed through the EC2 API
// (ReplaceTransitGatewayRoute, or CreateTransitGatewayRoute where no static route exists) stops
// the path; putting the route back restores it. Deleting the static /18 alone would not: the
// propagated VPC /16 still reaches the nodes, which the TGW knows from the VPC route table.
func init() {
	register("cross-cluster/tgw-pod", func(ctx context.Context, env *checks.Env, l *live.Lab, t checks.Target, b *builder) report.Result {
		from, to, err := pair(l, t)
		if err != nil {
			return b.errorf("%v", err)
		}
		srv := to.Probe[to.Nodes[len(to.Nodes)-1].Name]
		return crossTGW(ctx, env, l, b, from, to, srv.IP, to.Plan.PodCIDR.String(), func(r probe.Result, cli live.Pod) {
			node, _ := from.Node(cli.Node)
			want := checks.CrossClusterSource(from.Plan)
			ip := node.IP
			if want == checks.SourcePodIP {
				ip = cli.IP
			}
			b.add("server in "+to.Plan.Name+" saw", r.Server.RemoteIP, fmt.Sprintf("%s %s (crossClusterSource %s)", want, ip, from.Plan.CNI.CrossClusterSource), r.Server.RemoteIP == ip)
			ttlEvidence(b, r, checks.TTLSeen(checks.CrossClusterHops(from.Plan, to.Plan)), "client node, TGW, server node")
		})
	})
}
