package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/names"
)

// mesh/remote-discovery: istiod in cluster From holds the endpoints of a Service of cluster To,
// read from To's API server through the remote secret 'up' put into From. The evidence is
// istiod's own view (its endpoint shards, /debug/endpointShardz): a shard registered as
// "Kubernetes/<To>" whose addresses are exactly To's echo Pod IPs. Negative control: with From's
// remote secret for To removed, that shard goes; with it put back, it returns.
func meshRemoteDiscovery() checks.Definition {
	return checks.Definition{
		ID:      "mesh/remote-discovery",
		Targets: istioPairs,
		Hops:    meshRemoteDiscoveryHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			from, to, err := pair(l, t)
			if err != nil {
				return b.errorf("%v", err)
			}
			backends, err := runningPods(ctx, l, to, live.DeployEcho)
			if err != nil {
				return b.errorf("%v", err)
			}
			var want []string
			for _, p := range backends {
				want = append(want, p.IP)
			}
			slices.Sort(want)
			host := fmt.Sprintf("%s.%s.svc.cluster.local", live.SvcEcho, live.Namespace)
			shard := "Kubernetes/" + to.Plan.Name
			// The control removes a remote secret every mesh check relies on.
			unlock := l.Lock("mesh", true)
			defer unlock()
			read := func() ([]string, error) {
				eps, err := l.MeshEndpoints(ctx, from.Plan.Name, host)
				return eps[shard], err
			}
			var got []string
			poll(ctx, meshWait, meshWait/30, func() bool {
				got, err = read()
				return err == nil && slices.Equal(got, want)
			})
			if err != nil {
				return b.errorf("%v", err)
			}
			if !b.add(fmt.Sprintf("istiod in %s: endpoints of %s from registry %s", from.Plan.Name, host, shard), orText(strings.Join(got, ","), "none"),
				strings.Join(want, ",")+" ("+to.Plan.Name+"'s echo Pods)", slices.Equal(got, want)) {
				return b.done(fmt.Sprintf("istiod in %s does not serve %s's endpoints", from.Plan.Name, to.Plan.Name))
			}
			restore, err := l.RemoveRemoteSecret(ctx, from.Plan.Name, to.Plan.Name)
			if err != nil {
				return b.errorf("negative control: %v", err)
			}
			var during []string
			gone := poll(ctx, meshWait, meshWait/30, func() bool {
				during, err = read()
				return err == nil && len(during) == 0
			})
			b.negative(fmt.Sprintf("remote secret %s removed from cluster %s", names.IstioRemoteSecret(to.Plan.Name), from.Plan.Name), gone,
				orText(strings.Join(during, ","), "no endpoints from "+shard)+errText(err), "no endpoints from "+shard)
			if rerr := restore(); rerr != nil {
				return b.errorf("negative control: %v; the mesh is left without it: run 'netlab up %s' to repair it", rerr, env.Plan.Lab)
			}
			var after []string
			back := poll(ctx, meshWait, meshWait/30, func() bool {
				after, err = read()
				return err == nil && slices.Equal(after, want)
			})
			b.add("remote secret put back: the endpoints return", orText(strings.Join(after, ","), "none")+errText(err), strings.Join(want, ","), back)
			return b.done(fmt.Sprintf("istiod in %s serves %s's endpoints of %s through its remote secret", from.Plan.Name, to.Plan.Name, host))
		}),
	}
}

// meshWait bounds each wait for istiod to see a change (a variable for the tests).
var meshWait = 90 * time.Second

func meshRemoteDiscoveryHops(x *hop.Context) []string {
	return []string{
		"a remote secret in cluster " + x.CName() + " (istio-system/istio-remote-secret-" + x.DName() + ") holds a kubeconfig for " + x.DName() + "'s API server at its control plane's VPC address, with a reader's token",
		"istiod in " + x.CName() + " watches " + x.DName() + "'s Services and EndpointSlices through it, across the transit gateway",
		"it keeps " + x.DName() + "'s endpoints in a shard of their own (Kubernetes/" + x.DName() + ") and hands them to " + x.CName() + "'s workloads: Pod IPs on one network, the remote east-west gateway on several",
	}
}
