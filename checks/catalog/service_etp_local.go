package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// service/etp-local: the Local-policy NodePort on the backend's node answers and the backend sees the
// VPC client's own IP; on a node without a local backend it does not answer, and its
// healthCheckNodePort says so (503), while the backend node's says 200.
func serviceETPLocal() checks.Definition {
	return checks.Definition{
		ID:      "service/etp-local",
		Targets: each(multiNode, "has two or more nodes, so that a request can land on a node without a backend (add workers)"),
		Hops:    serviceETPLocalHops,
		Run: onTwoNodes(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, other, pinned checks.Node, b *builder) report.Result {
			e, err := external(ctx, l, c, live.SvcLocal)
			if err != nil {
				return b.errorf("%v", err)
			}
			cl := checks.InClient(e.client)
			r, err := tcpSettled(ctx, l, cl, hostPort(pinned.IP, e.port))
			b.add(fmt.Sprintf("backend's node (%s) answers", pinned.Name), seen(r, err), "an answer", answered(r, err))
			if answered(r, err) {
				b.add("backend saw the client's own IP", r.Server.RemoteIP, e.client.IP, r.Server.RemoteIP == e.client.IP)
			}
			r2, err2 := l.TCP(ctx, cl, hostPort(other.IP, e.port))
			b.add(fmt.Sprintf("node without a local backend (%s)", other.Name), seen(r2, err2), "no answer", b.silent("node without a local backend", r2, err2))
			hc := int(e.svc.HealthCheckNodePort)
			switch {
			case e.svc.Type != "LoadBalancer":
				// Kubernetes allocates a healthCheckNodePort only to LoadBalancer Services.
				b.add("healthCheckNodePort", "none: a NodePort Service (no MetalLB in this cluster)", "reported only for LoadBalancer Services", hc == 0)
			case hc == 0:
				b.add("healthCheckNodePort", "none allocated", "a port", false)
			default:
				for _, n := range []struct {
					node string
					ip   string
					want int
				}{{pinned.Name, pinned.IP, 200}, {other.Name, other.IP, 503}} {
					h, _ := l.HTTP(ctx, cl, fmt.Sprintf("http://%s:%d/healthz", n.ip, hc), "")
					b.add(fmt.Sprintf("healthCheckNodePort %d on %s", hc, n.node), fmt.Sprintf("HTTP %d", h.HTTPStatus), fmt.Sprintf("HTTP %d", n.want), h.HTTPStatus == n.want)
				}
			}
			return b.done(fmt.Sprintf("client %s keeps its IP to the backend on %s", e.client.IP, pinned.Name))
		}),
	}
}

func serviceETPLocalHops(x *hop.Context) []string {
	a, b := x.NodeA, x.NodeB
	return []string{
		x.Client() + " -> " + b.IP + ":<nodePort> of an externalTrafficPolicy: Local Service, backend on " + b.Name,
		"DNAT to the local backend only, no masquerade: the backend sees the client's own IP",
		a.Name + " has no local backend: its rules drop the packet; its healthCheckNodePort answers 503 (200 on " + b.Name + ")",
	}
}
