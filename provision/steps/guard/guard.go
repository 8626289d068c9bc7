// Package guard is the step of 'up' that keeps lab traffic on this machine: unreachable routes,
// on every node, for the lab's ranges that nothing else routes.
package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step installs Script on every node of every cluster, kept by the node unit (steps.PersistScript).
func Step() steps.Step {
	return steps.Step{
		Name:  "guard",
		Title: "Keeping lab traffic on this machine (unreachable routes on the nodes)",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, _ *kube.Client) error {
				return sc.OnNodes(ctx, c, "guard routes", steps.PersistScript("/", "10-guard", Script(sc.Plan, c)))
			})
		},
	}
}

// Metric is the route metric of the guard routes. A route to the same prefix with a lower
// metric (a connected subnet, a CNI's route, the TGW step's VPC route table) wins over the guard,
// and the guard never replaces it; more specific prefixes (Flannel's per-node Pod routes, the
// node's own subnet) win by length.
const Metric = 4242

// Uplink is a kind node's interface on its VPC network, which holds its default route.
const Uplink = "eth0"

// Table is the nftables table (family ip) of the Service-range guard.
const Table = "netlab_guard"

// Script is the idempotent shell script that keeps the lab traffic of cluster c's nodes on
// this machine: an unreachable route, at Metric, for every range the lab owns (plan.Unrouted),
// except
//   - the ranges inside a route of the cluster's VPC route table: those go to the transit
//     gateway, which forwards or drops them by its own tables; a guard more specific than such a
//     route would cut the path;
//   - the cluster's own Service range: a connection a node itself opens (kubelet, Flannel and
//     other hostNetwork Pods reaching the API server's ClusterIP) is routed once before
//     kube-proxy's OUTPUT rules translate it, and an unreachable route would fail it there.
//
// The own Service range is guarded after translation instead: nftables table Table rejects, at
// the filter hooks of output and forward (after kube-proxy's DNAT at the nat hooks, and after
// IPVS), a packet that still goes to an address of that range and leaves by the uplink: an
// unassigned ClusterIP, or a port no Service serves.
//
// Without it, a packet from a Pod or node to a lab address that nothing routes (another cluster's
// Pod or Service range in a lab without a transit gateway, an unassigned ClusterIP or VPC address)
// follows the node's default route to the Docker host and from there the host's default route off
// the machine. With it, the sender gets ICMP unreachable at once.
func Script(p *plan.Plan, c plan.ClusterPlan) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	own := c.ServiceCIDR.Masked()
	for _, pf := range p.Unrouted(c) {
		if pf != own {
			fmt.Fprintf(&b, "ip route replace unreachable %s metric %d\n", pf, Metric)
		}
	}
	if own.IsValid() {
		fmt.Fprintf(&b, "nft -f - <<'NETLAB_NFT_EOF'\ntable ip %[1]s\ndelete table ip %[1]s\ntable ip %[1]s {\n", Table)
		for _, hook := range []string{"output", "forward"} {
			fmt.Fprintf(&b, "  chain %[1]s { type filter hook %[1]s priority 10; oifname \"%[2]s\" ip daddr %[3]s reject with icmp type host-unreachable; }\n", hook, Uplink, own)
		}
		b.WriteString("}\nNETLAB_NFT_EOF\n")
	}
	return b.String()
}
