package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe/node"
)

// node/to-pod: the hostNetwork probe on a node (as kubelet's probes do) connects to a Pod on the
// same node and to one on another node. Each Pod must see one of the client node's own addresses
// (eth0, or the CNI's bridge or overlay device the route picked): no NAT.
func nodeToPod() checks.Definition {
	return checks.Definition{
		ID:      "node/to-pod",
		Targets: everyCluster,
		Hops:    nodeToPodHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			from := c.Nodes[0]
			links, err := l.Links(ctx, c.OnNode(from.Name))
			if err != nil {
				return b.errorf("read %s's interfaces: %v", from.Name, err)
			}
			targets := []checks.Node{from}
			if len(c.Nodes) > 1 {
				targets = append(targets, c.Nodes[1])
			}
			for _, n := range targets {
				pod := c.Probe[n.Name]
				r, err := l.TCP(ctx, c.OnNode(from.Name), hostPort(pod.IP, live.PortTCP))
				where := "Pod on the same node"
				if n.Name != from.Name {
					where = "Pod on " + n.Name
				}
				b.add(where+" answers", seen(r, err), "an answer", answered(r, err))
				if answered(r, err) {
					dev := ownerOf(links, r.Server.RemoteIP)
					b.add(where+" saw a node address", fmt.Sprintf("%s (%s)", r.Server.RemoteIP, dev), "an address of "+from.Name, dev != "")
				}
			}
			return b.done(fmt.Sprintf("node %s reaches Pods without NAT", from.Name))
		}),
	}
}

func nodeToPodHops(x *hop.Context) []string {
	a := x.NodeA
	return []string{
		"a process in " + a.Name + "'s own namespace (kubelet's probes, a hostNetwork agent) connects to a Pod IP",
		"same node: the route to " + a.PodCIDR + " is on cni0; source = cni0's address. Other node: via " + x.Overlay() + "; source = the overlay device's address",
		"no NAT: the Pod sees an address of the node",
	}
}

// ownerOf names the interface that holds ip, or "" when none of links does.
func ownerOf(links []node.Interface, ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	for _, i := range links {
		for _, cidr := range i.Addrs {
			if pf, err := netip.ParsePrefix(cidr); err == nil && pf.Addr() == a {
				return i.Name
			}
			if strings.TrimSpace(cidr) == ip {
				return i.Name
			}
		}
	}
	return ""
}
