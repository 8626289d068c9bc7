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
	"github.com/netlab-dev/netlab/probe"
)

// mesh/east-west: the mesh probe in cluster From (a proxyless gRPC workload: pilot-agent beside
// it, no Envoy) calls xds:///mesh-echo-<To>.netlab-checks.svc.cluster.local:7070, a Service that
// exists in To only. istiod in From knows it from To's API server (mesh/remote-discovery) and
// hands the client To's endpoints. The evidence: the server that answers is To's; the call came
// over mTLS and the server saw the client's SPIFFE identity (one root of trust); the TCP peer is
// the client itself (its Pod IP, or its node's when the CNI masquerades Pod traffic leaving the
// cluster), Pod to Pod through the transit gateway. On several networks the check is skipped
// (meshOneNetworkPairs says why). Negative control, under STRICT:
// a plaintext client outside the mesh (a probe Pod of To without the agent) is refused by the
// server; that the policy refuses it is shown by contrast: with To's PeerAuthentication set to
// PERMISSIVE the same call is answered, and with STRICT put back it is refused again.
func meshEastWest() checks.Definition {
	return checks.Definition{
		ID:      "mesh/east-west",
		Targets: meshOneNetworkPairs,
		Hops:    meshEastWestHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			from, to, err := pair(l, t)
			if err != nil {
				return b.errorf("%v", err)
			}
			clients, err := runningPods(ctx, l, from, live.DeployMeshCall)
			if err != nil {
				return b.errorf("%v", err)
			}
			servers, err := runningPods(ctx, l, to, live.DeployMesh)
			if err != nil {
				return b.errorf("%v", err)
			}
			unlock := l.Lock("mesh", false)
			defer unlock()
			cli := clients[0]
			target := fmt.Sprintf("xds:///%s:%d", live.MeshHost(to.Plan.Name), live.PortMesh)
			var r probe.GRPCResult
			poll(ctx, meshWait, meshWait/15, func() bool {
				r, err = l.GRPC(ctx, checks.Where{Cluster: from.Plan.Name, Pod: cli.Name, Container: checks.ContainerProbe}, target)
				return err == nil && r.OK
			})
			var rep probe.GRPCReply
			if r.Reply != nil {
				rep = *r.Reply
			}
			if !b.add(fmt.Sprintf("%s calls %s from %s", cli.Name, target, from.Plan.Name), grpcSeen(r, err), "an answer from cluster "+to.Plan.Name, r.OK && rep.Server.ClusterName == to.Plan.Name) {
				return b.done(fmt.Sprintf("no answer from %s through the mesh", to.Plan.Name))
			}
			b.add("the server saw mTLS and the client's SPIFFE identity", orText(rep.PeerSPIFFE, fmt.Sprintf("mTLS %v, no identity", rep.MTLS)), live.MeshIdentity(), rep.MTLS && rep.PeerSPIFFE == live.MeshIdentity())
			var peerIP string
			if ap, perr := netip.ParseAddrPort(rep.PeerAddr); perr == nil {
				peerIP = ap.Addr().Unmap().String()
			}
			self := []string{cli.IP}
			if n, ok := from.Node(cli.Node); ok && from.Plan.CNI.CrossClusterSource != "preserve" {
				self = []string{n.IP}
			}
			b.add("one network: the TCP peer is the client itself, Pod to Pod", orText(peerIP, "none"), strings.Join(self, ",")+" (the client's "+map[bool]string{true: "Pod IP", false: "node, masqueraded by the CNI"}[self[0] == cli.IP]+")", peerIP == self[0])
			// Negative control: a client outside the mesh, in plain gRPC, at the server Pod itself.
			if env.Plan.Istio.MTLS != "STRICT" {
				return b.done(fmt.Sprintf("%s answered %s over mTLS (%s); mTLS is %s, so no plaintext refusal to assert", to.Plan.Name, from.Plan.Name, rep.PeerSPIFFE, env.Plan.Istio.MTLS))
			}
			plainFrom := to.InPod(to.Probe[to.Nodes[0].Name])
			plainTarget := hostPort(servers[0].IP, live.PortMesh)
			plain := func() (bool, bool, string) {
				pr, perr := l.GRPC(ctx, plainFrom, plainTarget)
				refused := !pr.OK && pr.Error != "" && !strings.Contains(pr.Error, "DeadlineExceeded") && !strings.Contains(pr.Error, "i/o timeout")
				return pr.OK && pr.Reply != nil, refused, grpcSeen(pr, perr)
			}
			_, refused, seen := plain()
			b.negative(fmt.Sprintf("a plaintext gRPC client outside the mesh (%s) calls %s directly", plainFrom.Pod, plainTarget), refused, seen, "refused by the server (STRICT mTLS), not a timeout")
			if !refused {
				return b.done("a plaintext client was not refused under STRICT")
			}
			// The refusal is the policy's: with PERMISSIVE the same plaintext call is answered (istiod
			// pushes the server a listener that also takes plaintext), and with STRICT back it is
			// refused again.
			restore, err := l.SetMeshMTLS(ctx, to.Plan.Name, "PERMISSIVE")
			if err != nil {
				return b.errorf("%v", err)
			}
			answered := poll(ctx, meshWait, meshWait/30, func() bool { ok, _, s := plain(); seen = s; return ok })
			b.add("with "+to.Plan.Name+"'s PeerAuthentication PERMISSIVE, the same plaintext call", seen, "answered", answered)
			if err := restore(); err != nil {
				return b.errorf("%v", err)
			}
			again := poll(ctx, meshWait, meshWait/30, func() bool { _, r, s := plain(); seen = s; return r })
			b.add("STRICT put back: the plaintext call", seen, "refused again", again)
			return b.done(fmt.Sprintf("%s answered %s over mTLS as %s", to.Plan.Name, from.Plan.Name, rep.PeerSPIFFE))
		}),
	}
}

// grpcSeen describes a mesh call's outcome.
func grpcSeen(r probe.GRPCResult, err error) string {
	switch {
	case r.OK && r.Reply != nil:
		return fmt.Sprintf("answered by %s (%s) in %.1f ms", r.Reply.Server.PodName, r.Reply.Server.ClusterName, r.RTTMs)
	case r.Error != "":
		return "no answer: " + truncate(r.Error, 160)
	case err != nil:
		return "no answer " + errText(err)
	}
	return "no answer"
}

func meshEastWestHops(x *hop.Context) []string {
	return []string{
		"the client in " + x.CName() + " (proxyless gRPC, pilot-agent beside it) resolves xds:///mesh-echo-" + x.DName() + " through istiod in " + x.CName() + ", which knows it from " + x.DName() + "'s API server",
		"one network: istiod hands out " + x.DName() + "'s Pod IPs, and the call goes Pod to Pod through the transit gateway; several networks: it hands out " + x.DName() + "'s east-west gateway (15443, AUTO_PASSTHROUGH by SNI)",
		"gRPC's xDS credentials make it mTLS with certificates from each cluster's istiod, both under the mesh's one root; the server reports the client's SPIFFE identity",
	}
}
