package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe/node"
)

// pod-to-pod/cross-node: probe Pods on two nodes. The server sees the client Pod IP after two
// routing hops; an overlay shows its encapsulation (VXLAN to the CNI's port) on the client node's
// uplink while the check sends, and lowers the Pod MTU by its overhead; native routing shows a
// route to the peer's Pod range via the peer node and no encapsulation.
func podToPodCrossNode() checks.Definition {
	return checks.Definition{
		ID:      "pod-to-pod/cross-node",
		Targets: each(multiNode, "has two or more nodes (add workers)"),
		Hops:    podToPodCrossNodeHops,
		Run: onTwoNodes(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, na, nb checks.Node, b *builder) report.Result {
			cli, srv := c.Probe[na.Name], c.Probe[nb.Name]
			enc := checks.ExpectEncapsulation(c.Plan)
			port := enc.UDPPort
			if port == 0 {
				port = c.Plan.CNI.VXLANPort
			}
			ports := []int{8472, 4789}
			type capRes struct {
				r   node.CaptureResult
				err error
			}
			capc := make(chan capRes, 1)
			flow, ferr := innerFlow(cli.IP, srv.IP, live.PortTCP)
			if ferr != nil {
				return b.errorf("the probe Pods' addresses: %v", ferr)
			}
			go func() {
				r, err := l.Capture(ctx, c.OnNode(na.Name), "eth0", ports, flow, 4*time.Second)
				capc <- capRes{r, err}
			}()
			time.Sleep(settle / 10) // the capture is attached (1.5 s)
			res, err := l.TCP(ctx, c.InPod(cli), hostPort(srv.IP, live.PortTCP))
			for i := 0; i < 3; i++ { // a little more traffic inside the capture window
				_, _ = l.TCP(ctx, c.InPod(cli), hostPort(srv.IP, live.PortTCP)) // only traffic for the capture; res above is judged
			}
			cr := <-capc
			b.add("server answers", seen(res, err), "an answer", answered(res, err))
			if answered(res, err) {
				b.add("server saw the client Pod IP", res.Server.RemoteIP, cli.IP, res.Server.RemoteIP == cli.IP)
				b.add("server is on the other node", res.Server.Server.NodeName, nb.Name, res.Server.Server.NodeName == nb.Name)
				ttlEvidence(b, res, checks.TTLSeen(checks.CrossNodeHops(c.Plan)), "two routing hops")
			}
			if cr.err != nil {
				b.add("capture on "+na.Name+" eth0", truncate(cr.err.Error(), 160), "a capture", false)
			} else if enc.Kind == "vxlan" {
				vxlanEvidence(b, cr.r, port, na.Name)
			} else {
				b.add("encapsulated packets of the flow on "+na.Name+" eth0", captureText(cr.r), "0 (native routing)", cr.r.Packets == 0)
			}
			if enc.Kind == "none" {
				rs, err := l.Routes(ctx, c.OnNode(na.Name))
				var via string
				for _, rt := range rs {
					if rt.Dst == nb.PodCIDR {
						via = rt.Gateway
					}
				}
				b.add("route to the peer's Pod range", fmt.Sprintf("%s via %s %v", nb.PodCIDR, via, errText(err)), "via "+nb.IP, via == nb.IP)
			}
			links, lerr := l.Links(ctx, c.InPod(cli))
			uplinks, uerr := l.Links(ctx, c.OnNode(na.Name))
			podMTU, upMTU := mtuOf(links, "eth0"), mtuOf(uplinks, "eth0")
			if lerr != nil || uerr != nil {
				b.add("MTUs", fmt.Sprintf("%v %v", lerr, uerr), "read", false)
			} else {
				b.add("Pod MTU = uplink MTU - overhead", fmt.Sprintf("Pod eth0 %d, node eth0 %d", podMTU, upMTU),
					fmt.Sprintf("%d = %d - %d", enc.PodMTU, c.Plan.CNI.UplinkMTU, c.Plan.CNI.Overhead),
					podMTU == enc.PodMTU && upMTU == c.Plan.CNI.UplinkMTU)
			}
			if env.Perf && answered(res, err) {
				measure(ctx, l, b, c.InPod(cli), hostPort(srv.IP, live.PortTCP))
			}
			return b.done(fmt.Sprintf("%s (%s) -> %s (%s), %s", cli.IP, na.Name, srv.IP, nb.Name, enc.Kind))
		}),
	}
}

func podToPodCrossNodeHops(x *hop.Context) []string {
	a, b := x.NodeA, x.NodeB
	return []string{
		"the client, " + hop.Pod(a) + ": eth0 (MTU " + x.PodMTU() + ") -> veth -> the node's namespace",
		"node " + a.Name + " (" + a.IP + ") routes " + b.PodCIDR + " (TTL -1) into " + x.Overlay(),
		"outer packet " + a.IP + " -> " + b.IP + " on eth0 across the VPC network",
		"node " + b.Name + " (" + b.IP + ") decapsulates and routes to " + hop.Pod(b) + " (TTL -1: the server sees 62)",
	}
}

// innerFlow is the flow a capture counts: the client Pod to the server Pod on port.
func innerFlow(client, server string, port int) (node.InnerFlow, error) {
	s, err := netip.ParseAddr(client)
	if err != nil {
		return node.InnerFlow{}, fmt.Errorf("client Pod IP %q: %w", client, err)
	}
	d, err := netip.ParseAddr(server)
	if err != nil {
		return node.InnerFlow{}, fmt.Errorf("server Pod IP %q: %w", server, err)
	}
	return node.InnerFlow{Src: s, Dst: d, Port: uint16(port)}, nil
}

// vxlanEvidence asserts that the client node's uplink carried the flow in VXLAN to the CNI's
// port, both ways: the client's packets out (forward) and the server's replies in.
func vxlanEvidence(b *builder, r node.CaptureResult, port int, nodeName string) {
	onPort := r.ByPort[fmt.Sprint(port)]
	b.add(fmt.Sprintf("VXLAN UDP/%d on %s eth0 carrying the flow %s", port, nodeName, r.Flow), captureText(r),
		"forward > 0 and reply > 0, all on port "+fmt.Sprint(port), r.Forward > 0 && r.Reply > 0 && onPort == r.Packets)
}

// captureText is a capture's counts in one line.
func captureText(r node.CaptureResult) string {
	return fmt.Sprintf("forward %d, reply %d (VNI %v, by port %v); left out: %d of other flows, %d not VXLAN",
		r.Forward, r.Reply, r.ByVNI, r.ByPort, r.OtherFlow, r.NotVXLAN)
}

func mtuOf(ls []node.Interface, name string) int {
	for _, i := range ls {
		if i.Name == name {
			return i.MTU
		}
	}
	return 0
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "(" + truncate(err.Error(), 100) + ")"
}
