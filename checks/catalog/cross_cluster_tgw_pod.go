package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
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
func crossClusterTGWPod() checks.Definition {
	return checks.Definition{
		ID:      "cross-cluster/tgw-pod",
		Targets: tgwPairs(podsAnswer),
		Hops:    crossClusterTGWPodHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			from, to, err := pair(l, t)
			if err != nil {
				return b.errorf("%v", err)
			}
			srv := to.Probe[to.Nodes[len(to.Nodes)-1].Name]
			return crossTGW(ctx, env, l, b, from, to, srv.IP, to.Plan.PodCIDR.String(), func(r probe.Result, cli checks.Pod) {
				node, _ := from.Node(cli.Node)
				want := checks.CrossClusterSource(from.Plan)
				ip := node.IP
				if want == checks.SourcePodIP {
					ip = cli.IP
				}
				b.add("server in "+to.Plan.Name+" saw", r.Server.RemoteIP, fmt.Sprintf("%s %s (crossClusterSource %s)", want, ip, from.Plan.CNI.CrossClusterSource), r.Server.RemoteIP == ip)
				ttlEvidence(b, r, checks.TTLSeen(checks.CrossClusterHops(from.Plan, to.Plan)), "client node, TGW, server node")
			})
		}),
	}
}

func crossClusterTGWPodHops(x *hop.Context) []string {
	a := x.NodeA
	dst := "<a Pod IP in the server cluster>"
	if x.D != nil {
		dst = x.PeerNode.PodCIDR
		if strings.HasPrefix(dst, "<") {
			dst = x.D.PodCIDR.String()
		}
	}
	h := []string{"the client, " + hop.Pod(a) + ", -> a Pod of cluster " + x.DName() + " (" + dst + ")"}
	h = append(h, "on "+a.Name+": POSTROUTING, "+x.CrossSource())
	h = append(h, x.TGWHops(dst)...)
	h = append(h, "TGW -> node "+x.PeerNode.Name+" ("+x.PeerNode.IP+", the VPC route table's route to its ENI for its Pod range) -> the Pod; TTL at the server 61")
	return h
}
