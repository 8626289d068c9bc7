package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// netpolName is the NetworkPolicy the check applies to the netpol-client Pod.
const netpolName = "netlab-egress-allowlist"

// netpol/egress-allowlist: a NetworkPolicy lets the netpol-client Pod reach only the VPC client's
// TCP port 7001. The allowed port must connect and the VPC client's other port must not; with the
// policy deleted (the negative control) the denied port connects. On a CNI that does not enforce
// NetworkPolicy (Flannel alone) the check reports that, with what it observed, and does not pass.
func netpolEgressAllowlist() checks.Definition {
	return checks.Definition{
		ID:      "netpol/egress-allowlist",
		Targets: everyCluster,
		Hops:    netpolEgressAllowlistHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			cl, err := l.ClientFor(c.Plan)
			if err != nil {
				return b.errorf("%v", err)
			}
			pods, err := podsOf(ctx, l, c, live.PodNetpol)
			if err != nil || len(pods) == 0 {
				return b.errorf("no running %s Pod: %v", live.PodNetpol, err)
			}
			w := c.InPod(pods[0])
			pol := checks.EgressPolicy{Name: netpolName, App: live.PodNetpol, CIDR: cl.IP + "/32", Port: live.PortTCP}
			if err := l.ApplyEgressPolicy(ctx, c.Plan.Name, pol); err != nil {
				return b.errorf("create the NetworkPolicy: %v", err)
			}
			defer l.DeleteNetworkPolicy(context.WithoutCancel(ctx), c.Plan.Name, netpolName)
			time.Sleep(3 * time.Second) // let the CNI's agent program it, where there is one
			allowed := hostPort(cl.IP, live.PortTCP)
			denied := fmt.Sprintf("http://%s:%d/", cl.IP, live.PortDenied)
			ra, erra := l.TCP(ctx, w, allowed)
			b.add("allowed "+allowed, seen(ra, erra), "an answer", answered(ra, erra))
			rd, errd := l.HTTP(ctx, w, denied)
			deniedGotThrough := answered(rd, errd)
			enforced, why := checks.NetworkPolicyEnforced(c.Plan)
			if !enforced {
				b.add("denied "+denied, seen(rd, errd), "refused or timed out, if the policy were enforced", !deniedGotThrough)
				if deniedGotThrough {
					return b.skip(why + "; observed: the denied port answered with the policy in place")
				}
				b.res.Summary = "the CNI was expected not to enforce NetworkPolicy, yet the denied port did not answer"
				return b.done(b.res.Summary)
			}
			b.add("denied "+denied, seen(rd, errd), "refused or timed out", !deniedGotThrough)
			if err := l.DeleteNetworkPolicy(ctx, c.Plan.Name, netpolName); err != nil {
				return b.errorf("delete the NetworkPolicy: %v", err)
			}
			var rn = rd
			var errn = errd
			poll(ctx, 20*time.Second, 2*time.Second, func() bool { rn, errn = l.HTTP(ctx, w, denied); return answered(rn, errn) })
			b.negative("NetworkPolicy deleted", answered(rn, errn), seen(rn, errn), "the denied port connects")
			return b.done(fmt.Sprintf("egress from %s allowed only to %s", pods[0].Name, allowed))
		}),
	}
}

func netpolEgressAllowlistHops(x *hop.Context) []string {
	return []string{
		"a NetworkPolicy selects the client Pod, policyTypes [Egress], one rule: to the client address /32, TCP 7001",
		"the CNI's policy agent programs filters on the Pod's veth (" + x.NetpolAgent() + ")",
		"allowed: 7001 connects; denied: any other port or address is dropped (times out) or rejected",
	}
}
